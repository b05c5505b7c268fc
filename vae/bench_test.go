package vae_test

import (
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// benchPresets are the training set-ups of the benchmark: the
// pytorch/examples VAE and Burda et al.'s one-layer and two-layer models,
// each trained as a VAE and as an IWAE with K = 5.
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
	{"burda2-vae", vae.Arch{Input: 784, Hidden: []int{200, 200}, Latent: 100, Activation: vae.Tanh, Dtype: "float32", Seed: 1, Upper: []vae.LayerArch{{Hidden: []int{100, 100}, Latent: 50}}},
		vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 20, Binarize: datasets.Dynamic, Adam: optim.Config{Schedule: optim.Constant(1e-3), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-4}, Seed: 1}, 20 * 100},
	{"burda2-iwae-k5", vae.Arch{Input: 784, Hidden: []int{200, 200}, Latent: 100, Activation: vae.Tanh, Dtype: "float32", Seed: 1, Upper: []vae.LayerArch{{Hidden: []int{100, 100}, Latent: 50}}},
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

// benchEvaluation times run, one evaluation of nTest test images with an
// untrained model of arch evaluated batch images at a time, with the
// default (Go) matrix products, and reports images per second.
func benchEvaluation(b *testing.B, arch vae.Arch, nTest, batch int, run func(*vae.Evaluator, *datasets.Set) error) {
	useBLAS(b, fastblas.BackendGo)
	_, test := mnist(b, 1, nTest)
	m, err := vae.NewMLP(arch)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := vae.NewEvaluator(m, batch)
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := run(ev, test); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*test.Len())/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkEvaluate measures one evaluation pass (the test ELBO) over 1,000
// test images of the pytorch-example model.
func BenchmarkEvaluate(b *testing.B) {
	benchEvaluation(b, benchPresets[0].arch, 1000, 500, func(ev *vae.Evaluator, test *datasets.Set) error {
		_, _, err := ev.ELBO(test, 1)
		return err
	})
}

// BenchmarkLogLikelihood measures the importance-sampled log p(x) of the
// Burda model with 500 samples for 20 test images (the full benchmark
// evaluates 10,000 with 5,000 samples).
func BenchmarkLogLikelihood(b *testing.B) {
	benchEvaluation(b, benchPresets[1].arch, 20, 20, func(ev *vae.Evaluator, test *datasets.Set) error {
		_, err := ev.LogLikelihood(test, 500, 100, 1, nil)
		return err
	})
}
