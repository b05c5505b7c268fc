package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/atomicfile"
)

// The files of an output folder.
const (
	ConfigFile     = "config.json"
	MetricsFile    = "metrics.jsonl"
	CheckpointFile = "model.ckpt"
	ReconFile      = "reconstructions.png"
	SamplesFile    = "samples.png"
	LossFile       = "loss.png"
	LatentFile     = "latent.png"
	ManifoldFile   = "manifold.png"
	ResultsFile    = "results.json"
	TableFile      = "results.md"
)

// RunsDir is the folder under which runs without Config.Out get a folder of
// their own.
const RunsDir = "runs"

// Metrics are the numbers of one epoch, one line of metrics.jsonl. Losses
// are per-example means in nats; the test numbers are the negative ELBO
// (2.24) with one sample of z per image, drawn from a fixed seed. Only
// EpochSeconds and EvalSeconds change from one run of a Config to another.
type Metrics struct {
	Epoch       int     `json:"epoch"`        // epochs completed, from 1
	TrainLoss   float64 `json:"train_loss"`   // negative training bound (with β), averaged over the epoch
	TrainRecon  float64 `json:"train_recon"`  // -E_q[log p(x|z)] on the training batches
	TrainKL     float64 `json:"train_kl"`     // KL(q(z|x) || p(z)) on the training batches
	Beta        float64 `json:"beta"`         // β at the end of the epoch
	LR          float64 `json:"lr"`           // the learning rate of the epoch
	TestLoss    float64 `json:"test_loss"`    // negative ELBO on the test set
	TestRecon   float64 `json:"test_recon"`   // -E_q[log p(x|z)] on the test set
	TestKL      float64 `json:"test_kl"`      // KL(q(z|x) || p(z)) on the test set
	ActiveUnits int     `json:"active_units"` // latents whose posterior mean varies by more than 0.01 over the test set

	EpochSeconds float64 `json:"epoch_seconds"` // time spent training the epoch
	EvalSeconds  float64 `json:"eval_seconds"`  // time spent evaluating and drawing figures after it
	Piece        int     `json:"piece"`         // the invocation that trained it: 1 for the first, 2 after the first -resume, …
}

// newRunDir creates the output folder of a new run: cfg.Out, which must not
// hold a run already, or the first free runs/<name>-seed<seed>-<n>
// counting n from 1, where name is vae-<objective> or, for a preset,
// <preset>-k<K>.
func newRunDir(cfg Config) (string, error) {
	if cfg.Out != "" {
		if _, err := os.Stat(filepath.Join(cfg.Out, CheckpointFile)); err == nil {
			return "", fmt.Errorf("train: %s already holds a run (it has a %s): continue it with -resume %s, or choose another -out",
				cfg.Out, CheckpointFile, cfg.Out)
		}
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return "", fmt.Errorf("train: creating the output folder: %w", err)
		}
		return cfg.Out, nil
	}
	if err := os.MkdirAll(RunsDir, 0o755); err != nil {
		return "", fmt.Errorf("train: creating the runs folder: %w (give an output folder with -out)", err)
	}
	for n := 1; ; n++ {
		name := fmt.Sprintf("vae-%v", cfg.Objective)
		if cfg.Preset != "" {
			name = fmt.Sprintf("%s-k%d", cfg.Preset, cfg.K)
		}
		if cfg.Estimator != elbo.Reparam {
			name += "-" + cfg.Estimator.String()
		}
		dir := filepath.Join(RunsDir, fmt.Sprintf("%s-seed%d-%d", name, cfg.Seed, n))
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("train: creating the output folder: %w (give an output folder with -out)", err)
		}
	}
}

// writeJSON writes v, indented, to path atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("train: encoding %s: %w", filepath.Base(path), err)
	}
	if err := atomicfile.WriteFile(path, append(b, '\n')); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// writeMetrics writes every epoch's metrics, one JSON object per line, to
// path atomically. Non-finite numbers have no JSON form: they are an error.
func writeMetrics(path string, history []Metrics) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range history {
		for _, v := range []float64{m.TrainLoss, m.TrainRecon, m.TrainKL, m.TestLoss, m.TestRecon, m.TestKL} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("train: epoch %d: a loss is not finite (%+v); lower the learning rate", m.Epoch, m)
			}
		}
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("train: encoding the metrics of epoch %d: %w", m.Epoch, err)
		}
	}
	if err := atomicfile.WriteFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// readMetrics reads the metrics of epochs 1..upTo from path, dropping any
// later lines (written before a crash that came before their checkpoint).
// A missing file gives no metrics.
func readMetrics(path string, upTo int) ([]Metrics, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	var out []Metrics
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m Metrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("train: %s, line %d: %v; repair or delete the line", path, line, err)
		}
		if m.Epoch <= upTo {
			out = append(out, m)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("train: reading %s: %w", path, err)
	}
	return out, nil
}
