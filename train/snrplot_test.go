package train

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/govae/govae/elbo"
)

// TestWriteSNRPlot writes a PNG that decodes, wider than high: the two
// panels side by side.
func TestWriteSNRPlot(t *testing.T) {
	points := []elbo.SNRPoint{
		{Estimator: elbo.Reparam, K: 1, Encoder: 0.3, Decoder: 2},
		{Estimator: elbo.Reparam, K: 5, Encoder: 0.2, Decoder: 4},
		{Estimator: elbo.DReG, K: 1, Encoder: 0.3, Decoder: 2},
		{Estimator: elbo.DReG, K: 5, Encoder: 0.3, Decoder: 4},
	}
	var buf bytes.Buffer
	if err := WriteSNRPlot(&buf, points); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() <= b.Dy() {
		t.Errorf("the plot is %v: want the two panels side by side", b)
	}
}
