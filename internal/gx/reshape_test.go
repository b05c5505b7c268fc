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

// lseThenNeg builds v = exp(1..6), the log-sum-exp along axis 0 of v
// reshaped (by reshape) to (3, 2), and -v, read after; it returns both.
func lseThenNeg(t *testing.T, reshape func(b *gx.B, x *G.Node, shape ...int) *G.Node) (lse, neg []float64) {
	t.Helper()
	g := G.NewGraph()
	x := G.NewVector(g, tensor.Float64, G.WithShape(6), G.WithName("x"), G.WithValue(tensor.New(tensor.WithBacking([]float64{1, 2, 3, 4, 5, 6}))))
	var b gx.B
	v := b.Exp(x)
	l := b.LogSumExp(reshape(&b, v, 3, 2), 0)
	n := b.Neg(v)
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	var lv, nv G.Value
	G.Read(l, &lv)
	G.Read(n, &nv)
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return graphtest.Floats(lv.Data()), graphtest.Floats(nv.Data())
}

// TestReshapeSharesItsInput pins the Gorgonia v0.9.18 trap ReshapeCopy
// exists for: after LogSumExp of Reshape(v), whose subtraction runs in
// place on memory Reshape shares with v, a later reader of v sees it
// overwritten.
func TestReshapeSharesItsInput(t *testing.T) {
	_, neg := lseThenNeg(t, (*gx.B).Reshape)
	if neg[5] == -math.Exp(6) {
		t.Errorf("-v = %v after a log-sum-exp of Reshape(v) is intact: Gorgonia no longer overwrites a reshaped input; ReshapeCopy may be unneeded", neg)
	}
}

// TestReshapeCopy checks that ReshapeCopy leaves its input intact in the
// same graph, and that its gradient is the upstream gradient reshaped back,
// in float64 and float32.
func TestReshapeCopy(t *testing.T) {
	lse, neg := lseThenNeg(t, (*gx.B).ReshapeCopy)
	for i, got := range neg {
		if want := -math.Exp(float64(i + 1)); got != want {
			t.Errorf("-v[%d] = %v, want %v", i, got, want)
		}
	}
	for j, got := range lse {
		want := math.Log(math.Exp(math.Exp(float64(j+1))-math.Exp(float64(j+5)))+math.Exp(math.Exp(float64(j+3))-math.Exp(float64(j+5)))+1) + math.Exp(float64(j+5))
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("log-sum-exp column %d = %v, want %v", j, got, want)
		}
	}

	rng := rand.New(rand.NewPCG(35, 36))
	x := graphtest.RandMatrix(rng, 4, 3, -2, 2)
	c := graphtest.RandMatrix(rng, 2, 6, -1, 1)
	w := []float64{1.5, -0.5}
	for _, dt := range dtypes {
		out, grads, err := graphtest.Run(dt, []graphtest.Matrix{x, c}, w, func(in []*G.Node) (*G.Node, error) {
			var b gx.B
			return b.Sum(b.Mul(b.ReshapeCopy(in[0], 2, 6), in[1]), 1), b.Err
		})
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		tol := map[tensor.Dtype]float64{tensor.Float64: 1e-14, tensor.Float32: 1e-6}[dt]
		for r := range 2 {
			var want float64
			for j := range 6 {
				want += x.Data[r*6+j] * c.Data[r*6+j]
				if got, d := grads[0][r*6+j], w[r]*c.Data[r*6+j]; math.Abs(got-d) > tol {
					t.Errorf("%v: d/dx[%d] = %v, want %v", dt, r*6+j, got, d)
				}
			}
			if math.Abs(out[r]-want) > 10*tol {
				t.Errorf("%v: row %d = %v, want %v", dt, r, out[r], want)
			}
		}
	}
	var b gx.B
	g := G.NewGraph()
	if y := b.ReshapeCopy(G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("y")), 4, 2); y != nil || b.Err == nil {
		t.Error("ReshapeCopy of 6 elements into 8 succeeded")
	}
}
