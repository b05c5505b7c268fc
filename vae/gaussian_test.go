package vae_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distmv"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/synth"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// TestGaussianVAEFindsTheTrueDensity trains a linear Gaussian VAE (no
// hidden layers, a learned variance per feature: factor analysis, which
// holds the true model) on points near a 2-D plane in 6 dimensions, and
// checks that its importance-sampled log p(x) on held-out points is the
// true log-density to within 0.05 nats per point. Both are averaged over
// the same 1,000 test points, so the spread of log p(x) across points
// cancels; what is left is the fit of the model to 4,000 training points
// (about (#parameters)/(2n) ≈ 0.004 nats for maximum likelihood), the
// optimiser's distance from the optimum and the importance-sampling error.
// An untrained model is checked to be far off, so that the test can fail.
func TestGaussianVAEFindsTheTrueDensity(t *testing.T) {
	const d, k, sigma = 6, 2, 0.3
	train, mu, cov := synth.LinearManifold(4000, d, k, sigma, 11, 0)
	test, _, _ := synth.LinearManifold(1000, d, k, sigma, 11, 1)
	truth, ok := distmv.NewNormal(mu, cov, nil)
	if !ok {
		t.Fatal("the covariance is not positive definite")
	}
	var trueMean float64
	for i := range test.Len() {
		trueMean += truth.LogProb(test.Values[i*d : (i+1)*d])
	}
	trueMean /= float64(test.Len())

	m, err := vae.NewMLP(vae.Arch{Input: d, Latent: k, Dtype: "float64", Seed: 5,
		Likelihood: vae.Likelihood{Family: vae.Gaussian}})
	if err != nil {
		t.Fatal(err)
	}
	logPx := func() float64 {
		ev, err := vae.NewEvaluator(m, 250)
		if err != nil {
			t.Fatal(err)
		}
		defer ev.Close()
		est, err := ev.LogLikelihood(test, 100, 50, 9, nil)
		if err != nil {
			t.Fatal(err)
		}
		mean, _ := vae.MeanLogLikelihood(est)
		return mean
	}
	if before := logPx(); before > trueMean-1 {
		t.Fatalf("the untrained model has log p(x) %.3f, within a nat of the truth %.3f: the test cannot tell", before, trueMean)
	}
	adam := optim.DefaultConfig()
	adam.Schedule = optim.Constant(1e-2)
	tr, err := vae.NewTrainer(m, vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 100, Adam: adam, Seed: 3}, train)
	if err != nil {
		t.Fatal(err)
	}
	trainEpochs(t, tr, 60)
	got := logPx()
	t.Logf("log p(x): model %.4f, truth %.4f (difference %.4f nats)", got, trueMean, got-trueMean)
	if math.Abs(got-trueMean) > 0.05 {
		t.Errorf("the trained model's log p(x) is %.4f, the true log-density %.4f: off by %.4f nats, more than 0.05", got, trueMean, got-trueMean)
	}
}

// TestBinarizingNeedsUnitInterval: NewTrainer refuses to binarise data
// outside [0,1] with a *datasets.RangeError naming the value.
func TestBinarizingNeedsUnitInterval(t *testing.T) {
	set := &datasets.Set{Values: []float64{0.5, 0.2, 1.5, 0}, Rows: 1, Cols: 2}
	m, err := vae.NewMLP(vae.Arch{Input: 2, Latent: 1, Dtype: "float64"})
	if err != nil {
		t.Fatal(err)
	}
	adam := optim.DefaultConfig()
	adam.Schedule = optim.Constant(1e-3)
	_, err = vae.NewTrainer(m, vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 2, Binarize: datasets.Dynamic, Adam: adam}, set)
	var re *datasets.RangeError
	if !errors.As(err, &re) || re.Example != 1 || re.Feature != 0 || re.Value != 1.5 {
		t.Fatalf("NewTrainer on a value 1.5 with dynamic binarisation: %v; want a RangeError for example 1, feature 0", err)
	}
	if _, err := vae.NewTrainer(m, vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 2, Adam: adam}, set); err != nil {
		t.Fatalf("without binarisation the same set must train: %v", err)
	}
}

// TestCheckpointKeepsStandardization: a checkpoint's standardisation
// reads back as written, and one that is not valid makes the checkpoint
// fail to load with a *CheckpointError.
func TestCheckpointKeepsStandardization(t *testing.T) {
	set, _, _ := synth.LinearManifold(50, 3, 1, 0.1, 1, 0)
	m, err := vae.NewMLP(vae.Arch{Input: 3, Latent: 1, Dtype: "float64", Likelihood: vae.Likelihood{Family: vae.Gaussian}})
	if err != nil {
		t.Fatal(err)
	}
	adam := optim.DefaultConfig()
	adam.Schedule = optim.Constant(1e-3)
	tr, err := vae.NewTrainer(m, vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 10, Adam: adam}, set)
	if err != nil {
		t.Fatal(err)
	}
	read := func(st *datasets.Standardization) (*vae.Checkpoint, error) {
		c, err := tr.Checkpoint(nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Standardization = st
		var b bytes.Buffer
		if err := c.Write(&b); err != nil {
			t.Fatal(err)
		}
		return vae.ReadCheckpoint(&b)
	}
	st := datasets.FitStandardization(set)
	c, err := read(&st)
	if err != nil || c.Standardization == nil || !slices.Equal(c.Standardization.Mean, st.Mean) || !slices.Equal(c.Standardization.Scale, st.Scale) {
		t.Fatalf("read back %+v, %v; want %+v", c.Standardization, err, st)
	}
	if c, err := read(nil); err != nil || c.Standardization != nil {
		t.Errorf("without a standardisation: %+v, %v", c.Standardization, err)
	}
	bad := datasets.Standardization{Mean: []float64{0, 0, 0}, Scale: []float64{1, 0, 1}}
	var ce *vae.CheckpointError
	if _, err := read(&bad); !errors.As(err, &ce) || !strings.Contains(err.Error(), "scale 0") {
		t.Errorf("a zero scale: %v; want a CheckpointError", err)
	}
}
