package dist_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/stat/distuv"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
)

// TestTwinsAgainstDistuv checks the plain-Go twins, and through the twin
// tests above the graphs, against gonum's independent implementations.
func TestTwinsAgainstDistuv(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		x, mean, logVar := make([]float64, dim), make([]float64, dim), make([]float64, dim)
		var wantLP, wantH, wantLPStd float64
		for d := range dim {
			x[d], mean[d], logVar[d] = 4*rng.Float64()-2, 4*rng.Float64()-2, 6*rng.Float64()-3
			n := distuv.Normal{Mu: mean[d], Sigma: math.Exp(logVar[d] / 2)}
			wantLP += n.LogProb(x[d])
			wantH += n.Entropy()
			wantLPStd += distuv.UnitNormal.LogProb(x[d])
		}
		check(t, "LogProbNormal", dist.LogProbNormal(x, mean, logVar), wantLP, 1e-12)
		check(t, "EntropyNormal", dist.EntropyNormal(logVar), wantH, 1e-12)
		check(t, "LogProbStdNormal", dist.LogProbStdNormal(x), wantLPStd, 1e-12)

		logits, bits := make([]float64, dim), make([]float64, dim)
		var wantBLP, wantBH float64
		for d := range dim {
			logits[d] = 20*rng.Float64() - 10
			bits[d] = float64(rng.IntN(2))
			b := distuv.Bernoulli{P: 1 / (1 + math.Exp(-logits[d]))}
			wantBLP += b.LogProb(bits[d])
			wantBH += b.Entropy()
		}
		check(t, "LogProbBernoulli", dist.LogProbBernoulli(bits, logits), wantBLP, 1e-9)
		check(t, "EntropyBernoulli", dist.EntropyBernoulli(logits), wantBH, 1e-9)
	}
}

// TestSoftplusSigmoidClosedForms pins the scalar helpers at points where the
// naive formulas overflow or cancel.
func TestSoftplusSigmoidClosedForms(t *testing.T) {
	for _, c := range []struct{ x, softplus, sigmoid float64 }{
		{0, math.Ln2, 0.5},
		{1000, 1000, 1},
		{-1000, 0, 0},
		{40, 40 + 4.248354255291589e-18, 1},
		{-40, 4.248354255291589e-18, 4.248354255291589e-18},
		{1, 1.3132616875182228, 0.7310585786300049},
	} {
		check(t, "Softplus", dist.Softplus(c.x), c.softplus, 1e-15)
		check(t, "Sigmoid", dist.Sigmoid(c.x), c.sigmoid, 1e-15)
	}
}

// TestKLAgainstMonteCarlo checks the closed-form KL between two diagonal
// Gaussians against E_q[log q(z) - log p(z)] estimated from 200,000 seeded
// draws, within 4 standard errors.
func TestKLAgainstMonteCarlo(t *testing.T) {
	meanQ, logVarQ := []float64{0.3, -1.2, 0.8}, []float64{-0.5, 0.4, 0.1}
	meanP, logVarP := []float64{0, 0.5, -0.3}, []float64{0.2, -0.3, 0.6}
	zeros := make([]float64, 3)
	for _, c := range []struct {
		name   string
		mp, lp []float64
		want   float64
	}{
		{"general prior", meanP, logVarP, dist.KLNormal(meanQ, logVarQ, meanP, logVarP)},
		{"standard normal", zeros, zeros, dist.KLStdNormal(meanQ, logVarQ)},
	} {
		rng := rand.New(rand.NewPCG(7, 8))
		const n = 200_000
		var sum, sumSq float64
		z := make([]float64, 3)
		for range n {
			for d := range z {
				z[d] = meanQ[d] + math.Exp(logVarQ[d]/2)*rng.NormFloat64()
			}
			v := dist.LogProbNormal(z, meanQ, logVarQ) - dist.LogProbNormal(z, c.mp, c.lp)
			sum += v
			sumSq += v * v
		}
		mean := sum / n
		se := math.Sqrt((sumSq/n - mean*mean) / n)
		if math.Abs(mean-c.want) > 4*se {
			t.Errorf("%s: closed-form KL %.6f, Monte Carlo %.6f ± %.6f", c.name, c.want, mean, se)
		}
	}
	if got := dist.KLNormal(meanQ, logVarQ, meanQ, logVarQ); got != 0 {
		t.Errorf("KL(q || q) = %g, want 0", got)
	}
}

// TestKLIsCrossEntropyMinusEntropy checks KL(q || N(0,I)) = -E_q[log N(z;0,I)] - H[q]
// with the closed-form cross-entropy ½ Σ (μ² + σ² + log 2π): the identity that
// makes the (2.23) and (2.24) forms of the ELBO agree exactly.
func TestKLIsCrossEntropyMinusEntropy(t *testing.T) {
	mean, logVar := []float64{0.3, -1.2, 0.8, 2}, []float64{-0.5, 0.4, 0.1, -3}
	var crossEntropy float64
	for d := range mean {
		crossEntropy += (mean[d]*mean[d] + math.Exp(logVar[d]) + math.Log(2*math.Pi)) / 2
	}
	check(t, "KL identity", dist.KLStdNormal(mean, logVar), crossEntropy-dist.EntropyNormal(logVar), 1e-13)
}

// TestNoiseSeeded checks that Noise repeats itself for a seed, differs across
// seeds, gives float32 draws that are the float64 ones rounded, resumes from a
// saved state, and is standard normal.
func TestNoiseSeeded(t *testing.T) {
	fill := func(n *dist.Noise, dt tensor.Dtype) []float64 {
		t.Helper()
		ten := tensor.New(tensor.Of(dt), tensor.WithShape(50, 40))
		if err := n.Fill(ten); err != nil {
			t.Fatal(err)
		}
		return floats(ten.Data())
	}
	a, b, c := fill(dist.NewNoise(1), tensor.Float64), fill(dist.NewNoise(1), tensor.Float64), fill(dist.NewNoise(2), tensor.Float64)
	f32 := fill(dist.NewNoise(1), tensor.Float32)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, element %d: %v vs %v", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
		if float64(float32(a[i])) != f32[i] {
			t.Fatalf("float32 element %d is %v, want float32(%v)", i, f32[i], a[i])
		}
	}
	if same > 0 {
		t.Errorf("seeds 1 and 2 share %d of %d draws", same, len(a))
	}

	n := dist.NewNoise(9)
	fill(n, tensor.Float64)
	state, err := n.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	next := fill(n, tensor.Float64)
	var restored dist.Noise
	if err := restored.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	again := fill(&restored, tensor.Float64)
	for i := range next {
		if next[i] != again[i] {
			t.Fatalf("restored stream differs at %d: %v vs %v", i, next[i], again[i])
		}
	}
	if err := restored.UnmarshalBinary([]byte("garbage")); err == nil {
		t.Error("UnmarshalBinary accepted garbage")
	}
	if err := dist.NewNoise(1).Fill(tensor.New(tensor.Of(tensor.Int), tensor.WithShape(2))); err == nil {
		t.Error("Fill accepted an int tensor")
	}

	// 2000 draws: mean within 4/√2000 of 0, variance within 4·√(2/2000) of 1.
	var s, ss float64
	for _, v := range a {
		s += v
		ss += v * v
	}
	m := s / float64(len(a))
	v := ss/float64(len(a)) - m*m
	if math.Abs(m) > 4/math.Sqrt(2000) || math.Abs(v-1) > 4*math.Sqrt(2.0/2000) {
		t.Errorf("noise mean %.4f variance %.4f, want 0 and 1", m, v)
	}
}

func check(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !scalar.EqualWithinAbsOrRel(got, want, tol, tol) {
		t.Errorf("%s = %.17g, want %.17g (tolerance %g)", what, got, want, tol)
	}
}
