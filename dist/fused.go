package dist

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/govae/govae/internal/vmath"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
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
type bernoulliLogProbOp struct{}

// bernoulliGradOp computes g_b·(x_bd - sigmoid(l_bd)), the gradient of
// bernoulliLogProbOp with respect to l given the upstream gradient g.
type bernoulliGradOp struct{}

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
		bernoulliRows32(x, l, out, cols)
	case []float64:
		l, ok1 := in[1].Data().([]float64)
		out, ok2 := prealloc.Data().([]float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("dist: %v: mixed dtypes", op)
		}
		bernoulliRows(x, l, out, cols, Softplus)
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
		bernoulliGrad32(x, l, g, out, cols)
	case []float64:
		l, ok1 := in[1].Data().([]float64)
		g, ok2 := asSlice[float64](in[2])
		out, ok3 := prealloc.Data().([]float64)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("dist: %v: mixed dtypes", op)
		}
		bernoulliGrad(x, l, g, out, cols, Sigmoid)
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

// bernoulliRows and the functions below take row b of l with row b mod n of
// x, where x has n rows.
func bernoulliRows[T float32 | float64](x, l, out []T, cols int, softplus func(T) T) {
	n := len(x) / cols
	vmath.Rows(len(out), cols, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := b % n
			xr, lr := x[xb*cols:(xb+1)*cols], l[b*cols:(b+1)*cols]
			var s T
			for d, ld := range lr {
				s += xr[d]*ld - softplus(ld)
			}
			out[b] = s
		}
	})
}

func bernoulliGrad[T float32 | float64](x, l, g, out []T, cols int, sigmoid func(T) T) {
	n := len(x) / cols
	vmath.Rows(len(l)/cols, cols, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			gb, xb := g[b%len(g)], b%n
			xr, lr, or := x[xb*cols:(xb+1)*cols], l[b*cols:(b+1)*cols], out[b*cols:(b+1)*cols]
			for d, ld := range lr {
				or[d] = gb * (xr[d] - sigmoid(ld))
			}
		}
	})
}

// bernoulliRows32 is bernoulliRows for float32 with the vector kernel of
// internal/vmath: eight pixels at a time, where math32's exponential and
// logarithm per pixel were the largest cost of the importance-sampled
// evaluation and a large one of training.
func bernoulliRows32(x, l, out []float32, cols int) {
	n := len(x) / cols
	vmath.Rows(len(out), cols, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xb := b % n
			out[b] = vmath.BernoulliLogProb(x[xb*cols:(xb+1)*cols], l[b*cols:(b+1)*cols])
		}
	})
}

// bernoulliGrad32 is bernoulliGrad for float32 with the vector kernel.
func bernoulliGrad32(x, l, g, out []float32, cols int) {
	n := len(x) / cols
	vmath.Rows(len(l)/cols, cols, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			r, xr := b*cols, (b%n)*cols
			vmath.BernoulliGrad(out[r:r+cols], x[xr:xr+cols], l[r:r+cols], g[b%len(g)])
		}
	})
}

func (bernoulliLogProbOp) ReturnsPtr() bool     { return false }
func (bernoulliGradOp) ReturnsPtr() bool        { return false }
func (bernoulliLogProbOp) CallsExtern() bool    { return false }
func (bernoulliGradOp) CallsExtern() bool       { return false }
func (bernoulliLogProbOp) OverwritesInput() int { return -1 }
func (bernoulliGradOp) OverwritesInput() int    { return -1 }

func (op bernoulliLogProbOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op bernoulliGradOp) WriteHash(h hash.Hash)    { fmt.Fprint(h, op.String()) }

func (op bernoulliLogProbOp) Hashcode() uint32 { return hashOf(op) }
func (op bernoulliGradOp) Hashcode() uint32    { return hashOf(op) }

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

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
	if n, rows := x.Shape()[0], l.Shape()[0]; n != rows {
		d := x.Shape()[1]
		if dx, err = G.Reshape(dx, tensor.Shape{rows / n, n * d}); err != nil {
			return nil, err
		}
		if dx, err = G.Sum(dx, 0); err != nil {
			return nil, err
		}
		if dx, err = G.Reshape(dx, tensor.Shape{n, d}); err != nil {
			return nil, err
		}
	}
	return G.Nodes{dx, dl}, nil
}
