package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	trainSet, testSet, err := loadData(cfg)
	if err != nil {
		return nil, err
	}
	dir, err := newRunDir(cfg)
	if err != nil {
		return nil, err
	}
	r, err := newRunner(cfg, dir, trainSet, testSet, opts, start)
	if err != nil {
		return nil, err
	}
	defer r.close()
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
	trainSet, testSet, err := loadData(cfg)
	if err != nil {
		return nil, err
	}
	r, err := newRunner(cfg, s.Dir, trainSet, testSet, opts, start)
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

// loadData reads MNIST and cuts the training set to cfg.Limit images.
func loadData(cfg Config) (trainSet, testSet *datasets.Set, err error) {
	trainSet, testSet, err = datasets.Load(cfg.Data)
	if err != nil {
		return nil, nil, fmt.Errorf("train: loading MNIST: %w", err)
	}
	if cfg.Limit > 0 {
		trainSet, _ = trainSet.Split(cfg.Limit)
	}
	return trainSet, testSet, nil
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
	history  []Metrics
	start    time.Time // when the invocation began
	piece    int       // which invocation this is (Metrics.Piece)
}

func newRunner(cfg Config, dir string, trainSet, testSet *datasets.Set, opts Options, start time.Time) (*runner, error) {
	model, err := vae.NewMLP(cfg.arch(trainSet))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	tc, err := cfg.trainer()
	if err != nil {
		return nil, err
	}
	tr, err := vae.NewTrainer(model, tc, trainSet)
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
	r := &runner{cfg: cfg, dir: dir, opts: opts, model: model, trainer: tr, eval: ev, start: start, piece: 1}
	r.test, r.testName = cfg.EvalSet(testSet)
	return r, nil
}

// EvalSet returns the test images a run of c is evaluated on, and their
// name: the grey levels ("grey"), or for binarised training the fixed
// binarised test set, the same on every run ("binarized"); the first
// EvalLimit of them if it is set.
func (c Config) EvalSet(testSet *datasets.Set) (*datasets.Set, string) {
	set, name := testSet, "grey"
	if c.Binarize != datasets.Grey {
		set, name = testSet.Binarize(datasets.TestSeed), "binarized"
	}
	if c.EvalLimit > 0 {
		set, _ = set.Split(c.EvalLimit)
	}
	return set, name
}

// Model returns the model of the saved run, with the parameters of its
// checkpoint.
func (s *Saved) Model() (*vae.Model, error) {
	m, err := vae.NewMLP(s.Config.arch(nil))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := m.Restore(s.Checkpoint); err != nil {
		return nil, fmt.Errorf("train: %s: %w", s.Dir, err)
	}
	return m, nil
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
	for r.trainer.Epoch() < r.cfg.RunEpochs() {
		if last, variances, err = r.epoch(meta); err != nil {
			return nil, err
		}
	}
	if last.N == 0 { // resumed with nothing left to train
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
	if err := writeMetrics(r.path(MetricsFile), r.history); err != nil {
		return vae.Stats{}, nil, err
	}
	if err := r.trainer.Save(r.path(CheckpointFile), meta); err != nil {
		return vae.Stats{}, nil, fmt.Errorf("train: saving the checkpoint: %w", err)
	}
	r.logf("epoch %d/%d: train loss %.2f, test loss %.2f (recon %.2f, KL %.2f), %.1f s\n",
		m.Epoch, r.cfg.RunEpochs(), m.TrainLoss, m.TestLoss, m.TestRecon, m.TestKL, trainSecs)
	return ts, variances, nil
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
		Test: TestResults{
			Set: r.testName, N: st.N, ELBO: -st.Loss, Loss: st.Loss, Recon: st.Recon, KL: st.KL,
			ActiveUnits: vae.ActiveUnits(variances, activeLimit), Variances: variances,
		},
	}
	if res.Overrides == nil {
		res.Overrides = []Override{} // [] rather than null: no overrides
	}
	if len(r.cfg.Upper) > 0 {
		if res.Test.ActiveUnitsByLayer, err = vae.ActiveUnitsByLayer(variances, r.cfg.Latents(), activeLimit); err != nil {
			return res, fmt.Errorf("train: %w", err)
		}
	}
	if r.cfg.Preset != "" {
		p, err := LookupPreset(r.cfg.Preset)
		if err != nil {
			return res, err
		}
		res.Source, res.Published = p.Source, p.PublishedFor(r.cfg)
	}
	var logPxSecs float64
	if r.cfg.EvalK > 0 {
		start := time.Now()
		mean, se, err := r.logLikelihood()
		if err != nil {
			return res, err
		}
		res.Test.EvalK, res.Test.LogPx, res.Test.LogPxStdErr = r.cfg.EvalK, &mean, &se
		logPxSecs = time.Since(start).Seconds()
	}
	res.Timing = timing(r.history, time.Since(r.start).Seconds(), logPxSecs)
	if err := writeJSON(r.path(ResultsFile), res); err != nil {
		return res, err
	}
	if err := writeTable(r.path(TableFile), res); err != nil {
		return res, err
	}
	r.logf("test (%s, %d images): ELBO %.2f (recon %.2f, KL %.2f), %s latents active\n",
		res.Test.Set, res.Test.N, res.Test.ELBO, res.Test.Recon, res.Test.KL, res.Test.activeText(r.cfg))
	if t := res.Test; t.LogPx != nil {
		r.logf("log p(x) ≈ %.2f ± %.2f nats (K = %d, %.0f s)\n", *t.LogPx, *t.LogPxStdErr, t.EvalK, logPxSecs)
	}
	if p := res.Published; p != nil {
		r.logf("published: %.2f nats after %d epochs (%s); this run trained %s\n", p.LogPx, p.Epochs, p.Where, res.Epochs.Note)
	}
	return res, nil
}

// logLikelihood estimates log p(x) on the test set with EvalK importance
// samples per image, and returns its mean and standard error.
func (r *runner) logLikelihood() (mean, stdErr float64, err error) {
	ev, err := vae.NewEvaluator(r.model, logPxBatch)
	if err != nil {
		return 0, 0, fmt.Errorf("train: %w", err)
	}
	defer ev.Close()
	p := r.opts.Progress
	p.Start(fmt.Sprintf("log p(x), K=%d", r.cfg.EvalK), r.test.Len())
	est, err := ev.LogLikelihood(r.test, r.cfg.EvalK, logPxChunk, logPxSeed, func(done, _ int) { p.Update(done) })
	p.Finish()
	if err != nil {
		return 0, 0, fmt.Errorf("train: estimating log p(x): %w", err)
	}
	mean, stdErr = vae.MeanLogLikelihood(est)
	return mean, stdErr, nil
}
