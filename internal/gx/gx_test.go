package gx_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/gx"
)

// TestLogSumExp checks value and gradient (the softmax along the axis) of
// the hand-written log-sum-exp on both axes, for inputs near 1000, -1000 and
// with tied maxima, in float64 and float32.
func TestLogSumExp(t *testing.T) {
	a := graphtest.Matrix{Rows: 3, Cols: 4, Data: []float64{
		1000, 999, 1000, 998, // tied maxima near 1000
		-1000, -1001, -1003, -1000.5,
		0.1, -2, 3, 0.5,
	}}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := map[tensor.Dtype]float64{tensor.Float64: 1e-12, tensor.Float32: 1e-5}[dt]
		for axis := range 2 {
			var lines [][]float64 // the slices reduced over
			if axis == 1 {
				for i := range a.Rows {
					lines = append(lines, a.Row(i))
				}
			} else {
				for j := range a.Cols {
					col := make([]float64, a.Rows)
					for i := range col {
						col[i] = a.Data[i*a.Cols+j]
					}
					lines = append(lines, col)
				}
			}
			w := make([]float64, len(lines))
			for i := range w {
				w[i] = float64(i + 1)
			}
			out, grads, err := graphtest.Run(dt, []graphtest.Matrix{a}, w, func(in []*G.Node) (*G.Node, error) {
				var b gx.B
				r := b.LogSumExp(in[0], axis)
				return r, b.Err
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range lines {
				if want := floats.LogSumExp(line); !scalar.EqualWithinAbsOrRel(out[i], want, tol, tol) {
					t.Errorf("%v axis %d line %d: %.12g, want %.12g", dt, axis, i, out[i], want)
				}
			}
			// d/da_ij of Σ_i w_i·lse_i is w_i·softmax_i(a)_j.
			for i := range a.Rows {
				for j := range a.Cols {
					line, pos := i, j
					if axis == 0 {
						line, pos = j, i
					}
					want := w[line] * math.Exp(lines[line][pos]-floats.LogSumExp(lines[line]))
					if got := grads[0][i*a.Cols+j]; !scalar.EqualWithinAbsOrRel(got, want, tol, tol) {
						t.Errorf("%v axis %d gradient (%d,%d): %.12g, want %.12g", dt, axis, i, j, got, want)
					}
				}
			}
		}
	}
}

// TestStickyError checks that the first error is kept and later calls are
// no-ops that return nil.
func TestStickyError(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(2, 3), G.WithName("x"))
	y := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 3), G.WithName("y"))
	var b gx.B
	if r := b.Add(x, y); r != nil || b.Err == nil {
		t.Fatalf("adding (2,3) to (3,3): node %v, error %v", r, b.Err)
	}
	first := b.Err
	if r := b.Exp(x); r != nil || b.Err != first {
		t.Errorf("after an error: node %v, error %v (want the first, %v)", r, b.Err, first)
	}
	var c gx.B
	if c.LogSumExp(x, 2); c.Err == nil {
		t.Error("LogSumExp accepted axis 2 of a matrix")
	}
}
