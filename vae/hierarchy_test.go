package vae_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/vae"
)

// twoLayerArch is a quick hierarchical model for tests: 784-64-12 for
// q(h1|x), 12-24-4 for q(h2|h1), their mirrors for p, tanh.
func twoLayerArch(dtype string) vae.Arch {
	a := smallArch(dtype)
	a.Latent = 12
	a.Upper = []vae.LayerArch{{Hidden: []int{24}, Latent: 4}}
	return a
}

// TestTwoLayerModelTrains trains the two-layer model with each objective on
// 400 real MNIST images and checks that the test loss falls, that
// the importance-sampled log p(x) lies above the ELBO, and that the
// evaluation tools work layer by layer.
func TestTwoLayerModelTrains(t *testing.T) {
	train, test := mnist(t, 400, 100)
	binTest := test.Binarize(datasets.TestSeed)
	for _, c := range []struct {
		obj     vae.Objective
		samples int
		dtype   string
	}{{vae.ELBO, 1, "float32"}, {vae.ELBOEntropy, 2, "float64"}, {vae.IWAE, 5, "float32"}} {
		t.Run(c.obj.String()+"/"+c.dtype, func(t *testing.T) {
			tr := newTrainer(t, twoLayerArch(c.dtype), smallConfig(c.obj, c.samples), train)
			m := tr.Model()
			if got := m.Latents(); !slices.Equal(got, []int{12, 4}) {
				t.Fatalf("latents %v, want [12 4]", got)
			}
			ev, err := vae.NewEvaluator(m, 50)
			if err != nil {
				t.Fatal(err)
			}
			defer ev.Close()
			before, after, stats, variances := trainMeasured(t, tr, ev, binTest, 4)
			active, err := vae.ActiveUnitsByLayer(variances, m.Latents(), 0.01)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("test loss %.2f → %.2f; train %.2f → %.2f; active units %v", before.Loss, after.Loss, stats[0].Loss, stats[3].Loss, active)
			if !(after.Loss < before.Loss-100) || stats[3].Loss >= stats[0].Loss {
				t.Errorf("loss did not fall: test %.2f → %.2f, train %.2f → %.2f", before.Loss, after.Loss, stats[0].Loss, stats[3].Loss)
			}
			if len(variances) != 16 || len(active) != 2 || active[0] > 12 || active[1] > 4 {
				t.Errorf("%d variances, active units %v for layers of 12 and 4", len(variances), active)
			}
			est, err := ev.LogLikelihood(binTest, 50, 20, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			logP, se := vae.MeanLogLikelihood(est)
			if len(est) != binTest.Len() || est[0].K != 50 || !(logP > -after.Loss) || logP > 0 {
				t.Errorf("log p(x) ≈ %.2f ± %.2f from %d estimates of K=%d; ELBO %.2f", logP, se, len(est), est[0].K, -after.Loss)
			}
			checkImages(t, ev, binTest)
		})
	}
}

// checkImages checks the shapes and ranges of reconstructions through the
// chain and of ancestral samples, and that samples repeat with their seed.
func checkImages(t *testing.T, ev *vae.Evaluator, set *datasets.Set) {
	t.Helper()
	inRange := func(what string, v []float64, n int) {
		if len(v) != n*784 {
			t.Errorf("%s: %d values for %d images", what, len(v), n)
		}
		for _, p := range v {
			if !(p >= 0 && p <= 1) {
				t.Errorf("%s: pixel %v outside [0, 1]", what, p)
				return
			}
		}
	}
	recon, err := ev.Reconstruct(set, 0, 7)
	if err != nil {
		t.Fatal(err)
	}
	inRange("reconstructions", recon, 7)
	a, err := ev.Sample(9, 5)
	if err != nil {
		t.Fatal(err)
	}
	inRange("samples", a, 9)
	b, err := ev.Sample(9, 5)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ev.Sample(9, 6)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Error("samples do not follow their seed")
	}
	top, err := ev.EncodeLayer(set, 0, 7, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 7*4 {
		t.Errorf("%d top-layer means for 7 images of 4 units", len(top))
	}
	if _, err := ev.EncodeLayer(set, 0, 7, 3); err == nil {
		t.Error("layer 3 of a two-layer model: no error")
	}
	// Decoding the top means through the means below is the reconstruction.
	down, err := ev.DecodeLayer(top, 7, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(down, recon) {
		t.Error("DecodeLayer of the top-layer means differs from Reconstruct")
	}
	// With noise, h1 is drawn given h2: other images, still in [0, 1].
	drawn, err := ev.DecodeLayer(top, 7, 2, dist.NewNoise(3))
	if err != nil {
		t.Fatal(err)
	}
	inRange("drawn given h2", drawn, 7)
	if slices.Equal(drawn, recon) {
		t.Error("drawing h1 given h2 gave the means")
	}
	if _, err := ev.DecodeLayer(top, 7, 1, nil); err == nil {
		t.Error("4-unit latents decoded as h1 of 12 units: no error")
	}
}

// TestTwoLayerResumeIsBitIdentical checks checkpoint, resume and restore
// for the hierarchical model: 2 epochs straight agree to the bit with 1
// epoch, a checkpoint and 1 more, and a fresh model restored from the
// checkpoint evaluates as the trained one.
func TestTwoLayerResumeIsBitIdentical(t *testing.T) {
	train, test := mnist(t, 130, 50)
	arch, cfg := twoLayerArch("float64"), smallConfig(vae.IWAE, 2)
	want := trainEpochs(t, newTrainer(t, arch, cfg, train), 2)
	first := newTrainer(t, arch, cfg, train)
	got := trainEpochs(t, first, 1)
	path := filepath.Join(t.TempDir(), "model.ckpt")
	if err := first.Save(path, nil); err != nil {
		t.Fatal(err)
	}
	ckpt, err := vae.LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	resumed := newTrainer(t, arch, cfg, train)
	if err := resumed.Resume(ckpt); err != nil {
		t.Fatal(err)
	}
	got = append(got, trainEpochs(t, resumed, 1)...)
	if !slices.Equal(want, got) {
		t.Errorf("epochs differ:\nstraight %+v\nresumed  %+v", want, got)
	}
	checkRestoresAsTrained(t, arch, ckpt, first.Model(), test)
}

// TestBadLayers checks that a layer without networks or of no units is
// refused when the model is made or trained.
func TestBadLayers(t *testing.T) {
	a := twoLayerArch("float32")
	a.Upper[0].Latent = 0
	if _, err := vae.NewMLP(a); err == nil {
		t.Error("a layer of 0 units: no error")
	}
	m, err := vae.NewMLP(twoLayerArch("float32"))
	if err != nil {
		t.Fatal(err)
	}
	m.Upper[0].Generate = nil
	train, _ := mnist(t, 50, 1)
	if _, err := vae.NewTrainer(m, smallConfig(vae.ELBO, 1), train); err == nil {
		t.Error("a layer without p(h1|h2): no error")
	}
}
