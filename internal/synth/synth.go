// Package synth makes small synthetic data sets, and the files of every
// format vae-train reads (IDX, PNG, CSV, .npy), for tests and examples:
// nothing is downloaded, and the same seed gives the same bytes.
package synth

import (
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
)

// Bars returns n labelled images of rows×cols pixels of ch channels (1 or
// 3), drawn from seed: image i shows a bright vertical bar, in one of
// Classes columns chosen by its label, over a dim noisy background, so that
// a small VAE can learn them in an epoch or two.
func Bars(n, rows, cols, ch int, seed uint64) *datasets.Set {
	rng := rand.New(rand.NewPCG(seed, 0xba75))
	s := &datasets.Set{Rows: rows, Cols: cols, Channels: ch, Labels: make([]uint8, n), Pixels: make([]uint8, n*rows*cols*ch)}
	if ch == 1 {
		s.Channels = 0 // grey, as the IDX reader returns it
	}
	d := s.Dim()
	for i := range n {
		label := rng.IntN(Classes)
		s.Labels[i] = uint8(label)
		bar := label * cols / Classes
		img := s.Pixels[i*d : (i+1)*d]
		for r := range rows {
			for c := range cols {
				for k := range ch {
					v := rng.IntN(40)
					if c == bar || c == bar+1 {
						v = 200 + rng.IntN(56)
					}
					img[(r*cols+c)*ch+k] = uint8(v)
				}
			}
		}
	}
	return s
}

// Classes is the number of labels of Bars.
const Classes = 4

// LinearManifold returns n points x = W·z + μ + σ·ε in d dimensions, z ~
// N(0, I_k) and ε ~ N(0, I_d): points near a k-dimensional plane, as rows
// of an unlabelled set of Values. W and μ are drawn from seed, the points
// from seed and stream, so that sets of one seed and two streams (a
// training and a test set) share the plane. The points' density is
// N(μ, W·Wᵀ + σ²·I) in closed form: LinearManifold returns μ and that
// covariance.
func LinearManifold(n, d, k int, sigma float64, seed, stream uint64) (set *datasets.Set, mu []float64, cov *mat.SymDense) {
	rng := rand.New(rand.NewPCG(seed, 1))
	w := mat.NewDense(d, k, nil)
	mu = make([]float64, d)
	for i := range d {
		mu[i] = 2*rng.Float64() - 1
		for j := range k {
			w.Set(i, j, rng.NormFloat64())
		}
	}
	cov = mat.NewSymDense(d, nil)
	cov.SymOuterK(1, w)
	for i := range d {
		cov.SetSym(i, i, cov.At(i, i)+sigma*sigma)
	}
	draws := rand.New(rand.NewPCG(seed, 2+stream))
	set = &datasets.Set{Values: make([]float64, 0, n*d), Rows: 1, Cols: d}
	z := make([]float64, k)
	for range n {
		for j := range z {
			z[j] = draws.NormFloat64()
		}
		for i := range d {
			v := mu[i] + sigma*draws.NormFloat64()
			for j := range k {
				v += w.At(i, j) * z[j]
			}
			set.Values = append(set.Values, v)
		}
	}
	return set, mu, cov
}

// Files are the paths of the example files Write makes.
type Files struct {
	IDX       string // a folder of MNIST-style IDX files: 8×8 Bars, 200 for training and 50 for testing
	PNG       string // a folder of 120 grey 8×8 PNG images of Bars
	Colour    string // a folder of 120 colour 8×8 PNG images of Bars
	CSV       string // 300 points near a plane in 5 dimensions, under a header x1..x5
	CSVTest   string // 100 more points near the same plane
	NPY       string // the points of CSV as a 2-D float64 .npy array
	Dim       int    // the dimension of the points
	IDXTrainN int    // training images in IDX
}

// Write writes the example files under dir (which it creates), each
// atomically, and returns their paths.
func Write(dir string) (Files, error) {
	f := Files{
		IDX: filepath.Join(dir, "idx"), PNG: filepath.Join(dir, "png"), Colour: filepath.Join(dir, "colour"),
		CSV: filepath.Join(dir, "points.csv"), CSVTest: filepath.Join(dir, "points-test.csv"), NPY: filepath.Join(dir, "points.npy"),
		Dim: 5, IDXTrainN: 200,
	}
	for _, d := range []string{f.IDX, f.PNG, f.Colour} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return f, fmt.Errorf("synth: %w", err)
		}
	}
	for _, set := range []struct {
		prefix string
		s      *datasets.Set
	}{{"train", Bars(f.IDXTrainN, 8, 8, 1, 1)}, {"t10k", Bars(50, 8, 8, 1, 2)}} {
		if err := write(filepath.Join(f.IDX, set.prefix+"-images-idx3-ubyte"), func(w io.Writer) error { return datasets.WriteImages(w, set.s) }); err != nil {
			return f, err
		}
		if err := write(filepath.Join(f.IDX, set.prefix+"-labels-idx1-ubyte"), func(w io.Writer) error { return datasets.WriteLabels(w, set.s.Labels) }); err != nil {
			return f, err
		}
	}
	for _, folder := range []struct {
		dir string
		ch  int
	}{{f.PNG, 1}, {f.Colour, 3}} {
		s := Bars(120, 8, 8, folder.ch, 3)
		for i := range s.Len() {
			img := pngImage(s, i)
			if err := write(filepath.Join(folder.dir, fmt.Sprintf("%03d.png", i)), func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
				return f, err
			}
		}
	}
	names := make([]string, f.Dim)
	for j := range names {
		names[j] = fmt.Sprintf("x%d", j+1)
	}
	train, _, _ := LinearManifold(300, f.Dim, 2, 0.2, 4, 0)
	test, _, _ := LinearManifold(100, f.Dim, 2, 0.2, 4, 1)
	if err := write(f.CSV, func(w io.Writer) error { return datasets.WriteCSV(w, train.Values, f.Dim, names) }); err != nil {
		return f, err
	}
	if err := write(f.CSVTest, func(w io.Writer) error { return datasets.WriteCSV(w, test.Values, f.Dim, names) }); err != nil {
		return f, err
	}
	if err := write(f.NPY, func(w io.Writer) error { return datasets.WriteNPY(w, train.Values, f.Dim) }); err != nil {
		return f, err
	}
	return f, nil
}

// pngImage returns image i of a set of byte images as a grey or RGBA image.
func pngImage(s *datasets.Set, i int) image.Image {
	if s.Channels <= 1 {
		return s.Image(i)
	}
	d := s.Dim()
	img := image.NewRGBA(image.Rect(0, 0, s.Cols, s.Rows))
	for p := range s.Rows * s.Cols {
		copy(img.Pix[4*p:4*p+3], s.Pixels[i*d+3*p:i*d+3*p+3])
		img.Pix[4*p+3] = 255
	}
	return img
}

func write(path string, f func(io.Writer) error) error {
	if err := atomicfile.Write(path, f); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
