package gx

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// StopGradient returns x unchanged, as a node through which no gradient
// flows: its value is a copy of x's, and to Gorgonia it is not
// differentiable in x, so nothing is built for it in the backward pass and
// x receives no gradient along this path (its other paths keep theirs).
// Gorgonia has no such operation. A parameter whose only path to the cost
// runs through StopGradient is, truthfully, one the cost does not depend
// on: G.Grad refuses it ("Non Differentiable WRTs").
func (b *B) StopGradient(x *G.Node) *G.Node {
	if !b.live(x) {
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.ApplyOp(stopGradientOp{}, x) }, "stop-gradient")
}

// stopGradientOp is the identity with no gradient.
type stopGradientOp struct{ PureOp }

func (stopGradientOp) Arity() int { return 1 }

func (stopGradientOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

func (op stopGradientOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if s, ok := in[0].(tensor.Shape); ok {
		return s.Clone(), nil
	}
	return nil, fmt.Errorf("gx: %v of an input without a shape: %v", op, in[0])
}

func (op stopGradientOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gx: %v takes 1 input, got %d", op, len(in))
	}
	return G.CloneValue(in[0])
}

// UsePreallocDo copies the input into prealloc.
func (op stopGradientOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gx: %v takes 1 input, got %d", op, len(in))
	}
	return G.Copy(prealloc, in[0])
}

func (op stopGradientOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op stopGradientOp) Hashcode() uint32      { return OpHash(op) }
func (stopGradientOp) String() string           { return "govae.StopGradient" }

// DiffWRT says the output is not differentiable in the input: Gorgonia
// then neither marks the path as one the gradient takes nor asks for
// SymDiff.
func (stopGradientOp) DiffWRT(int) []bool { return []bool{false} }

// SymDiff is never called for an operation differentiable in none of its
// inputs; it returns no gradient in case it is.
func (stopGradientOp) SymDiff(in G.Nodes, _, _ *G.Node) (G.Nodes, error) {
	return make(G.Nodes, len(in)), nil
}

// GradScale is the scale of a ScaleGrad node, set once the node that
// holds it has been built.
type GradScale struct {
	x     *G.Node // the node whose gradient is scaled
	scale *G.Node
}

// ScaleGrad returns x unchanged in value, as a node whose backward pass
// multiplies row r of the gradient arriving from its consumers by s[r],
// where s is a (rows,) node given afterwards with Set. It is how one
// backward pass can give two consumers of the same computation different
// weights (PyTorch's tensor hooks): the scale may depend on what is
// computed from the output, which an ordinary input could not (it would
// close a cycle). The backward node reads s as an input, so the graph
// stays acyclic: s is computed in the forward pass, the scaled gradient
// after it.
//
// Set must be called before G.Grad; differentiating an unset ScaleGrad is
// an error.
func (b *B) ScaleGrad(x *G.Node) (*G.Node, *GradScale) {
	if !b.live(x) {
		return nil, nil
	}
	if x.Shape().Dims() != 2 {
		b.Err = fmt.Errorf("gx: scale-grad: need a matrix, got shape %v", x.Shape())
		return nil, nil
	}
	s := &GradScale{x: x}
	return b.do(func() (*G.Node, error) { return G.ApplyOp(scaleGradOp{s: s}, x) }, "scale-grad"), s
}

// Set gives the (rows,) scale of the rows of the gradient, of x's dtype.
func (s *GradScale) Set(scale *G.Node) error {
	switch {
	case s == nil || scale == nil:
		return fmt.Errorf("gx: GradScale.Set: nil scale or handle")
	case s.scale != nil:
		return fmt.Errorf("gx: GradScale.Set: the scale is already set")
	case scale.Dtype() != s.x.Dtype():
		return fmt.Errorf("gx: GradScale.Set: scale of dtype %v for a node of dtype %v", scale.Dtype(), s.x.Dtype())
	case scale.Shape().Dims() != 1 || scale.Shape()[0] != s.x.Shape()[0]:
		return fmt.Errorf("gx: GradScale.Set: scale of shape %v for a node of %d rows: want (%d,)", scale.Shape(), s.x.Shape()[0], s.x.Shape()[0])
	}
	s.scale = scale
	return nil
}

// scaleGradOp is the identity whose gradient is scaled by the rows of
// s.scale.
type scaleGradOp struct {
	PureOp
	s *GradScale
}

func (scaleGradOp) Arity() int { return 1 }

func (scaleGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m)
}

func (op scaleGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return matrixShape(op, in) }

func (op scaleGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gx: %v takes 1 input, got %d", op, len(in))
	}
	return G.CloneValue(in[0])
}

// UsePreallocDo copies the input into prealloc.
func (op scaleGradOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gx: %v takes 1 input, got %d", op, len(in))
	}
	return G.Copy(prealloc, in[0])
}

func (op scaleGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op scaleGradOp) Hashcode() uint32      { return OpHash(op) }

// String names the scale's handle, so that two ScaleGrad nodes of one
// input with different scales are not merged as identical nodes.
func (op scaleGradOp) String() string { return fmt.Sprintf("govae.ScaleGrad(%p)", op.s) }

func (scaleGradOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns g ⊙ s, row r of g times s[r].
func (op scaleGradOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if op.s.scale == nil {
		return nil, fmt.Errorf("gx: %v: differentiated before its scale was set (call GradScale.Set before G.Grad)", op)
	}
	d, err := G.BroadcastHadamardProd(grad, op.s.scale, nil, []byte{1})
	if err != nil {
		return nil, fmt.Errorf("gx: %v: %w", op, err)
	}
	return G.Nodes{d}, nil
}
