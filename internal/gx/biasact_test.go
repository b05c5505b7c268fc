package gx_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/gx"
)

// TestBiasAct checks the value of act(x + bias) and the gradients with
// respect to x and the bias against closed forms in float64, for each
// activation and dtype, on a matrix large enough to be split over
// goroutines and on a small one, with pre-activations from −30 to 30 (tanh
// saturates, ReLU meets both sides). The output is Σ_j c_bj·y_bj per row,
// so that every element of y reaches the gradient with its own weight.
func TestBiasAct(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, shape := range [][2]int{{3, 5}, {96, 400}} {
		rows, cols := shape[0], shape[1]
		x := graphtest.RandMatrix(rng, rows, cols, -30, 30)
		for i := range x.Data {
			if i%3 == 0 {
				x.Data[i] /= 30 // many values near 0, where tanh is not saturated
			}
		}
		bias := graphtest.RandMatrix(rng, 1, cols, -1, 1)
		c := graphtest.RandMatrix(rng, rows, cols, -2, 2)
		w := make([]float64, rows)
		for i := range w {
			w[i] = float64(i%7 + 1)
		}
		for _, act := range []gx.Act{gx.Identity, gx.ReLU, gx.Tanh} {
			f, df := actFuncs(act)
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				tol := map[tensor.Dtype]float64{tensor.Float64: 1e-12, tensor.Float32: 2e-5}[dt]
				out, grads, err := graphtest.Run(dt, []graphtest.Matrix{x, bias, c}, w, func(in []*G.Node) (*G.Node, error) {
					var b gx.B
					y := b.BiasAct(in[0], b.Reshape(in[1], cols), act)
					return b.Sum(b.Mul(y, in[2]), 1), b.Err
				})
				if err != nil {
					t.Fatalf("%v %v %v: %v", shape, act, dt, err)
				}
				dBias := make([]float64, cols)
				bad := 0
				for r := range rows {
					want := 0.0
					for j := range cols {
						pre := x.Data[r*cols+j] + bias.Data[j]
						want += c.Data[r*cols+j] * f(pre)
						d := w[r] * c.Data[r*cols+j] * df(pre)
						dBias[j] += d
						if got := grads[0][r*cols+j]; !scalar.EqualWithinAbsOrRel(got, d, tol, tol) && bad < 5 {
							bad++
							t.Errorf("%v %v %v: d/dx[%d,%d] = %.10g, want %.10g", shape, act, dt, r, j, got, d)
						}
					}
					if !scalar.EqualWithinAbsOrRel(out[r], want, tol*float64(cols), tol) {
						t.Errorf("%v %v %v: row %d = %.10g, want %.10g", shape, act, dt, r, out[r], want)
					}
				}
				for j := range cols {
					if got := grads[1][j]; !scalar.EqualWithinAbsOrRel(got, dBias[j], tol*float64(rows), tol) && bad < 10 {
						bad++
						t.Errorf("%v %v %v: d/dbias[%d] = %.10g, want %.10g", shape, act, dt, j, got, dBias[j])
					}
				}
			}
		}
	}
}

// actFuncs returns an activation and its derivative in float64.
func actFuncs(act gx.Act) (f, df func(float64) float64) {
	switch act {
	case gx.ReLU:
		return func(v float64) float64 { return math.Max(v, 0) }, func(v float64) float64 {
			if v > 0 {
				return 1
			}
			return 0
		}
	case gx.Tanh:
		return math.Tanh, func(v float64) float64 { t := math.Tanh(v); return 1 - t*t }
	}
	return func(v float64) float64 { return v }, func(float64) float64 { return 1 }
}

// TestBiasActRejectsBadInput checks the errors for a bias of the wrong
// length and an unknown activation.
func TestBiasActRejectsBadInput(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("x"))
	for _, c := range []struct {
		bias *G.Node
		act  gx.Act
	}{
		{G.NewVector(g, tensor.Float64, G.WithShape(4), G.WithName("b4")), gx.ReLU},
		{G.NewVector(g, tensor.Float64, G.WithShape(3), G.WithName("b3")), gx.Act(7)},
	} {
		var b gx.B
		if y := b.BiasAct(x, c.bias, c.act); y != nil || b.Err == nil {
			t.Errorf("BiasAct(x %v, bias %v, %v) = %v, %v; want an error", x.Shape(), c.bias.Shape(), c.act, y, b.Err)
		}
	}
}
