package vae_test

import (
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// benchPresets are the training set-ups of the benchmark: the
// pytorch/examples VAE and Burda et al.'s one-layer model, trained as a VAE
// and as an IWAE with K = 5.
var benchPresets = []struct {
	name  string
	arch  vae.Arch
	cfg   vae.Config
	bench int // training images per benchmark epoch
}{
	{"pytorch-example", vae.Arch{Input: 784, Hidden: []int{400}, Latent: 20, Activation: vae.ReLU, Dtype: "float32", Seed: 1},
		vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 128, Binarize: datasets.Grey, Adam: optim.DefaultConfig(), Seed: 1}, 128 * 20},
	{"burda-vae", vae.Arch{Input: 784, Hidden: []int{200, 200}, Latent: 50, Activation: vae.Tanh, Dtype: "float32", Seed: 1},
		vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 20, Binarize: datasets.Dynamic, Adam: optim.Config{Schedule: optim.Constant(1e-3), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-4}, Seed: 1}, 20 * 100},
	{"burda-iwae-k5", vae.Arch{Input: 784, Hidden: []int{200, 200}, Latent: 50, Activation: vae.Tanh, Dtype: "float32", Seed: 1},
		vae.Config{Objective: vae.IWAE, Samples: 5, Beta: 1, Batch: 20, Binarize: datasets.Dynamic, Adam: optim.Config{Schedule: optim.Constant(1e-3), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-4}, Seed: 1}, 20 * 100},
}

// benchBackends are the matrix-product backends the benchmarks compare
// (OpenBLAS is skipped where the library is not installed).
var benchBackends = []fastblas.Backend{fastblas.BackendGonum, fastblas.BackendGo, fastblas.BackendOpenBLAS}

// BenchmarkTrainStep measures training, one batch per iteration, on real
// MNIST, for each preset and backend, and reports examples per second.
func BenchmarkTrainStep(b *testing.B) {
	for _, p := range benchPresets {
		for _, backend := range benchBackends {
			b.Run(p.name+"/"+backend.String(), func(b *testing.B) {
				useBLAS(b, backend)
				train, _ := mnist(b, p.bench, 1)
				tr := newTrainer(b, p.arch, p.cfg, train)
				perEpoch := tr.BatchesPerEpoch()
				b.ReportAllocs()
				b.ResetTimer()
				for done := 0; done < b.N; done += perEpoch {
					if _, err := tr.TrainEpoch(nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*p.cfg.Batch)/b.Elapsed().Seconds(), "examples/s")
			})
		}
	}
}

// BenchmarkEvaluate measures one evaluation pass (the test ELBO) over 1,000
// test images, with the default (Go) matrix products.
func BenchmarkEvaluate(b *testing.B) {
	useBLAS(b, fastblas.BackendGo)
	p := benchPresets[0]
	_, test := mnist(b, 1, 1000)
	m, err := vae.NewMLP(p.arch)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := vae.NewEvaluator(m, 500)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := ev.ELBO(test, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*test.Len())/b.Elapsed().Seconds(), "examples/s")
}

// BenchmarkLogLikelihood measures the importance-sampled log p(x) of the
// Burda model with 500 samples for 20 test images, and reports test images
// per second (the full benchmark evaluates 10,000 with 5,000 samples), with
// the default (Go) matrix products.
func BenchmarkLogLikelihood(b *testing.B) {
	useBLAS(b, fastblas.BackendGo)
	p := benchPresets[1]
	_, test := mnist(b, 1, 20)
	m, err := vae.NewMLP(p.arch)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := vae.NewEvaluator(m, 20)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ev.LogLikelihood(test, 500, 100, 1, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*test.Len())/b.Elapsed().Seconds(), "images/s")
}
