package optim

import "math"

// hyper holds what one update needs: the learning rate, the
// hyper-parameters, and the bias corrections c1 = 1−β1^t and c2 = 1−β2^t.
type hyper struct {
	lr, beta1, beta2, eps float64
	c1, c2                float64
}

// adamUpdate does step t of Algorithm 1 of Kingma and Ba on one parameter, in
// place, in the precision of T:
//
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  w ← w − (α/c1)·m / (√(v/c2) + ε)
//
// which is α·m̂/(√v̂ + ε) with m̂ = m/c1 and v̂ = v/c2; ε is not rescaled as
// in the paper's "more efficient" variant. It is written as a loop over the
// backing slices because the tensor package's elementwise calls would each
// make a pass over memory (and Gorgonia's solver clones every operand).
func adamUpdate[T float32 | float64](w, g, m, v []T, h hyper) {
	k := newAdamConsts[T](h)
	g = g[:len(w)]
	m = m[:len(w)]
	v = v[:len(w)]
	start := 0
	if w32, ok := any(w).([]float32); ok {
		start = adamVector32(w32, any(g).([]float32), any(m).([]float32), any(v).([]float32), newAdamConsts[float32](h))
	}
	// Locals rather than k's fields keep the constants in registers.
	b1, omb1, b2, omb2, step, ic2, eps := k.b1, k.omb1, k.b2, k.omb2, k.step, k.ic2, k.eps
	for i := start; i < len(w); i++ {
		gi := g[i]
		mi := b1*m[i] + omb1*gi
		vi := b2*v[i] + omb2*gi*gi
		m[i] = mi
		v[i] = vi
		w[i] -= step * mi / (T(math.Sqrt(float64(vi*ic2))) + eps)
	}
}

// adamConsts are the constants of one update in the precision of T. For
// float32 they are seven consecutive values in the order adamKernel32 reads
// them.
type adamConsts[T float32 | float64] struct {
	b1, omb1, b2, omb2 T // β1, 1−β1, β2, 1−β2
	step, ic2, eps     T // α/c1, 1/c2, ε
}

// newAdamConsts returns the constants of an update with h, rounded to T.
func newAdamConsts[T float32 | float64](h hyper) adamConsts[T] {
	return adamConsts[T]{
		b1: T(h.beta1), omb1: T(1 - h.beta1), b2: T(h.beta2), omb2: T(1 - h.beta2),
		step: T(h.lr / h.c1), ic2: T(1 / h.c2), eps: T(h.eps),
	}
}
