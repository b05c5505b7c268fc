package dist_test

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/gx"
)

// TestBernoulliLogProbRepeated checks that scoring x repeated without the
// stacked copy gives the values and the gradients (for the logits and for
// x, which sums over the copies) of LogProb on gx.Tile(x, copies), in
// float64 and float32, for 1, 3 and 40 copies (40 copies of 30 rows pass
// the size from which rows are split over goroutines), with logits of ±40.
func TestBernoulliLogProbRepeated(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, copies := range []int{1, 3, 40} {
		n, d := 30, 37
		x := graphtest.RandMatrix(rng, n, d, 0, 1)
		l := graphtest.RandMatrix(rng, copies*n, d, -40, 40)
		w := make([]float64, copies*n)
		for i := range w {
			w[i] = float64(i%5) - 1.5
		}
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			tol := map[tensor.Dtype]float64{tensor.Float64: 1e-12, tensor.Float32: 1e-5}[dt]
			run := func(repeated bool) ([]float64, [][]float64) {
				out, grads, err := graphtest.Run(dt, []graphtest.Matrix{x, l}, w, func(in []*G.Node) (*G.Node, error) {
					b := dist.Bernoulli{Logits: in[1]}
					if repeated {
						return b.LogProbRepeated(in[0], copies)
					}
					var g gx.B
					tiled := g.Tile(in[0], copies)
					if g.Err != nil {
						return nil, g.Err
					}
					return b.LogProb(tiled)
				})
				if err != nil {
					t.Fatalf("%d copies, %v, repeated %v: %v", copies, dt, repeated, err)
				}
				return out, grads
			}
			got, gotGrads := run(true)
			want, wantGrads := run(false)
			for i := range want {
				if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
					t.Errorf("%d copies, %v: log p of row %d = %.10g, want %.10g", copies, dt, i, got[i], want[i])
				}
			}
			for k, name := range []string{"x", "logits"} {
				for i := range wantGrads[k] {
					if !scalar.EqualWithinAbsOrRel(gotGrads[k][i], wantGrads[k][i], tol, tol) {
						t.Fatalf("%d copies of %d columns, %v: gradient for %s[%d] = %.10g, want %.10g", copies, d, dt, name, i, gotGrads[k][i], wantGrads[k][i])
					}
				}
			}
		}
	}
}

// TestBernoulliLogProbRepeatedRejectsBadShapes checks the error for logits
// whose rows are not copies times those of x.
func TestBernoulliLogProbRepeatedRejectsBadShapes(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"))
	l := G.NewMatrix(g, tensor.Float64, G.WithShape(7, 4), G.WithName("l"))
	for _, copies := range []int{0, 2, 3} {
		if _, err := (dist.Bernoulli{Logits: l}).LogProbRepeated(x, copies); err == nil {
			t.Errorf("LogProbRepeated of x (3, 4) for logits (7, 4) with %d copies: no error", copies)
		}
	}
}

// TestNormalSampleRepeated checks SampleRepeated and LogProbOfSamples
// against Tile then Sample and LogProb: values and gradients for the mean,
// the log-variance and the noise, float64 and float32, for 1, 3 and 40
// copies (40 copies of 30 rows are split over goroutines), 37 and 150
// columns (σ is computed 64 columns at a time), with log-variances from −6
// to 6. The output is Σ_j c_rj·z_rj + log q(z_r), so that every element
// reaches the gradients with its own weight.
func TestNormalSampleRepeated(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, shape := range [][2]int{{1, 37}, {3, 37}, {40, 37}, {1, 150}, {40, 150}} {
		copies, n, d := shape[0], 30, shape[1]
		mu := graphtest.RandMatrix(rng, n, d, -2, 2)
		lv := graphtest.RandMatrix(rng, n, d, -6, 6)
		eps := graphtest.RandMatrix(rng, copies*n, d, -3, 3)
		c := graphtest.RandMatrix(rng, copies*n, d, -1, 1)
		w := make([]float64, copies*n)
		for i := range w {
			w[i] = float64(i%7) - 2.5
		}
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			tol := map[tensor.Dtype]float64{tensor.Float64: 1e-11, tensor.Float32: 2e-4}[dt]
			run := func(fused bool) ([]float64, [][]float64) {
				out, grads, err := graphtest.Run(dt, []graphtest.Matrix{mu, lv, eps, c}, w, func(in []*G.Node) (*G.Node, error) {
					q := dist.Normal{Mean: in[0], LogVar: in[1]}
					var z, logQ *G.Node
					var err error
					if fused {
						if z, err = q.SampleRepeated(in[2]); err != nil {
							return nil, err
						}
						logQ, err = q.LogProbOfSamples(in[2])
					} else {
						var tiled dist.Normal
						if tiled, err = q.Tile(copies); err != nil {
							return nil, err
						}
						if z, err = tiled.Sample(in[2]); err != nil {
							return nil, err
						}
						logQ, err = tiled.LogProb(z)
					}
					if err != nil {
						return nil, err
					}
					var b gx.B
					return b.Add(b.Sum(b.Mul(z, in[3]), 1), logQ), b.Err
				})
				if err != nil {
					t.Fatalf("%d copies of %d columns, %v, fused %v: %v", copies, d, dt, fused, err)
				}
				return out, grads
			}
			got, gotGrads := run(true)
			want, wantGrads := run(false)
			for i := range want {
				if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
					t.Fatalf("%d copies of %d columns, %v: row %d = %.10g, want %.10g", copies, d, dt, i, got[i], want[i])
				}
			}
			for k, name := range []string{"mean", "log-variance", "eps"} {
				for i := range wantGrads[k] {
					if !scalar.EqualWithinAbsOrRel(gotGrads[k][i], wantGrads[k][i], tol, tol) {
						t.Fatalf("%d copies of %d columns, %v: gradient for %s[%d] = %.10g, want %.10g", copies, d, dt, name, i, gotGrads[k][i], wantGrads[k][i])
					}
				}
			}
		}
	}
}
