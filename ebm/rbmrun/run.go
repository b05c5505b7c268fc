// Package rbmrun trains a restricted Boltzmann machine on binarised MNIST
// from a typed Config, the way the ebm-train command does, and keeps an
// output folder up to date:
//
//	config.json    the Config of the run
//	metrics.jsonl  one ebm.EpochMetrics object per epoch
//	model.ckpt     an ebm.Checkpoint after every epoch
//	filters.png    the weights of every hidden unit as a 28×28 image
//	samples.png    chains after many Gibbs steps (written at the end)
//	results.json   the final Results: log Z, the test log-probability, the
//	               command, the machine and the timing
//	results.md     the same as a Markdown table row
//
// Every file is written atomically. All randomness is drawn from sources
// seeded with Config.Seed, so two runs of the same Config give the same
// numbers; only timings differ. model.ckpt also holds the trainer's state
// and that of its random sources, so Resume continues an interrupted run
// bit for bit as if it had not stopped.
package rbmrun

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/ebm"
	"github.com/govae/govae/internal/atomicfile"
)

// Streams of the PCG source, one per use of randomness, so that changing
// one part of a run (say the number of AIS runs) leaves the others alone.
const (
	streamTrain   = 1
	streamMonitor = 2
	streamEval    = 3
)

// Hooks lets the caller watch a run. Every field may be nil or empty.
type Hooks struct {
	// Log receives one line per epoch and a few lines of results.
	Log io.Writer
	// Batch is called after every update with the epoch (from 1), the
	// batches done in it and the batches in an epoch.
	Batch func(epoch, done, total int)
	// Epoch is called after every epoch's files are written; an error it
	// returns stops the run (the tests interrupt runs with it).
	Epoch func(epoch int) error
	// Command is the command line that runs the Config, recorded in
	// results.json; "" records none.
	Command string
}

// logf writes a line to h.Log, if any.
func (h Hooks) logf(format string, args ...any) {
	if h.Log != nil {
		fmt.Fprintf(h.Log, format+"\n", args...)
	}
}

// runMeta is rbmrun's part of model.ckpt: what Resume needs besides the
// trainer's state.
type runMeta struct {
	Config     Config  `json:"config"`
	Command    string  `json:"command"`
	MonitorRNG []byte  `json:"monitor_rng"`  // state of the monitor's random source
	Pieces     int     `json:"pieces"`       // invocations of Run and Resume that trained this run
	Wall       float64 `json:"wall_seconds"` // their wall-clock time up to this checkpoint
}

// Run trains an RBM as cfg says, writing the output folder (cfg.Out, or a
// new folder under runs/), and returns the final results. It stops with the
// trainer's *ebm.DivergenceError if the weights blow up.
func Run(cfg Config, hooks Hooks) (Results, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return Results{}, err
	}
	dir, err := newRunDir(cfg)
	if err != nil {
		return Results{}, err
	}
	hooks.logf("writing to %s", dir)
	if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return Results{Dir: dir}, err
	}
	j, err := newJob(cfg, dir, hooks, start)
	if err != nil {
		return Results{Dir: dir}, err
	}
	j.meta.Pieces = 1
	return j.run()
}

// Resume continues the run in dir from its model.ckpt until cfg.Epochs
// epochs are done, and scores it: the model, metrics and results are bit
// for bit those of a run never stopped. cfg must be the saved Config (see
// LoadConfig) but for Epochs, which may grow, and the settings of the
// final scoring (AISRuns, AISRefine, EvalLimit, Samples, SampleSteps) and
// Data.
func Resume(dir string, cfg Config, hooks Hooks) (Results, error) {
	start := time.Now()
	cfg.Out = dir
	if err := cfg.Validate(); err != nil {
		return Results{}, err
	}
	ck, err := ebm.LoadCheckpoint(filepath.Join(dir, "model.ckpt"))
	if err != nil {
		return Results{Dir: dir}, fmt.Errorf("rbmrun: cannot resume: %w", err)
	}
	var meta runMeta
	if err := json.Unmarshal(ck.Meta, &meta); err != nil {
		return Results{Dir: dir}, fmt.Errorf("rbmrun: %s holds no ebm-train run state (%v): it was not written by this version of ebm-train", filepath.Join(dir, "model.ckpt"), err)
	}
	saved := meta.Config
	if err := saved.Validate(); err != nil {
		return Results{Dir: dir}, fmt.Errorf("rbmrun: the configuration saved in %s is not valid: %w", dir, err)
	}
	same := cfg
	same.Out, same.Data, same.Epochs = saved.Out, saved.Data, saved.Epochs
	same.AISRuns, same.AISRefine, same.EvalLimit = saved.AISRuns, saved.AISRefine, saved.EvalLimit
	same.Samples, same.SampleSteps = saved.Samples, saved.SampleSteps
	if same != saved {
		return Results{Dir: dir}, fmt.Errorf("rbmrun: the run in %s was trained with %+v; resume it with that configuration (only -epochs, -data and the final scoring's flags may change)", dir, saved)
	}
	if done := ck.State.Epoch; cfg.Epochs < done {
		return Results{Dir: dir}, fmt.Errorf("rbmrun: -epochs %d: the run in %s has trained %d epochs already; give -epochs %d or more", cfg.Epochs, dir, done, done)
	}
	j, err := newJob(cfg, dir, hooks, start)
	if err != nil {
		return Results{Dir: dir}, err
	}
	if err := j.restore(ck, meta); err != nil {
		return Results{Dir: dir}, err
	}
	hooks.logf("resuming %s after epoch %d", dir, ck.State.Epoch)
	if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return Results{Dir: dir}, err
	}
	return j.run()
}

// job is a run in progress.
type job struct {
	cfg     Config
	dir     string
	hooks   Hooks
	start   time.Time // of this invocation
	src     *rand.PCG // training's source: weights, data order, binarisation, chains
	rng     *rand.Rand
	monSrc  *rand.PCG
	monRNG  *rand.Rand
	d       runData
	r       *ebm.RBM
	tr      *ebm.RBMTrainer
	mon     *ebm.Monitor
	metrics []ebm.EpochMetrics
	watch   likelihoodWatch
	meta    runMeta
}

// newJob loads the data and builds the model, trainer and monitor of a
// fresh run of cfg in dir.
func newJob(cfg Config, dir string, hooks Hooks, start time.Time) (*job, error) {
	j := &job{cfg: cfg, dir: dir, hooks: hooks, start: start, src: rand.NewPCG(cfg.Seed, streamTrain), monSrc: rand.NewPCG(cfg.Seed, streamMonitor)}
	j.rng, j.monRNG = rand.New(j.src), rand.New(j.monSrc)
	j.meta = runMeta{Config: cfg, Command: hooks.Command}
	var err error
	if j.d, err = loadData(cfg, j.rng); err != nil {
		return nil, err
	}
	j.r = ebm.NewRBM(j.d.dim, cfg.Hidden, j.rng)
	if cfg.VisibleInit != VisibleZero {
		copy(j.r.B, j.d.base) // Hinton's (2010) initial visible biases.
	}
	j.mon = &ebm.Monitor{
		Data:             j.d.monitor,
		AIS:              ebm.AISConfig{Betas: ebm.ThinBetas(ebm.SalakhutdinovMurrayBetas(), cfg.MonitorAISThin), Runs: cfg.MonitorAISRuns, BaseBiases: j.d.base},
		PseudoLikelihood: cfg.PLL,
	}
	j.tr = &ebm.RBMTrainer{RBM: j.r, Config: cfg.TrainConfig()}
	if hooks.Batch != nil {
		j.tr.OnBatch = func(done, total int) { hooks.Batch(j.tr.Epoch()+1, done, total) }
	}
	j.tr.OnEpoch = j.epoch
	return j, nil
}

// restore puts the job in the state of the checkpoint ck.
func (j *job) restore(ck ebm.Checkpoint, meta runMeta) error {
	nv, nh := ck.RBM.Dims()
	if rv, rh := j.r.Dims(); nv != rv || nh != rh {
		return fmt.Errorf("rbmrun: the checkpoint holds a %d×%d RBM, the configuration makes %d×%d", nv, nh, rv, rh)
	}
	j.r.W.Copy(ck.RBM.W)
	copy(j.r.B, ck.RBM.B)
	copy(j.r.C, ck.RBM.C)
	if err := j.tr.Restore(ck.State); err != nil {
		return fmt.Errorf("rbmrun: cannot resume: %w", err)
	}
	if err := j.src.UnmarshalBinary(ck.RNG); err != nil {
		return fmt.Errorf("rbmrun: cannot resume: the training random state in model.ckpt: %w", err)
	}
	if err := j.monSrc.UnmarshalBinary(meta.MonitorRNG); err != nil {
		return fmt.Errorf("rbmrun: cannot resume: the monitor's random state in model.ckpt: %w", err)
	}
	metrics, err := readMetrics(filepath.Join(j.dir, "metrics.jsonl"), ck.State.Epoch)
	if err != nil {
		return err
	}
	j.metrics = metrics
	for _, m := range metrics {
		j.watch.see(m)
	}
	j.meta.Command = meta.Command
	j.meta.Pieces = meta.Pieces + 1
	j.meta.Wall = meta.Wall
	// Rewrite metrics.jsonl without the lines of epochs after the
	// checkpoint (written just before a crash).
	return writeMetrics(j.dir, j.metrics)
}

// run trains the remaining epochs and scores the model.
func (j *job) run() (Results, error) {
	c := j.tr.Config
	c.Epochs = j.cfg.Epochs - j.tr.Epoch()
	res := Results{Dir: j.dir}
	if c.Epochs > 0 {
		j.tr.Config = c
		if err := j.tr.Train(j.d.batches, j.rng); err != nil {
			return j.results(), err
		}
	}
	res = j.results()
	if err := finish(&res, j.r, j.cfg, j.d, "", j.hooks.logf); err != nil {
		return res, err
	}
	res.Timing.Wall = j.meta.Wall + time.Since(j.start).Seconds()
	res.Timing.AIS = 0
	if res.AIS != nil {
		res.Timing.AIS = res.AIS.Seconds
	}
	if err := writeJSON(filepath.Join(j.dir, "results.json"), res); err != nil {
		return res, err
	}
	return res, writeMarkdown(filepath.Join(j.dir, "results.md"), res)
}

// results returns the results so far: the configuration, environment and
// the timing of the epochs trained.
func (j *job) results() Results {
	res := Results{Dir: j.dir, Preset: j.cfg.Preset, Command: j.meta.Command, Config: j.cfg, Environment: environment(), Epochs: len(j.metrics)}
	if p, err := LookupPreset(j.cfg.Preset); err == nil {
		res.Source, res.Published = p.Source, p.Published
	}
	res.Timing = timing(j.metrics, j.meta.Pieces)
	return res
}

// epoch scores the model after an epoch and writes the files kept up to
// date. Monitoring draws from its own stream, outside the trainer, so
// that it does not change the training run.
func (j *job) epoch(m ebm.EpochMetrics) error {
	if err := j.mon.Score(j.r, &m, j.monRNG); err != nil {
		return err
	}
	j.metrics = append(j.metrics, m)
	j.hooks.logf("%s", epochLine(m, j.cfg.Epochs))
	if warn := j.watch.see(m); warn != "" {
		j.hooks.logf("%s", warn)
	}
	if err := writeMetrics(j.dir, j.metrics); err != nil {
		return err
	}
	if err := j.checkpoint(); err != nil {
		return err
	}
	_, nh := j.r.Dims()
	if err := writePNG(filepath.Join(j.dir, "filters.png"), ebm.FilterImage(j.r, datasets.Rows, datasets.Cols, int(math.Ceil(math.Sqrt(float64(nh)))))); err != nil {
		return err
	}
	if j.hooks.Epoch != nil {
		return j.hooks.Epoch(m.Epoch)
	}
	return nil
}

// checkpoint writes model.ckpt: the model, the trainer's state, and the
// states of both random sources.
func (j *job) checkpoint() error {
	src, err := j.src.MarshalBinary()
	if err != nil {
		return err
	}
	if j.meta.MonitorRNG, err = j.monSrc.MarshalBinary(); err != nil {
		return err
	}
	meta := j.meta
	meta.Wall += time.Since(j.start).Seconds()
	mb, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	ck := ebm.Checkpoint{RBM: j.r, Config: j.tr.Config, Metrics: j.metrics[len(j.metrics)-1], State: j.tr.State(), RNG: src, Meta: mb}
	return atomicfile.Write(filepath.Join(j.dir, "model.ckpt"), func(w io.Writer) error { return ebm.WriteCheckpoint(w, ck) })
}

// LoadConfig reads the Config of the run in dir (its config.json), with
// Out set to dir.
func LoadConfig(dir string) (Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return Config{}, fmt.Errorf("rbmrun: %w (is %s the output folder of an ebm-train run?)", err, dir)
	}
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		return Config{}, fmt.Errorf("rbmrun: reading %s: %w", filepath.Join(dir, "config.json"), err)
	}
	cfg.Out = dir
	return cfg, nil
}

// Evaluate scores the model saved in dir (its model.ckpt, as of the last
// epoch written) as Run does at the end, and writes eval.json and
// samples.png there. cfg must be the run's Config (see LoadConfig); only
// its evaluation settings (AISRuns, AISRefine, EvalLimit, Samples, SampleSteps) may
// differ, since the data and base-rate model are rebuilt from the others.
func Evaluate(dir string, cfg Config, hooks Hooks) (Results, error) {
	if err := cfg.Validate(); err != nil {
		return Results{}, err
	}
	ck, err := ebm.LoadCheckpoint(filepath.Join(dir, "model.ckpt"))
	if err != nil {
		return Results{}, fmt.Errorf("rbmrun: %w (is %s the output folder of an ebm-train run?)", err, dir)
	}
	if _, nh := ck.RBM.Dims(); nh != cfg.Hidden {
		return Results{}, fmt.Errorf("rbmrun: the checkpoint in %s has %d hidden units but its config says %d", dir, nh, cfg.Hidden)
	}
	d, err := loadData(cfg, rand.New(rand.NewPCG(cfg.Seed, streamTrain)))
	if err != nil {
		return Results{}, err
	}
	res := Results{Dir: dir, Preset: cfg.Preset, Command: hooks.Command, Config: cfg, Environment: environment(), Epochs: ck.State.Epoch}
	hooks.logf("scoring %s after epoch %d", dir, res.Epochs)
	if err := finish(&res, ck.RBM, cfg, d, "eval.json", hooks.logf); err != nil {
		return res, err
	}
	return res, nil
}

// runData is what a run reads: the training batches, the base-rate
// biases and the test images.
type runData struct {
	batches *datasets.Batches[float64]
	base    []float64  // visible biases of the base-rate model
	test    *mat.Dense // the fixed binarised test set
	train   *mat.Dense // the first trainScored training images, binarised once with the seed
	monitor *mat.Dense // the first Monitor of them
	dim     int        // pixels per image
}

// trainScored is the number of training images whose log-probability is
// compared with the test set's at the end.
const trainScored = 10000

// loadData reads MNIST and deals the training images in batches, drawing
// the static binarisation from rng first: Run and Evaluate call it on a
// fresh source of the same seed, and so see the same data.
func loadData(cfg Config, rng *rand.Rand) (runData, error) {
	train, test, err := datasets.Load(cfg.Data)
	if err != nil {
		return runData{}, err
	}
	train, _ = train.Split(cfg.trainImages())
	test, _ = test.Split(cfg.testImages())
	batches := datasets.NewBatches[float64](train, cfg.Batch, cfg.Binarize, rng, true)
	if cfg.FixedBatches {
		// The order NewBatches drew from the fresh source of the seed, so
		// that a resumed run deals the same batches as the first piece.
		batches.KeepOrder()
	}
	scored, _ := batches.Set().Split(min(trainScored, train.Len()))
	monitor, _ := batches.Set().Split(cfg.Monitor)
	return runData{
		batches: batches,
		// Independent pixels at their training frequencies (expected
		// ones, for dynamic binarisation).
		base:    ebm.BaseRateBiases(batches.Set().Sums(), train.Len(), 1),
		test:    toMatrix(test.Binarize(datasets.TestSeed)),
		train:   toMatrix(scored.Binarize(cfg.Seed)),
		monitor: toMatrix(monitor.Binarize(cfg.Seed)),
		dim:     train.Dim(),
	}, nil
}

// finish scores r on the test images, draws samples.png and writes res to
// the file named, if any.
func finish(res *Results, r *ebm.RBM, cfg Config, d runData, file string, logf func(string, ...any)) error {
	evalRNG := rand.New(rand.NewPCG(cfg.Seed, streamEval))
	if err := evaluate(res, r, cfg, d, evalRNG, logf); err != nil {
		return err
	}
	res.Weights = weightStats(r)
	samples := ebm.SampleBaseRate(d.base, cfg.Samples, evalRNG)
	r.Gibbs(samples, cfg.SampleSteps, evalRNG)
	if err := writePNG(filepath.Join(res.Dir, "samples.png"), ebm.SampleImage(samples, datasets.Rows, datasets.Cols, int(math.Ceil(math.Sqrt(float64(cfg.Samples)))))); err != nil {
		return err
	}
	if file == "" {
		return nil
	}
	return writeJSON(filepath.Join(res.Dir, file), res)
}

// evaluate fills the test figures of res: exact log Z when the hidden layer
// can be enumerated, AIS when cfg asks for it.
func evaluate(res *Results, r *ebm.RBM, cfg Config, d runData, rng *rand.Rand, logf func(string, ...any)) error {
	test, base := d.test, d.base
	n, _ := test.Dims()
	res.TestImages = n
	free := r.FreeEnergies(test, nil)
	res.MeanNegFreeEnergy = -floats.Sum(free) / float64(n)
	nt, _ := d.train.Dims()
	res.TrainImages = nt
	res.TrainMeanNegFreeEnergy = -floats.Sum(r.FreeEnergies(d.train, nil)) / float64(nt)
	if cfg.Hidden <= ebm.MaxExactUnits {
		start := time.Now()
		logZ, err := r.LogZ()
		if err != nil {
			return err
		}
		res.Exact = &ExactResult{LogZ: logZ, TestLogProb: res.MeanNegFreeEnergy - logZ, TrainLogProb: res.TrainMeanNegFreeEnergy - logZ, Seconds: time.Since(start).Seconds()}
		logf("exact log Z = %.4f; mean test log p(v) = %.3f nats over %d images (%.1fs)", logZ, res.Exact.TestLogProb, n, res.Exact.Seconds)
	}
	if cfg.AISRuns > 0 {
		start := time.Now()
		betas := ebm.RefineBetas(ebm.SalakhutdinovMurrayBetas(), max(cfg.AISRefine, 1))
		a, err := r.AIS(ebm.AISConfig{Betas: betas, Runs: cfg.AISRuns, BaseBiases: base}, rng)
		if err != nil {
			return err
		}
		res.AIS = &AISResult{
			Runs: cfg.AISRuns, Transitions: len(betas) - 1,
			LogZ: a.LogZ, LogZLower: finite(a.Lower), LogZUpper: finite(a.Upper), ESS: a.ESS,
			TestLogProb:      res.MeanNegFreeEnergy - a.LogZ,
			TestLogProbLower: finite(res.MeanNegFreeEnergy - a.Upper),
			TestLogProbUpper: finite(res.MeanNegFreeEnergy - a.Lower),
			TrainLogProb:     res.TrainMeanNegFreeEnergy - a.LogZ,
			Seconds:          time.Since(start).Seconds(),
		}
		logf("AIS log Z = %.4f, ±3σ interval [%.4f, %.4f], ESS %.1f of %d runs, %d transitions; mean test log p(v) = %.3f nats [%.3f, %.3f] (%.1fs)",
			a.LogZ, a.Lower, a.Upper, a.ESS, cfg.AISRuns, len(betas)-1, res.AIS.TestLogProb, res.MeanNegFreeEnergy-a.Upper, res.MeanNegFreeEnergy-a.Lower, res.AIS.Seconds)
	}
	return nil
}

// epochLine formats the metrics of an epoch for the log.
func epochLine(m ebm.EpochMetrics, epochs int) string {
	ll := fmt.Sprintf("log p(v) %.3f (exact)", m.LogLik)
	if !m.LogZExact {
		ll = fmt.Sprintf("log p(v) %.3f (AIS, log Z ±3σ [%.3f, %.3f])", m.LogLik, m.LogZLower, m.LogZUpper)
	}
	pll := ""
	if m.PseudoLogLik != 0 {
		pll = fmt.Sprintf("  pseudo-log-lik %.3f", m.PseudoLogLik)
	}
	return fmt.Sprintf("epoch %d/%d  %.1fs (+%.1fs scoring)  recon %.3f  %s%s  max|W| %.2f",
		m.Epoch, epochs, m.Seconds, m.MonitorSeconds, m.ReconError, ll, pll, m.MaxAbsWeight)
}

// likelihoodWatch spots the failure mode of Fischer & Igel (2010): the
// likelihood falling while the reconstruction error still improves.
type likelihoodWatch struct {
	best      ebm.EpochMetrics
	bestRecon float64
	seen      bool
}

// see records m and returns a warning when its log-likelihood lies more
// than a nat below the best so far, beyond what the AIS uncertainty allows,
// while the reconstruction error is the lowest yet. The current figure can
// be too low by as much as log Z can be too high (LogZUpper - LogZ), the
// best one too high by as much as its log Z can be too low (LogZ -
// LogZLower, infinite when AIS could not bound it, and then no warning).
func (w *likelihoodWatch) see(m ebm.EpochMetrics) string {
	if !w.seen {
		w.best, w.bestRecon, w.seen = m, m.ReconError, true
		return ""
	}
	warn := ""
	slack := 1 + (m.LogZUpper - m.LogZ) + (w.best.LogZ - w.best.LogZLower)
	if m.LogLik < w.best.LogLik-slack && m.ReconError <= w.bestRecon {
		warn = fmt.Sprintf("warning: log p(v) fell %.2f nats below its best (epoch %d) while the reconstruction error kept improving: CD/PCD may be diverging (Fischer & Igel, 2010); try a lower learning rate or more Gibbs steps",
			w.best.LogLik-m.LogLik, w.best.Epoch)
	}
	if m.LogLik > w.best.LogLik {
		w.best = m
	}
	w.bestRecon = math.Min(w.bestRecon, m.ReconError)
	return warn
}
