package ebm

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// Two states with energies 0 and 1 at β = 2; values from the closed forms
// p(1) = e^{-2}/(1+e^{-2}), log Z = log(1+e^{-2}), to 16 digits.
func TestBoltzmannTwoStatesClosedForm(t *testing.T) {
	b := Boltzmann{Energy: []float64{0, 1}, Beta: 2}
	p := b.Probs(nil)
	near(t, "p(1)", p[1], 0.11920292202211755, 1e-15)
	near(t, "p(0)", p[0], 1-0.11920292202211755, 1e-15)
	near(t, "log Z", b.LogZ(), 0.1269280110429726, 1e-15)
	near(t, "F", b.FreeEnergy(), -0.0634640055214863, 1e-15)
	near(t, "U", b.InternalEnergy(), 0.11920292202211755, 1e-15)
	near(t, "H", b.Entropy(), 0.36533385508720767, 1e-15)
}

// Energies in the thousands would overflow exp(-βE) summed naively.
func TestBoltzmannLogZStable(t *testing.T) {
	b := Boltzmann{Energy: []float64{1000, 1001}, Beta: 1}
	near(t, "log Z", b.LogZ(), -999.6867383124818, 1e-15)
	near(t, "sum p", floats.Sum(b.Probs(nil)), 1, 1e-15)
}

// H = β(E[E] - F_β) holds to rounding on random landscapes at several β.
func TestBoltzmannEntropyIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		e := make([]float64, 2+rng.IntN(50))
		for i := range e {
			e[i] = 10 * rng.NormFloat64()
		}
		for _, beta := range []float64{1e-3, 0.1, 1, 3, 30} {
			b := Boltzmann{Energy: e, Beta: beta}
			id := beta * (b.InternalEnergy() - b.FreeEnergy())
			// Rounding in β·U and β·F is a few ε of β·max|E|.
			if tol := 1e-14 * (1 + beta*floats.Norm(e, math.Inf(1))); math.Abs(b.Entropy()-id) > tol {
				t.Errorf("trial %d, β=%g: H = %.15g, β(U-F) = %.15g", trial, beta, b.Entropy(), id)
			}
		}
	}
}

// β = 0 is the uniform distribution: H = log N, log Z = log N, U = mean E.
func TestBoltzmannBetaZeroUniform(t *testing.T) {
	e := []float64{3, -1, 4, 1, -5, 9}
	b := Boltzmann{Energy: e, Beta: 0}
	for i, p := range b.Probs(nil) {
		near(t, "p["+string(rune('0'+i))+"]", p, 1.0/6, 1e-15)
	}
	near(t, "H", b.Entropy(), math.Log(6), 1e-15)
	near(t, "log Z", b.LogZ(), math.Log(6), 1e-15)
	near(t, "U", b.InternalEnergy(), floats.Sum(e)/6, 1e-15)
	if f := b.FreeEnergy(); !math.IsInf(f, -1) {
		t.Errorf("F at β=0 = %v, want -Inf", f)
	}
	// Small β approaches the uniform distribution continuously.
	near(t, "H at β=1e-9", Boltzmann{Energy: e, Beta: 1e-9}.Entropy(), math.Log(6), 1e-8)
}

// β → ∞ puts the mass on the minima, split equally between ties, and F_β
// tends to min E (F = min E - log(#minima)/β exactly, up to e^{-βΔ}).
func TestBoltzmannLargeBetaMinima(t *testing.T) {
	e := []float64{3, 1, 2, 1, 1.5}
	for _, beta := range []float64{100, 1e4, 1e8} {
		b := Boltzmann{Energy: e, Beta: beta}
		p := b.Probs(nil)
		want := []float64{0, 0.5, 0, 0.5, 0}
		for i := range p {
			near(t, "p", p[i], want[i], 1e-15)
		}
		near(t, "H", b.Entropy(), math.Log(2), 1e-15)
		near(t, "U", b.InternalEnergy(), 1, 1e-15)
		near(t, "F", b.FreeEnergy(), 1-math.Log(2)/beta, 1e-15)
	}
}

// The Boltzmann distribution beats every other distribution with the same
// mean energy on entropy (Proposition 1): moving p along a direction that
// keeps Σp and Σp·E fixed lowers H.
func TestBoltzmannMaximumEntropy(t *testing.T) {
	e := []float64{0, 1, 2, 5}
	b := Boltzmann{Energy: e, Beta: 0.4}
	p := b.Probs(nil)
	// d ⟂ (1,1,1,1) and ⟂ E: d = (a, b, c, d) solving both sums = 0.
	dirs := [][]float64{{1, -2, 1, 0}, {4, -5, 0, 1}, {-3, 0, 5, -2}}
	for _, d := range dirs {
		if s, m := floats.Sum(d), floats.Dot(d, e); s != 0 || m != 0 {
			t.Fatalf("direction %v does not keep the constraints: Σd=%v, Σd·E=%v", d, s, m)
		}
		for _, step := range []float64{-0.01, 0.01} {
			q := append([]float64(nil), p...)
			floats.AddScaled(q, step, d)
			var hq float64
			for _, qi := range q {
				hq -= qi * math.Log(qi)
			}
			if hq >= b.Entropy() {
				t.Errorf("perturbed distribution %v has entropy %v ≥ Boltzmann's %v", q, hq, b.Entropy())
			}
		}
	}
}

func TestBetaForMeanEnergy(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := make([]float64, 30)
	for i := range e {
		e[i] = 5 * rng.NormFloat64()
	}
	lo, hi, mean := floats.Min(e), floats.Max(e), floats.Sum(e)/float64(len(e))
	for _, frac := range []float64{1e-6, 0.01, 0.3, 0.5, 0.9, 0.999999} {
		mu := lo + frac*(hi-lo)
		beta, err := BetaForMeanEnergy(e, mu)
		if err != nil {
			t.Fatalf("μ=%v: %v", mu, err)
		}
		near(t, "U(β̂)", Boltzmann{Energy: e, Beta: beta}.InternalEnergy(), mu, 1e-10)
		if (mu < mean) != (beta > 0) {
			t.Errorf("μ=%v (plain mean %v) gave β=%v of the wrong sign", mu, mean, beta)
		}
	}
	// β of a Boltzmann distribution is recovered from its own mean energy.
	for _, beta := range []float64{-0.5, 0.01, 0.5, 2} {
		mu := Boltzmann{Energy: e, Beta: beta}.InternalEnergy()
		got, err := BetaForMeanEnergy(e, mu)
		if err != nil {
			t.Fatal(err)
		}
		near(t, "β̂", got, beta, 1e-8)
	}
	if beta, err := BetaForMeanEnergy(e, mean); err != nil || math.Abs(beta) > 1e-12 {
		t.Errorf("μ = plain mean gave β=%v, err=%v; want 0 (uniform)", beta, err)
	}
	if beta, err := BetaForMeanEnergy([]float64{2, 2, 2}, 2); err != nil || beta != 0 {
		t.Errorf("equal energies, μ = that energy: β=%v, err=%v; want 0, nil", beta, err)
	}
}

func TestBetaForMeanEnergyUnattainable(t *testing.T) {
	e := []float64{-1, 0, 2}
	for _, mu := range []float64{-1, 2, -3, 7, math.NaN()} {
		_, err := BetaForMeanEnergy(e, mu)
		var me MeanEnergyError
		if !errors.As(err, &me) || me.Min != -1 || me.Max != 2 {
			t.Errorf("μ=%v: err = %v, want a MeanEnergyError with range (-1, 2)", mu, err)
		}
	}
	if _, err := BetaForMeanEnergy([]float64{1, 1}, 2); err == nil {
		t.Error("equal energies 1 with μ=2 gave no error")
	}
}
