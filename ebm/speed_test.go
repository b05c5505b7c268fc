package ebm

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomBinary returns n rows of dim binary values, each on with
// probability 0.2.
func randomBinary(n, dim int, rng *rand.Rand) *mat.Dense {
	m := mat.NewDense(n, dim, nil)
	x := m.RawMatrix().Data
	for i := range x {
		if rng.Float64() < 0.2 {
			x[i] = 1
		}
	}
	return m
}

// Training and AIS give the same bits whatever GOMAXPROCS is: the sizes
// are large enough that the products and the per-row kernels split their
// work over goroutines.
func TestSameBitsAnyGOMAXPROCS(t *testing.T) {
	data := randomBinary(300, 784, rand.New(rand.NewPCG(1, 1)))
	run := func(procs int, est Estimator) (*RBM, AISResult) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(2, 2))
		r := NewRBM(784, 64, rng)
		tr := &RBMTrainer{RBM: r, Config: RBMTrainConfig{Epochs: 2, BatchSize: 100, Estimator: est, GibbsSteps: 3,
			LearningRate: 0.05, Momentum: 0.9, InitialMomentum: 0.5, MomentumEpochs: 1, WeightDecay: 2e-4, AnnealEvery: 1}}
		if err := tr.Train(&rowBatches{x: data, size: 100}, rng); err != nil {
			t.Fatal(err)
		}
		res, err := r.AIS(AISConfig{Betas: ThinBetas(SalakhutdinovMurrayBetas(), 100), Runs: 64}, rng)
		if err != nil {
			t.Fatal(err)
		}
		return r, res
	}
	for _, est := range []Estimator{CD, PCD} {
		r1, a1 := run(1, est)
		for _, procs := range []int{2, 3} {
			r2, a2 := run(procs, est)
			if !mat.Equal(r1.W, r2.W) || !equalBits(r1.B, r2.B) || !equalBits(r1.C, r2.C) {
				t.Errorf("%v: GOMAXPROCS 1 and %d trained different RBMs", est, procs)
			}
			if !equalBits(a1.LogWeights, a2.LogWeights) {
				t.Errorf("%v: GOMAXPROCS 1 and %d gave different AIS weights", est, procs)
			}
		}
	}
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// BenchmarkCD25Epoch times an epoch of CD-25 on the first 6,000 MNIST
// training images (binarised once) with 500 hidden units and batches of
// 100: the speed row of the RBM in BENCHMARK.md.
//
//	go test -run '^$' -bench CD25Epoch -benchtime 3x ./ebm/
func BenchmarkCD25Epoch(b *testing.B) {
	train, _ := mnistSmall(b, 6000, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	tr := &RBMTrainer{RBM: NewRBM(784, 500, rng), Config: RBMTrainConfig{Epochs: 1, BatchSize: 100, Estimator: CD, GibbsSteps: 25,
		LearningRate: 0.05, Momentum: 0.9, WeightDecay: 2e-4}}
	data := &rowBatches{x: train, size: 100}
	b.ResetTimer()
	for b.Loop() {
		if err := tr.Train(data, rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

// BenchmarkAIS500 times AIS with the full 14,500-step schedule and 100
// runs on a 784-500 RBM with random weights of MNIST-like scale (the time
// does not depend on the weights).
//
//	go test -run '^$' -bench AIS500 -benchtime 1x ./ebm/
func BenchmarkAIS500(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	r := randomRBM(784, 500, 0.1, 1, rng)
	for b.Loop() {
		if _, err := r.AIS(AISConfig{Runs: 100}, rng); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
}
