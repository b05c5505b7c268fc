package optim

import (
	"fmt"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// slot holds the moments of one parameter and, during a Step, views of its
// value and gradient.
type slot struct {
	node  *G.Node // the node last bound, to skip the name check when unchanged
	name  string
	dtype tensor.Dtype
	shape tensor.Shape

	f32 *buffers[float32]
	f64 *buffers[float64]

	// Addresses of the value's and gradient's first element, to detect
	// aliasing.
	wptr, gptr uintptr
}

// buffers are the slices one update works on: the moments m and v, owned by
// the slot, and the value w and gradient g, borrowed from the node for the
// duration of a Step.
type buffers[T float32 | float64] struct {
	m, v []T
	w, g []T
}

// newSlots returns zeroed moments shaped like the values of params.
func newSlots(params []*G.Node) ([]slot, error) {
	if len(params) == 0 {
		return nil, fmt.Errorf("optim: no parameters: pass the nodes to train")
	}
	slots := make([]slot, len(params))
	for i, n := range params {
		s, err := newSlot(i, n)
		if err != nil {
			return nil, err
		}
		slots[i] = s
	}
	return slots, nil
}

// newSlot returns zeroed moments shaped like the value of n, the i-th
// parameter.
func newSlot(i int, n *G.Node) (slot, error) {
	if n == nil {
		return slot{}, fmt.Errorf("optim: parameter %d is a nil node", i)
	}
	w, ok := n.Value().(*tensor.Dense)
	if !ok {
		return slot{}, fmt.Errorf("optim: parameter %d (%s) has value of type %T: only *tensor.Dense parameters are supported; give the node a value with G.WithValue or G.WithInit", i, n.Name(), n.Value())
	}
	size := w.DataSize()
	if size == 0 {
		return slot{}, fmt.Errorf("optim: parameter %d (%s) has no elements (shape %v)", i, n.Name(), w.Shape())
	}
	s := slot{node: n, name: n.Name(), dtype: w.Dtype(), shape: w.Shape().Clone()}
	switch w.Dtype() {
	case tensor.Float32:
		s.f32 = &buffers[float32]{m: make([]float32, size), v: make([]float32, size)}
	case tensor.Float64:
		s.f64 = &buffers[float64]{m: make([]float64, size), v: make([]float64, size)}
	default:
		return slot{}, fmt.Errorf("optim: parameter %d (%s) has dtype %v: only float32 and float64 are supported", i, n.Name(), w.Dtype())
	}
	return s, nil
}

// bind checks that n is the parameter s belongs to and points the slot's
// buffers at n's value and at gv, or at n's bound gradient when gv is nil.
func (s *slot) bind(n *G.Node, gv G.Value) error {
	if n == nil {
		return fmt.Errorf("optim: parameter %s is a nil node", s.name)
	}
	if n != s.node {
		if name := n.Name(); name != s.name {
			return fmt.Errorf("%w: expected parameter %s here, got %s: pass the same parameters in the same order every time", ErrMismatch, s.name, name)
		}
	}
	w, ok := n.Value().(*tensor.Dense)
	if !ok {
		return fmt.Errorf("%w: parameter %s has value of type %T, want *tensor.Dense", ErrMismatch, s.name, n.Value())
	}
	var err error
	if gv == nil {
		if gv, err = n.Grad(); err != nil {
			return fmt.Errorf("optim: parameter %s has no gradient: call G.Grad(cost, params...) before making the machine, and run the machine before Step: %v", s.name, err)
		}
	}
	g, ok := gv.(*tensor.Dense)
	if !ok {
		return fmt.Errorf("optim: parameter %s has gradient of type %T, want *tensor.Dense", s.name, gv)
	}
	if w.Dtype() != s.dtype || g.Dtype() != s.dtype {
		return fmt.Errorf("%w: parameter %s has dtype %v and gradient dtype %v, the moments are %v", ErrMismatch, s.name, w.Dtype(), g.Dtype(), s.dtype)
	}
	if !slices.Equal(w.Shape(), s.shape) || !slices.Equal(g.Shape(), s.shape) {
		return fmt.Errorf("%w: parameter %s has shape %v and gradient shape %v, the moments have shape %v", ErrMismatch, s.name, w.Shape(), g.Shape(), s.shape)
	}
	switch s.dtype {
	case tensor.Float32:
		err = s.f32.bind(s.name, w.Float32s(), g.Float32s())
	case tensor.Float64:
		err = s.f64.bind(s.name, w.Float64s(), g.Float64s())
	}
	if err != nil {
		return err
	}
	s.node = n
	s.wptr, s.gptr = w.Uintptr(), g.Uintptr()
	return nil
}

// bind points b at the value w and gradient g of the parameter called name.
func (b *buffers[T]) bind(name string, w, g []T) error {
	if len(w) != len(b.m) || len(g) != len(b.m) {
		return fmt.Errorf("optim: parameter %s holds %d values and %d gradient values, want %d: views and non-contiguous tensors are not supported", name, len(w), len(g), len(b.m))
	}
	b.w, b.g = w, g
	return nil
}

// checkAliases returns an error if a parameter appears twice or a gradient
// shares memory with a parameter: updating in place would then be wrong.
func checkAliases(slots []slot) error {
	for i := range slots {
		for j := range slots {
			if j > i && slots[i].wptr == slots[j].wptr {
				return fmt.Errorf("optim: parameters %s and %s share their value: pass each parameter once", slots[i].name, slots[j].name)
			}
			if slots[i].gptr == slots[j].wptr {
				return fmt.Errorf("optim: the gradient of %s is the value of %s: bind gradients with G.BindDualValues(params...) when making the machine", slots[i].name, slots[j].name)
			}
		}
	}
	return nil
}

// unbindAll drops the views of values and gradients, so that the optimiser
// does not keep a machine's tensors alive between steps.
func unbindAll(slots []slot) {
	for i := range slots {
		s := &slots[i]
		if s.f32 != nil {
			s.f32.w, s.f32.g = nil, nil
		}
		if s.f64 != nil {
			s.f64.w, s.f64.g = nil, nil
		}
		s.wptr, s.gptr = 0, 0
	}
}

// update applies one Adam update to the bound parameter.
func (s *slot) update(h hyper, lo, hi int) {
	if s.f32 != nil {
		adamUpdate(s.f32.w[lo:hi], s.f32.g[lo:hi], s.f32.m[lo:hi], s.f32.v[lo:hi], h)
	} else {
		adamUpdate(s.f64.w[lo:hi], s.f64.g[lo:hi], s.f64.m[lo:hi], s.f64.v[lo:hi], h)
	}
}

// len returns the number of elements of the parameter.
func (s *slot) len() int {
	if s.f32 != nil {
		return len(s.f32.w)
	}
	return len(s.f64.w)
}

// zeroGrad sets the bound gradient to zero.
func (s *slot) zeroGrad() {
	if s.f32 != nil {
		clear(s.f32.g)
	} else {
		clear(s.f64.g)
	}
}
