package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
)

// boundCases are the pairs of objective and estimator a trainer takes,
// with K = 2 samples per bound (and M = 2 groups where there are groups).
func boundCases() []Config {
	var out []Config
	for _, obj := range []Objective{ELBO, ELBOEntropy, IWAE, MIWAE, CIWAE, PIWAE} {
		for _, est := range []elbo.Estimator{elbo.Reparam, elbo.STL, elbo.DReG, elbo.Score} {
			c := Config{Objective: obj, Estimator: est, Samples: 2}
			switch obj {
			case MIWAE, PIWAE:
				c.Groups = 2
			case CIWAE:
				c.CIWAEBeta = 0.3
			}
			if elbo.Check(c.Bound(), est) == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// TestTrainerFollowsBuild checks that the gradients the trainer's graph
// hands the optimiser are those of −mean(Target) of elbo.Build's surrogate
// on the same networks, data, noise and β, differentiated separately on
// Gorgonia's tape; and that every estimator gives the decoder reparam's
// gradient (the closed forms of the ELBO differ from the sampled one in
// the KL only, which has no decoder parameter) and the encoder another.
func TestTrainerFollowsBuild(t *testing.T) {
	const n = 4
	for _, beta := range []float64{1, 0.7} {
		reparam := map[Objective][][]float64{}
		for _, c := range boundCases() {
			name := fmt.Sprintf("%v/%v/beta=%v", c.Objective, c.Estimator, beta)
			t.Run(name, func(t *testing.T) {
				m, err := NewMLP(Arch{Input: 6, Hidden: []int{5}, Latent: 3, Activation: Tanh, Dtype: "float64", Seed: 4})
				if err != nil {
					t.Fatal(err)
				}
				bg, err := buildGraph(m, c.Bound(), c.Estimator, n, c.draws(), true, beta != 1)
				if err != nil {
					t.Fatal(err)
				}
				defer bg.close()
				if !bg.vm.Direct() {
					t.Errorf("the graph runs on Gorgonia's tape, not on gx.Machine's own buffers: an operation of the estimator is not known to be rerunnable")
				}
				rng := rand.New(rand.NewPCG(5, 6))
				xs, eps := bg.xT.Data().([]float64), bg.epsT.Data().([]float64)
				for i := range xs {
					xs[i] = float64(rng.IntN(2))
				}
				for i := range eps {
					eps[i] = rng.NormFloat64()
				}
				if bg.betaT != nil {
					setScalar(bg.betaT, beta)
				}
				if err := bg.run(); err != nil {
					t.Fatal(err)
				}
				var got [][]float64
				for _, g := range bg.gradients() {
					got = append(got, append([]float64(nil), g.Data().([]float64)...))
				}
				want := buildGradients(t, m, c, bg.xT, bg.epsT, beta)
				if len(got) != len(want) {
					t.Fatalf("%d gradients from the trainer, %d from Build", len(got), len(want))
				}
				names := m.Params.Snapshot().Names
				for i := range want {
					for j := range want[i] {
						if !scalar.EqualWithinAbsOrRel(got[i][j], want[i][j], 1e-12, 1e-12) {
							t.Fatalf("%s[%d]: trainer %.15g, Build %.15g", names[i], j, got[i][j], want[i][j])
						}
					}
				}
				if c.Estimator == elbo.Reparam {
					reparam[c.Objective] = got
					return
				}
				ref := reparam[c.Objective]
				if ref == nil {
					t.Fatalf("no reparam run of %v to compare with", c.Objective)
				}
				encoderMoved := false
				for i, name := range names {
					for j := range got[i] {
						d := math.Abs(got[i][j] - ref[i][j])
						if strings.HasPrefix(name, "decoder.") && d > 1e-10*(1+math.Abs(ref[i][j])) {
							t.Fatalf("%s[%d]: %v gives the decoder %.12g, reparam %.12g", name, j, c.Estimator, got[i][j], ref[i][j])
						}
						if strings.HasPrefix(name, "encoder.") && d > 1e-6 {
							encoderMoved = true
						}
					}
				}
				if !encoderMoved {
					t.Errorf("%v gives the encoder reparam's gradient: the estimator is not wired in", c.Estimator)
				}
			})
		}
	}
}

// buildGradients differentiates −mean(Target) of elbo.Build's surrogate
// for c on m's networks, on a graph of its own run on Gorgonia's tape, and
// returns the parameters' gradients in the order of m.Params.
func buildGradients(t *testing.T, m *Model, c Config, x, eps *tensor.Dense, beta float64) [][]float64 {
	t.Helper()
	g := G.NewGraph()
	defer m.Params.forget(g)
	xn := G.NewMatrix(g, tensor.Float64, G.WithShape(x.Shape()...), G.WithName("x"), G.WithValue(x.Clone()))
	en := G.NewMatrix(g, tensor.Float64, G.WithShape(eps.Shape()...), G.WithName("eps"), G.WithValue(eps.Clone()))
	q, err := m.Encoder.Encode(m.Params, xn)
	if err != nil {
		t.Fatal(err)
	}
	in := elbo.Input{X: xn, Q: q, Eps: en, Decode: func(z *G.Node) (dist.LogProber, error) { return m.Decoder.Decode(m.Params, z) }}
	if beta != 1 {
		in.Beta = G.NewScalar(g, tensor.Float64, G.WithName("beta"), G.WithValue(beta))
	}
	sur, err := elbo.Build(c.Bound(), c.Estimator, in)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Neg(G.Must(G.Mean(sur.Target))))
	params := m.Params.Nodes(g)
	grads, err := G.Grad(loss, params...)
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]G.Value, len(grads))
	var roots G.Nodes
	for i, gr := range grads {
		roots = append(roots, G.Read(gr, &vals[i]))
	}
	vm := G.NewTapeMachine(g.ExactSubgraphRoots(roots...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(vals))
	for i, v := range vals {
		out[i] = append([]float64(nil), v.Data().([]float64)...)
	}
	return out
}

// BoundCases are boundCases, for the package's external tests.
var BoundCases = boundCases
