package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// countingBLAS counts the Sgemm calls of each transpose combination that
// reach the wrapped BLAS.
type countingBLAS struct {
	BLAS
	calls map[string]int
}

func (cb countingBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	cb.calls[fmt.Sprintf("%c%c", tA, tB)]++
	cb.BLAS.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// mlpResult is the loss and the gradients of a two-layer network.
type mlpResult struct {
	loss   float32
	gw, gv []float32
}

// runMLP evaluates loss = Σ (tanh(x·W)·V - y)² and its gradient with respect
// to W and V in Gorgonia, with impl as Gorgonia's BLAS. Gorgonia's BLAS is
// global: this restores gonum's before it returns.
func runMLP(t *testing.T, impl BLAS, batch, in, hidden, out int) mlpResult {
	t.Helper()
	G.Use(impl)
	defer G.Use(gonum.Implementation{})

	rnd := rand.New(rand.NewPCG(7, 8))
	dense := func(r, c int, scale float64) *tensor.Dense {
		s := make([]float32, r*c)
		for i := range s {
			s[i] = float32(scale * (2*rnd.Float64() - 1))
		}
		return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(s))
	}
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(batch, in), G.WithName("x"), G.WithValue(dense(batch, in, 1)))
	y := G.NewMatrix(g, tensor.Float32, G.WithShape(batch, out), G.WithName("y"), G.WithValue(dense(batch, out, 1)))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(in, hidden), G.WithName("w"), G.WithValue(dense(in, hidden, 1/math.Sqrt(float64(in)))))
	v := G.NewMatrix(g, tensor.Float32, G.WithShape(hidden, out), G.WithName("v"), G.WithValue(dense(hidden, out, 1/math.Sqrt(float64(hidden)))))

	must := func(n *G.Node, err error) *G.Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	h := must(G.Tanh(must(G.Mul(x, w))))
	r := must(G.Sub(must(G.Mul(h, v)), y))
	loss := must(G.Sum(must(G.Square(r))))
	if _, err := G.Grad(loss, w, v); err != nil {
		t.Fatal(err)
	}
	var lossVal G.Value
	G.Read(loss, &lossVal)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	grad := func(n *G.Node) []float32 {
		gv, err := n.Grad()
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), gv.Data().([]float32)...)
	}
	return mlpResult{loss: lossVal.Data().(float32), gw: grad(w), gv: grad(v)}
}

// TestGorgoniaUsesBackend runs a network and its gradient through Gorgonia
// with each backend and compares with gonum's BLAS. Differences come from
// rounding in the products (relative 1e-7 each) carried through tanh and a
// sum of squares; 1e-4 relative to the largest value leaves room for that
// and not for a wrong product, which changes values at order 1.
func TestGorgoniaUsesBackend(t *testing.T) {
	const batch, in, hidden, out = 37, 129, 65, 33
	want := runMLP(t, gonum.Implementation{}, batch, in, hidden, out)
	backends := map[string]BLAS{"go": Implementation{}}
	if cb, err := OpenBLAS(); err == nil {
		backends["openblas"] = cb
	} else {
		t.Logf("OpenBLAS not checked (%v); on Debian/Ubuntu: apt-get install libopenblas0-pthread", err)
	}
	for name, impl := range backends {
		counted := countingBLAS{impl, map[string]int{}}
		got := runMLP(t, counted, batch, in, hidden, out)
		if len(counted.calls) == 0 {
			t.Fatalf("%s: Gorgonia made no Sgemm call", name)
		}
		t.Logf("%s: Sgemm calls by transposes: %v", name, counted.calls)
		if G.WhichBLAS() != (gonum.Implementation{}) {
			t.Errorf("%s: gonum's BLAS not restored", name)
		}
		if !scalar.EqualWithinAbsOrRel(float64(got.loss), float64(want.loss), 0, 1e-5) {
			t.Errorf("%s: loss %v, with gonum %v", name, got.loss, want.loss)
		}
		compareSlices(t, name+" dL/dW", got.gw, want.gw, 1e-4)
		compareSlices(t, name+" dL/dV", got.gv, want.gv, 1e-4)
	}
}

// compareSlices checks got against want element by element, within tol
// times the largest |want|.
func compareSlices(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	big := 0.0
	for _, v := range want {
		big = math.Max(big, math.Abs(float64(v)))
	}
	for i := range got {
		if !scalar.EqualWithinAbsOrRel(float64(got[i]), float64(want[i]), tol*big, 0) {
			t.Fatalf("%s[%d] = %v, with gonum %v (tolerance %.3g)", what, i, got[i], want[i], tol*big)
		}
	}
}
