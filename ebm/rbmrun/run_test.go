package rbmrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/ebm"
)

func tinyConfig(out string) Config {
	cfg := DefaultConfig()
	cfg.Out = out
	cfg.Hidden, cfg.K, cfg.Epochs, cfg.Batch = 8, 1, 2, 50
	cfg.Limit, cfg.EvalLimit, cfg.Monitor = 500, 300, 200
	cfg.AISRuns, cfg.Samples, cfg.SampleSteps = 5, 9, 20
	cfg.PLL = true
	return cfg
}

// A small run writes every file, agrees with itself when repeated with the
// same seed, and its AIS brackets its exact log Z.
func TestRunSmall(t *testing.T) {
	dirs := []string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	var results []Results
	for _, dir := range dirs {
		var log bytes.Buffer
		res, err := Run(tinyConfig(dir), Hooks{Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		if res.Dir != dir || !strings.Contains(log.String(), "epoch 2/2") {
			t.Errorf("dir %q, log:\n%s", res.Dir, log.String())
		}
		results = append(results, res)
	}
	a, b := results[0], results[1]
	if a.Exact == nil || a.AIS == nil || a.Exact.TestLogProb != b.Exact.TestLogProb || a.AIS.LogZ != b.AIS.LogZ {
		t.Fatalf("two runs with the same seed differ: %+v %+v / %+v %+v", a.Exact, a.AIS, b.Exact, b.AIS)
	}
	ca, cb := readCheckpoint(t, dirs[0]), readCheckpoint(t, dirs[1])
	if !mat.Equal(ca.RBM.W, cb.RBM.W) || !floats.Equal(ca.RBM.B, cb.RBM.B) || !floats.Equal(ca.RBM.C, cb.RBM.C) {
		t.Error("two runs with the same seed trained different RBMs")
	}
	for _, f := range []string{"samples.png", "filters.png"} {
		x, _ := os.ReadFile(filepath.Join(dirs[0], f))
		y, _ := os.ReadFile(filepath.Join(dirs[1], f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed (or is empty)", f)
		}
	}
	if a.AIS.LogZLower == nil || *a.AIS.LogZLower > a.Exact.LogZ || *a.AIS.LogZUpper < a.Exact.LogZ {
		t.Errorf("exact log Z %v outside the AIS interval %+v", a.Exact.LogZ, a.AIS)
	}
	if a.Exact.TestLogProb != a.MeanNegFreeEnergy-a.Exact.LogZ || a.TestImages != 300 {
		t.Errorf("results %+v", a)
	}

	f, err := os.Open(filepath.Join(dirs[0], "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]any
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[1]["epoch"] != 2.0 || lines[1]["log_z_exact"] != true || lines[1]["pseudo_log_lik"] == nil {
		t.Errorf("metrics.jsonl: %v", lines)
	}

	c := ca
	if nv, nh := c.RBM.Dims(); nv != 784 || nh != 8 || c.Metrics.Epoch != 2 {
		t.Errorf("checkpoint: %d×%d RBM after epoch %d", nv, nh, c.Metrics.Epoch)
	}

	pf, err := os.Open(filepath.Join(dirs[0], "filters.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	// 8 filters in rows of 3: 3×29+1 wide, 3×29+1 high.
	if b := img.Bounds(); b.Dx() != 88 || b.Dy() != 88 {
		t.Errorf("filters.png is %v", b)
	}

	// Scoring the saved model again rebuilds the same data and base-rate
	// model, so it reproduces the run's final figures.
	saved, err := LoadConfig(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(dirs[0], saved, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Epochs != 2 || ev.Exact.TestLogProb != a.Exact.TestLogProb || ev.AIS.LogZ != a.AIS.LogZ {
		t.Errorf("Evaluate: %+v %+v, Run: %+v %+v", ev.Exact, ev.AIS, a.Exact, a.AIS)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "eval.json")); err != nil {
		t.Error(err)
	}
	// a refined schedule: twice the transitions, a different estimate, and
	// still an interval around the exact log Z
	saved.AISRefine = 2
	fine, err := Evaluate(dirs[0], saved, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if fine.AIS.Transitions != 2*14500 || fine.AIS.LogZ == a.AIS.LogZ {
		t.Errorf("-ais-refine 2: %d transitions, log Z %v (the paper's schedule: %v)", fine.AIS.Transitions, fine.AIS.LogZ, a.AIS.LogZ)
	}
	if *fine.AIS.LogZLower > fine.Exact.LogZ || *fine.AIS.LogZUpper < fine.Exact.LogZ {
		t.Errorf("-ais-refine 2: exact log Z %v outside the AIS interval %+v", fine.Exact.LogZ, fine.AIS)
	}

	if _, err := Run(tinyConfig(dirs[0]), Hooks{}); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("reusing an output folder: err = %v", err)
	}
}

func readCheckpoint(t *testing.T, dir string) ebm.Checkpoint {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ebm.ReadCheckpoint(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestValidateNamesFlags(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for flag, bad := range map[string]func(*Config){
		"-hidden":     func(c *Config) { c.Hidden = 0 },
		"-k":          func(c *Config) { c.K = 0 },
		"-lr":         func(c *Config) { c.LR = -1 },
		"-momentum":   func(c *Config) { c.Momentum = 1 },
		"-binarize":   func(c *Config) { c.Binarize = 0 },
		"-limit":      func(c *Config) { c.Limit = 10 },
		"-monitor":    func(c *Config) { c.Monitor = 0 },
		"-ais-runs":   func(c *Config) { c.AISRuns = -1 },
		"-ais-refine": func(c *Config) { c.AISRefine = -1 },
		"-eval-limit": func(c *Config) { c.EvalLimit = 10001 },
		"-estimator":  func(c *Config) { c.Estimator = 0 },
	} {
		c := DefaultConfig()
		bad(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), flag+" ") {
			t.Errorf("%s: err = %v", flag, err)
		}
	}
}

// The watch warns on a clear fall of the likelihood with improving
// reconstruction, and not when AIS could not bound the best figure.
func TestLikelihoodWatch(t *testing.T) {
	exact := func(epoch int, ll, recon float64) ebm.EpochMetrics {
		return ebm.EpochMetrics{Epoch: epoch, LogLik: ll, ReconError: recon, LogZExact: true}
	}
	var w likelihoodWatch
	for _, c := range []struct {
		m    ebm.EpochMetrics
		warn bool
	}{
		{exact(1, -150, 40), false},
		{exact(2, -150.5, 39), false}, // within a nat
		{exact(3, -153, 41), false},   // reconstruction worse too
		{exact(4, -153, 38), true},    // the Fischer-Igel pattern
		{exact(5, -140, 37), false},
	} {
		if got := w.see(c.m) != ""; got != c.warn {
			t.Errorf("epoch %d: warned %v, want %v", c.m.Epoch, got, c.warn)
		}
	}
	var a likelihoodWatch
	a.see(ebm.EpochMetrics{Epoch: 1, LogLik: -100, ReconError: 40, LogZ: 300, LogZLower: math.Inf(-1), LogZUpper: 301})
	if warn := a.see(ebm.EpochMetrics{Epoch: 2, LogLik: -120, ReconError: 30, LogZ: 320, LogZLower: 319, LogZUpper: 321}); warn != "" {
		t.Errorf("warned against an unbounded AIS estimate: %s", warn)
	}
}

// errStop interrupts a run from its Epoch hook.
var errStop = errors.New("interrupted")

// A run interrupted after its first and again after its third epoch, and
// resumed each time, ends with the model, checkpoint state, metrics and
// figures of the same run never stopped, bit for bit; its results count
// three pieces and sum their training time. PCD with dynamic binarisation
// and the annealed, two-phase-momentum schedule, so that the chains, the
// data source and the schedule all carry over.
func TestResumeBitExact(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		t.Run(fmt.Sprintf("fixed-batches=%v", fixed), func(t *testing.T) { testResumeBitExact(t, fixed) })
	}
}

// testResumeBitExact stops a run twice and resumes it, with batches
// reshuffled every epoch or fixed (whose order must come back the same from
// the seed, not from the checkpointed source).
func testResumeBitExact(t *testing.T, fixed bool) {
	cfg := func(out string) Config {
		c := tinyConfig(out)
		c.Estimator, c.K, c.AnnealEvery, c.Epochs = ebm.PCD, 3, 2, 5
		c.InitialMomentum, c.MomentumEpochs, c.Binarize, c.VisibleInit = 0.5, 2, datasets.Dynamic, VisibleZero
		c.FixedBatches = fixed
		return c
	}
	root := t.TempDir()
	whole, err := Run(cfg(filepath.Join(root, "whole")), Hooks{Command: "ebm-train ..."})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "pieces")
	stopAt := func(n int) Hooks {
		return Hooks{Command: "ebm-train ...", Epoch: func(e int) error {
			if e == n {
				return errStop
			}
			return nil
		}}
	}
	if _, err := Run(cfg(dir), stopAt(1)); !errors.Is(err, errStop) {
		t.Fatalf("first piece: %v", err)
	}
	// A crash after metrics.jsonl but before model.ckpt leaves an extra
	// line, which Resume drops.
	f, err := os.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"epoch":2}` + "\n")
	f.Close()
	saved, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(dir, saved, stopAt(3)); !errors.Is(err, errStop) {
		t.Fatalf("second piece: %v", err)
	}
	bad := saved
	bad.LR = 0.01
	if _, err := Resume(dir, bad, Hooks{}); err == nil || !strings.Contains(err.Error(), "resume it with that configuration") {
		t.Errorf("resuming with another -lr: %v", err)
	}
	pieces, err := Resume(dir, saved, Hooks{})
	if err != nil {
		t.Fatal(err)
	}

	a, b := readCheckpoint(t, filepath.Join(root, "whole")), readCheckpoint(t, dir)
	if !mat.Equal(a.RBM.W, b.RBM.W) || !floats.Equal(a.RBM.B, b.RBM.B) || !floats.Equal(a.RBM.C, b.RBM.C) ||
		!mat.Equal(a.State.Velocity.W, b.State.Velocity.W) || !mat.Equal(a.State.Chains, b.State.Chains) || !bytes.Equal(a.RNG, b.RNG) {
		t.Error("the resumed run's checkpoint differs from the uninterrupted run's")
	}
	if a.State.Epoch != 5 || b.State.Epoch != 5 {
		t.Errorf("epochs %d and %d, want 5", a.State.Epoch, b.State.Epoch)
	}
	ma, _ := readMetrics(filepath.Join(root, "whole", "metrics.jsonl"), 5)
	mb, err := readMetrics(filepath.Join(dir, "metrics.jsonl"), 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ma {
		x, y := ma[i], mb[i]
		x.Seconds, y.Seconds, x.MonitorSeconds, y.MonitorSeconds = 0, 0, 0, 0
		if x != y {
			t.Errorf("epoch %d: metrics %+v, resumed %+v", i+1, x, y)
		}
	}
	if whole.Exact.TestLogProb != pieces.Exact.TestLogProb || whole.AIS.LogZ != pieces.AIS.LogZ || whole.Weights != pieces.Weights {
		t.Errorf("final figures differ: %+v %+v / %+v %+v", whole.Exact, whole.AIS, pieces.Exact, pieces.AIS)
	}
	if whole.Timing.Pieces != 1 || pieces.Timing.Pieces != 3 || pieces.Command != "ebm-train ..." {
		t.Errorf("pieces %d and %d, command %q", whole.Timing.Pieces, pieces.Timing.Pieces, pieces.Command)
	}
	var sum float64
	for _, m := range mb {
		sum += m.Seconds
	}
	if pieces.Timing.Train != sum || pieces.Timing.Wall < sum {
		t.Errorf("timing %+v, epochs sum to %v", pieces.Timing, sum)
	}
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil || !strings.Contains(string(md), "PCD-3(8)") || !strings.Contains(string(md), "3 pieces") || !strings.Contains(string(md), "`ebm-train ...`") {
		t.Errorf("results.md (%v):\n%s", err, md)
	}
	var js map[string]any
	raw, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if err := json.Unmarshal(raw, &js); err != nil || js["environment"] == nil || js["timing"].(map[string]any)["pieces"] != 3.0 {
		t.Errorf("results.json: %v\n%s", err, raw)
	}
	if _, err := Resume(dir, saved, Hooks{}); err != nil {
		t.Errorf("resuming a finished run (it only scores again): %v", err)
	}
}
