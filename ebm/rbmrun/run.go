// Package rbmrun trains a restricted Boltzmann machine on binarised MNIST
// from a typed Config, the way the ebm-train command does, and keeps an
// output folder up to date:
//
//	config.json    the Config of the run
//	metrics.jsonl  one ebm.EpochMetrics object per epoch
//	model.ckpt     an ebm.Checkpoint after every epoch
//	filters.png    the weights of every hidden unit as a 28×28 image
//	samples.png    chains after many Gibbs steps (written at the end)
//	results.json   the final Results: log Z and the test log-probability
//
// Every file is written atomically. All randomness is drawn from sources
// seeded with Config.Seed, so two runs of the same Config give the same
// numbers; only timings differ.
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

// Hooks lets the caller watch a run. Both fields may be nil.
type Hooks struct {
	// Log receives one line per epoch and a few lines of results.
	Log io.Writer
	// Batch is called after every update with the epoch (from 1), the
	// batches done in it and the batches in an epoch.
	Batch func(epoch, done, total int)
}

// logf writes a line to h.Log, if any.
func (h Hooks) logf(format string, args ...any) {
	if h.Log != nil {
		fmt.Fprintf(h.Log, format+"\n", args...)
	}
}

// Results are the final figures of a run.
type Results struct {
	// Dir is the output folder.
	Dir string `json:"-"`
	// Epochs is the number of epochs trained and TrainSeconds the time
	// they took, monitoring excluded (zero, and left out of the JSON, for
	// Evaluate, which trains nothing).
	Epochs       int     `json:"epochs"`
	TrainSeconds float64 `json:"train_seconds,omitempty"`
	// TestImages is the number of test images scored, MeanNegFreeEnergy
	// the mean of -F(v) over them: log p(v) = -F(v) - log Z.
	TestImages        int     `json:"test_images"`
	MeanNegFreeEnergy float64 `json:"mean_neg_free_energy"`
	// Exact holds the exact figures, when the hidden layer is small
	// enough to enumerate (ebm.MaxExactUnits).
	Exact *ExactResult `json:"exact,omitempty"`
	// AIS holds the AIS figures, when Config.AISRuns > 0.
	AIS *AISResult `json:"ais,omitempty"`
}

// ExactResult is log Z by enumeration and the test log-probability.
type ExactResult struct {
	LogZ        float64 `json:"log_z"`
	TestLogProb float64 `json:"test_log_prob"`
	Seconds     float64 `json:"seconds"`
}

// AISResult is the AIS estimate of log Z with its ±3σ interval, and the
// test log-probability with the interval that follows from it. Bounds that
// are not finite (Ẑ - 3σ̂ ≤ 0) are null.
type AISResult struct {
	Runs             int      `json:"runs"`
	Transitions      int      `json:"transitions"`
	LogZ             float64  `json:"log_z"`
	LogZLower        *float64 `json:"log_z_lower"`
	LogZUpper        *float64 `json:"log_z_upper"`
	ESS              float64  `json:"ess"`
	TestLogProb      float64  `json:"test_log_prob"`
	TestLogProbLower *float64 `json:"test_log_prob_lower"`
	TestLogProbUpper *float64 `json:"test_log_prob_upper"`
	Seconds          float64  `json:"seconds"`
}

// Run trains an RBM as cfg says, writing the output folder (cfg.Out, or a
// new folder under runs/), and returns the final results. It stops with the
// trainer's *ebm.DivergenceError if the weights blow up.
func Run(cfg Config, hooks Hooks) (Results, error) {
	if err := cfg.Validate(); err != nil {
		return Results{}, err
	}
	logf := hooks.logf
	dir, err := newRunDir(cfg)
	if err != nil {
		return Results{}, err
	}
	logf("writing to %s", dir)
	res := Results{Dir: dir}
	if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, streamTrain))
	d, err := loadData(cfg, rng)
	if err != nil {
		return res, err
	}
	r := ebm.NewRBM(d.dim, cfg.Hidden, rng)
	copy(r.B, d.base) // Hinton's (2010) initial visible biases.

	monitorSet, _ := d.batches.Set().Split(cfg.Monitor)
	mon := &ebm.Monitor{
		Data:             toMatrix(monitorSet.Binarize(cfg.Seed)),
		AIS:              ebm.AISConfig{Betas: ebm.ThinBetas(ebm.SalakhutdinovMurrayBetas(), cfg.MonitorAISThin), Runs: cfg.MonitorAISRuns, BaseBiases: d.base},
		PseudoLikelihood: cfg.PLL,
	}
	monRNG := rand.New(rand.NewPCG(cfg.Seed, streamMonitor))

	var (
		metrics []ebm.EpochMetrics
		watch   likelihoodWatch
	)
	tr := &ebm.RBMTrainer{RBM: r, Config: cfg.TrainConfig()}
	if hooks.Batch != nil {
		tr.OnBatch = func(done, total int) { hooks.Batch(tr.Epoch()+1, done, total) }
	}
	// Monitoring draws from its own stream, outside the trainer, so that
	// it does not change the training run.
	tr.OnEpoch = func(m ebm.EpochMetrics) error {
		if err := mon.Score(r, &m, monRNG); err != nil {
			return err
		}
		metrics = append(metrics, m)
		res.Epochs, res.TrainSeconds = m.Epoch, res.TrainSeconds+m.Seconds
		logf("%s", epochLine(m, cfg.Epochs))
		if warn := watch.see(m); warn != "" {
			logf("%s", warn)
		}
		return writeEpoch(dir, r, cfg, metrics)
	}
	if err := tr.Train(d.batches, rng); err != nil {
		return res, err
	}
	return res, finish(&res, r, cfg, d, "results.json", logf)
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
// its evaluation settings (AISRuns, EvalLimit, Samples, SampleSteps) may
// differ, since the data and base-rate model are rebuilt from the others.
func Evaluate(dir string, cfg Config, hooks Hooks) (Results, error) {
	if err := cfg.Validate(); err != nil {
		return Results{}, err
	}
	logf := hooks.logf
	f, err := os.Open(filepath.Join(dir, "model.ckpt"))
	if err != nil {
		return Results{}, fmt.Errorf("rbmrun: %w (is %s the output folder of an ebm-train run?)", err, dir)
	}
	defer f.Close()
	ck, err := ebm.ReadCheckpoint(f)
	if err != nil {
		return Results{}, err
	}
	if _, nh := ck.RBM.Dims(); nh != cfg.Hidden {
		return Results{}, fmt.Errorf("rbmrun: the checkpoint in %s has %d hidden units but its config says %d", dir, nh, cfg.Hidden)
	}
	d, err := loadData(cfg, rand.New(rand.NewPCG(cfg.Seed, streamTrain)))
	if err != nil {
		return Results{}, err
	}
	res := Results{Dir: dir, Epochs: ck.Metrics.Epoch}
	logf("scoring %s after epoch %d", dir, res.Epochs)
	return res, finish(&res, ck.RBM, cfg, d, "eval.json", logf)
}

// runData is what a run reads: the training batches, the base-rate
// biases and the test images.
type runData struct {
	batches *datasets.Batches[float32]
	base    []float64 // visible biases of the base-rate model
	test    *mat.Dense
	dim     int // pixels per image
}

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
	batches := datasets.NewBatches[float32](train, cfg.Batch, cfg.Binarize, rng, true)
	return runData{
		batches: batches,
		// Independent pixels at their training frequencies (expected
		// ones, for dynamic binarisation).
		base: ebm.BaseRateBiases(pixelCounts(batches.Set()), train.Len(), 1),
		test: toMatrix(test.Binarize(datasets.TestSeed)),
		dim:  train.Dim(),
	}, nil
}

// finish scores r on the test images, draws samples.png and writes res to
// the file named.
func finish(res *Results, r *ebm.RBM, cfg Config, d runData, file string, logf func(string, ...any)) error {
	evalRNG := rand.New(rand.NewPCG(cfg.Seed, streamEval))
	if err := evaluate(res, r, cfg, d.test, d.base, evalRNG, logf); err != nil {
		return err
	}
	samples := ebm.SampleBaseRate(d.base, cfg.Samples, evalRNG)
	r.Gibbs(samples, cfg.SampleSteps, evalRNG)
	if err := writePNG(filepath.Join(res.Dir, "samples.png"), ebm.SampleImage(samples, datasets.Rows, datasets.Cols, int(math.Ceil(math.Sqrt(float64(cfg.Samples)))))); err != nil {
		return err
	}
	return writeJSON(filepath.Join(res.Dir, file), res)
}

// evaluate fills the test figures of res: exact log Z when the hidden layer
// can be enumerated, AIS when cfg asks for it.
func evaluate(res *Results, r *ebm.RBM, cfg Config, test *mat.Dense, base []float64, rng *rand.Rand, logf func(string, ...any)) error {
	n, _ := test.Dims()
	res.TestImages = n
	free := r.FreeEnergies(test, nil)
	res.MeanNegFreeEnergy = -floats.Sum(free) / float64(n)
	if cfg.Hidden <= ebm.MaxExactUnits {
		start := time.Now()
		logZ, err := r.LogZ()
		if err != nil {
			return err
		}
		res.Exact = &ExactResult{LogZ: logZ, TestLogProb: res.MeanNegFreeEnergy - logZ, Seconds: time.Since(start).Seconds()}
		logf("exact log Z = %.4f; mean test log p(v) = %.3f nats over %d images (%.1fs)", logZ, res.Exact.TestLogProb, n, res.Exact.Seconds)
	}
	if cfg.AISRuns > 0 {
		start := time.Now()
		betas := ebm.SalakhutdinovMurrayBetas()
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
			Seconds:          time.Since(start).Seconds(),
		}
		logf("AIS log Z = %.4f, ±3σ interval [%.4f, %.4f], ESS %.1f of %d runs, %d transitions; mean test log p(v) = %.3f nats [%.3f, %.3f] (%.1fs)",
			a.LogZ, a.Lower, a.Upper, a.ESS, cfg.AISRuns, len(betas)-1, res.AIS.TestLogProb, res.MeanNegFreeEnergy-a.Upper, res.MeanNegFreeEnergy-a.Lower, res.AIS.Seconds)
	}
	return nil
}

// writeEpoch rewrites the files kept up to date after every epoch.
func writeEpoch(dir string, r *ebm.RBM, cfg Config, metrics []ebm.EpochMetrics) error {
	err := atomicfile.Write(filepath.Join(dir, "metrics.jsonl"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, m := range metrics {
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = atomicfile.Write(filepath.Join(dir, "model.ckpt"), func(w io.Writer) error {
		return ebm.WriteCheckpoint(w, ebm.Checkpoint{RBM: r, Config: cfg.TrainConfig(), Metrics: metrics[len(metrics)-1]})
	})
	if err != nil {
		return err
	}
	_, nh := r.Dims()
	return writePNG(filepath.Join(dir, "filters.png"), ebm.FilterImage(r, datasets.Rows, datasets.Cols, int(math.Ceil(math.Sqrt(float64(nh))))))
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
