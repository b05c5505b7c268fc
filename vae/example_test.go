package vae_test

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// A model with an encoder of your own: a function of graph nodes that asks
// Params for its weights by name. The default MLP decoder completes it.
func ExampleEncoderFunc() {
	train, _, err := datasets.Load("")
	if err != nil {
		fmt.Println(err)
		return
	}
	train, _ = train.Split(500)

	const latent = 4
	model, err := vae.NewMLP(vae.Arch{Input: 784, Hidden: []int{64}, Latent: latent, Activation: vae.ReLU, Dtype: "float32", Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	// A linear encoder: mean = x·A, log-variance = x·B.
	model.Encoder = vae.EncoderFunc(func(p *vae.Params, x *G.Node) (dist.Normal, error) {
		a, err := p.Matrix(x.Graph(), "linear.A", 784, latent, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		b, err := p.Matrix(x.Graph(), "linear.B", 784, latent, vae.Zeros)
		if err != nil {
			return dist.Normal{}, err
		}
		mean, err := G.Mul(x, a)
		if err != nil {
			return dist.Normal{}, err
		}
		logVar, err := G.Mul(x, b)
		return dist.Normal{Mean: mean, LogVar: logVar}, err
	})

	trainer, err := vae.NewTrainer(model, vae.Config{
		Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 50,
		Binarize: datasets.Static, Adam: optim.DefaultConfig(), Seed: 1,
	}, train)
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := trainer.TrainEpoch(nil)
	var last vae.EpochStats
	for range 4 {
		last, _ = trainer.TrainEpoch(nil)
	}
	fmt.Println("parameters:", model.Params.Names())
	fmt.Println("loss fell:", last.Loss < first.Loss)
	// Output:
	// parameters: [linear.A linear.B decoder.h0.W decoder.h0.b decoder.out.W decoder.out.b]
	// loss fell: true
}

// A hierarchical model, x → h1 → h2: the default MLPs for q(h1|x), p(x|h1)
// and q(h2|h1) (Arch.Upper), and a network of your own for p(h1|h2), here
// linear with a learnt log-variance per unit. Any Encoder serves as either
// network of a Layer.
func ExampleLayer() {
	train, _, err := datasets.Load("")
	if err != nil {
		fmt.Println(err)
		return
	}
	train, _ = train.Split(300)

	model, err := vae.NewMLP(vae.Arch{Input: 784, Hidden: []int{64}, Latent: 8, Activation: vae.Tanh, Dtype: "float32", Seed: 1,
		Upper: []vae.LayerArch{{Hidden: []int{16}, Latent: 2}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	model.Upper[0].Generate = vae.EncoderFunc(func(p *vae.Params, h2 *G.Node) (dist.Normal, error) {
		a, err := p.Matrix(h2.Graph(), "p1.A", 2, 8, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		lv, err := p.Matrix(h2.Graph(), "p1.logvar", 1, 8, vae.Zeros)
		if err != nil {
			return dist.Normal{}, err
		}
		mean, err := G.Mul(h2, a)
		if err != nil {
			return dist.Normal{}, err
		}
		ones := G.NewMatrix(h2.Graph(), h2.Dtype(), G.WithShape(h2.Shape()[0], 1), G.WithName("ones"), G.WithInit(G.Ones()))
		logVar, err := G.Mul(ones, lv) // the same log-variances for every row
		return dist.Normal{Mean: mean, LogVar: logVar}, err
	})

	trainer, err := vae.NewTrainer(model, vae.Config{
		Objective: vae.IWAE, Samples: 3, Beta: 1, Batch: 50,
		Binarize: datasets.Static, Adam: optim.DefaultConfig(), Seed: 1,
	}, train)
	if err != nil {
		fmt.Println(err)
		return
	}
	first, _ := trainer.TrainEpoch(nil)
	var last vae.EpochStats
	for range 3 {
		last, _ = trainer.TrainEpoch(nil)
	}
	fmt.Println("layers:", model.Latents())
	fmt.Println("parameters:", model.Params.Names())
	fmt.Println("loss fell:", last.Loss < first.Loss)
	// Output:
	// layers: [8 2]
	// parameters: [encoder.h0.W encoder.h0.b encoder.mean.W encoder.mean.b encoder.logvar.W encoder.logvar.b decoder.h0.W decoder.h0.b decoder.out.W decoder.out.b encoder2.h0.W encoder2.h0.b encoder2.mean.W encoder2.mean.b encoder2.logvar.W encoder2.logvar.b p1.A p1.logvar]
	// loss fell: true
}
