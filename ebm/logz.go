package ebm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// MaxExactUnits is the largest size of the smaller layer for which LogZ
// enumerates its states (2^25 states of a 784-unit layer take minutes).
const MaxExactUnits = 25

// LogZ returns log Z exactly by enumerating the states of the smaller
// layer and summing the other out analytically. With H ≤ V,
//
//	log Z = log Σ_h exp(c·h + Σ_i softplus(b_i + (Wh)_i)),
//
// and symmetrically over v when V < H. It returns an error when the
// smaller layer has more than MaxExactUnits units; use AIS then.
//
// States are visited in Gray-code order, so that consecutive states differ
// in one unit and the other layer's input b + Wh changes by one row of W.
// For each state, Σ softplus is accumulated as Σ max(a,0) plus the log of
// a product of factors 1+e^{-|a|} ∈ (1, 2], one logarithm per state; the
// product cannot overflow for fewer than 1024 units in the summed layer.
// The sum over states is a running log-sum-exp, and the input is recomputed
// from scratch every 4096 states so that rounding cannot drift. The result
// is exact up to rounding (relative error ≲ n·ε for n summed units).
func (r *RBM) LogZ() (float64, error) {
	nv, nh := r.Dims()
	if nv < nh {
		return logZEnumerate(r.B, r.C, r.W)
	}
	return logZEnumerate(r.C, r.B, mat.DenseCopyOf(r.W.T()))
}

// logZEnumerate returns log Σ_s exp(e·s + Σ_i softplus(o_i + (sM)_i)) over
// s ∈ {0,1}^len(e), where row k of m (len(e) × len(o)) couples unit k of the
// enumerated layer to the other layer.
func logZEnumerate(e, o []float64, m *mat.Dense) (float64, error) {
	n := len(e)
	if n > MaxExactUnits {
		return 0, fmt.Errorf("ebm: exact log Z needs 2^%d states (the smaller layer has %d units, at most %d are enumerated): estimate it with AIS", n, n, MaxExactUnits)
	}
	if len(o) >= 1024 {
		return 0, fmt.Errorf("ebm: exact log Z sums out a layer of %d units; at most 1023 are supported", len(o))
	}
	a := append([]float64(nil), o...) // o + sM for the current state s
	var lin float64                   // e·s
	s := make([]bool, n)
	acc := math.Inf(-1) // running log-sum-exp
	for step := 0; ; step++ {
		pos, prod := 0.0, 1.0
		for _, x := range a {
			if x > 0 {
				pos += x
				prod *= 1 + math.Exp(-x)
			} else {
				prod *= 1 + math.Exp(x)
			}
		}
		term := lin + pos + math.Log(prod)
		if term > acc {
			acc = term + math.Log1p(math.Exp(acc-term))
		} else {
			acc += math.Log1p(math.Exp(term - acc))
		}
		if step == 1<<n-1 {
			break
		}
		// The Gray code of step+1 differs from that of step in the bit of
		// the lowest set bit of step+1.
		k := 0
		for (step+1)>>k&1 == 0 {
			k++
		}
		s[k] = !s[k]
		if s[k] {
			floats.Add(a, m.RawRowView(k))
			lin += e[k]
		} else {
			floats.Sub(a, m.RawRowView(k))
			lin -= e[k]
		}
		if step%4096 == 4095 {
			// Start again from o so that rounding does not drift.
			copy(a, o)
			lin = 0
			for j, on := range s {
				if on {
					floats.Add(a, m.RawRowView(j))
					lin += e[j]
				}
			}
		}
	}
	return acc, nil
}
