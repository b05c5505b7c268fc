package dist

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/gx"
	"github.com/govae/govae/internal/vmath"
)

// bernoulliLogProbOp computes Σ_d [x_d·l_d - softplus(l_d)] for each row
// of a (rows, dim) matrix of logits l in one pass over memory. x is
// (rows, dim) too, or has fewer rows, a divisor n of rows, and then stands
// for itself stacked rows/n times: row r of l meets row r mod n of x (the
// layout of gx.Tile), without the stacked copy being built.
//
// Written as an operation of its own, not from Gorgonia's elementwise
// operations, for two reasons: the composed form makes four passes over a
// (batch, 784) matrix and allocates three intermediates, and Gorgonia's
// Softplus returns x itself for x > 16 (float64; 14 for float32), an error
// of up to 1.1e-7 per pixel. Here softplus(l) = max(l, 0) + log1p(exp(-|l|))
// is exact to rounding in float64; float32 uses the vector kernels of
// internal/vmath.
type bernoulliLogProbOp struct{ gx.PureOp }

// bernoulliGradOp computes g_b·(x_bd - sigmoid(l_bd)), the gradient of
// bernoulliLogProbOp with respect to l given the upstream gradient g.
type bernoulliGradOp struct{ gx.PureOp }

func (bernoulliLogProbOp) Arity() int { return 2 }
func (bernoulliGradOp) Arity() int    { return 3 }

func (bernoulliLogProbOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, G.TensorType{Dims: 1, Of: a})
}

func (bernoulliGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, G.TensorType{Dims: 1, Of: a}, m)
}

func (bernoulliLogProbOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	l, err := bernoulliShapes(in)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{l[0]}, nil
}

func (bernoulliGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	l, err := bernoulliShapes(in)
	if err != nil {
		return nil, err
	}
	return l.Clone(), nil
}

// bernoulliShapes checks the shapes of x and l and returns l's.
func bernoulliShapes(in []G.DimSizer) (tensor.Shape, error) {
	x, ok1 := in[0].(tensor.Shape)
	l, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(x) != 2 || len(l) != 2 || x[1] != l[1] || x[0] == 0 || l[0]%x[0] != 0 {
		return nil, fmt.Errorf("dist: Bernoulli log-probability of x %v with logits %v: want matrices of one width, the rows of x dividing those of the logits", in[0], in[1])
	}
	return l, nil
}

func (op bernoulliLogProbOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("dist: %v takes 2 inputs, got %d", op, len(in))
	}
	out := tensor.New(tensor.Of(in[1].Dtype()), tensor.WithShape(in[1].Shape()[0]))
	return op.UsePreallocDo(out, in...)
}

func (op bernoulliGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("dist: %v takes 3 inputs, got %d", op, len(in))
	}
	out := tensor.New(tensor.Of(in[1].Dtype()), tensor.WithShape(in[1].Shape().Clone()...))
	return op.UsePreallocDo(out, in...)
}

// UsePreallocDo writes the row sums into prealloc.
func (op bernoulliLogProbOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("dist: %v takes 2 inputs, got %d", op, len(in))
	}
	if _, err := bernoulliShapes([]G.DimSizer{in[0].Shape(), in[1].Shape()}); err != nil {
		return nil, err
	}
	rows, cols := in[1].Shape()[0], in[1].Shape()[1]
	if err := reshapeTo(prealloc, rows); err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		l, ok1 := in[1].Data().([]float32)
		out, ok2 := prealloc.Data().([]float32)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("dist: %v: mixed dtypes", op)
		}
		bernoulliRows(x, l, out, cols, vmath.BernoulliLogProb)
	case []float64:
		l, ok1 := in[1].Data().([]float64)
		out, ok2 := prealloc.Data().([]float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("dist: %v: mixed dtypes", op)
		}
		bernoulliRows(x, l, out, cols, LogProbBernoulli)
	default:
		return nil, fmt.Errorf("dist: %v: dtype %v; only float32 and float64 are supported", op, in[0].Dtype())
	}
	return prealloc, nil
}

// UsePreallocDo writes the gradient into prealloc.
func (op bernoulliGradOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("dist: %v takes 3 inputs, got %d", op, len(in))
	}
	if _, err := bernoulliShapes([]G.DimSizer{in[0].Shape(), in[1].Shape()}); err != nil {
		return nil, err
	}
	rows, cols := in[1].Shape()[0], in[1].Shape()[1]
	if err := reshapeTo(prealloc, rows, cols); err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		l, ok1 := in[1].Data().([]float32)
		g, ok2 := asSlice[float32](in[2])
		out, ok3 := prealloc.Data().([]float32)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("dist: %v: mixed dtypes", op)
		}
		bernoulliGrad(x, l, g, out, cols, vmath.BernoulliGrad)
	case []float64:
		l, ok1 := in[1].Data().([]float64)
		g, ok2 := asSlice[float64](in[2])
		out, ok3 := prealloc.Data().([]float64)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("dist: %v: mixed dtypes", op)
		}
		bernoulliGrad(x, l, g, out, cols, bernoulliGradRow)
	default:
		return nil, fmt.Errorf("dist: %v: dtype %v; only float32 and float64 are supported", op, in[0].Dtype())
	}
	return prealloc, nil
}

// reshapeTo gives the preallocated output the shape the operation
// produces. A machine that keeps its registers between runs may hand back a
// register that a later in-place Reshape (as the importance-weighted bound
// does to its log-weights) has given another shape of the same size.
func reshapeTo(v G.Value, shape ...int) error {
	if v.Shape().Eq(tensor.Shape(shape)) {
		return nil
	}
	d, ok := v.(*tensor.Dense)
	if !ok || d.Shape().TotalSize() != tensor.Shape(shape).TotalSize() {
		return fmt.Errorf("dist: preallocated output of shape %v for a result of shape %v", v.Shape(), shape)
	}
	return d.Reshape(shape...)
}

// asSlice returns the data of a vector value, or of a scalar as a slice of one.
func asSlice[T float32 | float64](v G.Value) ([]T, bool) {
	switch d := v.Data().(type) {
	case []T:
		return d, true
	case T:
		return []T{d}, true
	}
	return nil, false
}

// bernoulliRows sets out[b] = row(row b mod n of x, row b of l) for the n
// rows of x, rows split over goroutines for large matrices. row is
// vmath.BernoulliLogProb in float32 (eight pixels at a time: math32's
// exponential and logarithm per pixel were the largest cost of the
// importance-sampled evaluation) and LogProbBernoulli in float64.
func bernoulliRows[T float32 | float64](x, l, out []T, cols int, row func(x, l []T) T) {
	n := len(x) / cols
	vmath.Rows(len(out), cols, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := b % n
			out[b] = row(x[xb*cols:(xb+1)*cols], l[b*cols:(b+1)*cols])
		}
	})
}

// bernoulliGrad sets row b of out to g_b·(x_b' − σ(l_b)), with b' = b mod
// n, through row: vmath.BernoulliGrad in float32, bernoulliGradRow in
// float64.
func bernoulliGrad[T float32 | float64](x, l, g, out []T, cols int, row func(dst, x, l []T, g T)) {
	n := len(x) / cols
	vmath.Rows(len(l)/cols, cols, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			r, xr := b*cols, (b%n)*cols
			row(out[r:r+cols], x[xr:xr+cols], l[r:r+cols], g[b%len(g)])
		}
	})
}

// bernoulliGradRow sets dst_d = g·(x_d − σ(l_d)) in float64.
func bernoulliGradRow(dst, x, l []float64, g float64) {
	for d, ld := range l {
		dst[d] = g * (x[d] - Sigmoid(ld))
	}
}

func (op bernoulliLogProbOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op bernoulliGradOp) WriteHash(h hash.Hash)    { fmt.Fprint(h, op.String()) }

func (op bernoulliLogProbOp) Hashcode() uint32 { return gx.OpHash(op) }
func (op bernoulliGradOp) Hashcode() uint32    { return gx.OpHash(op) }

func (bernoulliLogProbOp) String() string { return "govae.BernoulliLogProb" }
func (bernoulliGradOp) String() string    { return "govae.BernoulliLogProbGrad" }

// DiffWRT says the log-probability is differentiable in both x and l.
func (bernoulliLogProbOp) DiffWRT(n int) []bool { return []bool{true, true} }

// SymDiff returns the gradients: g·(x - sigmoid(l)) for l, g·l for x
// (summed over the copies when x stands for several).
func (bernoulliLogProbOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	x, l := in[0], in[1]
	dl, err := G.ApplyOp(bernoulliGradOp{}, x, l, grad)
	if err != nil {
		return nil, err
	}
	dx, err := G.BroadcastHadamardProd(l, grad, nil, []byte{1})
	if err != nil {
		return nil, err
	}
	var b gx.B
	dx = b.SumTiles(dx, x.Shape()[0])
	return G.Nodes{dx, dl}, b.Err
}
