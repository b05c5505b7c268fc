package gx

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ReshapeCopy is Reshape into fresh memory. Gorgonia's Reshape returns a
// tensor that shares its input's data, and its tape machine does not know:
// an operation it then runs in place on the reshaped node (the
// subtraction inside LogSumExp, an AddRow, a Neg) overwrites the input,
// which other nodes may still read. Two chains Reshape → LogSumExp of one
// node gave the second chain's result to both (see
// TestReshapeSharesItsInput). Use ReshapeCopy for a node that has other
// consumers; it costs one copy of x.
func (b *B) ReshapeCopy(x *G.Node, shape ...int) *G.Node {
	if !b.live(x) {
		return nil
	}
	to := tensor.Shape(shape)
	if to.TotalSize() != x.Shape().TotalSize() {
		b.Err = fmt.Errorf("gx: reshape-copy: %v into %v changes the number of elements", x.Shape(), to)
		return nil
	}
	return b.do(func() (*G.Node, error) {
		return G.ApplyOp(reshapeCopyOp{from: x.Shape().Clone(), to: to.Clone()}, x)
	}, "reshape-copy")
}

// reshapeCopyOp copies its input into a tensor of another shape.
type reshapeCopyOp struct {
	PureOp
	from, to tensor.Shape
}

func (reshapeCopyOp) Arity() int { return 1 }

func (op reshapeCopyOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: op.from.Dims(), Of: a}, G.TensorType{Dims: op.to.Dims(), Of: a})
}

func (op reshapeCopyOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.to.Clone(), nil }

func (op reshapeCopyOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gx: %v takes 1 input, got %d", op, len(in))
	}
	return op.UsePreallocDo(tensor.New(tensor.Of(in[0].Dtype()), tensor.WithShape(op.to...)), in...)
}

// UsePreallocDo copies the input's elements, in order, into prealloc.
func (op reshapeCopyOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 1 || !in[0].Shape().Eq(op.from) || !prealloc.Shape().Eq(op.to) {
		return nil, fmt.Errorf("gx: %v: input %v, output %v", op, in[0].Shape(), prealloc.Shape())
	}
	src := in[0]
	if d, ok := src.(*tensor.Dense); ok && d.IsView() {
		src = d.Materialize()
	}
	switch x := src.Data().(type) {
	case []float32:
		y, ok := prealloc.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("gx: %v: mixed dtypes", op)
		}
		copy(y, x)
	case []float64:
		y, ok := prealloc.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("gx: %v: mixed dtypes", op)
		}
		copy(y, x)
	default:
		return nil, fmt.Errorf("gx: %v: dtype %v; only float32 and float64 are supported", op, in[0].Dtype())
	}
	return prealloc, nil
}

func (op reshapeCopyOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op reshapeCopyOp) Hashcode() uint32      { return OpHash(op) }
func (op reshapeCopyOp) String() string {
	return fmt.Sprintf("govae.ReshapeCopy(%v→%v)", op.from, op.to)
}

func (reshapeCopyOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns the gradient reshaped back, into fresh memory too.
func (op reshapeCopyOp) SymDiff(_ G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(reshapeCopyOp{from: op.to.Clone(), to: op.from.Clone()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gx: %v: %w", op, err)
	}
	return G.Nodes{d}, nil
}
