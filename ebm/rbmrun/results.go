package rbmrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/govae/govae/ebm"
	"github.com/govae/govae/internal/atomicfile"
	"github.com/govae/govae/internal/runenv"
)

// Results are the final figures of a run with what it takes to reproduce
// and judge them: results.json (and eval.json for Evaluate). Everything
// but Timing and the Seconds fields is the same when the same Config runs
// again with the same build.
type Results struct {
	// Dir is the output folder.
	Dir string `json:"-"`
	// Preset is the preset started from ("" for none), Source where its
	// protocol comes from, Published its published figure (nil if none).
	Preset    string     `json:"preset"`
	Source    string     `json:"source,omitempty"`
	Published *Published `json:"published"`
	// Command is the ebm-train command line that runs Config.
	Command     string      `json:"command"`
	Config      Config      `json:"config"`
	Environment Environment `json:"environment"`
	// Epochs is the number of epochs trained.
	Epochs int `json:"epochs"`
	// TestImages is the number of test images scored, MeanNegFreeEnergy
	// the mean of -F(v) over them: log p(v) = -F(v) - log Z. The Train
	// fields are the same over the first TrainImages training images,
	// binarised once with the seed.
	TestImages             int     `json:"test_images"`
	MeanNegFreeEnergy      float64 `json:"mean_neg_free_energy"`
	TrainImages            int     `json:"train_images"`
	TrainMeanNegFreeEnergy float64 `json:"train_mean_neg_free_energy"`
	// Exact holds the exact figures, when the hidden layer is small
	// enough to enumerate (ebm.MaxExactUnits).
	Exact *ExactResult `json:"exact,omitempty"`
	// AIS holds the AIS figures, when Config.AISRuns > 0.
	AIS *AISResult `json:"ais,omitempty"`
	// Weights describes the trained parameters.
	Weights WeightStats `json:"weights"`
	// Timing sums the times of every invocation that trained the run.
	Timing Timing `json:"timing"`
}

// ExactResult is log Z by enumeration and the test and training
// log-probabilities.
type ExactResult struct {
	LogZ         float64 `json:"log_z"`
	TestLogProb  float64 `json:"test_log_prob"`
	TrainLogProb float64 `json:"train_log_prob"`
	Seconds      float64 `json:"seconds"`
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
	TrainLogProb     float64  `json:"train_log_prob"`
	Seconds          float64  `json:"seconds"`
}

// WeightStats are the statistics Salakhutdinov & Murray's released
// CD25(500) weights are compared by (mean |W| ≈ 0.14, hidden biases out
// to about ±15-19): a check of whether a model has trained long enough.
type WeightStats struct {
	MeanAbsW   float64 `json:"mean_abs_w"`
	MaxAbsW    float64 `json:"max_abs_w"`
	HiddenMin  float64 `json:"hidden_bias_min"`
	HiddenMax  float64 `json:"hidden_bias_max"`
	VisibleMin float64 `json:"visible_bias_min"`
	VisibleMax float64 `json:"visible_bias_max"`
}

func weightStats(r *ebm.RBM) WeightStats {
	w := r.W.RawMatrix().Data
	s := WeightStats{HiddenMin: slices.Min(r.C), HiddenMax: slices.Max(r.C), VisibleMin: slices.Min(r.B), VisibleMax: slices.Max(r.B)}
	for _, x := range w {
		s.MeanAbsW += math.Abs(x)
		s.MaxAbsW = math.Max(s.MaxAbsW, math.Abs(x))
	}
	s.MeanAbsW /= float64(len(w))
	return s
}

// Timing holds wall-clock times in seconds, summed over every invocation
// (Run, then each Resume) that trained the run.
type Timing struct {
	Pieces          int     `json:"pieces"`            // invocations that trained the run
	Train           float64 `json:"train_seconds"`     // the epochs' training time
	Monitor         float64 `json:"monitor_seconds"`   // the per-epoch scoring
	SecondsPerEpoch float64 `json:"seconds_per_epoch"` // the median epoch
	AIS             float64 `json:"ais_seconds"`       // the final AIS
	Wall            float64 `json:"wall_seconds"`      // start to results, every piece (time after a piece's last checkpoint is lost with it)
}

// timing sums the epochs of metrics.
func timing(metrics []ebm.EpochMetrics, pieces int) Timing {
	t := Timing{Pieces: pieces}
	var epochs []float64
	for _, m := range metrics {
		t.Train += m.Seconds
		t.Monitor += m.MonitorSeconds
		epochs = append(epochs, m.Seconds)
	}
	if n := len(epochs); n > 0 {
		slices.Sort(epochs)
		t.SecondsPerEpoch = (epochs[(n-1)/2] + epochs[n/2]) / 2
	}
	return t
}

// writeMetrics writes metrics.jsonl in dir, one line per epoch.
func writeMetrics(dir string, metrics []ebm.EpochMetrics) error {
	return atomicfile.Write(filepath.Join(dir, "metrics.jsonl"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		for _, m := range metrics {
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// readMetrics reads the first epochs lines of metrics.jsonl at path: a
// crash between writing the metrics and the checkpoint may have left more.
func readMetrics(path string, epochs int) ([]ebm.EpochMetrics, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && epochs == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rbmrun: cannot resume: %w", err)
	}
	defer f.Close()
	var out []ebm.EpochMetrics
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for len(out) < epochs && sc.Scan() {
		var m ebm.EpochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("rbmrun: cannot resume: line %d of %s: %w", len(out)+1, path, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rbmrun: cannot resume: reading %s: %w", path, err)
	}
	if len(out) != epochs {
		return nil, fmt.Errorf("rbmrun: cannot resume: %s has %d epochs, the checkpoint %d", path, len(out), epochs)
	}
	return out, nil
}

// writeMarkdown writes res as results.md: a table row beside the published
// figure, then the command, timing and machine.
func writeMarkdown(path string, res Results) error {
	var b bytes.Buffer
	name := res.Preset
	if name == "" {
		name = "ebm-train"
	}
	c := res.Config
	fmt.Fprintf(&b, "| run | model | epochs | test log p(v) | ±3σ interval | log Z (AIS runs, ESS) | train log p(v) | mean \\|W\\| | hidden biases | published | wall |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|\n")
	test, interval, logZ, train := "–", "–", "–", "–"
	switch {
	case res.AIS != nil:
		a := res.AIS
		test, logZ, train = fmt.Sprintf("%.2f", a.TestLogProb), fmt.Sprintf("%.3f (%d, %.0f)", a.LogZ, a.Runs, a.ESS), fmt.Sprintf("%.2f", a.TrainLogProb)
		interval = fmt.Sprintf("[%s, %s]", orInf(a.TestLogProbLower, "-∞"), orInf(a.TestLogProbUpper, "+∞"))
	case res.Exact != nil:
		test, logZ, train, interval = fmt.Sprintf("%.2f", res.Exact.TestLogProb), fmt.Sprintf("%.3f (exact)", res.Exact.LogZ), fmt.Sprintf("%.2f", res.Exact.TrainLogProb), "exact"
	}
	pub := "–"
	if res.Published != nil {
		pub = fmt.Sprintf("%.2f", res.Published.TestLogProb)
	}
	fmt.Fprintf(&b, "| %s | %s-%d(%d) | %d | %s | %s | %s | %s | %.3f | [%.1f, %.1f] | %s | %.0f s (%d pieces) |\n\n",
		name, strings.ToUpper(c.Estimator.String()), c.K, c.Hidden, res.Epochs, test, interval, logZ, train,
		res.Weights.MeanAbsW, res.Weights.HiddenMin, res.Weights.HiddenMax, pub, res.Timing.Wall, res.Timing.Pieces)
	fmt.Fprintf(&b, "Test set: %d images, binarised once with a fixed seed; train: the first %d training images.\n\n", res.TestImages, res.TrainImages)
	if res.Command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", res.Command)
	}
	t := res.Timing
	fmt.Fprintf(&b, "Timing: %.0f s training (median %.1f s per epoch), %.0f s per-epoch scoring, %.0f s final AIS, %.0f s wall over %d pieces.\n\n",
		t.Train, t.SecondsPerEpoch, t.Monitor, t.AIS, t.Wall, t.Pieces)
	e := res.Environment
	fmt.Fprintf(&b, "Machine: %s, %d cores (GOMAXPROCS %d), %s %s/%s; revision %s%s.\n", orUnknown(e.CPU), e.Cores, e.GOMAXPROCS, e.GoVersion, e.OS, e.Arch, orUnknown(e.VCSRevision), modified(e.VCSModified))
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(b.Bytes()); return err })
}

func orInf(x *float64, inf string) string {
	if x == nil {
		return inf
	}
	return fmt.Sprintf("%.2f", *x)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func modified(m string) string {
	if m == "true" {
		return " (with uncommitted changes)"
	}
	return ""
}

// Environment is what a run ran on: the govae build and the machine, the
// record vae-train's results carry too.
type Environment = runenv.Environment

func environment() Environment { return runenv.Current() }
