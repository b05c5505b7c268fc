package train

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot/vg"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
)

// figures draws the PNGs of the model as it is now.
func (r *runner) figures() error {
	n := min(reconCount, r.test.Len())
	recon, err := r.eval.Reconstruct(r.test, 0, n)
	if err != nil {
		return fmt.Errorf("train: reconstructions: %w", err)
	}
	h, w := r.test.Rows, r.test.Cols
	if err := writePNG(r.path(ReconFile), grid(append(scaled(r.test, 0, n), recon...), 2, n, h, w)); err != nil {
		return err
	}
	samples, err := r.eval.Sample(sampleSide*sampleSide, sampleSeed)
	if err != nil {
		return fmt.Errorf("train: samples: %w", err)
	}
	if err := writePNG(r.path(SamplesFile), grid(samples, sampleSide, sampleSide, h, w)); err != nil {
		return err
	}
	lp, err := lossPlot(r.history)
	if err != nil {
		return err
	}
	if err := savePlot(r.path(LossFile), lp, 6*vg.Inch, 4*vg.Inch); err != nil {
		return err
	}
	if r.cfg.Latent != 2 {
		return nil
	}
	z, err := r.eval.Encode(r.test, 0, r.test.Len())
	if err != nil {
		return fmt.Errorf("train: encoding the test set: %w", err)
	}
	latent, err := latentPlot(z, r.test.Labels)
	if err != nil {
		return err
	}
	if err := savePlot(r.path(LatentFile), latent, 6*vg.Inch, 6*vg.Inch); err != nil {
		return err
	}
	grid2, err := r.eval.Decode(manifoldGrid(manifoldN), manifoldN*manifoldN)
	if err != nil {
		return fmt.Errorf("train: manifold: %w", err)
	}
	return writePNG(r.path(ManifoldFile), grid(grid2, manifoldN, manifoldN, h, w))
}

// gridPad is the width in pixels of the grey border between images of a
// grid, and gridGrey its level.
const (
	gridPad  = 2
	gridGrey = 128
)

// grid lays out images of h×w values in [0,1] (row-major, one after the
// other in pixels) on a grid of rows×cols cells, filled row by row, with
// a grey border around every cell. pixels must hold rows×cols images.
func grid(pixels []float64, rows, cols, h, w int) *image.Gray {
	if len(pixels) != rows*cols*h*w {
		panic(fmt.Sprintf("train: %d pixel values for a %d×%d grid of %d×%d images", len(pixels), rows, cols, h, w))
	}
	img := image.NewGray(image.Rect(0, 0, cols*(w+gridPad)+gridPad, rows*(h+gridPad)+gridPad))
	for i := range img.Pix {
		img.Pix[i] = gridGrey
	}
	for cell := range rows * cols {
		x0 := gridPad + (cell%cols)*(w+gridPad)
		y0 := gridPad + (cell/cols)*(h+gridPad)
		for y := range h {
			for x := range w {
				v := pixels[cell*h*w+y*w+x]
				img.SetGray(x0+x, y0+y, color.Gray{Y: uint8(math.Round(255 * math.Min(1, math.Max(0, v))))})
			}
		}
	}
	return img
}

// writePNG writes img to path atomically.
func writePNG(path string, img image.Image) error {
	if err := atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// scaled returns images lo..hi-1 of s as values in [0,1].
func scaled(s *datasets.Set, lo, hi int) []float64 {
	x := make([]float64, (hi-lo)*s.Dim())
	datasets.Scale(x, s, lo, hi)
	return x
}

// manifoldGrid returns the n×n latents of a 2-D manifold plot, row by row:
// z1 runs left to right and z2 top to bottom (largest first) over the
// quantiles (i+½)/n of N(0, 1), so that each cell covers an equal share of
// the prior's mass.
func manifoldGrid(n int) []float64 {
	q := make([]float64, n)
	for i := range q {
		q[i] = distuv.UnitNormal.Quantile((float64(i) + 0.5) / float64(n))
	}
	z := make([]float64, 0, 2*n*n)
	for r := range n {
		for c := range n {
			z = append(z, q[c], q[n-1-r])
		}
	}
	return z
}
