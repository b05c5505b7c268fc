// Package graphtest runs small Gorgonia graphs for tests: leaves from Go
// slices, one (batch,) output, and the gradient of a weighted sum of it with
// respect to every leaf.
package graphtest

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Matrix is a row-major (Rows, Cols) input for a test graph.
type Matrix struct {
	Rows, Cols int
	Data       []float64
}

// Row returns row i of m.
func (m Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols] }

// RandMatrix returns a (rows, cols) matrix of uniform draws in [lo, hi).
func RandMatrix(rng *rand.Rand, rows, cols int, lo, hi float64) Matrix {
	m := Matrix{rows, cols, make([]float64, rows*cols)}
	for i := range m.Data {
		m.Data[i] = lo + (hi-lo)*rng.Float64()
	}
	return m
}

// Run builds a graph of dtype dt whose leaves hold the inputs, lets build
// turn them into a (batch,) output, and runs it. It returns the output and
// the gradient of Σ_b w_b·out_b with respect to every input (weights make a
// mixed-up row order visible in the gradient). Every input must be used by
// build, or Gorgonia refuses to differentiate.
func Run(dt tensor.Dtype, inputs []Matrix, w []float64, build func(in []*G.Node) (*G.Node, error)) (out []float64, grads [][]float64, err error) {
	g := G.NewGraph()
	nodes := make([]*G.Node, len(inputs))
	for i, m := range inputs {
		nodes[i] = G.NewMatrix(g, dt, G.WithShape(m.Rows, m.Cols), G.WithName(fmt.Sprintf("in%d", i)), G.WithValue(Dense(dt, []int{m.Rows, m.Cols}, m.Data)))
	}
	y, err := build(nodes)
	if err != nil {
		return nil, nil, err
	}
	wn := G.NewVector(g, dt, G.WithShape(len(w)), G.WithName("w"), G.WithValue(Dense(dt, []int{len(w)}, w)))
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
	out = Floats(yv.Data())
	for _, n := range nodes {
		gv, err := n.Grad()
		if err != nil {
			return nil, nil, err
		}
		grads = append(grads, Floats(gv.Data()))
	}
	return out, grads, nil
}

// Dense returns a tensor of dtype dt holding a copy of data.
func Dense(dt tensor.Dtype, shape []int, data []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		d := make([]float32, len(data))
		for i, v := range data {
			d[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), data...)))
}

// Floats copies a float32 or float64 slice or scalar into a []float64.
func Floats(data any) []float64 {
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
	panic(fmt.Sprintf("graphtest: Floats: unexpected %T", data))
}

// AllFinite reports whether no element is NaN or ±Inf.
func AllFinite(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
