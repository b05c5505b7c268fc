package gx_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/gx"
)

var dtypes = []tensor.Dtype{tensor.Float64, tensor.Float32}

// TestStopGradient checks, in float64 and float32, that StopGradient is the
// identity in value and blocks exactly the gradient of its own path: for
// y = x ⊙ stop(x) + 2x, summed per row with weights c, the value is
// Σ c(x² + 2x) and the gradient c(x + 2), not c(2x + 2); for
// y = Σ c ⊙ stop(x) + Σ x the gradient is exactly 1.
func TestStopGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	x := graphtest.RandMatrix(rng, 3, 4, -2, 2)
	c := graphtest.RandMatrix(rng, 3, 4, -1, 1)
	w := []float64{1, -2, 0.5}
	for _, dt := range dtypes {
		tol := map[tensor.Dtype]float64{tensor.Float64: 1e-14, tensor.Float32: 1e-6}[dt]
		out, grads, err := graphtest.Run(dt, []graphtest.Matrix{x, c}, w, func(in []*G.Node) (*G.Node, error) {
			var b gx.B
			y := b.Add(b.Mul(in[0], b.StopGradient(in[0])), b.Scale(2, in[0]))
			return b.Sum(b.Mul(y, in[1]), 1), b.Err
		})
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		for r := range 3 {
			var want float64
			for j := range 4 {
				v, cv := x.Data[r*4+j], c.Data[r*4+j]
				want += cv * (v*v + 2*v)
				if got, d := grads[0][r*4+j], w[r]*cv*(v+2); !scalar.EqualWithinAbsOrRel(got, d, tol, tol) {
					t.Errorf("%v: d/dx[%d,%d] = %.10g, want %.10g (the stopped path must add nothing)", dt, r, j, got, d)
				}
			}
			if !scalar.EqualWithinAbsOrRel(out[r], want, tol, tol) {
				t.Errorf("%v: row %d = %.10g, want %.10g", dt, r, out[r], want)
			}
		}

		_, grads, err = graphtest.Run(dt, []graphtest.Matrix{x, c}, w, func(in []*G.Node) (*G.Node, error) {
			var b gx.B
			return b.Add(b.Sum(b.Mul(b.StopGradient(in[0]), in[1]), 1), b.Sum(in[0], 1)), b.Err
		})
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		for i, got := range grads[0] {
			if got != w[i/4] {
				t.Errorf("%v: d/dx[%d] = %v, want exactly %v: the stopped path leaked a gradient", dt, i, got, w[i/4])
			}
		}
	}
}

// TestStopGradientOnlyPath checks that a cost reaching x only through
// StopGradient is, to G.Grad, not differentiable in x, and that a scalar
// passes through.
func TestStopGradientOnlyPath(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName("x"), G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float64{1, 2, 3, 4}))))
	s := G.NewScalar(g, tensor.Float64, G.WithName("s"), G.WithValue(3.0))
	var b gx.B
	cost := b.Add(b.Sum(b.StopGradient(x)), b.StopGradient(s))
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	if _, err := G.Grad(cost, x); err == nil {
		t.Error("G.Grad through StopGradient alone succeeded; want a non-differentiable error")
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	if got := cost.Value().Data().(float64); got != 13 {
		t.Errorf("Σ stop(x) + stop(3) = %v, want 13", got)
	}
}

// TestScaleGrad checks that ScaleGrad is the identity in value and that the
// gradient reaching x is row r of the incoming gradient times s[r], for a
// scale computed from the node's own output (s_r = Σ_j y_rj², the case an
// ordinary input could not express), in float64 and float32.
func TestScaleGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	x := graphtest.RandMatrix(rng, 4, 3, -2, 2)
	c := graphtest.RandMatrix(rng, 4, 3, -1, 1)
	w := []float64{1, -2, 0.5, 3}
	for _, dt := range dtypes {
		tol := map[tensor.Dtype]float64{tensor.Float64: 1e-14, tensor.Float32: 1e-6}[dt]
		out, grads, err := graphtest.Run(dt, []graphtest.Matrix{x, c}, w, func(in []*G.Node) (*G.Node, error) {
			var b gx.B
			y, s := b.ScaleGrad(in[0])
			out := b.Sum(b.Mul(y, in[1]), 1)
			if b.Err != nil {
				return nil, b.Err
			}
			return out, s.Set(b.StopGradient(b.Sum(b.Square(y), 1)))
		})
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		for r := range 4 {
			var want, scale float64
			for j := range 3 {
				v := x.Data[r*3+j]
				want += c.Data[r*3+j] * v
				scale += v * v
			}
			if !scalar.EqualWithinAbsOrRel(out[r], want, tol, tol) {
				t.Errorf("%v: row %d = %.10g, want %.10g", dt, r, out[r], want)
			}
			for j := range 3 {
				if got, d := grads[0][r*3+j], w[r]*c.Data[r*3+j]*scale; !scalar.EqualWithinAbsOrRel(got, d, 4*tol, 4*tol) {
					t.Errorf("%v: d/dx[%d,%d] = %.10g, want %.10g", dt, r, j, got, d)
				}
			}
		}
	}
}

// TestScaleGradErrors checks that an unset scale fails at G.Grad, and that
// Set refuses a scale of the wrong shape or dtype, or a second scale.
func TestScaleGradErrors(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 2), G.WithName("x"), G.WithValue(tensor.New(tensor.WithShape(3, 2), tensor.WithBacking(make([]float64, 6)))))
	var b gx.B
	y, s := b.ScaleGrad(x)
	cost := b.Sum(y)
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	if _, err := G.Grad(cost, x); err == nil || !strings.Contains(err.Error(), "Set") {
		t.Errorf("G.Grad of an unset ScaleGrad: error %v, want one that says to call Set", err)
	}
	for _, bad := range []*G.Node{
		G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("s2")),
		G.NewVector(g, tensor.Float32, G.WithShape(3), G.WithName("s32")),
		G.NewMatrix(g, tensor.Float64, G.WithShape(3, 1), G.WithName("s31")),
		nil,
	} {
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%v) accepted a bad scale for x %v", bad, x.Shape())
		}
	}
	if err := s.Set(G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("s"))); err != nil {
		t.Errorf("Set of a good scale: %v", err)
	}
	if err := s.Set(G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("again"))); err == nil {
		t.Error("Set accepted a second scale")
	}
	var c gx.B
	if y, _ := c.ScaleGrad(G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("v"))); y != nil || c.Err == nil {
		t.Error("ScaleGrad accepted a vector")
	}
}

// TestSecondGradReusesTheFirst pins a Gorgonia v0.9.18 trap that shapes the
// estimators of package elbo: a second G.Grad on a graph reuses, at every
// node the first differentiated, the first cost's derivative. With h = ab,
// l1 = 3h and l2 = 7h + b², the second call returns dl2/da = 3b (l1's
// gradient) instead of 7b, silently. Two surrogate losses in one graph,
// each differentiated for its own parameters, are therefore wrong; one
// surrogate built with StopGradient and ScaleGrad is differentiated once.
func TestSecondGradReusesTheFirst(t *testing.T) {
	g := G.NewGraph()
	a := G.NewScalar(g, tensor.Float64, G.WithName("a"), G.WithValue(2.0))
	bv := G.NewScalar(g, tensor.Float64, G.WithName("b"), G.WithValue(5.0))
	var b gx.B
	h := b.Mul(a, bv)
	l1 := b.Scale(3, h)
	l2 := b.Add(b.Scale(7, h), b.Square(bv))
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	g1, err := G.Grad(l1, a)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := G.Grad(l2, a)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	d1, d2 := g1[0].Value().Data().(float64), g2[0].Value().Data().(float64)
	if d1 != 15 {
		t.Errorf("dl1/da = %v, want 15", d1)
	}
	if d2 != 15 {
		t.Errorf("dl2/da from a second G.Grad = %v: Gorgonia no longer reuses the first derivative (the true value is 35); revisit the single-surrogate design of package elbo", d2)
	}
}
