package elbo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
)

// A small Bernoulli VAE with a linear decoder, logits = z·Wᵀ, for gradient
// checks: inputs are x (B, dx), q's mean and log-variance (B, dz), the noise
// (L·B, dz) and Wᵀ (dz, dx).
const (
	gB, gDx, gDz, gL = 2, 3, 2, 3
)

type form struct {
	name    string
	builder func(elbo.Input) (elbo.Terms, error)
	// twin computes the bound of one example from its per-sample log p(x|z),
	// log p(z), log q(z|x), and q's parameters.
	twin func(logLik, logPz, logQ []float64, mean, logVar []float64) float64
}

func meanOf(v []float64) float64 { return floats.Sum(v) / float64(len(v)) }

var forms = []form{
	{"ReconKL", elbo.ReconKL, func(ll, _, _ []float64, mean, logVar []float64) float64 {
		return meanOf(ll) - dist.KLStdNormal(mean, logVar)
	}},
	{"JointEntropy", elbo.JointEntropy, func(ll, lp, _ []float64, _, logVar []float64) float64 {
		return meanOf(ll) + meanOf(lp) + dist.EntropyNormal(logVar)
	}},
	{"MonteCarlo", elbo.MonteCarlo, func(ll, lp, lq []float64, _, _ []float64) float64 {
		return meanOf(ll) + meanOf(lp) - meanOf(lq)
	}},
	{"ImportanceWeighted", elbo.ImportanceWeighted, func(ll, lp, lq []float64, _, _ []float64) float64 {
		w := make([]float64, len(ll))
		for i := range w {
			w[i] = ll[i] + lp[i] - lq[i]
		}
		return floats.LogSumExp(w) - math.Log(float64(len(w)))
	}},
}

// twinTotal is Σ_b w_b·bound_b computed in plain Go from the flattened inputs.
func twinTotal(f form, w []float64) func(flat []float64) float64 {
	return func(flat []float64) float64 {
		x, rest := flat[:gB*gDx], flat[gB*gDx:]
		mean, rest := rest[:gB*gDz], rest[gB*gDz:]
		logVar, rest := rest[:gB*gDz], rest[gB*gDz:]
		eps, wT := rest[:gL*gB*gDz], rest[gL*gB*gDz:]
		var total float64
		for b := range gB {
			mb, lb := mean[b*gDz:(b+1)*gDz], logVar[b*gDz:(b+1)*gDz]
			ll, lp, lq := make([]float64, gL), make([]float64, gL), make([]float64, gL)
			for l := range gL {
				e := eps[(l*gB+b)*gDz : (l*gB+b+1)*gDz]
				z := make([]float64, gDz)
				for d := range z {
					z[d] = mb[d] + math.Exp(lb[d]/2)*e[d]
				}
				logits := make([]float64, gDx)
				for i := range logits {
					for d := range z {
						logits[i] += z[d] * wT[d*gDx+i]
					}
				}
				ll[l] = dist.LogProbBernoulli(x[b*gDx:(b+1)*gDx], logits)
				lp[l] = dist.LogProbStdNormal(z)
				lq[l] = dist.LogProbNormal(z, mb, lb)
			}
			total += w[b] * f.twin(ll, lp, lq, mb, lb)
		}
		return total
	}
}

func gradientInputs(rng *rand.Rand) []graphtest.Matrix {
	x := graphtest.RandMatrix(rng, gB, gDx, 0, 1)
	for i := range x.Data {
		x.Data[i] = math.Round(x.Data[i])
	}
	return []graphtest.Matrix{
		x,
		graphtest.RandMatrix(rng, gB, gDz, -1, 1),
		graphtest.RandMatrix(rng, gB, gDz, -1.5, 0.5),
		graphtest.RandMatrix(rng, gL*gB, gDz, -2, 2),
		graphtest.RandMatrix(rng, gDz, gDx, -2, 2),
	}
}

func bernoulliInput(in []*G.Node) elbo.Input {
	return elbo.Input{
		X:   in[0],
		Q:   dist.Normal{Mean: in[1], LogVar: in[2]},
		Eps: in[3],
		Decode: func(z *G.Node) (dist.LogProber, error) {
			logits, err := G.Mul(z, in[4])
			return dist.Bernoulli{Logits: logits}, err
		},
	}
}

// TestBoundsAgainstTwinsAndFiniteDifferences checks each bound's value
// against a plain-Go twin and its gradient, with respect to x, q's
// parameters, the noise and the decoder's weights, against central finite
// differences of the twin: float64 tight, float32 loose.
func TestBoundsAgainstTwinsAndFiniteDifferences(t *testing.T) {
	tols := map[tensor.Dtype]struct{ value, grad float64 }{
		tensor.Float64: {1e-11, 1e-6},
		tensor.Float32: {1e-5, 2e-3},
	}
	for _, f := range forms {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(f.name+"/"+dt.String(), func(t *testing.T) {
				checkAgainstTwin(t, dt, gradientInputs(rand.New(rand.NewPCG(21, 22))), gB, tols[dt],
					func(in []*G.Node) (*G.Node, error) {
						terms, err := f.builder(bernoulliInput(in))
						return terms.Bound, err
					},
					func(w []float64) func([]float64) float64 { return twinTotal(f, w) })
			})
		}
	}
}

// checkAgainstTwin runs build on ins in dt, the output of each of the
// batch examples weighted by w = (1, -1.7, …), and checks each example's
// value against twin (twin(w) is the plain-Go total Σ_b w_b·bound_b as a
// function of the flattened inputs) and the gradient of every input
// against central finite differences of twin(w).
func checkAgainstTwin(t *testing.T, dt tensor.Dtype, ins []graphtest.Matrix, batch int, tol struct{ value, grad float64 },
	build func([]*G.Node) (*G.Node, error), twin func(w []float64) func([]float64) float64) {
	t.Helper()
	w := []float64{1, -1.7}
	out, grads, err := graphtest.Run(dt, ins, w, build)
	if err != nil {
		t.Fatal(err)
	}
	var flat []float64
	for _, m := range ins {
		flat = append(flat, m.Data...)
	}
	for b := range batch {
		unit := make([]float64, batch)
		unit[b] = 1
		if want := twin(unit)(flat); !scalar.EqualWithinAbsOrRel(out[b], want, tol.value, tol.value) {
			t.Errorf("example %d: graph %.12g, twin %.12g", b, out[b], want)
		}
	}
	want := fd.Gradient(nil, twin(w), flat, &fd.Settings{Formula: fd.Central})
	off := 0
	for i, g := range grads {
		for j, got := range g {
			if !scalar.EqualWithinAbsOrRel(got, want[off+j], tol.grad, tol.grad) {
				t.Errorf("d/d input %d [%d]: graph %.8g, finite difference %.8g", i, j, got, want[off+j])
			}
		}
		off += len(g)
	}
}

// TestBoundsStableAtExtremes drives the bounds with decoder logits of about
// ±1000 and log-variances of ±50, and asks for finite values and gradients.
func TestBoundsStableAtExtremes(t *testing.T) {
	for _, logVar := range []float64{-50, 50} {
		for _, f := range forms {
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				ins := gradientInputs(rand.New(rand.NewPCG(23, 24)))
				for i := range ins[2].Data {
					ins[2].Data[i] = logVar
				}
				// Scale the weights so that logits reach about ±1000.
				for i := range ins[4].Data {
					ins[4].Data[i] *= 1000 * math.Exp(-logVar/2) / (1 + math.Exp(-logVar/2))
				}
				out, grads, err := graphtest.Run(dt, ins, []float64{1, 1}, func(in []*G.Node) (*G.Node, error) {
					terms, err := f.builder(bernoulliInput(in))
					return terms.Bound, err
				})
				if err != nil {
					t.Fatal(err)
				}
				if !graphtest.AllFinite(out) {
					t.Errorf("%s %v log-variance %v: bound not finite: %v", f.name, dt, logVar, out)
				}
				for i, g := range grads {
					if !graphtest.AllFinite(g) {
						t.Errorf("%s %v log-variance %v: gradient of input %d not finite", f.name, dt, logVar, i)
					}
				}
			}
		}
	}
}
