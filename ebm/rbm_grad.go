package ebm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// RBMGrad holds a gradient with respect to an RBM's parameters, laid out as
// the RBM: W is V×H, B has V entries and C has H.
type RBMGrad struct {
	W    *mat.Dense
	B, C []float64
}

// NewRBMGrad returns a zero gradient for an RBM of the given sizes.
func NewRBMGrad(visible, hidden int) RBMGrad {
	return RBMGrad{W: mat.NewDense(visible, hidden, nil), B: make([]float64, visible), C: make([]float64, hidden)}
}

// MeanFreeEnergyGrad returns (1/n) Σ_k ∇θF(v_k) over the rows of v, in
// closed form: ∂F/∂W = -vᵀσ(c+vW), ∂F/∂b = -v, ∂F/∂c = -σ(c+vW). The
// log-likelihood gradient (2.12) is its model expectation minus its data
// mean.
func (r *RBM) MeanFreeEnergyGrad(v *mat.Dense) RBMGrad {
	n := r.checkVisible(v, "MeanFreeEnergyGrad")
	nv, nh := r.Dims()
	ph := mat.NewDense(n, nh, nil)
	r.HiddenProbs(ph, v)
	g := NewRBMGrad(nv, nh)
	g.add(v, ph, -1/float64(n))
	return g
}

// add adds s·(vᵀph, Σ_k v_k, Σ_k ph_k) to g: s times the negated free
// energy gradient summed over the rows of v, given ph = p(h=1|v).
// vᵀph is a product with the binary vᵀ on the left, whose zeros gonum's
// Dgemm skips.
func (g RBMGrad) add(v, ph *mat.Dense, s float64) {
	blas64.Gemm(blas.Trans, blas.NoTrans, s, v.RawMatrix(), ph.RawMatrix(), 1, g.W.RawMatrix())
	n, _ := v.Dims()
	for k := range n {
		floats.AddScaled(g.B, s, v.RawRowView(k))
		floats.AddScaled(g.C, s, ph.RawRowView(k))
	}
}
