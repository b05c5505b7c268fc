package elbo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/stat"

	"github.com/govae/govae/elbo"
)

// TestLogMeanExpMatchesDirect compares the streaming estimate with the direct
// log-mean-exp and delta-method standard error, for weights in every order
// (so that the running maximum is rescaled), and far from 0 (±1000) where
// exponentiating directly would overflow.
func TestLogMeanExpMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, shift := range []float64{0, 1000, -1000} {
		logW := make([]float64, 500)
		for i := range logW {
			logW[i] = shift + 3*rng.NormFloat64()
		}
		var acc elbo.LogMeanExp
		for _, lw := range logW {
			acc.Add(lw)
		}
		got, se, k := acc.Estimate()
		want := floats.LogSumExp(logW) - math.Log(float64(len(logW)))
		// Direct formula, on weights scaled by the maximum.
		m := floats.Max(logW)
		w := make([]float64, len(logW))
		for i, lw := range logW {
			w[i] = math.Exp(lw - m)
		}
		wantSE := stat.StdDev(w, nil) / math.Sqrt(float64(len(w))) / stat.Mean(w, nil)
		if k != len(logW) || !scalar.EqualWithinAbsOrRel(got, want, 1e-12, 1e-12) || !scalar.EqualWithinAbsOrRel(se, wantSE, 1e-10, 1e-10) {
			t.Errorf("shift %v: got (%.12g ± %.6g, K=%d), want (%.12g ± %.6g, K=%d)", shift, got, se, k, want, wantSE, len(logW))
		}
	}
	var one elbo.LogMeanExp
	one.Add(-3)
	if lm, se, _ := one.Estimate(); lm != -3 || !math.IsInf(se, 1) {
		t.Errorf("one weight: %v ± %v, want -3 ± Inf", lm, se)
	}
	var none elbo.LogMeanExp
	if lm, _, k := none.Estimate(); !math.IsNaN(lm) || k != 0 {
		t.Errorf("no weights: %v (K=%d), want NaN (K=0)", lm, k)
	}
	var poisoned elbo.LogMeanExp
	poisoned.Add(1)
	poisoned.Add(math.NaN())
	if lm, _, _ := poisoned.Estimate(); !math.IsNaN(lm) {
		t.Errorf("a NaN weight gave %v, want NaN", lm)
	}
}

// TestLogMarginalChunks checks that chunking does not change the estimate:
// the same stream of weights gives the same numbers in chunks of 7 as in
// one, and surplus samples of the last chunk are dropped.
func TestLogMarginalChunks(t *testing.T) {
	const n, k = 3, 50
	stream := func(chunk int) []elbo.Estimate {
		rng := rand.New(rand.NewPCG(41, 42))
		// Weight l of example b is drawn in order, whatever the chunking.
		next := make([]int, n)
		draws := make([][]float64, n)
		for b := range draws {
			draws[b] = make([]float64, 2*k)
			for i := range draws[b] {
				draws[b][i] = rng.NormFloat64() + float64(b)
			}
		}
		est, err := elbo.LogMarginal(n, k, chunk, func(dst []float64) error {
			for l := range chunk {
				for b := range n {
					dst[l*n+b] = draws[b][next[b]]
					next[b]++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return est
	}
	whole, chunked := stream(k), stream(7)
	for b := range whole {
		if whole[b].K != k || chunked[b].K != k || !scalar.EqualWithinAbsOrRel(whole[b].LogP, chunked[b].LogP, 1e-13, 1e-13) {
			t.Errorf("example %d: whole %+v, chunked %+v", b, whole[b], chunked[b])
		}
	}
	if _, err := elbo.LogMarginal(0, 10, 5, nil); err == nil {
		t.Error("LogMarginal accepted zero examples")
	}
	boom := errors.New("boom")
	if _, err := elbo.LogMarginal(2, 10, 5, func([]float64) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("sampler error not passed on: %v", err)
	}
}
