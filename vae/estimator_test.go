package vae_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/vae"
)

// withBound sets the objective, estimator and their parameters of b in
// cfg, a configuration of smallConfig.
func withBound(cfg, b vae.Config) vae.Config {
	cfg.Objective, cfg.Estimator, cfg.Samples, cfg.Groups, cfg.CIWAEBeta = b.Objective, b.Estimator, b.Samples, b.Groups, b.CIWAEBeta
	return cfg
}

// TestEstimatorsTrain trains every pair of objective and estimator (K = 2,
// M = 2) for three epochs on 200 MNIST images, with a KL warm-up, and
// checks that the losses are finite and that the test ELBO, at fixed
// noise, rises by more than 50 nats (from about −545: a model that does
// not learn stays there; see the log for the figures).
func TestEstimatorsTrain(t *testing.T) {
	train, test := mnist(t, 200, 100)
	binTest := test.Binarize(datasets.TestSeed)
	for _, b := range vae.BoundCases() {
		t.Run(fmt.Sprintf("%v/%v", b.Objective, b.Estimator), func(t *testing.T) {
			tr := newTrainer(t, smallArch("float32"), withBound(smallConfig(vae.ELBO, 1), b), train)
			ev, err := vae.NewEvaluator(tr.Model(), 50)
			if err != nil {
				t.Fatal(err)
			}
			defer ev.Close()
			before, after, stats, _ := trainMeasured(t, tr, ev, binTest, 3)
			for _, st := range stats {
				if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) || math.IsNaN(st.KL) || math.IsNaN(st.Recon) {
					t.Fatalf("epoch %d: loss %v (recon %v, KL %v)", st.Epoch, st.Loss, st.Recon, st.KL)
				}
			}
			t.Logf("test loss %.2f → %.2f; train %.2f, %.2f, %.2f", before.Loss, after.Loss, stats[0].Loss, stats[1].Loss, stats[2].Loss)
			if !(after.Loss < before.Loss-50) || !(stats[2].Loss < stats[0].Loss) {
				t.Errorf("the loss did not fall: test %.2f → %.2f, train %.2f → %.2f", before.Loss, after.Loss, stats[0].Loss, stats[2].Loss)
			}
		})
	}
}

// TestBadBounds checks that the configurations a trainer cannot train
// are refused, before any training, with an error that says why.
func TestBadBounds(t *testing.T) {
	train, _ := mnist(t, 100, 1)
	base := smallConfig(vae.ELBO, 2)
	for _, c := range []struct {
		name string
		edit func(*vae.Config)
		want string
	}{
		{"miwae without groups", func(c *vae.Config) { c.Objective = vae.MIWAE }, "set Groups"},
		{"piwae without groups", func(c *vae.Config) { c.Objective = vae.PIWAE }, "set Groups"},
		{"groups for iwae", func(c *vae.Config) { c.Objective, c.Groups = vae.IWAE, 2 }, "Groups is for miwae and piwae only"},
		{"ciwae β above 1", func(c *vae.Config) { c.Objective, c.CIWAEBeta = vae.CIWAE, 1.5 }, "must lie in [0, 1]"},
		{"ciwae β NaN", func(c *vae.Config) { c.Objective, c.CIWAEBeta = vae.CIWAE, math.NaN() }, "must lie in [0, 1]"},
		{"ciwae β for the elbo", func(c *vae.Config) { c.CIWAEBeta = 0.5 }, "ciwae only"},
		{"ciwae with stl", func(c *vae.Config) { c.Objective, c.Estimator = vae.CIWAE, elbo.STL }, "reparam estimator only"},
		{"piwae with dreg", func(c *vae.Config) { c.Objective, c.Groups, c.Estimator = vae.PIWAE, 2, elbo.DReG }, "reparam estimator only"},
		{"unknown estimator", func(c *vae.Config) { c.Estimator = 9 }, "unknown estimator"},
		{"unknown objective", func(c *vae.Config) { c.Objective = 9 }, "unknown objective"},
	} {
		cfg := base
		c.edit(&cfg)
		m, err := vae.NewMLP(smallArch("float32"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = vae.NewTrainer(m, cfg, train)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepts it", c.name)
		}
	}
	// A hierarchical posterior takes the reparam estimator only, and not
	// PIWAE.
	for _, c := range []struct {
		est elbo.Estimator
		obj vae.Objective
	}{{elbo.STL, vae.IWAE}, {elbo.DReG, vae.IWAE}, {elbo.Score, vae.ELBO}, {elbo.DReG, vae.MIWAE}, {elbo.Reparam, vae.PIWAE}} {
		cfg := base
		cfg.Objective, cfg.Estimator = c.obj, c.est
		if c.obj == vae.MIWAE || c.obj == vae.PIWAE {
			cfg.Groups = 2
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%v with %v: %v", c.obj, c.est, err)
		}
		m, err := vae.NewMLP(twoLayerArch("float32"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vae.NewTrainer(m, cfg, train); err == nil || !strings.Contains(err.Error(), "2 stochastic layers") {
			t.Errorf("%v with %v on two layers: error %v, want one naming the 2 stochastic layers", c.obj, c.est, err)
		}
	}
}

// TestResumeRefusesAnotherBound checks that a checkpoint records the
// estimator and the bound's parameters, and that resuming it with others
// is refused with an error naming them.
func TestResumeRefusesAnotherBound(t *testing.T) {
	train, _ := mnist(t, 100, 1)
	cfg := smallConfig(vae.MIWAE, 2)
	cfg.Estimator, cfg.Groups = elbo.DReG, 2
	tr := newTrainer(t, smallArch("float32"), cfg, train)
	trainEpochs(t, tr, 1)
	ckpt, err := tr.Checkpoint(nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ckpt.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := vae.ReadCheckpoint(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if back.Config.Estimator != elbo.DReG || back.Config.Groups != 2 || back.Config.Objective != vae.MIWAE {
		t.Fatalf("the checkpoint holds %+v, want miwae with 2 groups and dreg", back.Config)
	}
	for _, c := range []struct {
		edit func(*vae.Config)
		want string
	}{
		{func(c *vae.Config) { c.Estimator = elbo.STL }, "estimator dreg"},
		{func(c *vae.Config) { c.Groups, c.Samples = 1, 4 }, "groups 2"},
		{func(c *vae.Config) { c.Objective, c.Groups = vae.IWAE, 0 }, "objective miwae"},
	} {
		other := cfg
		c.edit(&other)
		err := newTrainer(t, smallArch("float32"), other, train).Resume(back)
		var ce *vae.CheckpointError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("resuming with %+v: error %v, want a CheckpointError saying %q", other, err, c.want)
		}
	}
	if err := newTrainer(t, smallArch("float32"), cfg, train).Resume(back); err != nil {
		t.Errorf("resuming with the same configuration: %v", err)
	}
}

// TestEstimatorStepAllocation checks TestTrainStepAllocation's bound on
// the bytes a step allocates for every estimator and the bounds of
// Rainforth et al., on Burda's one-layer model with K = 5 (M = 5 groups of
// K = 2 for miwae and piwae).
func TestEstimatorStepAllocation(t *testing.T) {
	p := benchPresets[2]
	for _, b := range []vae.Config{
		{Objective: vae.IWAE, Estimator: elbo.STL, Samples: 5},
		{Objective: vae.IWAE, Estimator: elbo.DReG, Samples: 5},
		{Objective: vae.IWAE, Estimator: elbo.Score, Samples: 5},
		{Objective: vae.ELBO, Estimator: elbo.STL, Samples: 1},
		{Objective: vae.MIWAE, Estimator: elbo.DReG, Samples: 2, Groups: 5},
		{Objective: vae.MIWAE, Estimator: elbo.Score, Samples: 2, Groups: 5},
		{Objective: vae.CIWAE, Samples: 5, CIWAEBeta: 0.5},
		{Objective: vae.PIWAE, Samples: 2, Groups: 5},
	} {
		t.Run(fmt.Sprintf("%v/%v", b.Objective, b.Estimator), func(t *testing.T) {
			checkStepAllocation(t, p.arch, withBound(p.cfg, b))
		})
	}
}

// TestGradientsUnbiased draws the IWAE (K = 5) gradient of a small trained-
// looking model with reparam and with DReG, both unbiased, 3,000 times
// each, and checks that their means agree within 4.5 standard errors of
// the difference in every coordinate; and that STL, biased for K > 1,
// does not agree with them.
func TestGradientsUnbiased(t *testing.T) {
	set := &datasets.Set{Pixels: []uint8{0, 255, 255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 0, 0, 255, 255, 0, 255}, Labels: []uint8{0, 1, 2}, Rows: 2, Cols: 3}
	m, err := vae.NewMLP(vae.Arch{Input: 6, Hidden: []int{5}, Latent: 2, Activation: vae.Tanh, Dtype: "float64", Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	const draws = 3000
	moments := func(est elbo.Estimator, seed uint64) (mean, variance []float64, names []string, sizes []int) {
		gr, err := vae.NewGradients(m, vae.Config{Objective: vae.IWAE, Estimator: est, Samples: 5}, set, seed)
		if err != nil {
			t.Fatal(err)
		}
		defer gr.Close()
		names, sizes = gr.Names()
		total := 0
		for _, s := range sizes {
			total += s
		}
		if total != gr.Len() || gr.Draw(make([]float64, gr.Len()+1)) == nil {
			t.Fatalf("sizes %v add to %d for %d values, or a draw of the wrong length was taken", sizes, total, gr.Len())
		}
		mean, m2, v := make([]float64, gr.Len()), make([]float64, gr.Len()), make([]float64, gr.Len())
		for n := 1; n <= draws; n++ {
			if err := gr.Draw(v); err != nil {
				t.Fatal(err)
			}
			for i, x := range v {
				d := x - mean[i]
				mean[i] += d / float64(n)
				m2[i] += d * (x - mean[i])
			}
		}
		for i := range m2 {
			m2[i] /= draws - 1
		}
		return mean, m2, names, sizes
	}
	re, reVar, names, sizes := moments(elbo.Reparam, 1)
	maxZ := func(mean, variance []float64) (float64, int) {
		worst, at := 0.0, 0
		for i := range mean {
			z := math.Abs(mean[i]-re[i]) / math.Sqrt((variance[i]+reVar[i])/draws)
			if z > worst {
				worst, at = z, i
			}
		}
		return worst, at
	}
	dreg, dregVar, _, _ := moments(elbo.DReG, 2)
	z, at := maxZ(dreg, dregVar)
	t.Logf("DReG against reparam: at most %.2f standard errors apart (coordinate %d of %v, sizes %v)", z, at, names, sizes)
	if z > 4.5 {
		t.Errorf("DReG's mean gradient is %.2f standard errors from reparam's at coordinate %d", z, at)
	}
	stl, stlVar, _, _ := moments(elbo.STL, 3)
	if z, _ := maxZ(stl, stlVar); z < 6 {
		t.Errorf("STL's mean gradient is at most %.2f standard errors from reparam's: its bias for K = 5 does not show", z)
	} else {
		t.Logf("STL against reparam: up to %.1f standard errors apart (its bias for K > 1)", z)
	}
}

// TestMeasureSNRProgress checks that MeasureSNRProgress reports every
// gradient estimate, in order, against the total it will take, and that
// reporting changes nothing in what it measures.
func TestMeasureSNRProgress(t *testing.T) {
	set := &datasets.Set{Pixels: []uint8{0, 255, 255, 0, 0, 255, 255, 255, 0, 0, 255, 0}, Labels: []uint8{0, 1}, Rows: 2, Cols: 3}
	m, err := vae.NewMLP(vae.Arch{Input: 6, Hidden: []int{4}, Latent: 2, Activation: vae.Tanh, Dtype: "float64", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ests := []elbo.Estimator{elbo.Reparam, elbo.DReG}
	ks := []int{1, 3}
	const draws = 20
	want, err := vae.MeasureSNR(m, set, ests, ks, draws, 5)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	got, err := vae.MeasureSNRProgress(m, set, ests, ks, draws, 5, func(done, total int) {
		calls++
		if done != calls || total != len(ests)*len(ks)*draws {
			t.Fatalf("progress(%d, %d) on call %d, want (%d, %d)", done, total, calls, calls, len(ests)*len(ks)*draws)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(ests)*len(ks)*draws {
		t.Errorf("progress was called %d times, want %d", calls, len(ests)*len(ks)*draws)
	}
	if len(got) != len(want) {
		t.Fatalf("%d points with progress, %d without", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("point %d: %+v with progress, %+v without", i, got[i], want[i])
		}
	}
}
