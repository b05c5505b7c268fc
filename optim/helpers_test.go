package optim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
)

// probe is a graph whose cost is Σ_k Σ w_k⊙x_k: the gradient of parameter
// w_k is exactly the input x_k, so a test chooses the gradients Adam sees.
type probe struct {
	g      *G.ExprGraph
	params []*G.Node
	inputs []*G.Node
	vm     G.VM
	dt     tensor.Dtype
}

// newProbe builds a probe with parameters of the given shapes and dtype,
// initial values init[k] (row-major), on a machine made with
// G.BindDualValues as a trainer makes it.
func newProbe(t testing.TB, dt tensor.Dtype, shapes [][]int, init [][]float64) *probe {
	t.Helper()
	p := &probe{g: G.NewGraph(), dt: dt}
	var terms []*G.Node
	for k, sh := range shapes {
		w := G.NewTensor(p.g, dt, len(sh), G.WithShape(sh...), G.WithName(fmt.Sprintf("w%d", k)), G.WithValue(graphtest.Dense(dt, sh, init[k])))
		x := G.NewTensor(p.g, dt, len(sh), G.WithShape(sh...), G.WithName(fmt.Sprintf("x%d", k)))
		prod, err := G.HadamardProd(w, x)
		if err != nil {
			t.Fatal(err)
		}
		s, err := G.Sum(prod)
		if err != nil {
			t.Fatal(err)
		}
		p.params = append(p.params, w)
		p.inputs = append(p.inputs, x)
		terms = append(terms, s)
	}
	cost := terms[0]
	for _, s := range terms[1:] {
		var err error
		if cost, err = G.Add(cost, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := G.Grad(cost, p.params...); err != nil {
		t.Fatal(err)
	}
	p.vm = G.NewTapeMachine(p.g, G.BindDualValues(p.params...))
	t.Cleanup(func() { p.vm.Close() })
	return p
}

// run feeds grads[k] as the gradient of parameter k and runs the machine.
func (p *probe) run(t testing.TB, grads [][]float64) {
	t.Helper()
	for k, x := range p.inputs {
		if err := G.Let(x, graphtest.Dense(p.dt, x.Shape(), grads[k])); err != nil {
			t.Fatal(err)
		}
	}
	p.vm.Reset()
	if err := p.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// gradient returns the gradient of n as float64.
func gradient(t testing.TB, n *G.Node) []float64 {
	t.Helper()
	g, err := n.Grad()
	if err != nil {
		t.Fatal(err)
	}
	return graphtest.Floats(g.Data())
}

// normals returns n draws from N(0, σ²) rounded as dt rounds them.
func normals(rng *rand.Rand, n int, sigma float64, dt tensor.Dtype) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = sigma * rng.NormFloat64()
		if dt == tensor.Float32 {
			x[i] = float64(float32(x[i]))
		}
	}
	return x
}
