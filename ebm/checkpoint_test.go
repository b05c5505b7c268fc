package ebm

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

func TestCheckpointRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 0))
	r := randomRBM(7, 3, 1, 1, rng)
	cfg := RBMTrainConfig{Epochs: 2, BatchSize: 10, Estimator: PCD, GibbsSteps: 25, LearningRate: 0.01, Momentum: 0.9}
	var buf bytes.Buffer
	if err := WriteCheckpoint(&buf, Checkpoint{RBM: r, Config: cfg, Metrics: EpochMetrics{Epoch: 2, LogLik: -90.5}}); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCheckpoint(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(c.RBM.W, r.W) || !floats.Equal(c.RBM.B, r.B) || !floats.Equal(c.RBM.C, r.C) || c.Config != cfg || c.Metrics.LogLik != -90.5 {
		t.Errorf("round trip changed the checkpoint: %+v", c)
	}
	if _, err := ReadCheckpoint(strings.NewReader("not a checkpoint")); err == nil || !strings.HasPrefix(err.Error(), "ebm: ") {
		t.Errorf("garbage: err = %v", err)
	}
}

func TestImages(t *testing.T) {
	v := mat.NewDense(3, 4, []float64{
		0, 1, 0, 1,
		1, 1, 1, 1,
		0, 0, 0, 0.5,
	})
	img := SampleImage(v, 2, 2, 2)
	if b := img.Bounds(); b.Dx() != 2*3+1 || b.Dy() != 2*3+1 {
		t.Fatalf("grid of 3 tiles in 2 columns: bounds %v", b)
	}
	// Tile 0 at (1,1): row 0 = 0, 1; tile 2 at (1,4): last pixel 0.5.
	for _, c := range []struct{ x, y, want int }{{1, 1, 0}, {2, 1, 255}, {4, 1, 255}, {2, 5, 128}, {0, 0, 128}} {
		if g := img.GrayAt(c.x, c.y).Y; int(g) != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, g, c.want)
		}
	}
	r := &RBM{W: mat.NewDense(4, 1, []float64{-2, 0, 2, 1}), B: make([]float64, 4), C: make([]float64, 1)}
	f := FilterImage(r, 2, 2, 1)
	for _, c := range []struct{ x, y, want int }{{1, 1, 0}, {2, 1, 128}, {1, 2, 255}, {2, 2, 191}} {
		if g := f.GrayAt(c.x, c.y).Y; int(g) != c.want {
			t.Errorf("filter pixel (%d,%d) = %d, want %d", c.x, c.y, g, c.want)
		}
	}
}
