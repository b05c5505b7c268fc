package train

import (
	"fmt"
	"image"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
	"github.com/govae/govae/vae"
)

// The files that scoring and using a saved run (Saved.Evaluate) write in
// its folder.
const (
	EvalFile           = "eval.json"          // the test numbers
	SampleCSVFile      = "sample.csv"         // Use.Sample samples of the model, one a row
	SamplePNGFile      = "sample.png"         // the same as images, for image data
	ReconstructCSVFile = "reconstruction.csv" // the reconstruction of every test example, one a row
	ReconstructPNGFile = "reconstruction.png" // the first test images over their reconstructions
	InterpolateFile    = "interpolation.png"  // decoded latents between two test images
	DecodedFile        = "decoded.csv"        // the decoder's output for the latents of Use.Decode
)

// interpolationSteps is the number of latents decoded from one test
// image's posterior mean to the other's, both included.
const interpolationSteps = 10

// Use says what to do with a saved run besides scoring it: each field
// left at its zero value does nothing. Every file is written atomically.
// Samples and reconstructions are the means of p(x|z), in the data's own
// scale (a standardisation undone), one example a row under a header x1,
// x2, ...
type Use struct {
	Sample      int    // draw this many samples from the model: SampleCSVFile (and SamplePNGFile for images)
	Reconstruct bool   // reconstruct the test set: ReconstructCSVFile (and ReconstructPNGFile for images)
	Encode      string // write the posterior means of the test set to this CSV file, under a header z1, z2, ...
	Interpolate []int  // two test examples (counted from 0): InterpolateFile shows the decoded latents between their posterior means
	Export      string // write the model to this safetensors file (vae.Export), with its standardisation
	// Decode names a CSV file of latents (h1), one a row: DecodedFile gets
	// what the decoder computes for each, the logits of a Bernoulli or
	// the mean of a Gaussian in the model's (standardised) space, to
	// compare with another framework's decoder on the same weights.
	Decode string
}

// Validate reports a field of u out of range.
func (u Use) Validate() error {
	switch {
	case u.Sample < 0:
		return fmt.Errorf("train: -sample %d: draw 0 or more samples", u.Sample)
	case u.Interpolate != nil && (len(u.Interpolate) != 2 || u.Interpolate[0] < 0 || u.Interpolate[1] < 0):
		return fmt.Errorf("train: -interpolate %v: give two test examples, I,J, counted from 0", u.Interpolate)
	}
	return nil
}

// Evaluation is what scoring a saved run writes to EvalFile.
type Evaluation struct {
	Epochs      int         `json:"epochs"` // epochs the model has trained
	Config      Config      `json:"config"` // the run's configuration, with the evaluation's -data, -test-fraction, -eval-limit and -eval-k
	Environment Environment `json:"environment"`
	Test        TestResults `json:"test"`
	Seconds     float64     `json:"seconds"` // wall-clock time of the evaluation
	Wrote       []string    `json:"wrote"`   // the files written besides EvalFile
}

// Evaluate scores the model of the saved run on its test set, as a run
// does at its end (the ELBO, and log p(x) with cfg.EvalK importance
// samples), does what use asks, and writes EvalFile in the run's folder.
// cfg must be s.Config but for the fields of EvalChangeable. The data are
// read again from cfg.Data and standardised with the statistics kept in the
// checkpoint.
func (s *Saved) Evaluate(cfg Config, use Use, opts Options) (*Evaluation, error) {
	start := time.Now()
	cfg.Out = s.Dir
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := use.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.checkSame(s.Config, "scoring a run", EvalChangeable()); err != nil {
		return nil, err
	}
	if opts.Progress == nil {
		opts.Progress = noProgress{}
	}
	d, err := s.data(cfg)
	if err != nil {
		return nil, err
	}
	arch, err := s.Arch()
	if err != nil {
		return nil, err
	}
	model, err := s.Model()
	if err != nil {
		return nil, err
	}
	ev, err := vae.NewEvaluator(model, evalBatch)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer ev.Close()
	test, testName := cfg.EvalSet(d.test)
	stats, variances, err := ev.ELBO(test, evalSeed)
	if err != nil {
		return nil, fmt.Errorf("train: evaluating: %w", err)
	}
	res := &Evaluation{Epochs: s.Checkpoint.Epoch, Config: cfg, Environment: environment(), Wrote: []string{}}
	if res.Test, err = testResults(cfg, testName, stats, variances); err != nil {
		return nil, err
	}
	logPxSecs, err := logLikelihood(&res.Test, model, test, cfg.EvalK, opts.Progress)
	if err != nil {
		return nil, err
	}
	u := user{dir: s.Dir, ev: ev, test: test, st: s.Checkpoint.Standardization, wrote: &res.Wrote}
	if err := u.do(use, model, arch); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	if err := writeJSON(filepath.Join(s.Dir, EvalFile), res); err != nil {
		return nil, err
	}
	if opts.Log != nil {
		fmt.Fprintf(opts.Log, "scored %s after epoch %d\n", s.Dir, res.Epochs)
		logTest(opts.Log, cfg, res.Test, logPxSecs)
		for _, f := range res.Wrote {
			fmt.Fprintf(opts.Log, "wrote %s\n", f)
		}
	}
	return res, nil
}

// user does what a Use asks with a restored model.
type user struct {
	dir   string
	ev    *vae.Evaluator
	test  *datasets.Set
	st    *datasets.Standardization
	wrote *[]string
}

// do carries out use.
func (u user) do(use Use, model *vae.Model, arch vae.Arch) error {
	im, isImage := newImager(u.test, u.st)
	if use.Interpolate != nil && !isImage {
		return fmt.Errorf("train: -interpolate draws images, but the data are %s", describeShape(u.test))
	}
	if use.Sample > 0 {
		x, err := u.ev.Sample(use.Sample, sampleSeed)
		if err != nil {
			return fmt.Errorf("train: samples: %w", err)
		}
		if err := u.writeValues(filepath.Join(u.dir, SampleCSVFile), x); err != nil {
			return err
		}
		if isImage {
			cols := min(use.Sample, 10)
			if err := u.writePNG(filepath.Join(u.dir, SamplePNGFile), im.grid(x, (use.Sample+cols-1)/cols, cols)); err != nil {
				return err
			}
		}
	}
	if use.Reconstruct {
		x, err := u.ev.Reconstruct(u.test, 0, u.test.Len())
		if err != nil {
			return fmt.Errorf("train: reconstructions: %w", err)
		}
		if err := u.writeValues(filepath.Join(u.dir, ReconstructCSVFile), x); err != nil {
			return err
		}
		if isImage {
			img, err := im.reconstructions(u.ev, u.test, min(reconCount, u.test.Len()))
			if err != nil {
				return err
			}
			if err := u.writePNG(filepath.Join(u.dir, ReconstructPNGFile), img); err != nil {
				return err
			}
		}
	}
	if use.Encode != "" {
		z, err := u.ev.Encode(u.test, 0, u.test.Len())
		if err != nil {
			return fmt.Errorf("train: encoding the test set: %w", err)
		}
		if err := u.writeCSV(use.Encode, z, model.Latent, "z"); err != nil {
			return err
		}
	}
	if use.Interpolate != nil {
		img, err := u.interpolation(im, use.Interpolate[0], use.Interpolate[1])
		if err != nil {
			return err
		}
		if err := u.writePNG(filepath.Join(u.dir, InterpolateFile), img); err != nil {
			return err
		}
	}
	if use.Decode != "" {
		z, _, err := datasets.OpenCSV(use.Decode, datasets.CSVOptions{})
		if err != nil {
			return fmt.Errorf("train: -decode: %w", err)
		}
		if z.Dim() != model.Latent {
			return fmt.Errorf("train: -decode %s: rows of %d values, but the model has %d latents", use.Decode, z.Dim(), model.Latent)
		}
		x, err := u.ev.DecodeLogits(z.Values, z.Len())
		if err != nil {
			return fmt.Errorf("train: decoding: %w", err)
		}
		if err := u.writeCSV(filepath.Join(u.dir, DecodedFile), x, u.test.Dim(), "x"); err != nil {
			return err
		}
	}
	if use.Export != "" {
		err := atomicfile.Write(use.Export, func(w io.Writer) error { return vae.Export(w, model, arch, u.st) })
		if err != nil {
			return fmt.Errorf("train: exporting the model: %w", err)
		}
		*u.wrote = append(*u.wrote, use.Export)
	}
	return nil
}

// interpolation returns test images i and j at the two ends of a row of
// the decoded latents on the line between their posterior means.
func (u user) interpolation(im imager, i, j int) (image.Image, error) {
	n := u.test.Len()
	if i >= n || j >= n {
		return nil, fmt.Errorf("train: -interpolate %d,%d: the test set has %d examples (counted from 0)", i, j, n)
	}
	zi, err := u.ev.Encode(u.test, i, i+1)
	if err != nil {
		return nil, fmt.Errorf("train: encoding: %w", err)
	}
	zj, err := u.ev.Encode(u.test, j, j+1)
	if err != nil {
		return nil, fmt.Errorf("train: encoding: %w", err)
	}
	z := make([]float64, 0, interpolationSteps*len(zi))
	for s := range interpolationSteps {
		t := float64(s) / (interpolationSteps - 1)
		for k := range zi {
			z = append(z, (1-t)*zi[k]+t*zj[k])
		}
	}
	x, err := u.ev.Decode(z, interpolationSteps)
	if err != nil {
		return nil, fmt.Errorf("train: decoding: %w", err)
	}
	row := slices.Concat(scaled(u.test, i, i+1), x, scaled(u.test, j, j+1))
	return im.grid(row, 1, interpolationSteps+2), nil
}

// writeValues writes examples of the model's space to path as CSV in the
// data's scale.
func (u user) writeValues(path string, x []float64) error {
	if u.st != nil {
		x = slices.Clone(x)
		u.st.Invert(x)
	}
	return u.writeCSV(path, x, u.test.Dim(), "x")
}

// writeCSV writes rows of d values to path under a header prefix1,
// prefix2, ...
func (u user) writeCSV(path string, x []float64, d int, prefix string) error {
	names := make([]string, d)
	for j := range names {
		names[j] = fmt.Sprintf("%s%d", prefix, j+1)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return datasets.WriteCSV(w, x, d, names) }); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	*u.wrote = append(*u.wrote, path)
	return nil
}

// writePNG writes img to path atomically.
func (u user) writePNG(path string, img image.Image) error {
	if err := writePNG(path, img); err != nil {
		return err
	}
	*u.wrote = append(*u.wrote, path)
	return nil
}
