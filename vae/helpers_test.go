package vae_test

import (
	"sync"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

var (
	mnistOnce             sync.Once
	mnistTrain, mnistTest *datasets.Set
	mnistErr              error
)

// mnist returns the first nTrain training and nTest test images of the real
// MNIST, loaded once for the whole test binary.
func mnist(t testing.TB, nTrain, nTest int) (train, test *datasets.Set) {
	t.Helper()
	mnistOnce.Do(func() { mnistTrain, mnistTest, mnistErr = datasets.Load("") })
	if mnistErr != nil {
		t.Fatal(mnistErr)
	}
	train, _ = mnistTrain.Split(nTrain)
	test, _ = mnistTest.Split(nTest)
	return train, test
}

// smallArch is a quick model for tests: 784-64-8, tanh.
func smallArch(dtype string) vae.Arch {
	return vae.Arch{Input: 784, Hidden: []int{64}, Latent: 8, Activation: vae.Tanh, Dtype: dtype, Seed: 3}
}

// smallConfig trains with batch 50, dynamic binarisation and a KL warm-up,
// so that every random stream and the β input are exercised.
func smallConfig(obj vae.Objective, samples int) vae.Config {
	adam := optim.DefaultConfig()
	adam.Schedule = optim.Constant(3e-3)
	return vae.Config{Objective: obj, Samples: samples, Beta: 1, Warmup: 2, Batch: 50,
		Binarize: datasets.Dynamic, Adam: adam, Seed: 7}
}

func newTrainer(t testing.TB, arch vae.Arch, cfg vae.Config, train *datasets.Set) *vae.Trainer {
	t.Helper()
	m, err := vae.NewMLP(arch)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := vae.NewTrainer(m, cfg, train)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func trainEpochs(t testing.TB, tr *vae.Trainer, n int) []vae.EpochStats {
	t.Helper()
	var out []vae.EpochStats
	for range n {
		st, err := tr.TrainEpoch(nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

// trainMeasured trains tr for the given epochs and returns ev's test ELBO
// on set (noise seed 1) before and after, the epochs' statistics, and the
// variances of the posterior means after.
func trainMeasured(t testing.TB, tr *vae.Trainer, ev *vae.Evaluator, set *datasets.Set, epochs int) (before, after vae.Stats, stats []vae.EpochStats, variances []float64) {
	t.Helper()
	before, _, err := ev.ELBO(set, 1)
	if err != nil {
		t.Fatal(err)
	}
	stats = trainEpochs(t, tr, epochs)
	after, variances, err = ev.ELBO(set, 1)
	if err != nil {
		t.Fatal(err)
	}
	return before, after, stats, variances
}
