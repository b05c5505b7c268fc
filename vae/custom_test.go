package vae_test

import (
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/vae"
)

// residualEncoder is a network a user might write: one tanh layer, with the
// mean and log-variance heads, plus a linear skip from x to the mean.
func residualEncoder(latent int) vae.EncoderFunc {
	return func(p *vae.Params, x *G.Node) (dist.Normal, error) {
		g, in := x.Graph(), x.Shape()[1]
		w1, err := p.Matrix(g, "enc.W1", in, 32, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		wm, err := p.Matrix(g, "enc.Wmean", 32, latent, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		wv, err := p.Matrix(g, "enc.Wlogvar", 32, latent, vae.Zeros)
		if err != nil {
			return dist.Normal{}, err
		}
		skip, err := p.Matrix(g, "enc.Skip", in, latent, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		h, err := G.Tanh(G.Must(G.Mul(x, w1)))
		if err != nil {
			return dist.Normal{}, err
		}
		mean, err := G.Add(G.Must(G.Mul(h, wm)), G.Must(G.Mul(x, skip)))
		if err != nil {
			return dist.Normal{}, err
		}
		logVar, err := G.Mul(h, wv)
		return dist.Normal{Mean: mean, LogVar: logVar}, err
	}
}

// TestCustomEncoderTrains hands the trainer an encoder written here, outside
// package vae, with the default decoder, and checks that it learns.
func TestCustomEncoderTrains(t *testing.T) {
	train, test := mnist(t, 300, 100)
	m, err := vae.NewMLP(smallArch("float32"))
	if err != nil {
		t.Fatal(err)
	}
	m.Encoder = residualEncoder(m.Latent)
	tr, err := vae.NewTrainer(m, smallConfig(vae.ELBO, 1), train)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"enc.W1", "enc.Skip", "decoder.out.W"} {
		found := false
		for _, n := range m.Params.Names() {
			found = found || n == name
		}
		if !found {
			t.Errorf("parameter %s missing from %v", name, m.Params.Names())
		}
	}
	ev, err := vae.NewEvaluator(m, 50)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	binTest := test.Binarize(datasets.TestSeed)
	before, _, err := ev.ELBO(binTest, 1)
	if err != nil {
		t.Fatal(err)
	}
	trainEpochs(t, tr, 4)
	after, _, err := ev.ELBO(binTest, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("custom encoder: test loss %.2f → %.2f", before.Loss, after.Loss)
	if !(after.Loss < before.Loss-100) {
		t.Errorf("custom encoder did not learn: test loss %.2f → %.2f", before.Loss, after.Loss)
	}
}

// TestBrokenEncoderFailsEarly checks that an encoder returning the wrong
// shape is reported when the trainer is made, not mid-epoch.
func TestBrokenEncoderFailsEarly(t *testing.T) {
	train, _ := mnist(t, 100, 1)
	m, err := vae.NewMLP(smallArch("float32"))
	if err != nil {
		t.Fatal(err)
	}
	m.Encoder = vae.EncoderFunc(func(p *vae.Params, x *G.Node) (dist.Normal, error) {
		return dist.Normal{Mean: x, LogVar: x}, nil // 784 latents, not 8
	})
	if _, err := vae.NewTrainer(m, smallConfig(vae.ELBO, 1), train); err == nil {
		t.Error("an encoder of the wrong shape was accepted")
	} else {
		t.Log(err)
	}
}
