package ebm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// Boltzmann is the Boltzmann (Gibbs) distribution (2.1)
//
//	p(x) = exp(-β E(x)) / Z_β,  Z_β = Σ_x' exp(-β E(x'))  (2.2)
//
// over a finite state space whose states are numbered 0..len(Energy)-1.
// Energy must be non-empty and finite and Beta finite; the methods panic
// otherwise, since such a value is a programmer error.
//
// β = 0 gives the uniform distribution; as β grows the mass collects on the
// states of minimum energy, shared equally between tied minima. The notes
// take β ≥ 0 (2.3); a negative β, which BetaForMeanEnergy returns for mean
// energies above the plain average, is accepted and favours high energies.
type Boltzmann struct {
	// Energy holds E(x) for each state x.
	Energy []float64
	// Beta is the inverse temperature β of (2.3).
	Beta float64
}

// Entropy returns the Shannon entropy H = -Σ_x p(x) log p(x) in nats,
// computed from the probabilities themselves (states whose probability
// underflows to zero contribute nothing). It equals β(E[E(X)] - F_β) to
// rounding; the tests check that identity.
func (b Boltzmann) Entropy() float64 {
	p := b.Probs(nil)
	var h float64
	for _, pi := range p {
		if pi > 0 {
			h -= pi * math.Log(pi)
		}
	}
	return h
}

// FreeEnergy returns F_β = -(1/β) log Z_β (2.8). At β = 0 it returns the
// limit as β → 0⁺: -∞ when there is more than one state, E of the only
// state otherwise.
func (b Boltzmann) FreeEnergy() float64 {
	b.check()
	if b.Beta == 0 {
		if len(b.Energy) == 1 {
			return b.Energy[0]
		}
		return math.Inf(-1)
	}
	return -b.LogZ() / b.Beta
}

// InternalEnergy returns the mean energy E[E(X)] = Σ_x p(x) E(x) under the
// distribution, the constraint value μ of Proposition 1.
func (b Boltzmann) InternalEnergy() float64 {
	return floats.Dot(b.Probs(nil), b.Energy)
}

// LogZ returns log Z_β (2.2), computed stably as a log-sum-exp of -βE.
func (b Boltzmann) LogZ() float64 {
	b.check()
	shift, rel := b.logWeights(nil)
	return shift + floats.LogSumExp(rel)
}

// Probs writes p(x) for every state into dst, allocating it when nil, and
// returns it. It panics if dst is not nil and has the wrong length.
func (b Boltzmann) Probs(dst []float64) []float64 {
	b.check()
	if dst != nil && len(dst) != len(b.Energy) {
		panic(fmt.Sprintf("ebm: Boltzmann.Probs: dst has length %d, want %d", len(dst), len(b.Energy)))
	}
	_, dst = b.logWeights(dst)
	logZ := floats.LogSumExp(dst)
	for i, l := range dst {
		dst[i] = math.Exp(l - logZ)
	}
	return dst
}

// logWeights splits -βE(x) = shift + rel[x], with shift = -βE* for the
// state E* of largest weight, and writes rel into dst (allocated when nil).
// rel = -β(E(x) - E*) is exactly 0 at the most probable states, so
// probabilities keep full precision even when β·|E| is far above 1/ε.
func (b Boltzmann) logWeights(dst []float64) (shift float64, rel []float64) {
	if dst == nil {
		dst = make([]float64, len(b.Energy))
	}
	ref := floats.Min(b.Energy)
	if b.Beta < 0 {
		ref = floats.Max(b.Energy)
	}
	for i, e := range b.Energy {
		dst[i] = -b.Beta * (e - ref)
	}
	return -b.Beta * ref, dst
}

func (b Boltzmann) check() {
	if len(b.Energy) == 0 {
		panic("ebm: Boltzmann: no states (Energy is empty)")
	}
	if math.IsNaN(b.Beta) || math.IsInf(b.Beta, 0) {
		panic(fmt.Sprintf("ebm: Boltzmann: Beta = %v, want a finite number", b.Beta))
	}
	for i, e := range b.Energy {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			panic(fmt.Sprintf("ebm: Boltzmann: Energy[%d] = %v, want a finite number", i, e))
		}
	}
}
