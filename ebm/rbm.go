package ebm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/dist"
)

// RBM is a restricted Boltzmann machine (section 2.1.3) with binary visible
// units v ∈ {0,1}^V and hidden units h ∈ {0,1}^H, energy
//
//	E(v, h) = -b·v - c·h - vᵀWh,
//
// and joint distribution p(v, h) = exp(-E(v, h))/Z. Summing out h gives
// p(v) = exp(-F(v))/Z with the free energy
//
//	F(v) = -b·v - Σ_j softplus(c_j + Σ_i v_i W_ij),
//
// so an RBM is a parametric Boltzmann distribution (2.9) with energy F, and
// its log-likelihood gradient is (2.12) with ∇θF in closed form.
//
// The RBM is written in plain Go on gonum matrices rather than as a
// Gorgonia graph: its gradient needs no automatic differentiation, and
// training multiplies binary states by W dozens of times per update, where
// gonum's matrix product skips the zero entries of a binary left operand
// (about 4 times faster than a dense product on MNIST) and no graph has
// to be rebuilt or re-bound per batch. RBMFreeEnergy is the same free energy
// as a graph; the tests check one against the other.
type RBM struct {
	// W holds the weights, V×H: W[i][j] couples visible i and hidden j.
	W *mat.Dense
	// B holds the visible biases b (length V).
	B []float64
	// C holds the hidden biases c (length H).
	C []float64
}

// NewRBM returns an RBM with V visible and H hidden units, weights drawn
// from N(0, 0.01²) with rng and zero biases (Hinton, "A practical guide to
// training restricted Boltzmann machines", 2010).
func NewRBM(visible, hidden int, rng *rand.Rand) *RBM {
	if visible < 1 || hidden < 1 {
		panic(fmt.Sprintf("ebm: NewRBM: %d visible and %d hidden units; want at least one of each", visible, hidden))
	}
	w := make([]float64, visible*hidden)
	for i := range w {
		w[i] = 0.01 * rng.NormFloat64()
	}
	return &RBM{W: mat.NewDense(visible, hidden, w), B: make([]float64, visible), C: make([]float64, hidden)}
}

// Dims returns the numbers of visible and hidden units.
func (r *RBM) Dims() (visible, hidden int) { return r.W.Dims() }

// Energy returns E(v, h) = -b·v - c·h - vᵀWh for one visible and one hidden
// state.
func (r *RBM) Energy(v, h []float64) float64 {
	nv, nh := r.Dims()
	if len(v) != nv || len(h) != nh {
		panic(fmt.Sprintf("ebm: RBM.Energy: states of length %d and %d, want %d and %d", len(v), len(h), nv, nh))
	}
	vw := make([]float64, nh)
	mat.NewVecDense(nh, vw).MulVec(r.W.T(), mat.NewVecDense(nv, v))
	return -floats.Dot(r.B, v) - floats.Dot(r.C, h) - floats.Dot(vw, h)
}

// FreeEnergies writes F(v) for every row of v into dst (allocated when
// nil) and returns it.
func (r *RBM) FreeEnergies(v *mat.Dense, dst []float64) []float64 {
	n := r.checkVisible(v, "FreeEnergies")
	if dst == nil {
		dst = make([]float64, n)
	}
	_, nh := r.Dims()
	a := mat.NewDense(n, nh, nil)
	r.hiddenInput(a, v)
	for k := range n {
		var s float64
		for _, x := range a.RawRowView(k) {
			s += dist.Softplus(x)
		}
		dst[k] = -floats.Dot(r.B, v.RawRowView(k)) - s
	}
	return dst
}

// HiddenProbs writes p(h_j = 1 | v) = σ(c_j + (vW)_j) for every row of v
// into dst (rows × H).
func (r *RBM) HiddenProbs(dst, v *mat.Dense) {
	r.checkVisible(v, "HiddenProbs")
	r.hiddenInput(dst, v)
	sigmoidInPlace(dst)
}

// LogProbs writes log p(v) = -F(v) - log Z for every row of v into dst
// (allocated when nil) and returns it; logZ comes from LogZ or AIS.
func (r *RBM) LogProbs(v *mat.Dense, logZ float64, dst []float64) []float64 {
	dst = r.FreeEnergies(v, dst)
	for k := range dst {
		dst[k] = -dst[k] - logZ
	}
	return dst
}

// VisibleProbs writes p(v_i = 1 | h) = σ(b_i + (Wh)_i) for every row of h
// into dst (rows × V).
func (r *RBM) VisibleProbs(dst, h *mat.Dense) {
	_, nh := r.Dims()
	if _, c := h.Dims(); c != nh {
		panic(fmt.Sprintf("ebm: RBM.VisibleProbs: h has %d columns, want H = %d", c, nh))
	}
	dst.Mul(h, r.W.T())
	addRow(dst, r.B)
	sigmoidInPlace(dst)
}

// hiddenInput writes c + vW into dst.
func (r *RBM) hiddenInput(dst, v *mat.Dense) {
	dst.Mul(v, r.W)
	addRow(dst, r.C)
}

func (r *RBM) checkVisible(v *mat.Dense, method string) int {
	nv, _ := r.Dims()
	n, c := v.Dims()
	if c != nv {
		panic(fmt.Sprintf("ebm: RBM.%s: v has %d columns, want V = %d", method, c, nv))
	}
	return n
}

// addRow adds the vector x to every row of m.
func addRow(m *mat.Dense, x []float64) {
	n, _ := m.Dims()
	for k := range n {
		floats.Add(m.RawRowView(k), x)
	}
}

// sigmoid returns 1/(1+e^{-x}), which is exact to rounding for all x.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func sigmoidInPlace(m *mat.Dense) {
	n, _ := m.Dims()
	for k := range n {
		row := m.RawRowView(k)
		for i, x := range row {
			row[i] = sigmoid(x)
		}
	}
}

// SampleBaseRate returns n states drawn from the base-rate model with
// visible biases base: each unit independently on with probability
// σ(base_i). It is the start of AIS runs and of sampling chains.
func SampleBaseRate(base []float64, n int, rng *rand.Rand) *mat.Dense {
	v := mat.NewDense(n, len(base), nil)
	for k := range n {
		row := v.RawRowView(k)
		for i, b := range base {
			if rng.Float64() < sigmoid(b) {
				row[i] = 1
			}
		}
	}
	return v
}
