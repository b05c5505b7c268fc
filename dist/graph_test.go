package dist_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// matrix is a row-major (rows, cols) input for a test graph.
type matrix struct {
	rows, cols int
	data       []float64
}

// row returns row i of m.
func (m matrix) row(i int) []float64 { return m.data[i*m.cols : (i+1)*m.cols] }

// randMatrix returns a (rows, cols) matrix of uniform draws in [lo, hi).
func randMatrix(rng *rand.Rand, rows, cols int, lo, hi float64) matrix {
	m := matrix{rows, cols, make([]float64, rows*cols)}
	for i := range m.data {
		m.data[i] = lo + (hi-lo)*rng.Float64()
	}
	return m
}

// evalGraph builds a graph of dtype dt whose leaves hold the inputs, lets
// build turn them into a (batch,) output, and runs it. It returns the output
// and the gradient of Σ_b w_b·out_b with respect to every input (weights make
// a mixed-up row order visible in the gradient). The gradients are computed
// with respect to all inputs, whether or not build uses them.
func evalGraph(t *testing.T, dt tensor.Dtype, inputs []matrix, w []float64, build func(in []*G.Node) (*G.Node, error)) (out []float64, grads [][]float64) {
	t.Helper()
	out, grads, err := runGraph(dt, inputs, w, build)
	if err != nil {
		t.Fatal(err)
	}
	return out, grads
}

func runGraph(dt tensor.Dtype, inputs []matrix, w []float64, build func(in []*G.Node) (*G.Node, error)) (out []float64, grads [][]float64, err error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(inputs))
	for i, m := range inputs {
		nodes[i] = G.NewMatrix(g, dt, G.WithShape(m.rows, m.cols), G.WithName(fmt.Sprintf("in%d", i)), G.WithValue(denseOf(dt, []int{m.rows, m.cols}, m.data)))
	}
	y, err := build(nodes)
	if err != nil {
		return nil, nil, err
	}
	wn := G.NewVector(g, dt, G.WithShape(len(w)), G.WithName("w"), G.WithValue(denseOf(dt, []int{len(w)}, w)))
	prod, err := G.HadamardProd(y, wn)
	if err != nil {
		return nil, nil, err
	}
	cost, err := G.Sum(prod)
	if err != nil {
		return nil, nil, err
	}
	if _, err := G.Grad(cost, nodes...); err != nil {
		return nil, nil, err
	}
	var yv G.Value
	G.Read(y, &yv)
	m := G.NewTapeMachine(g, G.BindDualValues(nodes...))
	defer m.Close()
	if err := m.RunAll(); err != nil {
		return nil, nil, err
	}
	out = floats(yv.Data())
	for _, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			return nil, nil, err
		}
		grads = append(grads, floats(gv.Data()))
	}
	return out, grads, nil
}

func denseOf(dt tensor.Dtype, shape []int, data []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		d := make([]float32, len(data))
		for i, v := range data {
			d[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), data...)))
}

func floats(data any) []float64 {
	switch d := data.(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	panic(fmt.Sprintf("floats: unexpected %T", data))
}

func allFinite(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
