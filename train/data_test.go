package train_test

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/internal/synth"
	"github.com/govae/govae/train"
	"github.com/govae/govae/vae"
)

// ownData returns a small configuration for the example files of synth,
// written once per test into a temporary folder.
func ownData(t *testing.T) (train.Config, synth.Files) {
	t.Helper()
	f, err := synth.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Epochs, cfg.Batch, cfg.Hidden, cfg.Latent, cfg.LR = 2, 20, train.Sizes{16}, 2, 3e-3
	cfg.Out = filepath.Join(t.TempDir(), "run")
	return cfg, f
}

// TestTrainOnOwnData trains on each kind of file vae-train reads and
// checks what the run scored and drew: image figures for images only, in
// colour for colour images, and the standardisation kept in the checkpoint.
func TestTrainOnOwnData(t *testing.T) {
	base, f := ownData(t)
	for _, c := range []struct {
		name     string
		edit     func(*train.Config)
		testN    int
		set      string
		images   bool
		colour   bool
		features int // of the standardisation kept; 0 for none
	}{
		{"idx", func(c *train.Config) { c.Data, c.Binarize = f.IDX, 2 }, 50, "binarized", true, false, 0},
		{"png", func(c *train.Config) { c.Data, c.TestFraction = f.PNG, 0.25 }, 30, "grey", true, false, 0},
		{"colour", func(c *train.Config) { c.Data, c.TestFraction = f.Colour, 0.25 }, 30, "grey", true, true, 0},
		{"png-standardized", func(c *train.Config) {
			c.Data, c.TestFraction, c.Likelihood, c.Standardize = f.PNG, 0.25, vae.Likelihood{Family: vae.Gaussian}, true
		}, 30, "standardized", true, false, 64},
		{"csv", func(c *train.Config) {
			c.Data, c.Likelihood, c.Standardize = f.CSV+","+f.CSVTest, vae.Likelihood{Family: vae.Gaussian}, true
		}, 100, "standardized", false, false, f.Dim},
		{"npy", func(c *train.Config) {
			c.Data, c.TestFraction, c.Likelihood = f.NPY, 0.2, vae.Likelihood{Family: vae.Gaussian, Variance: 0.1}
		}, 60, "values", false, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			cfg.Out = filepath.Join(t.TempDir(), "run")
			c.edit(&cfg)
			res, err := train.Train(cfg, train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Final.Test.N != c.testN || res.Final.Test.Set != c.set {
				t.Errorf("scored %d examples of the %s set, want %d of %s", res.Final.Test.N, res.Final.Test.Set, c.testN, c.set)
			}
			if h := res.History; len(h) != 2 || !(h[1].TestLoss < h[0].TestLoss+5) {
				t.Errorf("history %+v", h)
			}
			for _, name := range []string{train.ReconFile, train.SamplesFile, train.ManifoldFile} {
				_, err := os.Stat(filepath.Join(res.Dir, name))
				if (err == nil) != c.images {
					t.Errorf("%s exists: %v; the data are images: %v", name, err == nil, c.images)
				}
			}
			for _, name := range []string{train.LatentFile, train.LossFile, train.ResultsFile} {
				if _, err := os.Stat(filepath.Join(res.Dir, name)); err != nil {
					t.Error(err)
				}
			}
			if c.images {
				img := decodePNG(t, filepath.Join(res.Dir, train.ReconFile))
				_, isGrey := img.(*image.Gray)
				if isGrey == c.colour {
					t.Errorf("reconstructions.png is a %T; colour data: %v", img, c.colour)
				}
				// Two rows of 8 images of 8×8 pixels with a border of 2.
				if b := img.Bounds(); b.Dx() != 8*10+2 || b.Dy() != 2*10+2 {
					t.Errorf("reconstructions.png is %v", b)
				}
			}
			saved, err := train.Load(res.Dir)
			if err != nil {
				t.Fatal(err)
			}
			st := saved.Checkpoint.Standardization
			if (st != nil) != (c.features > 0) || st != nil && len(st.Mean) != c.features {
				t.Errorf("the checkpoint's standardisation is %+v, want one of %d features", st, c.features)
			}
		})
	}
}

// TestOwnDataRefused: bad combinations of sources and likelihoods fail
// with a message that says what to do.
func TestOwnDataRefused(t *testing.T) {
	base, f := ownData(t)
	for _, c := range []struct {
		edit func(*train.Config)
		want string
	}{
		{func(c *train.Config) { c.Data = f.CSV; c.Likelihood.Family = vae.Gaussian }, "holds no test set"},
		{func(c *train.Config) { c.Data = f.CSV + "," + f.CSVTest }, "-likelihood bernoulli needs values in [0,1]"},
		{func(c *train.Config) { c.Data = f.PNG + "," + f.CSVTest; c.Likelihood.Family = vae.Gaussian }, "training examples have 64 values, test examples 5"},
		{func(c *train.Config) { c.Data = f.PNG + "," + f.Colour }, "training examples have 64 values, test examples 192"},
		{func(c *train.Config) { c.Data = f.IDX + "," + f.PNG }, "own test set"},
		{func(c *train.Config) { c.Data, c.TestFraction = f.PNG+","+f.PNG, 0.5 }, "give one of them"},
		{func(c *train.Config) { c.Data, c.TestFraction, c.Limit = f.PNG, 0.5, 61 }, "-limit 61: the training set has 60"},
		{func(c *train.Config) { c.Data, c.EvalLimit = f.IDX, 51 }, "-eval-limit 51: the test set has 50"},
		{func(c *train.Config) { c.Data = filepath.Join(f.IDX, "emnist-") }, "no such file or folder"},
		{func(c *train.Config) { c.Data = f.IDX; c.Likelihood.Family, c.Binarize = vae.Gaussian, 1 }, "want -likelihood bernoulli"},
		{func(c *train.Config) { c.Data, c.Standardize = f.IDX, true }, "add -likelihood gaussian"},
		{func(c *train.Config) { c.Data, c.TestFraction = f.PNG, 1 }, "-test-fraction 1"},
	} {
		cfg := base
		c.edit(&cfg)
		_, err := train.Train(cfg, train.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("-data %s: %v; want an error with %q", cfg.Data, err, c.want)
		}
	}
}

// TestResumeRefusesOtherData: a run resumed on data of another size, or
// that standardise differently, stops with a message saying so.
func TestResumeRefusesOtherData(t *testing.T) {
	cfg, f := ownData(t)
	cfg.Epochs = 1
	cfg.Data, cfg.Likelihood, cfg.Standardize = f.CSV+","+f.CSVTest, vae.Likelihood{Family: vae.Gaussian}, true
	res, err := train.Train(cfg, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain := cfg
	plain.Standardize, plain.Out = false, filepath.Join(t.TempDir(), "plain")
	plainRes, err := train.Train(plain, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir, data, want string
	}{
		{res.Dir, f.CSVTest + "," + f.CSV, "do not have the means and scales the run was standardised with"},
		{plainRes.Dir, f.PNG + "," + f.PNG, "trained on examples of 5 values, but the data (-data) have 64"},
	} {
		saved, err := train.Load(c.dir)
		if err != nil {
			t.Fatal(err)
		}
		more := saved.Config
		more.Epochs, more.Data = 2, c.data
		if _, err := saved.Resume(more, train.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("resumed on %s: %v; want %q", c.data, err, c.want)
		}
	}
	// The same data resume.
	saved, err := train.Load(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	more := saved.Config
	more.Epochs = 2
	if _, err := saved.Resume(more, train.Options{}); err != nil {
		t.Errorf("resumed on the same data: %v", err)
	}
}
