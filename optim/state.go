package optim

import (
	"fmt"
	"math"
	"slices"

	G "gorgonia.org/gorgonia"
)

// State is everything Adam needs to continue a run where it stopped: the
// step count, the hyper-parameters it was run with, and the moments of every
// parameter. It is a plain value that encoding/gob can encode.
type State struct {
	// Steps is the number of updates done (t in Kingma and Ba).
	Steps int
	// Beta1, Beta2 and Epsilon are the hyper-parameters of the run; SetState
	// refuses a State whose values differ from the optimiser's.
	Beta1, Beta2, Epsilon float64
	// Params holds one entry per parameter, in the order given to Step. It
	// is empty before the first Step.
	Params []ParamState
}

// ParamState is the state of one parameter.
type ParamState struct {
	// Name is the name of the parameter's node.
	Name string
	// Dtype is "float32" or "float64", the dtype of the parameter.
	Dtype string
	// Shape is the shape of the parameter.
	Shape []int
	// M and V are the first and second moment estimates in row-major
	// order. They are stored as float64 whatever the dtype; float32 values
	// convert there and back exactly.
	M, V []float64
}

// State returns a copy of the state of a, to save in a checkpoint.
func (a *Adam) State() State {
	s := State{Steps: a.steps, Beta1: a.cfg.Beta1, Beta2: a.cfg.Beta2, Epsilon: a.cfg.Epsilon}
	for _, sl := range a.slots {
		p := ParamState{Name: sl.name, Dtype: sl.dtype.String(), Shape: slices.Clone([]int(sl.shape))}
		if sl.f32 != nil {
			p.M, p.V = widen(sl.f32.m), widen(sl.f32.v)
		} else {
			p.M, p.V = slices.Clone(sl.f64.m), slices.Clone(sl.f64.v)
		}
		s.Params = append(s.Params, p)
	}
	return s
}

// SetState makes a continue the run that s was taken from, with the
// parameters params, which must match s in number, order, names, dtypes and
// shapes; the hyper-parameters of a must equal those of s. Restore the
// parameters' values separately. On error, which wraps ErrMismatch when s
// does not fit, a is unchanged.
func (a *Adam) SetState(params []*G.Node, s State) error {
	if s.Beta1 != a.cfg.Beta1 || s.Beta2 != a.cfg.Beta2 || s.Epsilon != a.cfg.Epsilon {
		return fmt.Errorf("%w: the state was saved with β1 = %v, β2 = %v, ε = %v but this optimiser has β1 = %v, β2 = %v, ε = %v: resume with the configuration of the saved run",
			ErrMismatch, s.Beta1, s.Beta2, s.Epsilon, a.cfg.Beta1, a.cfg.Beta2, a.cfg.Epsilon)
	}
	if s.Steps < 0 {
		return fmt.Errorf("optim: the state has %d steps: the checkpoint is corrupt", s.Steps)
	}
	if len(s.Params) == 0 {
		if s.Steps != 0 {
			return fmt.Errorf("optim: the state has %d steps but no moments: the checkpoint is corrupt", s.Steps)
		}
		a.steps, a.slots = 0, nil
		return nil
	}
	if len(s.Params) != len(params) {
		return fmt.Errorf("%w: the state has moments for %d parameters, %d were given", ErrMismatch, len(s.Params), len(params))
	}
	slots := make([]slot, len(params))
	for i, n := range params {
		sl, err := newSlot(i, n)
		if err != nil {
			return err
		}
		if err := sl.load(s.Params[i]); err != nil {
			return fmt.Errorf("optim: parameter %d: %w", i, err)
		}
		slots[i] = sl
	}
	a.steps, a.slots = s.Steps, slots
	return nil
}

// load copies the moments of p into s after checking that p describes the
// same parameter.
func (s *slot) load(p ParamState) error {
	switch {
	case p.Name != s.name:
		return fmt.Errorf("%w: the state is for %q, the parameter is %q", ErrMismatch, p.Name, s.name)
	case p.Dtype != s.dtype.String():
		return fmt.Errorf("%w: %s is %s in the state, %v in the model", ErrMismatch, s.name, p.Dtype, s.dtype)
	case !slices.Equal(p.Shape, []int(s.shape)):
		return fmt.Errorf("%w: %s has shape %v in the state, %v in the model", ErrMismatch, s.name, p.Shape, s.shape)
	}
	size := s.size()
	if len(p.M) != size || len(p.V) != size {
		return fmt.Errorf("optim: %s has %d first and %d second moments in the state, want %d: the checkpoint is corrupt", s.name, len(p.M), len(p.V), size)
	}
	for j := range p.M {
		if math.IsNaN(p.M[j]) || math.IsInf(p.M[j], 0) || !(p.V[j] >= 0) || math.IsInf(p.V[j], 1) {
			return fmt.Errorf("optim: %s has moments m = %v, v = %v at index %d in the state: the checkpoint is corrupt", s.name, p.M[j], p.V[j], j)
		}
		if s.f32 != nil && (float64(float32(p.M[j])) != p.M[j] || float64(float32(p.V[j])) != p.V[j]) {
			return fmt.Errorf("optim: %s is float32 but its moments m = %v, v = %v at index %d in the state are not float32 values: the checkpoint is corrupt", s.name, p.M[j], p.V[j], j)
		}
	}
	if s.f32 != nil {
		narrow(s.f32.m, p.M)
		narrow(s.f32.v, p.V)
	} else {
		copy(s.f64.m, p.M)
		copy(s.f64.v, p.V)
	}
	return nil
}

// size returns the number of elements of the parameter of s.
func (s *slot) size() int {
	if s.f32 != nil {
		return len(s.f32.m)
	}
	return len(s.f64.m)
}

// widen returns x converted to float64.
func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, xi := range x {
		y[i] = float64(xi)
	}
	return y
}

// narrow stores src converted to float32 into dst.
func narrow(dst []float32, src []float64) {
	for i, x := range src {
		dst[i] = float32(x)
	}
}
