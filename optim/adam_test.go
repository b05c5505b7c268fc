package optim

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
)

var dtypes = []tensor.Dtype{tensor.Float32, tensor.Float64}

// TestAdamHandComputedSteps checks two steps against values worked out by
// hand (in 40-digit decimal arithmetic) from Algorithm 1 of Kingma and Ba
// with α = 0.001, β1 = 0.9, β2 = 0.999, ε = 1e-8:
//
//	w = (1, −2), g1 = (0.5, 3), g2 = (−0.25, 1)
//	step 1: m = (0.05, 0.3),  v = (0.00025, 0.009)
//	step 2: m = (0.02, 0.37), v = (0.00031225, 0.009991)
func TestAdamHandComputedSteps(t *testing.T) {
	grads := [][]float64{{0.5, 3}, {-0.25, 1}}
	want := [][]float64{
		{0.9990000000199999996000000079999998400000, -2.000999999996666666677777777740740740864},
		{0.9987336629870784616255937640286534666578, -2.001871063943494712564950987296415573864},
	}
	tol := map[tensor.Dtype]float64{tensor.Float64: 1e-15, tensor.Float32: 2e-7}
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			p := newProbe(t, dt, [][]int{{2}}, [][]float64{{1, -2}})
			a, err := NewAdam(DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			for s, g := range grads {
				p.run(t, [][]float64{g})
				if err := a.Step(p.params, 0); err != nil {
					t.Fatal(err)
				}
				got := graphtest.Floats(p.params[0].Value().Data())
				for i := range got {
					if !scalar.EqualWithinAbsOrRel(got[i], want[s][i], tol[dt], tol[dt]) {
						t.Errorf("step %d: w[%d] = %.17g, want %.17g", s+1, i, got[i], want[s][i])
					}
				}
				for i, gi := range gradient(t, p.params[0]) {
					if gi != 0 {
						t.Errorf("step %d: gradient[%d] = %v after Step, want 0", s+1, i, gi)
					}
				}
			}
			if a.Steps() != 2 {
				t.Errorf("Steps() = %d, want 2", a.Steps())
			}
		})
	}
}

// referenceAdam is Algorithm 1 of Kingma and Ba written out in float64.
type referenceAdam struct {
	beta1, beta2, eps float64
	t                 int
	m, v              [][]float64
}

func (r *referenceAdam) step(w, g [][]float64, lr float64) {
	if r.m == nil {
		for _, wk := range w {
			r.m = append(r.m, make([]float64, len(wk)))
			r.v = append(r.v, make([]float64, len(wk)))
		}
	}
	r.t++
	for k := range w {
		for i := range w[k] {
			r.m[k][i] = r.beta1*r.m[k][i] + (1-r.beta1)*g[k][i]
			r.v[k][i] = r.beta2*r.v[k][i] + (1-r.beta2)*g[k][i]*g[k][i]
			mHat := r.m[k][i] / (1 - math.Pow(r.beta1, float64(r.t)))
			vHat := r.v[k][i] / (1 - math.Pow(r.beta2, float64(r.t)))
			w[k][i] -= lr * mHat / (math.Sqrt(vHat) + r.eps)
		}
	}
}

// TestAdamMatchesReference runs 30 steps on seeded random gradients, with a
// learning rate that changes with the epoch, and compares every parameter
// after every step with the float64 reference. float32 parameters are
// rounded at each step, so they get a looser tolerance; a missing bias
// correction would be off by about 1e-3 after the first step.
func TestAdamMatchesReference(t *testing.T) {
	shapes := [][]int{{3, 4}, {5}}
	tol := map[tensor.Dtype]float64{tensor.Float64: 1e-13, tensor.Float32: 1e-5}
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var init, w [][]float64
			for _, sh := range shapes {
				x := normals(rng, tensor.Shape(sh).TotalSize(), 1, dt)
				init = append(init, x)
				w = append(w, append([]float64(nil), x...))
			}
			p := newProbe(t, dt, shapes, init)
			cfg := Config{Schedule: BurdaSchedule(), Beta1: 0.8, Beta2: 0.99, Epsilon: 1e-6}
			a, err := NewAdam(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ref := referenceAdam{beta1: cfg.Beta1, beta2: cfg.Beta2, eps: cfg.Epsilon}
			for s := range 30 {
				epoch := s / 3
				var g [][]float64
				for _, sh := range shapes {
					// Gradients of mixed scales, a few of them zero.
					x := normals(rng, tensor.Shape(sh).TotalSize(), math.Exp(2*rng.NormFloat64()), dt)
					x[rng.IntN(len(x))] = 0
					g = append(g, x)
				}
				p.run(t, g)
				if err := a.Step(p.params, epoch); err != nil {
					t.Fatal(err)
				}
				ref.step(w, g, cfg.Schedule.Rate(epoch))
				for k, n := range p.params {
					got := graphtest.Floats(n.Value().Data())
					for i := range got {
						if !scalar.EqualWithinAbsOrRel(got[i], w[k][i], tol[dt], tol[dt]) {
							t.Fatalf("step %d: %s[%d] = %.17g, reference %.17g", s+1, n.Name(), i, got[i], w[k][i])
						}
					}
				}
			}
		})
	}
}

// TestAdamStepDoesNotAllocate checks that Step allocates nothing once the
// moments exist.
func TestAdamStepDoesNotAllocate(t *testing.T) {
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			shapes := [][]int{{30, 20}, {20}}
			rng := rand.New(rand.NewPCG(3, 4))
			init := [][]float64{normals(rng, 600, 1, dt), normals(rng, 20, 1, dt)}
			p := newProbe(t, dt, shapes, init)
			p.run(t, [][]float64{normals(rng, 600, 1, dt), normals(rng, 20, 1, dt)})
			a, err := NewAdam(Config{Schedule: BurdaSchedule(), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Step(p.params, 0); err != nil {
				t.Fatal(err)
			}
			var stepErr error
			allocs := testing.AllocsPerRun(50, func() {
				if err := a.Step(p.params, 7); err != nil {
					stepErr = err
				}
			})
			if stepErr != nil {
				t.Fatal(stepErr)
			}
			if allocs != 0 {
				t.Errorf("Step allocates %v times per call after the first, want 0", allocs)
			}
		})
	}
}

// TestNewAdamRejectsBadConfig checks that every out-of-range
// hyper-parameter is refused with a message naming it.
func TestNewAdamRejectsBadConfig(t *testing.T) {
	base := DefaultConfig()
	cases := []struct {
		name  string
		edit  func(*Config)
		words string
	}{
		{"nil schedule", func(c *Config) { c.Schedule = nil }, "Schedule is nil"},
		{"beta1 = 1", func(c *Config) { c.Beta1 = 1 }, "Beta1"},
		{"beta1 < 0", func(c *Config) { c.Beta1 = -0.1 }, "Beta1"},
		{"beta2 NaN", func(c *Config) { c.Beta2 = math.NaN() }, "Beta2"},
		{"epsilon 0", func(c *Config) { c.Epsilon = 0 }, "Epsilon"},
		{"epsilon +Inf", func(c *Config) { c.Epsilon = math.Inf(1) }, "Epsilon"},
	}
	for _, c := range cases {
		cfg := base
		c.edit(&cfg)
		a, err := NewAdam(cfg)
		if err == nil || a != nil {
			t.Errorf("%s: NewAdam returned (%v, %v), want an error", c.name, a, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "optim: ") || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: error %q should start with \"optim: \" and mention %q", c.name, err, c.words)
		}
	}
}

// TestStepRejectsBadRate checks that a schedule giving a negative or NaN
// rate is refused and nothing changes.
func TestStepRejectsBadRate(t *testing.T) {
	p := newProbe(t, tensor.Float64, [][]int{{2}}, [][]float64{{1, 2}})
	p.run(t, [][]float64{{3, 4}})
	for _, r := range []float64{-1e-3, math.NaN(), math.Inf(1)} {
		a, err := NewAdam(Config{Schedule: Constant(r), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Step(p.params, 0); err == nil || !strings.Contains(err.Error(), "learning rate") {
			t.Errorf("rate %v: Step returned %v, want a learning-rate error", r, err)
		}
		if got := graphtest.Floats(p.params[0].Value().Data()); got[0] != 1 || got[1] != 2 {
			t.Errorf("rate %v: value changed to %v", r, got)
		}
		if got := gradient(t, p.params[0]); got[0] != 3 || got[1] != 4 {
			t.Errorf("rate %v: gradient changed to %v", r, got)
		}
	}
}

// TestStepGradsMatchesStep checks that gradients handed to StepGrads move
// the parameters exactly as the same gradients bound to them do in Step,
// bit for bit over ten steps, and that StepGrads leaves those gradients
// alone (it zeroes nothing).
func TestStepGradsMatchesStep(t *testing.T) {
	shapes := [][]int{{3, 4}, {5}}
	for _, dt := range dtypes {
		rng := rand.New(rand.NewPCG(5, 6))
		var init [][]float64
		for _, sh := range shapes {
			init = append(init, normals(rng, tensor.Shape(sh).TotalSize(), 1, dt))
		}
		bound, given := newProbe(t, dt, shapes, init), newProbe(t, dt, shapes, init)
		a, err := NewAdam(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewAdam(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		for s := range 10 {
			var g [][]float64
			grads := make([]G.Value, len(shapes))
			for k, sh := range shapes {
				g = append(g, normals(rng, tensor.Shape(sh).TotalSize(), 1, dt))
				grads[k] = graphtest.Dense(dt, sh, g[k])
			}
			bound.run(t, g)
			if err := a.Step(bound.params, 0); err != nil {
				t.Fatal(err)
			}
			if err := b.StepGrads(given.params, grads, 0); err != nil {
				t.Fatal(err)
			}
			for k := range shapes {
				want, got := graphtest.Floats(bound.params[k].Value().Data()), graphtest.Floats(given.params[k].Value().Data())
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%v step %d: %s[%d] = %v with StepGrads, %v with Step", dt, s+1, given.params[k].Name(), i, got[i], want[i])
					}
				}
				if kept := graphtest.Floats(grads[k].Data()); kept[0] != g[k][0] {
					t.Fatalf("%v: StepGrads changed the gradient it was given", dt)
				}
			}
		}
	}
}

// TestStepGradsRejectsBadGradients checks the errors for a missing, nil or
// misshapen gradient.
func TestStepGradsRejectsBadGradients(t *testing.T) {
	dt := tensor.Float64
	p := newProbe(t, dt, [][]int{{2, 2}}, [][]float64{{1, 2, 3, 4}})
	for name, grads := range map[string][]G.Value{
		"none":      nil,
		"nil":       {nil},
		"misshapen": {graphtest.Dense(dt, []int{4}, []float64{1, 2, 3, 4})},
	} {
		a, err := NewAdam(DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.StepGrads(p.params, grads, 0); err == nil {
			t.Errorf("%s gradients: no error", name)
		}
	}
}

// TestAdamSplitMatchesOneGoroutine updates 60,200 parameters (enough to be
// split over goroutines) for three steps under GOMAXPROCS 1 and 2 and
// requires the same bits, and no allocation per step in either.
func TestAdamSplitMatchesOneGoroutine(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(saved int) { parallelFrom = saved }(parallelFrom)
	parallelFrom = 1 << 15 // the probe's 60,200 parameters are split on two cores
	for _, dt := range dtypes {
		var results [2][][]float64
		for i, procs := range []int{1, 2} {
			runtime.GOMAXPROCS(procs)
			shapes := [][]int{{300, 200}, {200}}
			rng := rand.New(rand.NewPCG(5, 6))
			p := newProbe(t, dt, shapes, [][]float64{normals(rng, 60000, 1, dt), normals(rng, 200, 1, dt)})
			a, err := NewAdam(Config{Schedule: Constant(1e-2), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				p.run(t, [][]float64{normals(rng, 60000, 1, dt), normals(rng, 200, 1, dt)})
				if err := a.Step(p.params, 0); err != nil {
					t.Fatal(err)
				}
			}
			if allocs := testing.AllocsPerRun(10, func() { _ = a.Step(p.params, 0) }); allocs != 0 {
				t.Errorf("%v, GOMAXPROCS %d: Step allocates %v times per call, want 0", dt, procs, allocs)
			}
			for _, w := range p.params {
				results[i] = append(results[i], graphtest.Floats(w.Value().Data()))
			}
		}
		for k := range results[0] {
			for j := range results[0][k] {
				if math.Float64bits(results[0][k][j]) != math.Float64bits(results[1][k][j]) {
					t.Fatalf("%v: parameter %d, element %d: %v on one goroutine, %v on two", dt, k, j, results[0][k][j], results[1][k][j])
				}
			}
		}
	}
}
