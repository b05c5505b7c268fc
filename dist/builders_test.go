package dist_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
)

// builderCase is one graph builder with its plain-Go twin: the twin computes
// the builder's output for one example from the rows of its inputs.
type builderCase struct {
	name   string
	inputs func(rng *rand.Rand, batch, dim int) []matrix
	build  func(in []*G.Node) (*G.Node, error)
	twin   func(rows [][]float64) float64
}

const (
	batch = 3
	dim   = 4
)

func gaussianInputs(n int) func(rng *rand.Rand, batch, dim int) []matrix {
	return func(rng *rand.Rand, batch, dim int) []matrix {
		ms := make([]matrix, n)
		for i := range ms {
			ms[i] = randMatrix(rng, batch, dim, -2, 2)
		}
		return ms
	}
}

func sumRows(n *G.Node, err error) (*G.Node, error) {
	if err != nil {
		return nil, err
	}
	return G.Sum(n, 1)
}

var builderCases = []builderCase{
	{
		name:   "Normal.LogProb",
		inputs: gaussianInputs(3),
		build: func(in []*G.Node) (*G.Node, error) {
			return dist.Normal{Mean: in[1], LogVar: in[2]}.LogProb(in[0])
		},
		twin: func(r [][]float64) float64 { return dist.LogProbNormal(r[0], r[1], r[2]) },
	},
	{
		name:   "Normal.Entropy",
		inputs: gaussianInputs(1),
		build:  func(in []*G.Node) (*G.Node, error) { return dist.Normal{Mean: in[0], LogVar: in[0]}.Entropy() },
		twin:   func(r [][]float64) float64 { return dist.EntropyNormal(r[0]) },
	},
	{
		name:   "Normal.Sample",
		inputs: gaussianInputs(3),
		build: func(in []*G.Node) (*G.Node, error) {
			return sumRows(dist.Normal{Mean: in[0], LogVar: in[1]}.Sample(in[2]))
		},
		twin: func(r [][]float64) float64 {
			var s float64
			for d := range r[0] {
				s += r[0][d] + math.Exp(r[1][d]/2)*r[2][d]
			}
			return s
		},
	},
	{
		name:   "KL",
		inputs: gaussianInputs(4),
		build: func(in []*G.Node) (*G.Node, error) {
			return dist.KL(dist.Normal{Mean: in[0], LogVar: in[1]}, dist.Normal{Mean: in[2], LogVar: in[3]})
		},
		twin: func(r [][]float64) float64 { return dist.KLNormal(r[0], r[1], r[2], r[3]) },
	},
	{
		name:   "StdNormal.KL",
		inputs: gaussianInputs(2),
		build: func(in []*G.Node) (*G.Node, error) {
			return dist.StdNormal{}.KL(dist.Normal{Mean: in[0], LogVar: in[1]})
		},
		twin: func(r [][]float64) float64 { return dist.KLStdNormal(r[0], r[1]) },
	},
	{
		name:   "StdNormal.LogProb",
		inputs: gaussianInputs(1),
		build:  func(in []*G.Node) (*G.Node, error) { return dist.StdNormal{}.LogProb(in[0]) },
		twin:   func(r [][]float64) float64 { return dist.LogProbStdNormal(r[0]) },
	},
	{
		name: "Bernoulli.LogProb",
		inputs: func(rng *rand.Rand, batch, dim int) []matrix {
			return []matrix{randMatrix(rng, batch, dim, 0, 1), randMatrix(rng, batch, dim, -5, 5)}
		},
		build: func(in []*G.Node) (*G.Node, error) { return dist.Bernoulli{Logits: in[1]}.LogProb(in[0]) },
		twin:  func(r [][]float64) float64 { return dist.LogProbBernoulli(r[0], r[1]) },
	},
	{
		name: "Bernoulli.Entropy",
		inputs: func(rng *rand.Rand, batch, dim int) []matrix {
			return []matrix{randMatrix(rng, batch, dim, -5, 5)}
		},
		build: func(in []*G.Node) (*G.Node, error) { return dist.Bernoulli{Logits: in[0]}.Entropy() },
		twin:  func(r [][]float64) float64 { return dist.EntropyBernoulli(r[0]) },
	},
	{
		name: "Bernoulli.Mean",
		inputs: func(rng *rand.Rand, batch, dim int) []matrix {
			return []matrix{randMatrix(rng, batch, dim, -5, 5)}
		},
		build: func(in []*G.Node) (*G.Node, error) { return sumRows(dist.Bernoulli{Logits: in[0]}.Mean()) },
		twin: func(r [][]float64) float64 {
			var s float64
			for _, l := range r[0] {
				s += dist.Sigmoid(l)
			}
			return s
		},
	},
}

// twinTotal is Σ_b w_b·twin(rows of example b), as a function of all inputs
// flattened one after another: the function whose gradient the graph computes.
func twinTotal(c builderCase, shapes []matrix, w []float64) func(flat []float64) float64 {
	return func(flat []float64) float64 {
		ins := make([]matrix, len(shapes))
		off := 0
		for i, s := range shapes {
			ins[i] = matrix{Rows: s.Rows, Cols: s.Cols, Data: flat[off : off+len(s.Data)]}
			off += len(s.Data)
		}
		var total float64
		for b := 0; b < shapes[0].Rows; b++ {
			rows := make([][]float64, len(ins))
			for i := range ins {
				rows[i] = ins[i].Row(b)
			}
			total += w[b] * c.twin(rows)
		}
		return total
	}
}

// TestBuildersAgainstTwinsAndFiniteDifferences checks every builder's value
// against its plain-Go twin and its gradient against central finite
// differences of the twin, in float64 (tight) and float32 (loose).
func TestBuildersAgainstTwinsAndFiniteDifferences(t *testing.T) {
	tols := map[tensor.Dtype]struct{ value, grad float64 }{
		tensor.Float64: {1e-12, 1e-6},
		tensor.Float32: {1e-5, 1e-3},
	}
	for _, c := range builderCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				ins := c.inputs(rng, batch, dim)
				w := []float64{1, -0.7, 2.3}
				out, grads := evalGraph(t, dt, ins, w, c.build)
				tol := tols[dt]
				for b := range batch {
					rows := make([][]float64, len(ins))
					for i := range ins {
						rows[i] = ins[i].Row(b)
					}
					if want := c.twin(rows); !scalar.EqualWithinAbsOrRel(out[b], want, tol.value, tol.value) {
						t.Errorf("example %d: graph %.15g, twin %.15g", b, out[b], want)
					}
				}
				var flat []float64
				for _, m := range ins {
					flat = append(flat, m.Data...)
				}
				want := fd.Gradient(nil, twinTotal(c, ins, w), flat, &fd.Settings{Formula: fd.Central})
				off := 0
				for i, g := range grads {
					for j, got := range g {
						if !scalar.EqualWithinAbsOrRel(got, want[off+j], tol.grad, tol.grad) {
							t.Errorf("d/d input %d [%d]: graph %.10g, finite difference %.10g", i, j, got, want[off+j])
						}
					}
					off += len(g)
				}
			})
		}
	}
}

// TestBuildersStableAtExtremes feeds logits of ±1000 and log-variances of
// ±50 (and means far from the data) and asks for finite values and gradients.
func TestBuildersStableAtExtremes(t *testing.T) {
	extreme := func(rng *rand.Rand, batch, dim int) []matrix {
		ms := make([]matrix, 4)
		for i := range ms {
			ms[i] = matrix{Rows: batch, Cols: dim, Data: make([]float64, batch*dim)}
			for j := range ms[i].Data {
				ms[i].Data[j] = []float64{-50, 50, -1000, 1000, 0, 1}[(i+j)%6]
			}
		}
		// Log-variances (inputs 1 and 3 of the Gaussian builders) stay within ±50.
		for _, i := range []int{1, 3} {
			for j, v := range ms[i].Data {
				ms[i].Data[j] = math.Max(-50, math.Min(50, v))
			}
		}
		return ms
	}
	bernoulliExtreme := func(rng *rand.Rand, batch, dim int) []matrix {
		x := matrix{Rows: batch, Cols: dim, Data: make([]float64, batch*dim)}
		l := matrix{Rows: batch, Cols: dim, Data: make([]float64, batch*dim)}
		for j := range l.Data {
			l.Data[j] = []float64{-1000, 1000, -1000, 1000, 0}[j%5]
			x.Data[j] = float64(j % 2)
		}
		return []matrix{x, l}
	}
	for _, c := range builderCases {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				n := len(c.inputs(rng, batch, dim))
				var ins []matrix
				if len(c.name) > 9 && c.name[:9] == "Bernoulli" {
					ins = bernoulliExtreme(rng, batch, dim)
					if n == 1 {
						ins = ins[1:]
					}
				} else {
					ins = extreme(rng, batch, dim)[:n]
					if c.name == "Normal.LogProb" {
						// x, mean, log-variance: keep the log-variance input in range.
						ins[2] = extreme(rng, batch, dim)[1]
					}
				}
				out, grads := evalGraph(t, dt, ins, []float64{1, 1, 1}, c.build)
				if !allFinite(out) {
					t.Errorf("values not finite: %v", out)
				}
				for i, g := range grads {
					if !allFinite(g) {
						t.Errorf("gradient of input %d not finite: %v", i, g)
					}
				}
			})
		}
	}
}
