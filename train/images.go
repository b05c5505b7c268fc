package train

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot/vg"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
	"github.com/govae/govae/vae"
)

// figures draws the PNGs of the model as it is now: the loss, and, for
// data that are images, reconstructions and samples; for a 2-D latent the
// test set in latent space (and the decoded latent plane, for images).
func (r *runner) figures() error {
	im, ok := r.images()
	if ok {
		recon, err := im.reconstructions(r.eval, r.test, min(reconCount, r.test.Len()))
		if err != nil {
			return err
		}
		if err := writePNG(r.path(ReconFile), recon); err != nil {
			return err
		}
		samples, err := im.samples(r.eval, sampleSide, sampleSeed)
		if err != nil {
			return err
		}
		if err := writePNG(r.path(SamplesFile), samples); err != nil {
			return err
		}
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
	if !ok {
		return nil
	}
	plane, err := r.eval.Decode(manifoldGrid(manifoldN), manifoldN*manifoldN)
	if err != nil {
		return fmt.Errorf("train: manifold: %w", err)
	}
	return writePNG(r.path(ManifoldFile), im.grid(plane, manifoldN, manifoldN))
}

// images returns how r's examples are drawn, and false if they are not
// images.
func (r *runner) images() (imager, bool) {
	return newImager(r.test, r.st)
}

// imager draws examples of a set of images, and the model's outputs, as
// grids of images: outputs in the standardised space are mapped back to
// the data's scale first.
type imager struct {
	h, w, ch int
	st       *datasets.Standardization // nil if the data are not standardised
}

// newImager returns the imager of the examples of s, standardised with st
// (nil for none), and false if they are not images.
func newImager(s *datasets.Set, st *datasets.Standardization) (imager, bool) {
	return imager{h: s.Rows, w: s.Cols, ch: max(s.Channels, 1), st: st}, isImage(s)
}

// grid lays out images of the model's space (standardised, if the data
// are) on rows×cols cells.
func (im imager) grid(x []float64, rows, cols int) image.Image {
	if im.st != nil {
		x = slices.Clone(x)
		im.st.Invert(x)
	}
	return tileGrid(x, rows, cols, im.h, im.w, im.ch)
}

// reconstructions returns the first n examples of test over their
// reconstructions, as a grid of two rows.
func (im imager) reconstructions(ev *vae.Evaluator, test *datasets.Set, n int) (image.Image, error) {
	recon, err := ev.Reconstruct(test, 0, n)
	if err != nil {
		return nil, fmt.Errorf("train: reconstructions: %w", err)
	}
	return im.grid(append(scaled(test, 0, n), recon...), 2, n), nil
}

// samples returns side×side samples of the model, drawn from seed, as a
// grid.
func (im imager) samples(ev *vae.Evaluator, side int, seed uint64) (image.Image, error) {
	x, err := ev.Sample(side*side, seed)
	if err != nil {
		return nil, fmt.Errorf("train: samples: %w", err)
	}
	return im.grid(x, side, side), nil
}

// gridPad is the width in pixels of the grey border between images of a
// grid, and gridGrey its level.
const (
	gridPad  = 2
	gridGrey = 128
)

// grid lays out grey images of h×w values in [0,1] (row-major, one after
// the other in pixels) on a grid of rows×cols cells, filled row by row,
// with a grey border around every cell. pixels must hold rows×cols images.
func grid(pixels []float64, rows, cols, h, w int) *image.Gray {
	if len(pixels) != rows*cols*h*w {
		panic(fmt.Sprintf("train: %d pixel values for a %d×%d grid of %d×%d images", len(pixels), rows, cols, h, w))
	}
	return tileGrid(pixels, rows, cols, h, w, 1).(*image.Gray)
}

// tileGrid is grid for images of ch values per pixel: grey (1, an
// *image.Gray) or colour (3, R, G, B, an *image.RGBA). Values outside
// [0,1] are clipped. pixels may hold fewer than rows×cols images: the
// cells after the last are left grey.
func tileGrid(pixels []float64, rows, cols, h, w, ch int) image.Image {
	size := h * w * ch
	if size == 0 || len(pixels) > rows*cols*size || len(pixels)%size != 0 || (ch != 1 && ch != 3) {
		panic(fmt.Sprintf("train: %d pixel values for a %d×%d grid of %d×%d images of %d channels", len(pixels), rows, cols, h, w, ch))
	}
	rect := image.Rect(0, 0, cols*(w+gridPad)+gridPad, rows*(h+gridPad)+gridPad)
	var (
		img    image.Image
		pix    []uint8
		stride int
		step   = 1 // bytes per pixel of the image
	)
	if ch == 1 {
		g := image.NewGray(rect)
		img, pix, stride = g, g.Pix, g.Stride
	} else {
		c := image.NewRGBA(rect)
		img, pix, stride, step = c, c.Pix, c.Stride, 4
	}
	for i := range pix {
		pix[i] = gridGrey
		if step == 4 && i%4 == 3 {
			pix[i] = 255 // opaque
		}
	}
	for cell := range len(pixels) / size {
		x0 := gridPad + (cell%cols)*(w+gridPad)
		y0 := gridPad + (cell/cols)*(h+gridPad)
		for y := range h {
			for x := range w {
				for c := range ch {
					v := pixels[((cell*h+y)*w+x)*ch+c]
					pix[(y0+y)*stride+(x0+x)*step+c] = uint8(math.Round(255 * math.Min(1, math.Max(0, v))))
				}
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
