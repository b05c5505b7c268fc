// Package gx chains Gorgonia graph operations with a sticky error, so that a
// formula reads as a formula instead of an if-err ladder.
//
// Every method returns nil once an error has occurred and leaves the first
// error in Err; callers check Err once at the end. Nothing is evaluated here:
// these calls only add nodes to a graph.
package gx

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// B builds graph expressions, remembering the first error.
type B struct {
	Err error
}

func (b *B) do(f func() (*G.Node, error), what string) *G.Node {
	if b.Err != nil {
		return nil
	}
	n, err := f()
	if err != nil {
		b.Err = fmt.Errorf("%s: %w", what, err)
		return nil
	}
	return n
}

func (b *B) live(ns ...*G.Node) bool {
	if b.Err != nil {
		return false
	}
	for _, n := range ns {
		if n == nil {
			b.Err = fmt.Errorf("gx: nil node in expression")
			return false
		}
	}
	return true
}

// Add returns a + b, elementwise (a scalar meets a tensor of any shape).
func (b *B) Add(x, y *G.Node) *G.Node {
	if !b.live(x, y) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Add(x, y) }, "add")
}

// Sub returns x - y, elementwise.
func (b *B) Sub(x, y *G.Node) *G.Node {
	if !b.live(x, y) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Sub(x, y) }, "sub")
}

// Mul returns x ⊙ y, elementwise.
func (b *B) Mul(x, y *G.Node) *G.Node {
	if !b.live(x, y) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.HadamardProd(x, y) }, "mul")
}

// Scale returns c·x for a Go number c, as a constant of x's dtype.
func (b *B) Scale(c float64, x *G.Node) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.Mul(b.Const(x, c), x)
}

// Shift returns x + c for a Go number c, as a constant of x's dtype.
func (b *B) Shift(x *G.Node, c float64) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.Add(x, b.Const(x, c))
}

// Const returns a scalar constant holding v in the dtype of like (Gorgonia
// refuses to unify a float64 constant with a float32 graph).
func (b *B) Const(like *G.Node, v float64) *G.Node {
	if !b.live(like) {
		return nil
	}
	switch like.Dtype() {
	case tensor.Float32:
		return G.NewConstant(float32(v))
	case tensor.Float64:
		return G.NewConstant(v)
	}
	b.Err = fmt.Errorf("gx: node %v has dtype %v; only float32 and float64 graphs are supported", like, like.Dtype())
	return nil
}

// MatMul returns the matrix product x·y.
func (b *B) MatMul(x, y *G.Node) *G.Node {
	if !b.live(x, y) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Mul(x, y) }, "matmul")
}

// AddRow adds a row vector v (dim,) to every row of the matrix x (batch, dim).
func (b *B) AddRow(x, v *G.Node) *G.Node {
	if !b.live(x, v) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.BroadcastAdd(x, v, nil, []byte{0}) }, "add row")
}

// Unary operations.

// Exp returns exp(x).
func (b *B) Exp(x *G.Node) *G.Node { return b.unary(G.Exp, x, "exp") }

// Log returns log(x).
func (b *B) Log(x *G.Node) *G.Node { return b.unary(G.Log, x, "log") }

// Neg returns -x.
func (b *B) Neg(x *G.Node) *G.Node { return b.unary(G.Neg, x, "neg") }

// Sigmoid returns 1/(1+exp(-x)).
func (b *B) Sigmoid(x *G.Node) *G.Node { return b.unary(G.Sigmoid, x, "sigmoid") }

// Rectify returns max(x, 0) elementwise.
func (b *B) Rectify(x *G.Node) *G.Node { return b.unary(G.Rectify, x, "rectify") }

// Softplus returns log(1+exp(x)). Gorgonia's version returns x itself for
// x > 16 (float64) or x > 14 (float32); the absolute error there is below
// exp(-16) ≈ 1.1e-7.
func (b *B) Softplus(x *G.Node) *G.Node { return b.unary(G.Softplus, x, "softplus") }

// Square returns x².
func (b *B) Square(x *G.Node) *G.Node { return b.unary(G.Square, x, "square") }

func (b *B) unary(f func(*G.Node) (*G.Node, error), x *G.Node, what string) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return f(x) }, what)
}

// Reductions and shapes.

// Sum sums x along the given axes (all axes when none), dropping them.
func (b *B) Sum(x *G.Node, along ...int) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Sum(x, along...) }, "sum")
}

// Mean averages x along the given axes (all axes when none), dropping them.
func (b *B) Mean(x *G.Node, along ...int) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Mean(x, along...) }, "mean")
}

// Max takes the maximum of x along one axis, dropping it.
func (b *B) Max(x *G.Node, along int) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Max(x, along) }, "max")
}

// Reshape gives x a new shape with the same number of elements.
func (b *B) Reshape(x *G.Node, shape ...int) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.Reshape(x, tensor.Shape(shape)) }, "reshape")
}

// Tile stacks n copies of the (batch, dim) matrix x along the rows, giving
// (n·batch, dim) with copy l of row i at row l·batch+i.
func (b *B) Tile(x *G.Node, n int) *G.Node {
	if !b.live(x) {
		return nil
	}
	if n == 1 {
		return x
	}
	copies := make([]*G.Node, n)
	for i := range copies {
		copies[i] = x
	}
	return b.do(func() (*G.Node, error) { return G.Concat(0, copies...) }, "tile")
}

// LogSumExp returns log Σ exp(x) along axis (0 or 1) of the matrix x,
// dropping that axis, computed stably as m + log Σ exp(x - m) with m the
// maximum along the axis.
//
// Written here because Gorgonia's G.LogSumExp is wrong: it returns
// log(Σ exp(x-m)+m) and panics on a (B,K) input along axis 1
// (see the measured traps of Gorgonia v0.9.18). The gradient flows through
// both branches; since ∂/∂m of the exact expression is zero, it is the
// softmax along the axis whichever element Max credits on ties.
func (b *B) LogSumExp(x *G.Node, axis int) *G.Node {
	if !b.live(x) {
		return nil
	}
	if x.Shape().Dims() != 2 || (axis != 0 && axis != 1) {
		b.Err = fmt.Errorf("gx: LogSumExp needs a matrix and axis 0 or 1, got shape %v and axis %d", x.Shape(), axis)
		return nil
	}
	m := b.Max(x, axis)
	// The pattern broadcasts the reduced vector back along the reduced axis.
	centred := b.do(func() (*G.Node, error) { return G.BroadcastSub(x, m, nil, []byte{byte(axis)}) }, "logsumexp")
	return b.Add(b.Log(b.Sum(b.Exp(centred), axis)), m)
}
