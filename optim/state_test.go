package optim

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
)

// model is a small graph whose gradients depend on the parameters:
// cost = Σ (W − X)² + Σ tanh(b)⊙y, with X and y fed at every step.
type model struct {
	params []*G.Node
	x, y   *G.Node
	vm     G.VM
	dt     tensor.Dtype
}

var modelShapes = [][]int{{3, 4}, {4}}

func newModel(t *testing.T, dt tensor.Dtype, init [][]float64) *model {
	t.Helper()
	g := G.NewGraph()
	m := &model{dt: dt}
	w := G.NewMatrix(g, dt, G.WithShape(3, 4), G.WithName("W"), G.WithValue(graphtest.Dense(dt, modelShapes[0], init[0])))
	b := G.NewVector(g, dt, G.WithShape(4), G.WithName("b"), G.WithValue(graphtest.Dense(dt, modelShapes[1], init[1])))
	m.x = G.NewMatrix(g, dt, G.WithShape(3, 4), G.WithName("X"))
	m.y = G.NewVector(g, dt, G.WithShape(4), G.WithName("y"))
	fit := G.Must(G.Sum(G.Must(G.Square(G.Must(G.Sub(w, m.x))))))
	pull := G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.Tanh(b)), m.y))))
	cost := G.Must(G.Add(fit, pull))
	m.params = []*G.Node{w, b}
	if _, err := G.Grad(cost, m.params...); err != nil {
		t.Fatal(err)
	}
	m.vm = G.NewTapeMachine(g, G.BindDualValues(m.params...))
	t.Cleanup(func() { m.vm.Close() })
	return m
}

// train does steps [from, to) of a run: the data of step s comes from a
// source seeded with s, and the epoch is s/2.
func (m *model) train(t *testing.T, a *Adam, from, to int) {
	t.Helper()
	for s := from; s < to; s++ {
		rng := rand.New(rand.NewPCG(7, uint64(s)))
		if err := G.Let(m.x, graphtest.Dense(m.dt, modelShapes[0], normals(rng, 12, 1, m.dt))); err != nil {
			t.Fatal(err)
		}
		if err := G.Let(m.y, graphtest.Dense(m.dt, modelShapes[1], normals(rng, 4, 1, m.dt))); err != nil {
			t.Fatal(err)
		}
		m.vm.Reset()
		if err := m.vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		if err := a.Step(m.params, s/2); err != nil {
			t.Fatal(err)
		}
	}
}

func (m *model) values(t *testing.T) [][]float64 {
	return [][]float64{graphtest.Floats(m.params[0].Value().Data()), graphtest.Floats(m.params[1].Value().Data())}
}

func testConfig(t *testing.T) Config {
	s, err := NewPiecewise([]float64{0.05, 0.02, 0.01}, []int{2, 2, 100})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Schedule: s, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
}

// TestResumeIsBitIdentical runs 5 steps, saves the state through gob,
// restores it into a fresh Adam on a freshly built graph whose parameters
// hold the saved values, runs 7 more steps, and requires the parameters to
// equal, to the last bit, those of 12 uninterrupted steps. A fresh Adam
// without the restored state must not reach them.
func TestResumeIsBitIdentical(t *testing.T) {
	const n, m = 5, 7
	for _, dt := range dtypes {
		t.Run(dt.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			init := [][]float64{normals(rng, 12, 1, dt), normals(rng, 4, 1, dt)}
			cfg := testConfig(t)

			whole := newModel(t, dt, init)
			a, err := NewAdam(cfg)
			if err != nil {
				t.Fatal(err)
			}
			whole.train(t, a, 0, n+m)
			want := whole.values(t)

			first := newModel(t, dt, init)
			b, err := NewAdam(cfg)
			if err != nil {
				t.Fatal(err)
			}
			first.train(t, b, 0, n)
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(b.State()); err != nil {
				t.Fatal(err)
			}
			saved := first.values(t)

			var st State
			if err := gob.NewDecoder(&buf).Decode(&st); err != nil {
				t.Fatal(err)
			}
			resumed := newModel(t, dt, saved)
			c, err := NewAdam(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.SetState(resumed.params, st); err != nil {
				t.Fatal(err)
			}
			if c.Steps() != n {
				t.Errorf("Steps() = %d after SetState, want %d", c.Steps(), n)
			}
			resumed.train(t, c, n, n+m)
			for k, got := range resumed.values(t) {
				for i := range got {
					if got[i] != want[k][i] {
						t.Errorf("%s[%d] = %.17g resumed, %.17g uninterrupted", resumed.params[k].Name(), i, got[i], want[k][i])
					}
				}
			}

			fresh := newModel(t, dt, saved)
			d, err := NewAdam(cfg)
			if err != nil {
				t.Fatal(err)
			}
			fresh.train(t, d, n, n+m)
			if got := fresh.values(t); got[0][0] == want[0][0] {
				t.Errorf("a fresh Adam reached the uninterrupted W[0] = %v without the saved state: the test cannot tell", got[0][0])
			}
		})
	}
}

// TestStateBeforeFirstStep checks that the state of an Adam that has not
// stepped restores to a fresh one.
func TestStateBeforeFirstStep(t *testing.T) {
	a, err := NewAdam(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	s := a.State()
	if s.Steps != 0 || len(s.Params) != 0 {
		t.Fatalf("State() = %+v before any Step, want no steps and no moments", s)
	}
	p := newProbe(t, tensor.Float64, [][]int{{2}}, [][]float64{{1, 2}})
	if err := a.SetState(p.params, s); err != nil {
		t.Errorf("SetState of an empty state: %v", err)
	}
}

// TestSetStateMismatch checks that SetState refuses a state that does not
// fit, says why, and leaves the optimiser as it was.
func TestSetStateMismatch(t *testing.T) {
	init := [][]float64{make([]float64, 12), make([]float64, 4)}
	m := newModel(t, tensor.Float64, init)
	a, err := NewAdam(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	m.train(t, a, 0, 3)
	good := a.State()

	other32 := newModel(t, tensor.Float32, init)
	cases := []struct {
		name     string
		edit     func(*State)
		params   []*G.Node
		mismatch bool
		words    string
	}{
		{"one parameter fewer", nil, m.params[:1], true, "moments for 2 parameters, 1 were given"},
		{"swapped", nil, []*G.Node{m.params[1], m.params[0]}, true, `state is for "W", the parameter is "b"`},
		{"float32 model", nil, other32.params, true, "W is float64 in the state, float32 in the model"},
		{"shape", func(s *State) { s.Params[1].Shape = []int{2, 2} }, m.params, true, "b has shape [2 2] in the state"},
		{"beta2", func(s *State) { s.Beta2 = 0.99 }, m.params, true, "β2 = 0.99"},
		{"short moments", func(s *State) { s.Params[0].V = s.Params[0].V[:11] }, m.params, false, "corrupt"},
		{"negative v", func(s *State) { s.Params[1].V[2] = -1 }, m.params, false, "corrupt"},
		{"negative steps", func(s *State) { s.Steps = -1 }, m.params, false, "corrupt"},
	}
	for _, c := range cases {
		s := a.State()
		if c.edit != nil {
			c.edit(&s)
		}
		err := a.SetState(c.params, s)
		if err == nil {
			t.Errorf("%s: SetState returned nil error", c.name)
			continue
		}
		if errors.Is(err, ErrMismatch) != c.mismatch {
			t.Errorf("%s: errors.Is(%q, ErrMismatch) = %v, want %v", c.name, err, !c.mismatch, c.mismatch)
		}
		if !strings.HasPrefix(err.Error(), "optim: ") || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: error %q should start with \"optim: \" and say %q", c.name, err, c.words)
		}
		if got := a.State(); got.Steps != good.Steps || got.Params[1].V[2] != good.Params[1].V[2] {
			t.Errorf("%s: the failed SetState changed the optimiser", c.name)
		}
	}
}
