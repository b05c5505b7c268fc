package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/vae"
)

// The fixed seeds of evaluation, so that the numbers and figures of
// different runs and epochs are comparable.
const (
	evalSeed   uint64 = 0x6576616c5f656c62 // the test-set ELBO's samples of z ("eval_elb")
	sampleSeed uint64 = 0x73616d706c65735f // the prior samples of samples.png ("samples_")
	logPxSeed  uint64 = 0x6c6f675f7078735f // the importance samples of log p(x) ("log_pxs_")
)

// Evaluation sizes: evalBatch test images go through the network at once;
// the log p(x) estimate takes logPxBatch images and logPxChunk importance
// samples of each at a time, so that it holds at most 2,000 decoded images
// whatever EvalK is.
const (
	evalBatch   = 500
	logPxBatch  = 100
	logPxChunk  = 20
	activeLimit = 0.01 // variance of E_q[z_i] above which latent i is active (Burda et al.; per layer for a hierarchical model)
	reconCount  = 8    // test digits in reconstructions.png
	sampleSide  = 8    // samples.png is sampleSide×sampleSide samples
	manifoldN   = 20   // manifold.png is manifoldN×manifoldN decoded latents
)

// Options are the parts of a run that do not change its results.
type Options struct {
	Log      io.Writer // receives the output folder, a line per epoch and the final results; nil for none
	Progress Progress  // shows progress within an epoch and the log p(x) estimate; nil for none
}

// Result is what a run produced: its folder, the metrics of every epoch
// (those of earlier runs too, when resumed) and the final results.
type Result struct {
	Dir     string
	History []Metrics
	Final   Results
}

// Train trains a new model as cfg says, in a new output folder (cfg.Out, or
// one under RunsDir), and returns what it wrote there. A NaN or infinite
// loss stops it with an error wrapping a *vae.NonFiniteError; the
// checkpoint of the last whole epoch is left as it was.
func Train(cfg Config, opts Options) (*Result, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d, err := loadData(cfg)
	if err != nil {
		return nil, err
	}
	st := fitStandardization(cfg, d.train)
	var from *vae.Model
	if cfg.Init != "" {
		if from, st, err = readInit(cfg, d.train); err != nil {
			return nil, err
		}
	}
	if d, err = d.standardize(st); err != nil {
		return nil, err
	}
	dir, err := newRunDir(cfg)
	if err != nil {
		return nil, err
	}
	r, err := newRunner(cfg, dir, d, st, opts, start)
	if err != nil {
		return nil, err
	}
	defer r.close()
	if from != nil {
		if err := r.model.Params.Restore(from.Params.Snapshot()); err != nil {
			return nil, fmt.Errorf("train: -init %s: %w", cfg.Init, err)
		}
	}
	r.logf("output folder: %s\n", dir)
	if cfg.Budget > 0 && cfg.Budget < cfg.Epochs {
		r.logf("budget: training %d of the protocol's %d epochs\n", cfg.Budget, cfg.Epochs)
	}
	if err := writeJSON(filepath.Join(dir, ConfigFile), cfg); err != nil {
		return nil, err
	}
	return r.run()
}

// Saved is a run read back from its output folder, to be resumed.
type Saved struct {
	Dir        string
	Config     Config // the run's configuration, from the checkpoint
	Checkpoint *vae.Checkpoint
}

// Load reads the run in dir from its checkpoint, model.ckpt.
func Load(dir string) (*Saved, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("train: %s is not a folder: give the output folder of a run to resume", dir)
	}
	path := filepath.Join(dir, CheckpointFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("train: %s holds no %s: it is not the output folder of a run, or its run has not finished an epoch (the checkpoint is written after each); start a new run instead", dir, CheckpointFile)
	}
	ckpt, err := vae.LoadCheckpoint(path)
	if err != nil {
		return nil, fmt.Errorf("train: cannot resume: %w", err)
	}
	cfg := Config{}
	if err := json.Unmarshal(ckpt.Meta, &cfg); err != nil {
		return nil, fmt.Errorf("train: %s holds no vae-train configuration (%v): it was not written by vae-train", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("train: the configuration stored in %s is not valid: %w", path, err)
	}
	cfg.Out = dir
	return &Saved{Dir: dir, Config: cfg, Checkpoint: ckpt}, nil
}

// Resume continues the saved run with cfg, which must be s.Config but for
// the fields of ResumeChangeable, until cfg.Epochs epochs are done, and
// then evaluates it: the results are bit for bit those of a run never
// stopped. Lines of metrics.jsonl past the checkpoint's epoch (from a crash
// after the metrics were written but before the checkpoint was) are
// dropped.
func (s *Saved) Resume(cfg Config, opts Options) (*Result, error) {
	start := time.Now()
	cfg.Out = s.Dir
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.checkResume(s.Config); err != nil {
		return nil, err
	}
	if done := s.Checkpoint.Epoch; cfg.RunEpochs() < done {
		return nil, fmt.Errorf("train: -epochs %d -budget %d: the run in %s has trained %d epochs already; give -epochs (and -budget, if set) %d or more",
			cfg.Epochs, cfg.Budget, s.Dir, done, done)
	}
	history, err := readMetrics(filepath.Join(s.Dir, MetricsFile), s.Checkpoint.Epoch)
	if err != nil {
		return nil, err
	}
	d, err := loadData(cfg)
	if err != nil {
		return nil, err
	}
	st := fitStandardization(cfg, d.train)
	if cfg.Init != "" && st != nil {
		st = s.Checkpoint.Standardization // the imported model's (readInit), not the data's own
	}
	if err := sameStandardization(st, s.Checkpoint.Standardization); err != nil {
		return nil, fmt.Errorf("train: cannot resume %s: %w", s.Dir, err)
	}
	if d, err = d.standardize(st); err != nil {
		return nil, err
	}
	if err := fitsCheckpoint(d.train, s.Checkpoint); err != nil {
		return nil, fmt.Errorf("train: cannot resume %s: %w", s.Dir, err)
	}
	r, err := newRunner(cfg, s.Dir, d, st, opts, start)
	if err != nil {
		return nil, err
	}
	defer r.close()
	if err := r.trainer.Resume(s.Checkpoint); err != nil {
		return nil, fmt.Errorf("train: cannot resume from %s: %w", filepath.Join(s.Dir, CheckpointFile), err)
	}
	r.history = history
	for _, m := range history {
		r.piece = max(r.piece, m.Piece+1, 2)
	}
	if len(history) != s.Checkpoint.Epoch {
		r.logf("warning: %s has the metrics of %d of the %d epochs trained; loss.png will miss the others\n",
			MetricsFile, len(history), s.Checkpoint.Epoch)
	}
	r.logf("resuming %s after epoch %d\n", s.Dir, s.Checkpoint.Epoch)
	if err := writeMetrics(filepath.Join(s.Dir, MetricsFile), history); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(s.Dir, ConfigFile), cfg); err != nil {
		return nil, err
	}
	return r.run()
}

// runner is one training run in progress.
type runner struct {
	cfg      Config
	dir      string
	opts     Options
	model    *vae.Model
	trainer  *vae.Trainer
	eval     *vae.Evaluator
	test     *datasets.Set // the evaluation set: grey or binarised, cut to EvalLimit
	testName string
	st       *datasets.Standardization // of the data; nil if not standardised
	history  []Metrics
	start    time.Time // when the invocation began
	piece    int       // which invocation this is (Metrics.Piece)
}

func newRunner(cfg Config, dir string, d runData, st *datasets.Standardization, opts Options, start time.Time) (*runner, error) {
	model, err := vae.NewMLP(cfg.arch(d.train))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	tc, err := cfg.trainer()
	if err != nil {
		return nil, err
	}
	tr, err := vae.NewTrainer(model, tc, d.train)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	ev, err := vae.NewEvaluator(model, evalBatch)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if opts.Progress == nil {
		opts.Progress = noProgress{}
	}
	r := &runner{cfg: cfg, dir: dir, opts: opts, model: model, trainer: tr, eval: ev, st: st, start: start, piece: 1}
	r.test, r.testName = cfg.EvalSet(d.test)
	return r, nil
}

// fitStandardization returns the standardisation of the training set if
// cfg asks for one, else nil.
func fitStandardization(cfg Config, train *datasets.Set) *datasets.Standardization {
	if !cfg.Standardize {
		return nil
	}
	st := datasets.FitStandardization(train)
	return &st
}

// sameStandardization reports a resumed run whose training data do not
// standardise as those it was trained on did.
func sameStandardization(now, was *datasets.Standardization) error {
	switch {
	case now == nil && was == nil:
		return nil
	case now == nil || was == nil:
		return fmt.Errorf("the checkpoint has standardisation statistics: %v, this run: %v; resume with the run's -standardize", was != nil, now != nil)
	case !slices.Equal(now.Mean, was.Mean) || !slices.Equal(now.Scale, was.Scale):
		return fmt.Errorf("the training data do not have the means and scales the run was standardised with: they are not the data it was trained on; resume with the same -data")
	}
	return nil
}

// fitsCheckpoint reports data whose examples are not of the size of the
// model in c.
func fitsCheckpoint(train *datasets.Set, c *vae.Checkpoint) error {
	in, err := checkpointInput(c)
	if err != nil {
		return err
	}
	if in != train.Dim() {
		return fmt.Errorf("the model was trained on examples of %d values, but the data (-data) have %d: give the data it was trained on", in, train.Dim())
	}
	return nil
}

// checkpointInput returns the number of inputs of the model in c: its
// decoder's output bias, "decoder.out.b", has one value per input.
func checkpointInput(c *vae.Checkpoint) (int, error) {
	i := slices.Index(c.Params.Names, "decoder.out.b")
	if i < 0 || len(c.Params.Shapes[i]) != 1 {
		return 0, fmt.Errorf("the checkpoint holds no decoder.out.b of one dimension: it is not of a vae-train model")
	}
	return c.Params.Shapes[i][0], nil
}

// EvalSet returns the test examples a run of c is evaluated on, and their
// name: the set itself ("grey" for images of bytes, "standardized" for
// standardised data, "values" for other float data), or for binarised
// training the fixed binarised test set, the same on every run
// ("binarized"); the first EvalLimit of them if it is set.
func (c Config) EvalSet(testSet *datasets.Set) (*datasets.Set, string) {
	set, name := testSet, "grey"
	switch {
	case c.Binarize != datasets.Grey:
		set, name = testSet.Binarize(datasets.TestSeed), "binarized"
	case c.Standardize:
		name = "standardized"
	case testSet.Values != nil:
		name = "values"
	}
	if c.EvalLimit > 0 && c.EvalLimit < set.Len() {
		set, _ = set.Split(c.EvalLimit)
	}
	return set, name
}

// Arch returns the architecture of the saved run's model; its input size
// is the checkpoint's.
func (s *Saved) Arch() (vae.Arch, error) {
	in, err := checkpointInput(s.Checkpoint)
	if err != nil {
		return vae.Arch{}, fmt.Errorf("train: %s: %w", s.Dir, err)
	}
	a := s.Config.arch(nil)
	a.Input = in
	return a, nil
}

// Model returns the model of the saved run, with the parameters of its
// checkpoint.
func (s *Saved) Model() (*vae.Model, error) {
	a, err := s.Arch()
	if err != nil {
		return nil, err
	}
	m, err := vae.NewMLP(a)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := m.Restore(s.Checkpoint); err != nil {
		return nil, fmt.Errorf("train: %s: %w", s.Dir, err)
	}
	return m, nil
}

// TestSet reads the run's data again (from data, or from the run's own
// -data if it is ""), standardised with the statistics its checkpoint
// keeps, and returns the test examples it is evaluated on (EvalSet) and
// their name.
func (s *Saved) TestSet(data string) (*datasets.Set, string, error) {
	cfg := s.Config
	if data != "" {
		cfg.Data = data
	}
	d, err := s.data(cfg)
	if err != nil {
		return nil, "", err
	}
	set, name := cfg.EvalSet(d.test)
	return set, name, nil
}

// data reads the data as cfg says, standardised with the statistics the
// checkpoint of s keeps, and checks that they fit its model.
func (s *Saved) data(cfg Config) (runData, error) {
	d, err := loadData(cfg)
	if err != nil {
		return d, err
	}
	st := s.Checkpoint.Standardization
	if (st != nil) != cfg.Standardize {
		return d, fmt.Errorf("train: %s: the run's -standardize is %v but its checkpoint holds %s standardisation", s.Dir, cfg.Standardize, map[bool]string{true: "a", false: "no"}[st != nil])
	}
	if st != nil && len(st.Mean) != d.train.Dim() {
		return d, fmt.Errorf("train: %s: the run was standardised over %d features, but the data (-data) have %d: give the data it was trained on", s.Dir, len(st.Mean), d.train.Dim())
	}
	if d, err = d.standardize(st); err != nil {
		return d, err
	}
	if err := fitsCheckpoint(d.train, s.Checkpoint); err != nil {
		return d, fmt.Errorf("train: %s: %w", s.Dir, err)
	}
	return d, nil
}

func (r *runner) close() { r.eval.Close() }

func (r *runner) logf(format string, args ...any) {
	if r.opts.Log != nil {
		fmt.Fprintf(r.opts.Log, format, args...)
	}
}

func (r *runner) path(name string) string { return filepath.Join(r.dir, name) }

// run trains the remaining epochs, then writes the final results.
func (r *runner) run() (*Result, error) {
	meta, err := json.Marshal(r.cfg)
	if err != nil {
		return nil, fmt.Errorf("train: encoding the configuration: %w", err)
	}
	var last vae.Stats
	var variances []float64
	if r.cfg.RunEpochs() == 0 { // an imported model (-init), scored as it is
		if err := r.save(meta); err != nil {
			return nil, err
		}
	}
	for r.trainer.Epoch() < r.cfg.RunEpochs() {
		if last, variances, err = r.epoch(meta); err != nil {
			return nil, err
		}
	}
	if last.N == 0 { // resumed with nothing left to train, or -epochs 0
		if last, variances, err = r.eval.ELBO(r.test, evalSeed); err != nil {
			return nil, fmt.Errorf("train: evaluating: %w", err)
		}
	}
	final, err := r.final(last, variances)
	if err != nil {
		return nil, err
	}
	return &Result{Dir: r.dir, History: r.history, Final: final}, nil
}

// epoch trains one epoch, evaluates, and writes the metrics, the figures
// and the checkpoint, in that order: a crash leaves the checkpoint of the
// epoch before, and metrics that Resume cuts back to it.
func (r *runner) epoch(meta []byte) (vae.Stats, []float64, error) {
	e := r.trainer.Epoch()
	start := time.Now()
	p := r.opts.Progress
	p.Start(fmt.Sprintf("epoch %d/%d", e+1, r.cfg.RunEpochs()), r.trainer.BatchesPerEpoch())
	st, err := r.trainer.TrainEpoch(func(done, _ int) { p.Update(done) })
	p.Finish()
	if err != nil {
		return vae.Stats{}, nil, r.trainError(err, e)
	}
	trainSecs := time.Since(start).Seconds()

	start = time.Now()
	ts, variances, err := r.eval.ELBO(r.test, evalSeed)
	if err != nil {
		return vae.Stats{}, nil, fmt.Errorf("train: evaluating after epoch %d: %w", e+1, err)
	}
	m := Metrics{
		Epoch: e + 1, TrainLoss: st.Loss, TrainRecon: st.Recon, TrainKL: st.KL, Beta: st.Beta,
		LR:       r.trainer.Config().Adam.Schedule.Rate(e),
		TestLoss: ts.Loss, TestRecon: ts.Recon, TestKL: ts.KL, ActiveUnits: vae.ActiveUnits(variances, activeLimit),
		EpochSeconds: trainSecs, Piece: r.piece,
	}
	r.history = append(r.history, m)
	if err := r.figures(); err != nil {
		return vae.Stats{}, nil, err
	}
	r.history[len(r.history)-1].EvalSeconds = time.Since(start).Seconds()
	if err := r.save(meta); err != nil {
		return vae.Stats{}, nil, err
	}
	r.logf("epoch %d/%d: train loss %.2f, test loss %.2f (recon %.2f, KL %.2f), %.1f s\n",
		m.Epoch, r.cfg.RunEpochs(), m.TrainLoss, m.TestLoss, m.TestRecon, m.TestKL, trainSecs)
	return ts, variances, nil
}

// save writes the metrics and then the checkpoint, with the run's
// configuration meta and its standardisation.
func (r *runner) save(meta []byte) error {
	if err := writeMetrics(r.path(MetricsFile), r.history); err != nil {
		return err
	}
	ckpt, err := r.trainer.Checkpoint(meta)
	if err != nil {
		return fmt.Errorf("train: saving the checkpoint: %w", err)
	}
	ckpt.Standardization = r.st
	if err := ckpt.Save(r.path(CheckpointFile)); err != nil {
		return fmt.Errorf("train: saving the checkpoint: %w", err)
	}
	return nil
}

// trainError explains a failed epoch e; for a non-finite loss it says which
// checkpoint is left.
func (r *runner) trainError(err error, e int) error {
	var nf *vae.NonFiniteError
	if !errors.As(err, &nf) {
		return fmt.Errorf("train: epoch %d: %w", e+1, err)
	}
	if e == 0 {
		return fmt.Errorf("train: %w (no checkpoint was written: the first epoch did not finish)", err)
	}
	return fmt.Errorf("train: %w (%s still holds epoch %d, the last good one)", err, r.path(CheckpointFile), e)
}

// final evaluates the model at the end of training, with the log p(x)
// estimate if EvalK > 0, and writes and logs the results.
func (r *runner) final(st vae.Stats, variances []float64) (Results, error) {
	over, err := r.cfg.Overrides()
	if err != nil {
		return Results{}, err
	}
	res := Results{
		Preset: r.cfg.Preset, Command: r.cfg.command(over), Overrides: over, Config: r.cfg,
		Epochs:      epochCount(r.cfg, r.trainer.Epoch()),
		Environment: environment(),
	}
	if res.Overrides == nil {
		res.Overrides = []Override{} // [] rather than null: no overrides
	}
	if res.Test, err = testResults(r.cfg, r.testName, st, variances); err != nil {
		return res, err
	}
	if r.cfg.Preset != "" {
		p, err := LookupPreset(r.cfg.Preset)
		if err != nil {
			return res, err
		}
		res.Source, res.Published = p.Source, p.PublishedFor(r.cfg)
	}
	logPxSecs, err := logLikelihood(&res.Test, r.model, r.test, r.cfg.EvalK, r.opts.Progress)
	if err != nil {
		return res, err
	}
	res.Timing = timing(r.history, time.Since(r.start).Seconds(), logPxSecs)
	if err := writeJSON(r.path(ResultsFile), res); err != nil {
		return res, err
	}
	if err := writeTable(r.path(TableFile), res); err != nil {
		return res, err
	}
	logTest(r.opts.Log, r.cfg, res.Test, logPxSecs)
	if p := res.Published; p != nil {
		r.logf("published: %.2f nats after %d epochs (%s); this run trained %s\n", p.LogPx, p.Epochs, p.Where, res.Epochs.Note)
	}
	return res, nil
}

// testResults returns the test numbers of the ELBO st and the variances
// of the posterior means, from the evaluation of a model of cfg on the
// test set called set.
func testResults(cfg Config, set string, st vae.Stats, variances []float64) (TestResults, error) {
	t := TestResults{
		Set: set, N: st.N, ELBO: -st.Loss, Loss: st.Loss, Recon: st.Recon, KL: st.KL,
		ActiveUnits: vae.ActiveUnits(variances, activeLimit), Variances: variances,
	}
	if len(cfg.Upper) > 0 {
		var err error
		if t.ActiveUnitsByLayer, err = vae.ActiveUnitsByLayer(variances, cfg.Latents(), activeLimit); err != nil {
			return t, fmt.Errorf("train: %w", err)
		}
	}
	return t, nil
}

// logTest writes the test numbers t of a model of cfg to w, if not nil.
func logTest(w io.Writer, cfg Config, t TestResults, logPxSecs float64) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "test (%s, %d examples): ELBO %.2f (recon %.2f, KL %.2f), %s latents active\n",
		t.Set, t.N, t.ELBO, t.Recon, t.KL, t.activeText(cfg))
	if t.LogPx != nil {
		fmt.Fprintf(w, "log p(x) ≈ %.2f ± %.2f nats (K = %d, %.0f s)\n", *t.LogPx, *t.LogPxStdErr, t.EvalK, logPxSecs)
	}
}

// logLikelihood estimates log p(x) of model on the test set with k
// importance samples per example, if k > 0, and sets the mean and its
// standard error in t. It returns the seconds it took.
func logLikelihood(t *TestResults, model *vae.Model, test *datasets.Set, k int, p Progress) (float64, error) {
	if k == 0 {
		return 0, nil
	}
	start := time.Now()
	ev, err := vae.NewEvaluator(model, logPxBatch)
	if err != nil {
		return 0, fmt.Errorf("train: %w", err)
	}
	defer ev.Close()
	p.Start(fmt.Sprintf("log p(x), K=%d", k), test.Len())
	est, err := ev.LogLikelihood(test, k, logPxChunk, logPxSeed, func(done, _ int) { p.Update(done) })
	p.Finish()
	if err != nil {
		return 0, fmt.Errorf("train: estimating log p(x): %w", err)
	}
	mean, stdErr := vae.MeanLogLikelihood(est)
	t.EvalK, t.LogPx, t.LogPxStdErr = k, &mean, &stdErr
	return time.Since(start).Seconds(), nil
}
