package elbo_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
)

// surrogateRun is the Bound and the gradients of Σ_b Target_b with respect
// to q's mean and log-variance and the decoder's Wᵀ of the Bernoulli model
// of gradient_test.go, on fixed noise.
type surrogateRun struct {
	bound               []float64
	dMean, dLogVar, dWT []float64
}

func runSurrogate(t *testing.T, dt tensor.Dtype, ins []graphtest.Matrix, obj elbo.Objective, est elbo.Estimator) surrogateRun {
	t.Helper()
	return runSurrogateBeta(t, dt, ins, obj, est, 1)
}

// runSurrogateBeta is runSurrogate with the KL weight β fed as a node
// unless it is 1.
func runSurrogateBeta(t *testing.T, dt tensor.Dtype, ins []graphtest.Matrix, obj elbo.Objective, est elbo.Estimator, beta float64) surrogateRun {
	t.Helper()
	return runTarget(t, dt, ins, fmt.Sprintf("%v %v", obj, est), beta, func(in elbo.Input) (elbo.Surrogate, error) { return elbo.Build(obj, est, in) })
}

// runTarget is runSurrogateBeta for the surrogate that build makes.
func runTarget(t *testing.T, dt tensor.Dtype, ins []graphtest.Matrix, what string, beta float64, build func(elbo.Input) (elbo.Surrogate, error)) surrogateRun {
	t.Helper()
	g := G.NewGraph()
	nodes := make([]*G.Node, len(ins))
	for i, m := range ins {
		nodes[i] = G.NewMatrix(g, dt, G.WithShape(m.Rows, m.Cols), G.WithName(string(rune('a'+i))), G.WithValue(graphtest.Dense(dt, []int{m.Rows, m.Cols}, m.Data)))
	}
	in := bernoulliInput(nodes)
	if beta != 1 {
		in.Beta = G.NewScalar(g, dt, G.WithName("beta"), G.WithValue(graphtest.Dense(dt, nil, []float64{beta})))
	}
	sur, err := build(in)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	cost, err := G.Sum(sur.Target)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(cost, nodes[1], nodes[2], nodes[4])
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var bound G.Value
	vals := make([]G.Value, 3)
	roots := G.Nodes{G.Read(sur.Bound, &bound)}
	for i, gr := range grads {
		roots = append(roots, G.Read(gr, &vals[i]))
	}
	m := G.NewTapeMachine(g.ExactSubgraphRoots(roots...))
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return surrogateRun{graphtest.Floats(bound.Data()), graphtest.Floats(vals[0].Data()), graphtest.Floats(vals[1].Data()), graphtest.Floats(vals[2].Data())}
}

// sixSamples returns the Bernoulli model's inputs with L = 6 samples per
// example.
func sixSamples() []graphtest.Matrix {
	rng := rand.New(rand.NewPCG(61, 62))
	ins := gradientInputs(rng)
	ins[3] = graphtest.RandMatrix(rng, 6*gB, gDz, -2, 2)
	return ins
}

func near(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], tol, tol) {
			t.Errorf("%s [%d]: %.10g, want %.10g", what, i, got[i], want[i])
		}
	}
}

var dtypeTol = map[tensor.Dtype]float64{tensor.Float64: 1e-10, tensor.Float32: 2e-4}

// TestEstimatorsShareTheDecoderGradient checks on fixed noise, in float64
// and float32, that every estimator reports the same Bound as reparam and
// gives the decoder the same (standard) gradient, for ELBO, IWAE and
// MIWAE; and that with one sample per group DReG is STL (w̃ = 1).
func TestEstimatorsShareTheDecoderGradient(t *testing.T) {
	ins := sixSamples()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := dtypeTol[dt]
		for _, obj := range []elbo.Objective{elbo.ELBO{}, elbo.IWAE{}, elbo.MIWAE{Groups: 2}} {
			re := runSurrogate(t, dt, ins, obj, elbo.Reparam)
			for _, est := range []elbo.Estimator{elbo.STL, elbo.DReG, elbo.Score} {
				got := runSurrogate(t, dt, ins, obj, est)
				near(t, dt.String()+" "+obj.String()+" "+est.String()+" bound", got.bound, re.bound, tol)
				near(t, dt.String()+" "+obj.String()+" "+est.String()+" d/dWᵀ", got.dWT, re.dWT, tol)
			}
		}
		stl, dreg := runSurrogate(t, dt, ins, elbo.ELBO{}, elbo.STL), runSurrogate(t, dt, ins, elbo.ELBO{}, elbo.DReG)
		near(t, dt.String()+" ELBO DReG vs STL d/dmean", dreg.dMean, stl.dMean, tol)
		near(t, dt.String()+" ELBO DReG vs STL d/dlogvar", dreg.dLogVar, stl.dLogVar, tol)
	}
}

// TestPIWAEAndCIWAE checks on fixed noise, in float64 and float32, that
// PIWAE gives the encoder MIWAE's gradient and the decoder IWAE's (with all
// L samples), reporting IWAE's bound, and that CIWAE is β·ELBO +
// (1 − β)·IWAE in value and gradient.
func TestPIWAEAndCIWAE(t *testing.T) {
	ins := sixSamples()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := dtypeTol[dt]
		iwae, miwae := runSurrogate(t, dt, ins, elbo.IWAE{}, elbo.Reparam), runSurrogate(t, dt, ins, elbo.MIWAE{Groups: 2}, elbo.Reparam)
		p := runSurrogate(t, dt, ins, elbo.PIWAE{Groups: 2}, elbo.Reparam)
		near(t, dt.String()+" PIWAE bound", p.bound, iwae.bound, tol)
		near(t, dt.String()+" PIWAE d/dWᵀ", p.dWT, iwae.dWT, tol)
		near(t, dt.String()+" PIWAE d/dmean", p.dMean, miwae.dMean, tol)
		near(t, dt.String()+" PIWAE d/dlogvar", p.dLogVar, miwae.dLogVar, tol)

		el := runSurrogate(t, dt, ins, elbo.ELBO{}, elbo.Reparam)
		const beta = 0.3
		c := runSurrogate(t, dt, ins, elbo.CIWAE{Beta: beta}, elbo.Reparam)
		mix := func(a, b []float64) []float64 {
			out := make([]float64, len(a))
			for i := range a {
				out[i] = beta*a[i] + (1-beta)*b[i]
			}
			return out
		}
		near(t, dt.String()+" CIWAE bound", c.bound, mix(el.bound, iwae.bound), tol)
		near(t, dt.String()+" CIWAE d/dWᵀ", c.dWT, mix(el.dWT, iwae.dWT), tol)
		near(t, dt.String()+" CIWAE d/dmean", c.dMean, mix(el.dMean, iwae.dMean), tol)
		near(t, dt.String()+" CIWAE d/dlogvar", c.dLogVar, mix(el.dLogVar, iwae.dLogVar), tol)
	}
}

// TestClosedForms checks, in float64 and float32, that the ELBO in a
// closed form is, with reparam, the bound of ReconKL or JointEntropy,
// value and gradient, to the last bit; and that with the other estimators
// it reports that bound while its gradient is the sampled form's.
func TestClosedForms(t *testing.T) {
	ins := sixSamples()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, c := range []struct {
			form  elbo.Form
			bound func(elbo.Input) (elbo.Terms, error)
		}{{elbo.ClosedKL, elbo.ReconKL}, {elbo.ClosedEntropy, elbo.JointEntropy}} {
			obj := elbo.ELBO{Form: c.form}
			for _, beta := range []float64{1, 0.4} {
				want := runTarget(t, dt, ins, obj.String(), beta, func(in elbo.Input) (elbo.Surrogate, error) {
					terms, err := c.bound(in)
					return elbo.Surrogate{Terms: terms, Target: terms.Bound}, err
				})
				got := runSurrogateBeta(t, dt, ins, obj, elbo.Reparam, beta)
				for i, pair := range [][2][]float64{{got.bound, want.bound}, {got.dMean, want.dMean}, {got.dLogVar, want.dLogVar}, {got.dWT, want.dWT}} {
					for j := range pair[1] {
						if math.Float64bits(pair[0][j]) != math.Float64bits(pair[1][j]) {
							t.Errorf("%v %v β=%v: value %d.%d is %v, the bound's builder gives %v", dt, obj, beta, i, j, pair[0][j], pair[1][j])
						}
					}
				}
				for _, est := range []elbo.Estimator{elbo.STL, elbo.DReG, elbo.Score} {
					got := runSurrogateBeta(t, dt, ins, obj, est, beta)
					sampled := runSurrogateBeta(t, dt, ins, elbo.ELBO{}, est, beta)
					what := fmt.Sprintf("%v %v %v β=%v", dt, obj, est, beta)
					near(t, what+" bound", got.bound, want.bound, dtypeTol[dt])
					near(t, what+" d/dmean", got.dMean, sampled.dMean, dtypeTol[dt])
					near(t, what+" d/dlogvar", got.dLogVar, sampled.dLogVar, dtypeTol[dt])
					near(t, what+" d/dWᵀ", got.dWT, sampled.dWT, dtypeTol[dt])
				}
			}
		}
	}
	if err := elbo.Check(elbo.ELBO{Form: 7}, elbo.Reparam); err == nil || !strings.Contains(err.Error(), "unknown form") {
		t.Errorf("an unknown form: error %v, want one saying so", err)
	}
}

// TestPIWAEFarApartGroups checks that PIWAE's gradients stay finite, in
// float64 and float32, when one group's log-weights lie thousands of nats
// below the other's: the ratio c/a of the encoder's weight to the
// decoder's then overflows the dtype, and the backward pass met 0·Inf (it
// trained Burda's model to NaN in three epochs of ten batches in float32).
// The decoder's gradient is still IWAE's.
func TestPIWAEFarApartGroups(t *testing.T) {
	ins := sixSamples()
	for i := range ins[2].Data {
		ins[2].Data[i] = 4 // σ = e²
	}
	for l := 1; l < 6; l += 2 { // group 1 of 2: z = μ + e²·10, log p(z) ≈ −2,700 a dimension
		for j := range gB * gDz {
			ins[3].Data[l*gB*gDz+j] = 10
		}
	}
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		p := runSurrogate(t, dt, ins, elbo.PIWAE{Groups: 2}, elbo.Reparam)
		for _, v := range [][]float64{p.bound, p.dMean, p.dLogVar, p.dWT} {
			for i, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("%v: value %d is %v: bound %v, d/dmean %v, d/dlogvar %v, d/dWᵀ %v", dt, i, x, p.bound, p.dMean, p.dLogVar, p.dWT)
				}
			}
		}
		iwae := runSurrogate(t, dt, ins, elbo.IWAE{}, elbo.Reparam)
		near(t, dt.String()+" far-apart PIWAE d/dWᵀ", p.dWT, iwae.dWT, dtypeTol[dt])
	}
}

// TestEstimatorsWithBeta checks, in float64 and float32, that with a KL
// weight β fed as a node every estimator reports reparam's bound and
// decoder gradient, and that at β = 0, where q leaves log w, DReG's and
// STL's encoder gradients are reparam's (w̃(1 − β + βw̃) = w̃, and there is
// no score term to drop).
func TestEstimatorsWithBeta(t *testing.T) {
	ins := sixSamples()
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		tol := dtypeTol[dt]
		for _, beta := range []float64{0.4, 0} {
			for _, obj := range []elbo.Objective{elbo.IWAE{}, elbo.MIWAE{Groups: 2}, elbo.PIWAE{Groups: 3}, elbo.CIWAE{Beta: 0.5}} {
				re := runSurrogateBeta(t, dt, ins, obj, elbo.Reparam, beta)
				for _, est := range []elbo.Estimator{elbo.STL, elbo.DReG, elbo.Score} {
					if elbo.Check(obj, est) != nil {
						continue
					}
					got := runSurrogateBeta(t, dt, ins, obj, est, beta)
					what := fmt.Sprintf("%v %v %v β=%g", dt, obj, est, beta)
					near(t, what+" bound", got.bound, re.bound, tol)
					near(t, what+" d/dWᵀ", got.dWT, re.dWT, tol)
					if beta == 0 && est != elbo.Score {
						near(t, what+" d/dmean", got.dMean, re.dMean, tol)
						near(t, what+" d/dlogvar", got.dLogVar, re.dLogVar, tol)
					}
				}
			}
		}
	}
}

// TestEstimatorText checks the names of the estimators both ways and the
// errors for unknown ones.
func TestEstimatorText(t *testing.T) {
	for _, e := range []elbo.Estimator{elbo.Reparam, elbo.STL, elbo.DReG, elbo.Score} {
		text, err := e.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back elbo.Estimator
		if err := back.UnmarshalText(text); err != nil || back != e {
			t.Errorf("%v: marshalled %q, read back %v, %v", e, text, back, err)
		}
	}
	var e elbo.Estimator
	if err := e.UnmarshalText([]byte("DReG")); err == nil || !strings.Contains(err.Error(), "reparam, stl, dreg or score") {
		t.Errorf("unknown name: error %v, want one listing the names", err)
	}
	if _, err := elbo.Estimator(9).MarshalText(); err == nil {
		t.Error("Estimator(9) marshalled")
	}
	if s := elbo.Estimator(9).String(); s != "Estimator(9)" {
		t.Errorf("Estimator(9).String() = %q", s)
	}
}

// TestBuildRefuses checks the clear errors for pairs that are not built,
// bad parameters, and estimators on a hierarchical posterior.
func TestBuildRefuses(t *testing.T) {
	ins := sixSamples()
	g := G.NewGraph()
	nodes := make([]*G.Node, len(ins))
	for i, m := range ins {
		nodes[i] = G.NewMatrix(g, tensor.Float64, G.WithShape(m.Rows, m.Cols), G.WithName(string(rune('a'+i))), G.WithValue(graphtest.Dense(tensor.Float64, []int{m.Rows, m.Cols}, m.Data)))
	}
	for _, c := range []struct {
		obj  elbo.Objective
		est  elbo.Estimator
		want string
	}{
		{elbo.CIWAE{Beta: 0.5}, elbo.DReG, "reparam"},
		{elbo.PIWAE{Groups: 2}, elbo.STL, "reparam"},
		{elbo.PIWAE{Groups: 2}, elbo.Score, "reparam"},
		{elbo.CIWAE{Beta: 1.5}, elbo.Reparam, "[0, 1]"},
		{elbo.CIWAE{Beta: math.NaN()}, elbo.Reparam, "[0, 1]"},
		{elbo.MIWAE{Groups: 4}, elbo.Reparam, "do not divide 6"},
		{elbo.MIWAE{}, elbo.DReG, "do not divide"},
		{elbo.PIWAE{Groups: 5}, elbo.Reparam, "do not divide"},
		{nil, elbo.Reparam, "no objective"},
		{elbo.IWAE{}, elbo.Estimator(7), "unknown estimator"},
	} {
		_, err := elbo.Build(c.obj, c.est, bernoulliInput(nodes))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%v, %v): error %v, want one saying %q", c.obj, c.est, err, c.want)
		}
	}
	for _, e := range []elbo.Estimator{elbo.Reparam, elbo.STL, elbo.DReG, elbo.Score} {
		if err := e.CheckLayers(1); err != nil {
			t.Errorf("%v on one layer: %v", e, err)
		}
		err := e.CheckLayers(2)
		if e == elbo.Reparam && err != nil {
			t.Errorf("reparam on two layers: %v", err)
		}
		if e != elbo.Reparam && (err == nil || !strings.Contains(err.Error(), "2 stochastic layers")) {
			t.Errorf("%v on two layers: error %v, want a refusal naming the layers", e, err)
		}
		if e.CheckLayers(0) == nil {
			t.Errorf("%v accepted zero layers", e)
		}
	}
}
