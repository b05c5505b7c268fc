package ebm

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// evalKey names a compiled graph: its batch size and whether it computes
// gradients.
type evalKey struct {
	n    int
	grad bool
}

// evaluator is the energy graph of a Parametric compiled for one batch
// size: x (n, dim) and the parameters are inputs bound with Let before each
// run, and with grad set it also computes ∇θ Σ_i w_i E(x_i;θ) for an input
// weight vector w. Values are taken with G.Read, since a node's own value
// can be overwritten by later in-place operations.
type evaluator struct {
	vm     G.VM
	x, w   *G.Node
	theta  []*G.Node
	xT, wT *tensor.Dense
	energy G.Value
	grads  []G.Value
}

// eval returns the evaluator for batch size n, building it on first use.
func (m *Parametric) eval(n int, grad bool) (*evaluator, error) {
	key := evalKey{n, grad}
	if ev, ok := m.evals[key]; ok {
		return ev, nil
	}
	if m.evals == nil {
		m.evals = map[evalKey]*evaluator{}
	}
	ev, err := newEvaluator(m, n, grad)
	if err != nil {
		return nil, err
	}
	m.evals[key] = ev
	return ev, nil
}

func newEvaluator(m *Parametric, n int, grad bool) (*evaluator, error) {
	g := G.NewGraph()
	ev := &evaluator{
		x:  G.NewMatrix(g, tensor.Float64, G.WithShape(n, m.Dim), G.WithName("x")),
		xT: tensor.New(tensor.WithShape(n, m.Dim), tensor.Of(tensor.Float64)),
	}
	for k, p := range m.Params {
		shape := p.Shape()
		ev.theta = append(ev.theta, G.NewTensor(g, tensor.Float64, shape.Dims(), G.WithShape(shape...), G.WithName(fmt.Sprintf("theta%d", k))))
	}
	e, err := m.Energy(ev.x, ev.theta)
	if err != nil {
		return nil, fmt.Errorf("ebm: building the energy graph: %w", err)
	}
	if e == nil || !e.Shape().Eq(tensor.Shape{n}) {
		var shape tensor.Shape
		if e != nil {
			shape = e.Shape()
		}
		return nil, fmt.Errorf("ebm: the energy of an (%d, %d) batch has shape %v; it must return one energy per row, shape (%d)", n, m.Dim, shape, n)
	}
	G.Read(e, &ev.energy)
	if grad {
		ev.w = G.NewVector(g, tensor.Float64, G.WithShape(n), G.WithName("w"))
		ev.wT = tensor.New(tensor.WithShape(n), tensor.Of(tensor.Float64))
		prod, err := G.HadamardProd(ev.w, e)
		if err != nil {
			return nil, fmt.Errorf("ebm: weighting the energies: %w", err)
		}
		cost, err := G.Sum(prod)
		if err != nil {
			return nil, fmt.Errorf("ebm: summing the weighted energies: %w", err)
		}
		gs, err := G.Grad(cost, ev.theta...)
		if err != nil {
			return nil, fmt.Errorf("ebm: differentiating the energy (does it use every parameter?): %w", err)
		}
		ev.grads = make([]G.Value, len(gs))
		for k, gn := range gs {
			G.Read(gn, &ev.grads[k])
		}
	}
	ev.vm = G.NewTapeMachine(g)
	return ev, nil
}

// run evaluates the graph at the rows of x with weights w (ignored without
// gradients) and the current parameters of m.
func (ev *evaluator) run(m *Parametric, x *mat.Dense, w []float64) error {
	xs := ev.xT.Data().([]float64)
	n, d := x.Dims()
	for i := range n {
		copy(xs[i*d:(i+1)*d], x.RawRowView(i))
	}
	if err := G.Let(ev.x, ev.xT); err != nil {
		return fmt.Errorf("ebm: binding x: %w", err)
	}
	if ev.w != nil {
		copy(ev.wT.Data().([]float64), w)
		if err := G.Let(ev.w, ev.wT); err != nil {
			return fmt.Errorf("ebm: binding the weights: %w", err)
		}
	}
	for k, p := range m.Params {
		if err := G.Let(ev.theta[k], p); err != nil {
			return fmt.Errorf("ebm: binding parameter %d (shape %v): %w", k, p.Shape(), err)
		}
	}
	ev.vm.Reset()
	if err := ev.vm.RunAll(); err != nil {
		return fmt.Errorf("ebm: evaluating the energy graph: %w", err)
	}
	return nil
}

// energies returns the energies of the last run.
func (ev *evaluator) energies() []float64 { return ev.energy.Data().([]float64) }

// grad returns the gradient for parameter k of the last run.
func (ev *evaluator) grad(k int) []float64 {
	return ev.grads[k].Data().([]float64)
}
