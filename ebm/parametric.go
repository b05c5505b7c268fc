package ebm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// EnergyFunc builds the energy E(x;θ) of a parametric Boltzmann
// distribution (2.9) as a Gorgonia graph. x is an (n, dim) matrix of binary
// states, one per row; theta holds one node per parameter, with the shapes
// of Parametric.Params. It returns the n energies as an (n,) vector.
//
// The function is called once for every batch size the model meets, each
// time in a fresh graph, so it must build new nodes every time.
type EnergyFunc func(x *G.Node, theta []*G.Node) (*G.Node, error)

// MaxEnumerateDim is the largest dimension for which Parametric enumerates
// all 2^dim states to compute log Z and exact expectations.
const MaxEnumerateDim = 16

// Parametric is a parametric Boltzmann distribution over binary vectors,
//
//	p(x;θ) = exp(-E(x;θ)) / Z(θ),  x ∈ {0,1}^Dim,  (2.9)
//
// whose energy is a Gorgonia graph. Params holds θ as float64 tensors that
// training updates in place. Build one with NewParametric.
//
// Gorgonia computes ∇θE(x;θ) for any energy a user writes; this is the
// general estimator of (2.12)-(2.14). The RBM type does not go through it:
// its gradient has a closed form in a few matrix products (see RBM).
type Parametric struct {
	// Dim is the number of binary units.
	Dim int
	// Energy builds E(x;θ).
	Energy EnergyFunc
	// Params holds θ, one float64 tensor per parameter.
	Params []*tensor.Dense

	evals  map[evalKey]*evaluator
	states *mat.Dense // every state of {0,1}^Dim, built on first use
}

// NewParametric returns the distribution with the given energy and initial
// parameters (used as they are, not copied). It builds the graph once to
// check that the energy returns one value per state.
func NewParametric(dim int, energy EnergyFunc, params ...*tensor.Dense) (*Parametric, error) {
	if dim < 1 {
		return nil, fmt.Errorf("ebm: NewParametric: dim = %d, want at least one unit", dim)
	}
	if energy == nil {
		return nil, fmt.Errorf("ebm: NewParametric: energy is nil; pass an EnergyFunc such as FullyVisible(dim)")
	}
	for k, p := range params {
		if p == nil || p.Dtype() != tensor.Float64 {
			return nil, fmt.Errorf("ebm: NewParametric: parameter %d is nil or not float64; build it with tensor.New(tensor.WithShape(...), tensor.WithBacking([]float64{...}))", k)
		}
	}
	m := &Parametric{Dim: dim, Energy: energy, Params: params, evals: map[evalKey]*evaluator{}}
	if _, err := m.eval(1, true); err != nil {
		return nil, err
	}
	return m, nil
}

// Energies returns E(x;θ) for every row of x.
func (m *Parametric) Energies(x *mat.Dense) ([]float64, error) {
	n := m.rows(x, "Energies")
	ev, err := m.eval(n, false)
	if err != nil {
		return nil, err
	}
	if err := ev.run(m, x, nil); err != nil {
		return nil, err
	}
	return append([]float64(nil), ev.energies()...), nil
}

// ExactLogLik returns the average log-likelihood (2.10) of the rows of
// data, L(θ) = -mean E(x_i;θ) - log Z(θ), with log Z by enumeration.
func (m *Parametric) ExactLogLik(data *mat.Dense) (float64, error) {
	logZ, err := m.LogZ()
	if err != nil {
		return 0, err
	}
	e, err := m.Energies(data)
	if err != nil {
		return 0, err
	}
	return -floats.Sum(e)/float64(len(e)) - logZ, nil
}

// ExactLogLikGrad returns ∇θL(θ) by (2.12) with the model expectation
// computed exactly over all 2^Dim states: E_p[∇θE(X;θ)] - mean ∇θE(x_i;θ).
// The result has one slice per parameter, laid out as Params.
func (m *Parametric) ExactLogLikGrad(data *mat.Dense) ([][]float64, error) {
	model, err := m.ModelGrad()
	if err != nil {
		return nil, err
	}
	dataGrad, err := m.MeanEnergyGrad(data)
	if err != nil {
		return nil, err
	}
	return subGrads(model, dataGrad), nil
}

// LogLikGrad returns the Monte Carlo estimate (2.14) of ∇θL(θ): the mean of
// ∇θE over the model samples minus its mean over the data, one slice per
// parameter, laid out as Params.
func (m *Parametric) LogLikGrad(data, samples *mat.Dense) ([][]float64, error) {
	model, err := m.MeanEnergyGrad(samples)
	if err != nil {
		return nil, err
	}
	dataGrad, err := m.MeanEnergyGrad(data)
	if err != nil {
		return nil, err
	}
	return subGrads(model, dataGrad), nil
}

// LogZ returns log Z(θ) by enumerating the 2^Dim states. It returns an
// error when Dim exceeds MaxEnumerateDim.
func (m *Parametric) LogZ() (float64, error) {
	states, err := m.allStates()
	if err != nil {
		return 0, err
	}
	e, err := m.Energies(states)
	if err != nil {
		return 0, err
	}
	floats.Scale(-1, e)
	return floats.LogSumExp(e), nil
}

// MeanEnergyGrad returns (1/n) Σ_i ∇θE(x_i;θ) over the rows of x, one slice
// per parameter, laid out as Params.
func (m *Parametric) MeanEnergyGrad(x *mat.Dense) ([][]float64, error) {
	n := m.rows(x, "MeanEnergyGrad")
	w := make([]float64, n)
	for i := range w {
		w[i] = 1 / float64(n)
	}
	return m.WeightedEnergyGrad(x, w)
}

// ModelGrad returns the exact model expectation E_p[∇θE(X;θ)] =
// -∇θ log Z(θ), by enumerating the 2^Dim states.
func (m *Parametric) ModelGrad() ([][]float64, error) {
	states, err := m.allStates()
	if err != nil {
		return nil, err
	}
	e, err := m.Energies(states)
	if err != nil {
		return nil, err
	}
	p := Boltzmann{Energy: e, Beta: 1}.Probs(nil)
	return m.WeightedEnergyGrad(states, p)
}

// WeightedEnergyGrad returns Σ_i w_i ∇θE(x_i;θ) over the rows of x, one
// slice per parameter, laid out as Params.
func (m *Parametric) WeightedEnergyGrad(x *mat.Dense, w []float64) ([][]float64, error) {
	n := m.rows(x, "WeightedEnergyGrad")
	if len(w) != n {
		panic(fmt.Sprintf("ebm: Parametric.WeightedEnergyGrad: %d weights for %d rows", len(w), n))
	}
	ev, err := m.eval(n, true)
	if err != nil {
		return nil, err
	}
	if err := ev.run(m, x, w); err != nil {
		return nil, err
	}
	grads := make([][]float64, len(m.Params))
	for k := range grads {
		grads[k] = append([]float64(nil), ev.grad(k)...)
	}
	return grads, nil
}

// allStates returns every state of {0,1}^Dim, state s in row s with bit j
// of s in column j.
func (m *Parametric) allStates() (*mat.Dense, error) {
	if m.Dim > MaxEnumerateDim {
		return nil, fmt.Errorf("ebm: cannot enumerate 2^%d states (at most 2^%d): use the Monte Carlo estimate LogLikGrad instead", m.Dim, MaxEnumerateDim)
	}
	if m.states == nil {
		n := 1 << m.Dim
		m.states = mat.NewDense(n, m.Dim, nil)
		for s := range n {
			for j := range m.Dim {
				m.states.Set(s, j, float64(s>>j&1))
			}
		}
	}
	return m.states, nil
}

// rows checks that x has Dim columns and returns its number of rows.
func (m *Parametric) rows(x *mat.Dense, method string) int {
	n, d := x.Dims()
	if d != m.Dim {
		panic(fmt.Sprintf("ebm: Parametric.%s: x has %d columns, want Dim = %d", method, d, m.Dim))
	}
	return n
}

// subGrads returns a - b, parameter by parameter, overwriting a.
func subGrads(a, b [][]float64) [][]float64 {
	for k := range a {
		floats.Sub(a[k], b[k])
	}
	return a
}

// checkFinite returns an error naming the first parameter that holds a NaN
// or an infinity.
func (m *Parametric) checkFinite() error {
	for k, p := range m.Params {
		for _, v := range p.Data().([]float64) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("ebm: parameter %d became %v: training diverged; lower the learning rate", k, v)
			}
		}
	}
	return nil
}
