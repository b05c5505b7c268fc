package ebm

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Gibbs runs steps of block Gibbs sampling on every row of v, in place:
// each step draws h ~ p(h|v) and then v ~ p(v|h), both factorised over
// units given the other layer. Persistent chains carry over between calls.
func (r *RBM) Gibbs(v *mat.Dense, steps int, rng *rand.Rand) {
	n := r.checkVisible(v, "Gibbs")
	g := newGibbs(r, n)
	g.load(r)
	for range steps {
		g.sampleHidden(r, v, rng)
		g.sampleVisible(r, v, rng)
	}
}

// gibbs holds the buffers of block Gibbs sampling for n chains at once.
//
// v → h multiplies v·W and h → v multiplies h·Wᵀ. Both are done with the
// binary state as the left operand of an untransposed product, the case in
// which gonum's Dgemm skips zero entries; for h·Wᵀ that needs Wᵀ as a
// matrix of its own, which load copies from the RBM.
type gibbs struct {
	wt *mat.Dense // Wᵀ, H×V
	ph *mat.Dense // p(h=1|v), n×H
	h  *mat.Dense // hidden states, n×H
	pv *mat.Dense // p(v=1|h), n×V
}

func newGibbs(r *RBM, n int) *gibbs {
	nv, nh := r.Dims()
	return &gibbs{
		wt: mat.NewDense(nh, nv, nil),
		ph: mat.NewDense(n, nh, nil),
		h:  mat.NewDense(n, nh, nil),
		pv: mat.NewDense(n, nv, nil),
	}
}

// load copies Wᵀ from r; call it whenever r's weights have changed.
func (g *gibbs) load(r *RBM) { g.wt.Copy(r.W.T()) }

// hiddenProbs sets g.ph to p(h=1|v).
func (g *gibbs) hiddenProbs(r *RBM, v *mat.Dense) {
	r.hiddenInput(g.ph, v)
	sigmoidInPlace(g.ph)
}

// sampleHidden sets g.ph to p(h=1|v) and g.h to a draw from it.
func (g *gibbs) sampleHidden(r *RBM, v *mat.Dense, rng *rand.Rand) {
	g.hiddenProbs(r, v)
	g.drawHidden(rng)
}

// drawHidden sets g.h to a draw from the probabilities in g.ph.
func (g *gibbs) drawHidden(rng *rand.Rand) {
	sampleBernoulli(g.h.RawMatrix().Data, g.ph.RawMatrix().Data, rng)
}

// visibleProbs sets g.pv to p(v=1|g.h), using the Wᵀ of the last load.
func (g *gibbs) visibleProbs(r *RBM) {
	g.pv.Mul(g.h, g.wt)
	addRow(g.pv, r.B)
	sigmoidInPlace(g.pv)
}

// sampleVisible sets g.pv to p(v=1|g.h) and v to a draw from it.
func (g *gibbs) sampleVisible(r *RBM, v *mat.Dense, rng *rand.Rand) {
	g.visibleProbs(r)
	sampleBernoulli(v.RawMatrix().Data, g.pv.RawMatrix().Data, rng)
}
