package train

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/vae"
)

func TestNewRunDir(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := DefaultConfig()
	for _, want := range []string{"runs/vae-elbo-seed1-1", "runs/vae-elbo-seed1-2"} {
		dir, err := newRunDir(cfg)
		if err != nil || dir != filepath.FromSlash(want) {
			t.Errorf("newRunDir = %q, %v; want %q", dir, err, want)
		}
	}
	cfg.Objective, cfg.Seed = vae.IWAE, 7
	if dir, err := newRunDir(cfg); err != nil || dir != filepath.FromSlash("runs/vae-iwae-seed7-1") {
		t.Errorf("newRunDir = %q, %v", dir, err)
	}

	cfg.Preset, cfg.K = "burda-iwae", 50
	if dir, err := newRunDir(cfg); err != nil || dir != filepath.FromSlash("runs/burda-iwae-k50-seed7-1") {
		t.Errorf("newRunDir of a preset = %q, %v", dir, err)
	}

	cfg.Out = "mine/deeper"
	if dir, err := newRunDir(cfg); err != nil || dir != cfg.Out {
		t.Fatalf("newRunDir with Out = %q, %v", dir, err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, CheckpointFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newRunDir(cfg); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("Out holding a checkpoint: err = %v", err)
	}
}

func TestReadMetrics(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, MetricsFile)
	if ms, err := readMetrics(path, 3); err != nil || ms != nil {
		t.Errorf("missing file: %v, %v", ms, err)
	}
	history := []Metrics{{Epoch: 1, TrainLoss: 200.5}, {Epoch: 2, TrainLoss: 150.25}, {Epoch: 3, TrainLoss: 140}}
	if err := writeMetrics(path, history); err != nil {
		t.Fatal(err)
	}
	ms, err := readMetrics(path, 2)
	if err != nil || len(ms) != 2 || ms[1] != history[1] {
		t.Errorf("readMetrics(…, 2) = %v, %v; want the first two of %v", ms, err, history)
	}
	if err := os.WriteFile(path, []byte("{\"epoch\":1}\n{\"epoch\":2,"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readMetrics(path, 2); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("broken line 2: err = %v", err)
	}
	if err := writeMetrics(path, []Metrics{{Epoch: 1, TestLoss: math.NaN()}}); err == nil || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("NaN loss: err = %v", err)
	}
}

// writeCheckpoint writes the checkpoint of an untrained model of cfg to
// dir/model.ckpt with meta, cheaply (no MNIST).
func writeCheckpoint(t *testing.T, dir string, cfg Config, meta []byte) string {
	t.Helper()
	set := &datasets.Set{Pixels: make([]uint8, 4*784), Labels: make([]uint8, 4), Rows: 28, Cols: 28}
	m, err := vae.NewMLP(cfg.arch(set))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := cfg.trainer()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := vae.NewTrainer(m, tc, set)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CheckpointFile)
	if err := tr.Save(path, meta); err != nil {
		t.Fatal(err)
	}
	return path
}

func tinyConfig() Config {
	cfg := DefaultConfig()
	cfg.Hidden, cfg.Latent = Sizes{8}, 2
	return cfg
}

func TestLoad(t *testing.T) {
	cfg := tinyConfig()
	meta, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	good := t.TempDir()
	path := writeCheckpoint(t, good, cfg, meta)
	s, err := Load(good)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	cfg.Out = good
	if got, _ := json.Marshal(s.Config); !bytes.Equal(got, meta) || s.Config.Out != good || s.Dir != good {
		t.Errorf("Load gave %+v, want %+v", s.Config, cfg)
	}

	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(whole)
	flipped[len(flipped)-10] ^= 1
	invalid := tinyConfig()
	invalid.Batch = 0
	invalidMeta, _ := json.Marshal(invalid)

	for _, c := range []struct {
		name, want string
		setup      func(dir string)
	}{
		{"missing folder", "is not a folder", func(dir string) { os.Remove(dir) }},
		{"no checkpoint", "holds no model.ckpt", func(string) {}},
		{"corrupt checkpoint", "checksum mismatch", func(dir string) { os.WriteFile(filepath.Join(dir, CheckpointFile), flipped, 0o644) }},
		{"not a checkpoint", "not a govae checkpoint", func(dir string) { os.WriteFile(filepath.Join(dir, CheckpointFile), []byte("hello"), 0o644) }},
		{"truncated", "not a govae checkpoint", func(dir string) { os.WriteFile(filepath.Join(dir, CheckpointFile), whole[:20], 0o644) }},
		{"no configuration", "not written by vae-train", func(dir string) { writeCheckpoint(t, dir, tinyConfig(), nil) }},
		{"invalid configuration", "-batch 0", func(dir string) { writeCheckpoint(t, dir, tinyConfig(), invalidMeta) }},
	} {
		dir := t.TempDir()
		c.setup(dir)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "train: ") {
			t.Errorf("%s: err = %v, want it to say %q", c.name, err, c.want)
		}
	}
}

// Resume refuses, before any training, a configuration that would not
// continue the saved run.
func TestResumeRefuses(t *testing.T) {
	cfg := tinyConfig()
	meta, _ := json.Marshal(cfg)
	dir := t.TempDir()
	writeCheckpoint(t, dir, cfg, meta)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	changed := s.Config
	changed.LR = 0.01
	if _, err := s.Resume(changed, Options{}); err == nil || !strings.Contains(err.Error(), "may change only") {
		t.Errorf("changed learning rate: err = %v", err)
	}
	s.Checkpoint.Epoch = 3
	fewer := s.Config
	fewer.Epochs = 2
	if _, err := s.Resume(fewer, Options{}); err == nil || !strings.Contains(err.Error(), "trained 3 epochs already") {
		t.Errorf("fewer epochs than done: err = %v", err)
	}
	bad := s.Config
	bad.EvalK = -1
	if _, err := s.Resume(bad, Options{}); err == nil || !strings.Contains(err.Error(), "-eval-k") {
		t.Errorf("invalid config: err = %v", err)
	}
}

func TestGrid(t *testing.T) {
	// Two rows of three 1×2 images, image i at (i+1)/6, but for one pixel
	// below 0 and one above 1.
	var px []float64
	for i := range 6 {
		px = append(px, float64(i+1)/6, float64(i+1)/6)
	}
	px[0], px[11] = -0.5, 1.5
	img := grid(px, 2, 3, 1, 2)
	if b := img.Bounds(); b.Dx() != 3*(2+gridPad)+gridPad || b.Dy() != 2*(1+gridPad)+gridPad {
		t.Fatalf("grid is %v", b)
	}
	if img.GrayAt(0, 0).Y != gridGrey || img.GrayAt(gridPad+2, gridPad).Y != gridGrey {
		t.Error("border is not grey")
	}
	for i := range 6 {
		x0, y0 := gridPad+(i%3)*(2+gridPad), gridPad+(i/3)*(1+gridPad)
		want := uint8(float64(i+1)/6*255 + 0.5)
		if got := img.GrayAt(x0+1, y0).Y; got != want && i != 5 {
			t.Errorf("image %d: %d, want %d", i, got, want)
		}
	}
	if img.GrayAt(gridPad, gridPad).Y != 0 || img.GrayAt(gridPad+2*(2+gridPad)+1, gridPad+1+gridPad).Y != 255 {
		t.Error("values outside [0,1] are not clipped")
	}
}

func TestManifoldGrid(t *testing.T) {
	const n = 20
	z := manifoldGrid(n)
	if len(z) != 2*n*n {
		t.Fatalf("%d values, want %d", len(z), 2*n*n)
	}
	// Φ⁻¹(0.025) = -1.959963984540054: the first column and the bottom row.
	const q = -1.959963984540054
	for _, c := range []struct {
		got, want float64
	}{
		{z[0], q}, {z[1], -q}, // top left: smallest z1, largest z2
		{z[2*(n*n-1)], -q}, {z[2*(n*n-1)+1], q}, // bottom right
		{z[2*(n-1)], -q}, // end of the first row
	} {
		if !scalar.EqualWithinAbsOrRel(c.got, c.want, 1e-12, 1e-12) {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
	for i := 0; i < n*n; i++ { // symmetric about 0
		j := n*n - 1 - i
		if !scalar.EqualWithinAbsOrRel(z[2*i], -z[2*j], 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(z[2*i+1], -z[2*j+1], 1e-12, 1e-12) {
			t.Fatalf("cells %d and %d are not opposite: %v, %v", i, j, z[2*i:2*i+2], z[2*j:2*j+2])
		}
	}
}
