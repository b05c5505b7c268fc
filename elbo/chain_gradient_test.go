package elbo_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
)

// A two-layer Bernoulli VAE with linear networks, for gradient checks: x
// (B, dx); q(h1|x) = N(mean1, e^logVar1) (B, d1) with noise ε1 (S·B, d1);
// p(x|h1) with logits h1·Wx; q(h2|h1) = N(h1·Cq, e^(h1·Vq)) with noise ε2
// (S·B, d2); p(h1|h2) = N(h2·Ap, e^(h2·Vp)); p(h2) = N(0, I).
const (
	cB, cDx, cD1, cD2, cS = 2, 3, 2, 3, 3
)

// chainSample is what the twin computes for one sample of one example.
type chainSample struct {
	logLik, logP, logQ float64 // log p(x|h1); log p(h1|h2) + log p(h2); log q(h1|x) + log q(h2|h1)
	chainKL            float64 // log q(h1|x) − log p(h1|h2)
	topKL, topEntropy  float64 // KL(q(h2|h1) || N(0, I)) and H[q(h2|h1)] in closed form
}

// chainForms are the bounds of one example from its samples, and the
// entropy of q(h1|x) in closed form.
var chainForms = []struct {
	name    string
	builder func(elbo.Input) (elbo.Terms, error)
	twin    func(s []chainSample, h1Entropy float64) float64
}{
	{"ReconKL", elbo.ReconKL, func(s []chainSample, _ float64) float64 {
		return mean(s, func(c chainSample) float64 { return c.logLik - c.chainKL - c.topKL })
	}},
	{"JointEntropy", elbo.JointEntropy, func(s []chainSample, h1 float64) float64 {
		return mean(s, func(c chainSample) float64 { return c.logLik + c.logP + c.topEntropy }) + h1
	}},
	{"MonteCarlo", elbo.MonteCarlo, func(s []chainSample, _ float64) float64 {
		return mean(s, func(c chainSample) float64 { return c.logLik + c.logP - c.logQ })
	}},
	{"ImportanceWeighted", elbo.ImportanceWeighted, func(s []chainSample, _ float64) float64 {
		w := make([]float64, len(s))
		for i, c := range s {
			w[i] = c.logLik + c.logP - c.logQ
		}
		return floats.LogSumExp(w) - math.Log(float64(len(w)))
	}},
}

func mean(s []chainSample, f func(chainSample) float64) float64 {
	var t float64
	for _, c := range s {
		t += f(c)
	}
	return t / float64(len(s))
}

// matVec returns v·W for a row vector v and W (len(v), cols) row-major.
func matVec(v, w []float64, cols int) []float64 {
	out := make([]float64, cols)
	for i, vi := range v {
		for j := range cols {
			out[j] += vi * w[i*cols+j]
		}
	}
	return out
}

// chainTwin is Σ_b w_b·bound_b of the two-layer model in plain Go, from the
// flattened inputs.
func chainTwin(twin func([]chainSample, float64) float64, w []float64) func(flat []float64) float64 {
	sizes := []int{cB * cDx, cB * cD1, cB * cD1, cS * cB * cD1, cD1 * cDx, cD1 * cD2, cD1 * cD2, cS * cB * cD2, cD2 * cD1, cD2 * cD1}
	return func(flat []float64) float64 {
		in := make([][]float64, len(sizes))
		for i, n := range sizes {
			in[i], flat = flat[:n], flat[n:]
		}
		x, m1, lv1, e1, wx, cq, vq, e2, ap, vp := in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], in[9]
		var total float64
		for b := range cB {
			mb, lb := m1[b*cD1:(b+1)*cD1], lv1[b*cD1:(b+1)*cD1]
			s := make([]chainSample, cS)
			for l := range cS {
				r := l*cB + b
				h1 := make([]float64, cD1)
				for d := range h1 {
					h1[d] = mb[d] + math.Exp(lb[d]/2)*e1[r*cD1+d]
				}
				q2m, q2lv := matVec(h1, cq, cD2), matVec(h1, vq, cD2)
				h2 := make([]float64, cD2)
				for d := range h2 {
					h2[d] = q2m[d] + math.Exp(q2lv[d]/2)*e2[r*cD2+d]
				}
				p1m, p1lv := matVec(h2, ap, cD1), matVec(h2, vp, cD1)
				lq1, lp1 := dist.LogProbNormal(h1, mb, lb), dist.LogProbNormal(h1, p1m, p1lv)
				s[l] = chainSample{
					logLik:     dist.LogProbBernoulli(x[b*cDx:(b+1)*cDx], matVec(h1, wx, cDx)),
					logP:       lp1 + dist.LogProbStdNormal(h2),
					logQ:       lq1 + dist.LogProbNormal(h2, q2m, q2lv),
					chainKL:    lq1 - lp1,
					topKL:      dist.KLStdNormal(q2m, q2lv),
					topEntropy: dist.EntropyNormal(q2lv),
				}
			}
			total += w[b] * twin(s, dist.EntropyNormal(lb))
		}
		return total
	}
}

func chainGradientInputs(rng *rand.Rand) []graphtest.Matrix {
	x := graphtest.RandMatrix(rng, cB, cDx, 0, 1)
	for i := range x.Data {
		x.Data[i] = math.Round(x.Data[i])
	}
	return []graphtest.Matrix{
		x,
		graphtest.RandMatrix(rng, cB, cD1, -1, 1),
		graphtest.RandMatrix(rng, cB, cD1, -1.5, 0.5),
		graphtest.RandMatrix(rng, cS*cB, cD1, -2, 2),
		graphtest.RandMatrix(rng, cD1, cDx, -2, 2),
		graphtest.RandMatrix(rng, cD1, cD2, -1, 1),
		graphtest.RandMatrix(rng, cD1, cD2, -0.5, 0.5),
		graphtest.RandMatrix(rng, cS*cB, cD2, -2, 2),
		graphtest.RandMatrix(rng, cD2, cD1, -1, 1),
		graphtest.RandMatrix(rng, cD2, cD1, -0.5, 0.5),
	}
}

// chainInput wires the leaves of chainGradientInputs into an Input with
// one layer above the first.
func chainInput(in []*G.Node) elbo.Input {
	linear := func(h, wMean, wLogVar *G.Node) (dist.Normal, error) {
		m, err := G.Mul(h, wMean)
		if err != nil {
			return dist.Normal{}, err
		}
		lv, err := G.Mul(h, wLogVar)
		return dist.Normal{Mean: m, LogVar: lv}, err
	}
	return elbo.Input{
		X:   in[0],
		Q:   dist.Normal{Mean: in[1], LogVar: in[2]},
		Eps: in[3],
		Decode: func(h1 *G.Node) (dist.LogProber, error) {
			logits, err := G.Mul(h1, in[4])
			return dist.Bernoulli{Logits: logits}, err
		},
		Upper: []elbo.Layer{{
			Infer:    func(h1 *G.Node) (dist.Normal, error) { return linear(h1, in[5], in[6]) },
			Generate: func(h2 *G.Node) (dist.Normal, error) { return linear(h2, in[8], in[9]) },
			Eps:      in[7],
		}},
	}
}

// TestChainBoundsAgainstTwinsAndFiniteDifferences checks each bound of the
// two-layer model against a plain-Go twin, and its gradient with respect to
// every input (x, both layers' noise, and the weights of all four networks)
// against central finite differences of the twin: float64 tight, float32
// loose.
func TestChainBoundsAgainstTwinsAndFiniteDifferences(t *testing.T) {
	tols := map[tensor.Dtype]struct{ value, grad float64 }{
		tensor.Float64: {1e-11, 1e-6},
		tensor.Float32: {2e-5, 3e-3},
	}
	for _, f := range chainForms {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			t.Run(f.name+"/"+dt.String(), func(t *testing.T) {
				checkAgainstTwin(t, dt, chainGradientInputs(rand.New(rand.NewPCG(51, 52))), cB, tols[dt],
					func(in []*G.Node) (*G.Node, error) {
						terms, err := f.builder(chainInput(in))
						return terms.Bound, err
					},
					func(w []float64) func([]float64) float64 { return chainTwin(f.twin, w) })
			})
		}
	}
}

// TestChainInputErrors checks that a layer with a missing network, or
// networks of the wrong shape, is reported as an error naming the layer.
func TestChainInputErrors(t *testing.T) {
	ins := chainGradientInputs(rand.New(rand.NewPCG(53, 54)))
	for _, c := range []struct {
		name  string
		spoil func(in *elbo.Input)
	}{
		{"no Generate", func(in *elbo.Input) { in.Upper[0].Generate = nil }},
		{"noise of the wrong width", func(in *elbo.Input) { in.Upper[0].Eps = in.Eps }},
		{"p of the wrong width", func(in *elbo.Input) {
			in.Upper[0].Generate = func(h2 *G.Node) (dist.Normal, error) { return dist.Normal{Mean: h2, LogVar: h2}, nil }
		}},
	} {
		_, _, err := graphtest.Run(tensor.Float64, ins, []float64{1, 1}, func(nodes []*G.Node) (*G.Node, error) {
			in := chainInput(nodes)
			c.spoil(&in)
			terms, err := elbo.MonteCarlo(in)
			return terms.Bound, err
		})
		if err == nil {
			t.Errorf("%s: no error", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
}

// TestChainBetaWeightsTheRegulariser feeds β = 0.25 to the two-layer
// bounds: Bound = Recon − β·KL for (2.24), (2.23) and (2.19), and the
// importance-weighted bound is log-mean-exp of log p(x|h1) + β·(log p(h) −
// log q(h|x)), checked against the twin.
func TestChainBetaWeightsTheRegulariser(t *testing.T) {
	const beta = 0.25
	ins := chainGradientInputs(rand.New(rand.NewPCG(55, 56)))
	for _, f := range chainForms {
		g := G.NewGraph()
		nodes := make([]*G.Node, len(ins))
		for i, m := range ins {
			nodes[i] = G.NewMatrix(g, tensor.Float64, G.WithShape(m.Rows, m.Cols), G.WithName(fmt.Sprintf("in%d", i)), G.WithValue(graphtest.Dense(tensor.Float64, []int{m.Rows, m.Cols}, m.Data)))
		}
		in := chainInput(nodes)
		in.Beta = G.NewScalar(g, tensor.Float64, G.WithName("beta"), G.WithValue(beta))
		terms, err := f.builder(in)
		if err != nil {
			t.Fatal(err)
		}
		var bound, recon, kl G.Value
		G.Read(terms.Bound, &bound)
		G.Read(terms.Recon, &recon)
		G.Read(terms.KL, &kl)
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		vm.Close()
		bs, rs, ks := graphtest.Floats(bound.Data()), graphtest.Floats(recon.Data()), graphtest.Floats(kl.Data())
		var flat []float64
		for _, m := range ins {
			flat = append(flat, m.Data...)
		}
		for b := range bs {
			want := rs[b] - beta*ks[b]
			if f.name == "ImportanceWeighted" {
				unit := make([]float64, cB)
				unit[b] = 1
				want = chainTwin(func(s []chainSample, _ float64) float64 {
					w := make([]float64, len(s))
					for i, c := range s {
						w[i] = c.logLik + beta*(c.logP-c.logQ)
					}
					return floats.LogSumExp(w) - math.Log(float64(len(w)))
				}, unit)(flat)
			}
			if !scalar.EqualWithinAbs(bs[b], want, 1e-10) {
				t.Errorf("%s example %d: bound %.12g, want %.12g", f.name, b, bs[b], want)
			}
		}
	}
}
