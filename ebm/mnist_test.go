package ebm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
)

// mnistSmall returns the first nTrain training images, binarised once with
// a fixed seed, and the first nTest images of the fixed binarised test set,
// as matrices with one image per row.
func mnistSmall(t testing.TB, nTrain, nTest int) (train, test *mat.Dense) {
	t.Helper()
	tr, te, err := datasets.Load("")
	if err != nil {
		t.Fatal(err)
	}
	toMat := func(s *datasets.Set, n int) *mat.Dense {
		m := mat.NewDense(n, s.Dim(), nil)
		datasets.Scale(m.RawMatrix().Data, s, 0, n)
		return m
	}
	head, _ := tr.Split(nTrain)
	return toMat(head.Binarize(7), nTrain), toMat(te.Binarize(datasets.TestSeed), nTest)
}

// columnSums returns the sum of every column of x.
func columnSums(x *mat.Dense) []float64 {
	n, d := x.Dims()
	s := make([]float64, d)
	for i := range n {
		floats.Add(s, x.RawRowView(i))
	}
	return s
}

// A 784-12 RBM trained by PCD-1 for 20 epochs on 1,000 binarised MNIST
// images beats the base-rate model (independent pixels at their training
// frequencies) on 1,000 test images by more than 15 nats (17.4 seen with this seed, 18-29 with seeds
// 1-6),
// computed exactly; and AIS, with every tenth temperature of the
// Salakhutdinov-Murray schedule (1,451 instead of 14,501, to keep the test
// short) and 100 runs, puts the exact log Z inside its ±3σ interval, the
// interval being under 1 nat wide.
func TestRBMOnMNISTExactAndAIS(t *testing.T) {
	train, test := mnistSmall(t, 1000, 1000)
	rng := rand.New(rand.NewPCG(8, 0))
	r := NewRBM(784, 12, rng)
	copy(r.B, BaseRateBiases(columnSums(train), 1000, 1))
	tr := &RBMTrainer{RBM: r, Config: RBMTrainConfig{Epochs: 20, BatchSize: 20, Estimator: PCD, GibbsSteps: 1, LearningRate: 0.05, Momentum: 0.5, WeightDecay: 1e-4}}
	if err := tr.Train(&rowBatches{x: train, size: 20}, rng); err != nil {
		t.Fatal(err)
	}
	logZ, err := r.LogZ()
	if err != nil {
		t.Fatal(err)
	}
	rbmLL := floats.Sum(r.LogProbs(test, logZ, nil)) / 1000

	base := BaseRateBiases(columnSums(train), 1000, 1)
	var baseLL float64
	for i := range 1000 {
		for j, v := range test.RawRowView(i) {
			baseLL += v*base[j] - dist.Softplus(base[j])
		}
	}
	baseLL /= 1000
	t.Logf("test log-likelihood: RBM %.2f, base rate %.2f nats", rbmLL, baseLL)
	if rbmLL < baseLL+15 {
		t.Errorf("RBM test log-likelihood %.2f is not 15 nats above the base rate's %.2f", rbmLL, baseLL)
	}

	betas := ThinBetas(SalakhutdinovMurrayBetas(), 10)
	res, err := r.AIS(AISConfig{Betas: betas, Runs: 100, BaseBiases: base}, rng)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("log Z: exact %.4f, AIS %.4f [%.4f, %.4f], ESS %.1f of 100", logZ, res.LogZ, res.Lower, res.Upper, res.ESS)
	if logZ < res.Lower || logZ > res.Upper || res.Upper-res.Lower > 1 || math.IsInf(res.Lower, 0) {
		t.Errorf("exact log Z %.4f, AIS interval [%.4f, %.4f]", logZ, res.Lower, res.Upper)
	}
}
