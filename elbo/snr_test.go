package elbo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govae/govae/elbo"
)

// TestSNR checks SNR on Gaussian draws with known ratios |μ|/σ (0, 0.5, 2,
// 20, the last with a mean of 1e6 that a naive sum of squares would lose):
// each within 4 standard errors of the estimate, √((1 + snr²/2)/n).
func TestSNR(t *testing.T) {
	mu := []float64{0, -1, 4, 1e6}
	sigma := []float64{1, 2, 2, 5e4}
	rng := rand.New(rand.NewPCG(71, 72))
	const n = 20000
	snr, err := elbo.SNR(n, len(mu), func(dst []float64) error {
		for i := range dst {
			dst[i] = mu[i] + sigma[i]*rng.NormFloat64()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range snr {
		want := math.Abs(mu[i]) / sigma[i]
		if se := math.Sqrt((1 + want*want/2) / n); math.Abs(got-want) > 4*se {
			t.Errorf("coordinate %d: SNR %.4f, want %.4f ± %.4f", i, got, want, se)
		}
	}
	if _, err := elbo.SNR(1, 3, func([]float64) error { return nil }); err == nil {
		t.Error("SNR of one draw succeeded")
	}
	bad := errors.New("no noise")
	if _, err := elbo.SNR(5, 3, func([]float64) error { return bad }); !errors.Is(err, bad) {
		t.Errorf("a failing draw gave %v, want it wrapped", err)
	}
}
