package ebm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newFullyVisible returns a fully visible Boltzmann machine on dim units
// with W's upper triangle ~ N(0, sw²) and b ~ N(0, sb²).
func newFullyVisible(t *testing.T, dim int, sw, sb float64, rng *rand.Rand) *Parametric {
	t.Helper()
	w := make([]float64, dim*dim)
	for i := range dim {
		for j := i + 1; j < dim; j++ {
			w[i*dim+j] = sw * rng.NormFloat64()
		}
	}
	b := make([]float64, dim)
	for i := range b {
		b[i] = sb * rng.NormFloat64()
	}
	m, err := NewParametric(dim, FullyVisible(dim),
		tensor.New(tensor.WithShape(dim, dim), tensor.WithBacking(w)),
		tensor.New(tensor.WithShape(dim), tensor.WithBacking(b)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// exactSamples draws n states of m exactly, by enumeration.
func exactSamples(t *testing.T, m *Parametric, n int, rng *rand.Rand) *mat.Dense {
	t.Helper()
	states, err := m.allStates()
	if err != nil {
		t.Fatal(err)
	}
	e, err := m.Energies(states)
	if err != nil {
		t.Fatal(err)
	}
	cat := distuv.NewCategorical(Boltzmann{Energy: e, Beta: 1}.Probs(nil), rng)
	x := mat.NewDense(n, m.Dim, nil)
	for i := range n {
		x.SetRow(i, states.RawRowView(int(cat.Rand())))
	}
	return x
}

func paramsFlat(m *Parametric) []float64 {
	var all []float64
	for _, p := range m.Params {
		all = append(all, p.Data().([]float64)...)
	}
	return all
}

// The graph energy is the sum the formula says, state by state.
func TestFullyVisibleEnergy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := newFullyVisible(t, 4, 1, 1, rng)
	w, b := m.Params[0].Data().([]float64), m.Params[1].Data().([]float64)
	states, _ := m.allStates()
	e, err := m.Energies(states)
	if err != nil {
		t.Fatal(err)
	}
	for s := range 16 {
		x := states.RawRowView(s)
		var want float64
		for i := range 4 {
			want -= b[i] * x[i]
			for j := i + 1; j < 4; j++ {
				want -= w[i*4+j] * x[i] * x[j]
			}
		}
		near(t, "E", e[s], want, 1e-14)
	}
}

// The exact gradient (2.12) matches central differences of the exact
// log-likelihood (2.10); it also checks that evaluation leaves θ alone.
func TestExactLogLikGradFiniteDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		name string
		m    *Parametric
	}{
		{"fully visible", newFullyVisible(t, 5, 1, 0.5, rng)},
		{"RBM free energy", newRBMParametric(t, 6, 3, 0.5, rng)},
	} {
		m := tc.m
		data := exactSamples(t, m, 50, rng)
		// Perturb θ away from the model the data came from.
		for _, p := range m.Params {
			for i, v := range p.Data().([]float64) {
				p.Data().([]float64)[i] = v + 0.3*rng.NormFloat64()
			}
		}
		before := paramsFlat(m)
		grad, err := m.ExactLogLikGrad(data)
		if err != nil {
			t.Fatal(err)
		}
		if !floats.Equal(before, paramsFlat(m)) {
			t.Fatalf("%s: computing the gradient changed the parameters", tc.name)
		}
		const h = 1e-5
		for k, p := range m.Params {
			theta := p.Data().([]float64)
			for i := range theta {
				orig := theta[i]
				theta[i] = orig + h
				up, err := m.ExactLogLik(data)
				if err != nil {
					t.Fatal(err)
				}
				theta[i] = orig - h
				down, err := m.ExactLogLik(data)
				if err != nil {
					t.Fatal(err)
				}
				theta[i] = orig
				near(t, tc.name+" ∂L/∂θ", grad[k][i], (up-down)/(2*h), 1e-7)
			}
		}
	}
}

// The Monte Carlo gradient (2.14) from Metropolis chains agrees with the
// exact gradient (2.12) within Monte Carlo error: 4000 chains after 40
// sweeps from uniform random states, split into 40 groups of 100; each
// component must lie within 4 standard errors (from the spread of the
// group means) of the exact value.
func TestMCMCGradMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		name string
		m    *Parametric
	}{
		{"fully visible", newFullyVisible(t, 6, 1, 0.5, rng)},
		{"RBM free energy", newRBMParametric(t, 8, 3, 1, rng)},
	} {
		m := tc.m
		data := exactSamples(t, m, 200, rng)
		for _, p := range m.Params { // the data no longer fit θ: a non-zero gradient
			floats.Scale(0.5, p.Data().([]float64))
		}
		exact, err := m.ExactLogLikGrad(data)
		if err != nil {
			t.Fatal(err)
		}
		const groups, per = 40, 100
		chains := mat.NewDense(groups*per, m.Dim, nil)
		for i := range groups * per {
			for j := range m.Dim {
				chains.Set(i, j, float64(rng.IntN(2)))
			}
		}
		acc, err := m.Metropolis(chains, 40, rng)
		if err != nil {
			t.Fatal(err)
		}
		if acc <= 0.05 || acc >= 1 {
			t.Errorf("%s: acceptance rate %v", tc.name, acc)
		}
		all, err := m.LogLikGrad(data, chains)
		if err != nil {
			t.Fatal(err)
		}
		groupMeans := make([][][]float64, groups)
		for g := range groups {
			groupMeans[g], err = m.LogLikGrad(data, chains.Slice(g*per, (g+1)*per, 0, m.Dim).(*mat.Dense))
			if err != nil {
				t.Fatal(err)
			}
		}
		var worst float64
		for k := range exact {
			for i := range exact[k] {
				col := make([]float64, groups)
				for g := range groups {
					col[g] = groupMeans[g][k][i]
				}
				se := stat.StdDev(col, nil) / math.Sqrt(groups)
				diff := math.Abs(all[k][i] - exact[k][i])
				if se == 0 {
					if diff > 1e-12 {
						t.Errorf("%s: component %d/%d: zero spread but MCMC %v vs exact %v", tc.name, k, i, all[k][i], exact[k][i])
					}
					continue
				}
				worst = math.Max(worst, diff/se)
				if diff > 4*se {
					t.Errorf("%s: component %d/%d: MCMC %v, exact %v, %.1f standard errors apart", tc.name, k, i, all[k][i], exact[k][i], diff/se)
				}
			}
		}
		t.Logf("%s: acceptance %.2f, largest deviation %.2f standard errors", tc.name, acc, worst)
	}
}

// Training by (2.14) recovers the parameters of a known model from 20,000
// exact samples. The maximum-likelihood estimate itself (found by ascent
// on the exact gradient) lies within 0.15 of the truth in every component
// at this sample size; persistent-chain training must land within 0.1 of
// that estimate.
func TestTrainParametricRecoversParameters(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	truth := newFullyVisible(t, 5, 1, 0.5, rng)
	data := exactSamples(t, truth, 20000, rng)

	mle := newFullyVisible(t, 5, 0, 0, rng)
	setFlat := func(x []float64) {
		for _, p := range mle.Params {
			d := p.Data().([]float64)
			x = x[copy(d, x):]
		}
	}
	negLogLik := func(x []float64) float64 {
		setFlat(x)
		l, err := mle.ExactLogLik(data)
		if err != nil {
			t.Fatal(err)
		}
		return -l
	}
	logLikGrad := func(grad, x []float64) {
		setFlat(x)
		g, err := mle.ExactLogLikGrad(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, gk := range g {
			grad = grad[copy(grad, gk):]
		}
	}
	res, err := optimize.Minimize(optimize.Problem{Func: negLogLik, Grad: func(grad, x []float64) {
		logLikGrad(grad, x)
		floats.Scale(-1, grad)
	}}, paramsFlat(mle), &optimize.Settings{GradientThreshold: 1e-6}, &optimize.LBFGS{})
	if err != nil {
		t.Fatalf("maximising the exact likelihood: %v", err)
	}
	setFlat(res.X)
	for i, v := range paramsFlat(mle) {
		near(t, "MLE vs truth", v, paramsFlat(truth)[i], 0.15)
	}

	m := newFullyVisible(t, 5, 0, 0, rng)
	cfg := ParametricTrainConfig{Steps: 1500, LearningRate: 0.2, Chains: 500, Sweeps: 1, BatchSize: 1000}
	if err := TrainParametric(m, data, cfg, rng); err != nil {
		t.Fatal(err)
	}
	var worst float64
	for i, v := range paramsFlat(m) {
		want := paramsFlat(mle)[i]
		worst = math.Max(worst, math.Abs(v-want))
		near(t, "PCD vs MLE", v, want, 0.1)
	}
	t.Logf("largest |θ_PCD - θ_MLE| = %.3f", worst)
}

func TestTrainParametricDivergenceStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m := newFullyVisible(t, 4, 1, 1, rng)
	data := exactSamples(t, m, 100, rng)
	cfg := ParametricTrainConfig{Steps: 50, LearningRate: 1e308, Chains: 10, Sweeps: 1}
	err := TrainParametric(m, data, cfg, rng)
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("err = %v, want a divergence error", err)
	}
}

func TestNewParametricChecksEnergyShape(t *testing.T) {
	bad := func(x *G.Node, theta []*G.Node) (*G.Node, error) { return x, nil }
	if _, err := NewParametric(3, bad); err == nil || !strings.Contains(err.Error(), "one energy per row") {
		t.Errorf("err = %v, want a shape error", err)
	}
	if _, err := NewParametric(20, FullyVisible(20),
		tensor.New(tensor.WithShape(20, 20), tensor.Of(tensor.Float64)),
		tensor.New(tensor.WithShape(20), tensor.Of(tensor.Float64))); err != nil {
		t.Fatal(err)
	} else if m, _ := NewParametric(20, FullyVisible(20),
		tensor.New(tensor.WithShape(20, 20), tensor.Of(tensor.Float64)),
		tensor.New(tensor.WithShape(20), tensor.Of(tensor.Float64))); m != nil {
		if _, err := m.LogZ(); err == nil {
			t.Error("LogZ over 2^20 states gave no error")
		}
	}
}
