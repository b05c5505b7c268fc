package optim

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
)

// squareGraph returns a graph with cost Σ w⊙w, so that ∂cost/∂w = 2w, and
// a machine over it, made with G.BindDualValues if bind is set.
func squareGraph(t *testing.T, init []float64, bind bool) (*G.Node, G.VM) {
	t.Helper()
	g := G.NewGraph()
	w := G.NewVector(g, tensor.Float64, G.WithShape(len(init)), G.WithName("w"), G.WithValue(graphtest.Dense(tensor.Float64, []int{len(init)}, init)))
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(w, w))))
	if _, err := G.Grad(cost, w); err != nil {
		t.Fatal(err)
	}
	var vm G.VM
	if bind {
		vm = G.NewTapeMachine(g, G.BindDualValues(w))
	} else {
		vm = G.NewTapeMachine(g)
	}
	t.Cleanup(func() { vm.Close() })
	return w, vm
}

// runAll resets vm and runs it.
func runAll(t *testing.T, vm G.VM) {
	t.Helper()
	vm.Reset()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// TestGradientsAreFreshAfterStep pins how Gorgonia hands gradients to Step:
// node.Grad() after a run is the true gradient 2w; with G.BindDualValues two
// runs without a Step accumulate (4w), and after Step the next run computes
// 2w at the new w, not a sum with the old gradient.
func TestGradientsAreFreshAfterStep(t *testing.T) {
	for _, bind := range []bool{true, false} {
		name := "tape machine"
		if bind {
			name = "BindDualValues"
		}
		t.Run(name, func(t *testing.T) {
			w, vm := squareGraph(t, []float64{1, -2, 0.5}, bind)
			a, err := NewAdam(DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			runAll(t, vm)
			checkTwice(t, "first run", w, gradient(t, w), 2)
			if bind {
				runAll(t, vm)
				checkTwice(t, "second run without Step (accumulates)", w, gradient(t, w), 4)
			}
			for range 3 {
				if err := a.Step([]*G.Node{w}, 0); err != nil {
					t.Fatal(err)
				}
				runAll(t, vm)
				checkTwice(t, "run after Step", w, gradient(t, w), 2)
			}
		})
	}
}

// checkTwice checks that grad = k·w exactly.
func checkTwice(t *testing.T, when string, w *G.Node, grad []float64, k float64) {
	t.Helper()
	for i, wi := range graphtest.Floats(w.Value().Data()) {
		if grad[i] != k*wi {
			t.Errorf("%s: gradient[%d] = %v, want %v·w = %v", when, i, grad[i], k, k*wi)
		}
	}
}

// TestSharedGradientTensor covers a trap: without G.BindDualValues,
// Gorgonia merges identical gradient nodes, so two parameters can share one
// gradient tensor. Both must be updated with it before it is zeroed.
func TestSharedGradientTensor(t *testing.T) {
	g := G.NewGraph()
	w3 := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("w3"), G.WithValue(graphtest.Dense(tensor.Float64, []int{2}, []float64{1, 2})))
	w4 := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("w4"), G.WithValue(graphtest.Dense(tensor.Float64, []int{2}, []float64{3, 4})))
	cost := G.Must(G.Sum(G.Must(G.Add(w3, w4))))
	if _, err := G.Grad(cost, w3, w4); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	runAll(t, vm)
	g3, _ := w3.Grad()
	g4, _ := w4.Grad()
	if g3 != g4 {
		t.Fatalf("precondition: expected Gorgonia to give w3 and w4 the same gradient tensor, got %p and %p", g3, g4)
	}
	a, err := NewAdam(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Step([]*G.Node{w3, w4}, 0); err != nil {
		t.Fatal(err)
	}
	// With g = 1 the first step moves each weight by −α·1/(1+ε).
	move := 1e-3 / (1 + 1e-8)
	for _, c := range []struct {
		n    *G.Node
		init []float64
	}{{w3, []float64{1, 2}}, {w4, []float64{3, 4}}} {
		for i, x := range graphtest.Floats(c.n.Value().Data()) {
			if want := c.init[i] - move; !scalar.EqualWithinAbsOrRel(x, want, 1e-15, 1e-15) {
				t.Errorf("%s[%d] = %.17g, want %.17g", c.n.Name(), i, x, want)
			}
		}
	}
}

// TestStepErrors checks that Step refuses parameters it cannot update and
// changes nothing when it does.
func TestStepErrors(t *testing.T) {
	p := newProbe(t, tensor.Float64, [][]int{{2}, {3}}, [][]float64{{1, 2}, {3, 4, 5}})
	grads := [][]float64{{0.1, 0.2}, {0.3, 0.4, 0.5}}
	p.run(t, grads)
	a, err := NewAdam(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Step([]*G.Node{p.params[0], p.params[0]}, 0); err == nil || !strings.Contains(err.Error(), "share their value") {
		t.Errorf("Step with a parameter twice returned %v, want a sharing error", err)
	}
	if err := a.Step(nil, 0); err == nil {
		t.Error("Step with no parameters returned nil error")
	}
	if a.Steps() != 0 {
		t.Fatalf("failed Steps counted: Steps() = %d", a.Steps())
	}
	if err := a.Step(p.params, 0); err != nil {
		t.Fatal(err)
	}
	p.run(t, grads)
	before := [][]float64{graphtest.Floats(p.params[0].Value().Data()), graphtest.Floats(p.params[1].Value().Data())}
	for _, c := range []struct {
		name   string
		params []*G.Node
	}{
		{"swapped", []*G.Node{p.params[1], p.params[0]}},
		{"one missing", p.params[:1]},
		{"one extra", append(p.params[:2:2], p.params[0])},
	} {
		err := a.Step(c.params, 0)
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: Step returned %v, want an error wrapping ErrMismatch", c.name, err)
		}
		for k, n := range p.params {
			if got := graphtest.Floats(n.Value().Data()); !slices.Equal(got, before[k]) {
				t.Errorf("%s: %s changed from %v to %v", c.name, n.Name(), before[k], got)
			}
			if got := gradient(t, n); !slices.Equal(got, grads[k]) {
				t.Errorf("%s: gradient of %s changed from %v to %v", c.name, n.Name(), grads[k], got)
			}
		}
	}
	if a.Steps() != 1 {
		t.Errorf("Steps() = %d after one good and several failed steps, want 1", a.Steps())
	}
}

// TestStepWithoutGradient checks the message when G.Grad was not called.
func TestStepWithoutGradient(t *testing.T) {
	g := G.NewGraph()
	w := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("w"), G.WithValue(graphtest.Dense(tensor.Float64, []int{2}, []float64{1, 2})))
	G.Must(G.Sum(w))
	a, err := NewAdam(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Step([]*G.Node{w}, 0); err == nil || !strings.Contains(err.Error(), "no gradient") {
		t.Errorf("Step returned %v, want an error saying w has no gradient", err)
	}
}
