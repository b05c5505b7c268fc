package gx_test

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/gx"
)

// machineGraph builds a scalar loss through every kind of operation a
// Machine runs its own way (products, elementwise binary and unary
// operations, sums along each axis and over everything, means, reshapes,
// slices, a concat, a max, broadcasts, BiasAct) and its gradients with
// respect to w and v. It returns the inputs and the outputs: the loss,
// an intermediate matrix and the gradients.
func machineGraph(t *testing.T, dt tensor.Dtype) (g *G.ExprGraph, inputs, outputs G.Nodes) {
	t.Helper()
	return lossGraph(t, dt, false)
}

// lossGraph is machineGraph, and with branch a second loss beside the
// first, through the same x, w and v and a fourth input u, whose
// gradients come from the same backward pass.
func lossGraph(t *testing.T, dt tensor.Dtype, branch bool) (g *G.ExprGraph, inputs, outputs G.Nodes) {
	t.Helper()
	g = G.NewGraph()
	x := G.NewMatrix(g, dt, G.WithShape(6, 5), G.WithName("x"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(6, 5))))
	w := G.NewMatrix(g, dt, G.WithShape(5, 4), G.WithName("w"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(5, 4))))
	v := G.NewVector(g, dt, G.WithShape(4), G.WithName("v"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(4))))
	var b gx.B
	h := b.BiasAct(b.MatMul(x, w), v, gx.Tanh) // (6, 4)
	e := b.Exp(b.Scale(0.5, h))
	r := b.Reshape(b.Mul(e, h), 4, 6)
	s0, s1 := b.Sum(r, 0), b.Sum(r, 1) // (6,), (4,)
	m := b.Max(h, 1)                   // (6,)
	lse := b.LogSumExp(b.Reshape(b.Add(h, h), 3, 8), 1)
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	c, err := G.Concat(0, s0, m)
	if err != nil {
		t.Fatal(err)
	}
	sq := b.Square(b.Sub(c, b.Const(c, 1)))
	loss := b.Add(b.Add(b.Add(b.Sum(sq), b.Mean(s1)), b.Sum(lse)), b.Sum(b.AddRow(h, v)))
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	inputs, wrt := G.Nodes{x, w, v}, G.Nodes{w, v}
	if branch {
		u := G.NewMatrix(g, dt, G.WithShape(4, 5), G.WithName("u"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(4, 5))))
		h2 := b.BiasAct(b.MatMul(x, w), v, gx.ReLU)
		loss = b.Add(loss, b.Sum(b.Square(b.MatMul(h2, u))))
		if b.Err != nil {
			t.Fatal(b.Err)
		}
		inputs, wrt = append(inputs, u), append(wrt, u)
	}
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	return g, inputs, append(G.Nodes{loss, r}, grads...)
}

// fill sets every input to fresh uniform draws in [-2, 2).
func fill(rng *rand.Rand, inputs G.Nodes) {
	for _, n := range inputs {
		switch d := n.Value().Data().(type) {
		case []float32:
			for i := range d {
				d[i] = float32(4*rng.Float64() - 2)
			}
		case []float64:
			for i := range d {
				d[i] = 4*rng.Float64() - 2
			}
		}
	}
}

// runBoth runs a graph built twice, once on a Machine's own buffers and
// once on the tape, for three sets of inputs, and compares every output
// bit for bit after each run: a buffer that kept a stale value would show
// on the second run.
func runBoth(t *testing.T, dt tensor.Dtype, build func(*testing.T, tensor.Dtype) (*G.ExprGraph, G.Nodes, G.Nodes), wantDirect bool) {
	t.Helper()
	machines := make([]*gx.Machine, 2)
	inputs := make([]G.Nodes, 2)
	var outputs int
	for i, tape := range []bool{false, true} {
		gx.TapeOnly = tape
		g, in, out := build(t, dt)
		m, err := gx.NewMachine(g, out...)
		gx.TapeOnly = false
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		machines[i], inputs[i], outputs = m, in, len(out)
	}
	if machines[0].Direct() != wantDirect || machines[1].Direct() {
		t.Fatalf("direct: %v and %v, want %v and false", machines[0].Direct(), machines[1].Direct(), wantDirect)
	}
	for run := range 3 {
		for i := range machines {
			fill(rand.New(rand.NewPCG(uint64(run), 9)), inputs[i])
			if err := machines[i].Run(); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
		}
		for o := range outputs {
			got, want := graphtest.Floats(dataOf(machines[0].Value(o))), graphtest.Floats(dataOf(machines[1].Value(o)))
			if len(got) != len(want) {
				t.Fatalf("run %d, output %d: %d values, want %d", run, o, len(got), len(want))
			}
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("run %d, output %d, element %d: %v on the machine, %v on the tape", run, o, i, got[i], want[i])
				}
			}
		}
	}
}

func dataOf(v G.Value) any {
	if s, ok := v.(G.Scalar); ok {
		return s.Data()
	}
	return v.Data()
}

// TestMachineMatchesTape runs a graph of every operation kind on a Machine
// and on Gorgonia's tape machine and finds the same bits, in float32 and
// float64, over repeated runs with new inputs.
func TestMachineMatchesTape(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		runBoth(t, dt, machineGraph, true)
	}
}

// convGraph is a small convolution, whose im2col keeps state between runs:
// a Machine must leave it to the tape.
func convGraph(t *testing.T, dt tensor.Dtype) (g *G.ExprGraph, inputs, outputs G.Nodes) {
	t.Helper()
	g = G.NewGraph()
	x := G.NewTensor(g, dt, 4, G.WithShape(2, 1, 6, 6), G.WithName("x"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(2, 1, 6, 6))))
	k := G.NewTensor(g, dt, 4, G.WithShape(3, 1, 3, 3), G.WithName("k"), G.WithValue(tensor.New(tensor.Of(dt), tensor.WithShape(3, 1, 3, 3))))
	y, err := G.Conv2d(x, k, tensor.Shape{3, 3}, []int{1, 1}, []int{2, 2}, []int{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, k)
	if err != nil {
		t.Fatal(err)
	}
	return g, G.Nodes{x, k}, append(G.Nodes{loss}, grads...)
}

// TestMachineFallsBack checks that a graph with an operation not known to
// be rerunnable runs on the tape, with the same results.
func TestMachineFallsBack(t *testing.T) {
	runBoth(t, tensor.Float64, convGraph, false)
}

// TestMachineRebound checks that a Machine reads its inputs' values at every
// run: a tensor bound anew with G.Let replaces the old one, also behind a
// reshape (a view the machine keeps while its input stays the same).
func TestMachineRebound(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("x"), G.WithValue(graphtest.Dense(tensor.Float64, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})))
	var b gx.B
	y := b.Sum(b.Reshape(x, 3, 2), 0)
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	m, err := gx.NewMachine(g, y)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Direct() {
		t.Fatal("a reshape and a sum went to the tape")
	}
	for _, c := range []struct{ in, want []float64 }{
		{[]float64{1, 2, 3, 4, 5, 6}, []float64{9, 12}},
		{[]float64{1, 1, 1, 1, 1, 1}, []float64{3, 3}},
	} {
		if err := G.Let(x, graphtest.Dense(tensor.Float64, []int{2, 3}, c.in)); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
		if got := graphtest.Floats(m.Value(0).Data()); got[0] != c.want[0] || got[1] != c.want[1] {
			t.Errorf("sum of %v reshaped: %v, want %v", c.in, got, c.want)
		}
	}
}

// TestMachineErrors checks the errors of a machine without outputs and of
// a run with an input that has no value.
func TestMachineErrors(t *testing.T) {
	if _, err := gx.NewMachine(G.NewGraph()); err == nil {
		t.Error("a machine without outputs was accepted")
	}
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("x"))
	y, err := G.Square(x)
	if err != nil {
		t.Fatal(err)
	}
	m, err := gx.NewMachine(g, y)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(); err == nil {
		t.Error("a run without a value for x succeeded")
	} else {
		t.Log(err)
	}
}
