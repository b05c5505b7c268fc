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
