package ebm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// MeanEnergyError reports a target mean energy μ that no Boltzmann
// distribution over the given energies attains: the mean energy U(β) of
// p ∝ exp(-βE) takes every value strictly between Min and Max, and only
// those (Min is approached as β → +∞, Max as β → -∞).
type MeanEnergyError struct {
	Mu, Min, Max float64
}

// Error describes the unattainable target and what to do about it.
func (e MeanEnergyError) Error() string {
	switch {
	case e.Min == e.Max:
		return fmt.Sprintf("ebm: mean energy %v is not attainable: every state has energy %v, so the mean energy is always %v", e.Mu, e.Min, e.Min)
	case e.Mu == e.Min:
		return fmt.Sprintf("ebm: mean energy %v equals the minimum energy: it is reached only in the limit β → +∞ (all mass on the minima); ask for a mean energy in (%v, %v)", e.Mu, e.Min, e.Max)
	case e.Mu == e.Max:
		return fmt.Sprintf("ebm: mean energy %v equals the maximum energy: it is reached only in the limit β → -∞ (all mass on the maxima); ask for a mean energy in (%v, %v)", e.Mu, e.Min, e.Max)
	}
	return fmt.Sprintf("ebm: mean energy %v is outside the attainable range (%v, %v): no distribution over these states has that mean energy", e.Mu, e.Min, e.Max)
}

// BetaForMeanEnergy returns the β of the maximum-entropy distribution
// whose mean energy is mu (Proposition 1): the root of (2.6),
//
//	U(β) = Σ_x E(x) exp(-βE(x)) / Σ_x exp(-βE(x)) = μ.
//
// U is strictly decreasing, dU/dβ = -Var_β[E(X)] < 0, from max E at β = -∞
// through the plain average of the energies at β = 0 down to min E at
// β = +∞, so the root is unique when it exists. A μ at or above the plain
// average of the energies gives β ≤ 0: β = 0 is the uniform distribution,
// and β < 0 is the "negative temperature" that the maximum-entropy problem
// (2.4) still solves, outside the physical range β ≥ 0 of (2.3). If every
// energy is equal and μ is that energy, the answer is β = 0, the uniform
// distribution. For μ outside the open interval (min E, max E) it returns
// a MeanEnergyError.
//
// Gonum has no exported scalar root finder (its Brent and false-position
// routines are private to stat/distuv and mathext), so this is Newton's
// method on U(β) - μ, safeguarded by bisection on a bracket found by
// doubling.
func BetaForMeanEnergy(energy []float64, mu float64) (float64, error) {
	Boltzmann{Energy: energy}.check()
	lo, hi := floats.Min(energy), floats.Max(energy)
	if math.IsNaN(mu) || lo == hi || mu <= lo || mu >= hi {
		if lo == hi && mu == lo {
			return 0, nil
		}
		return 0, MeanEnergyError{Mu: mu, Min: lo, Max: hi}
	}
	// g(β) = U(β) - μ is decreasing; g and its derivative -Var at β.
	p := make([]float64, len(energy))
	g := func(beta float64) (val, slope float64) {
		for i, e := range energy {
			p[i] = -beta * e
		}
		logZ := floats.LogSumExp(p)
		for i, l := range p {
			p[i] = math.Exp(l - logZ)
		}
		mean, variance := stat.PopMeanVariance(energy, p)
		return mean - mu, -variance
	}
	g0, _ := g(0)
	if g0 == 0 {
		return 0, nil
	}
	// Bracket the root in [a, b] with g(a) > 0 > g(b).
	a, b := 0.0, 1.0
	if g0 < 0 {
		a, b = -1, 0
	}
	scale := 1 / (hi - lo) // β in units of the energy spread
	a, b = a*scale, b*scale
	for range 2000 {
		if g0 > 0 {
			if gb, _ := g(b); gb <= 0 {
				break
			}
			a, b = b, 2*b
		} else {
			if ga, _ := g(a); ga >= 0 {
				break
			}
			a, b = 2*a, a
		}
	}
	beta := (a + b) / 2
	tol := 4 * 0x1p-52 * math.Max(math.Abs(lo), math.Abs(hi))
	for range 200 {
		val, slope := g(beta)
		if math.Abs(val) <= tol {
			return beta, nil
		}
		if val > 0 {
			a = beta
		} else {
			b = beta
		}
		next := beta - val/slope
		if slope == 0 || !(next > a && next < b) {
			next = (a + b) / 2
		}
		if next == beta || b-a <= 0x1p-52*math.Abs(beta) {
			return beta, nil
		}
		beta = next
	}
	return beta, nil
}
