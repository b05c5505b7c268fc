package gx

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/vmath"
)

// Act is an activation that BiasAct applies after adding the bias.
type Act int

// The activations of BiasAct.
const (
	Identity Act = iota
	ReLU
	Tanh
)

var actNames = []string{Identity: "identity", ReLU: "relu", Tanh: "tanh"}

func (a Act) String() string {
	if a < 0 || int(a) >= len(actNames) {
		return fmt.Sprintf("Act(%d)", int(a))
	}
	return actNames[a]
}

// BiasAct returns act(x + bias) for a (batch, n) matrix x and an (n,)
// bias added to every row: one operation, where AddRow and an activation
// make three (Gorgonia repeats the bias into a (batch, n) matrix, adds it,
// then applies the activation, allocating a matrix at each step, and
// evaluates tanh one element at a time). Its gradient is one operation too
// (nothing for the identity) plus the column sums for the bias.
func (b *B) BiasAct(x, bias *G.Node, act Act) *G.Node {
	if !b.live(x, bias) {
		return nil
	}
	if act < Identity || act > Tanh {
		b.Err = fmt.Errorf("gx: bias-act: unknown activation %v", act)
		return nil
	}
	if x.Shape().Dims() != 2 || bias.Shape().Dims() != 1 || bias.Shape()[0] != x.Shape()[1] {
		b.Err = fmt.Errorf("gx: bias-act: bias of shape %v for a matrix of shape %v, want (%d,)", bias.Shape(), x.Shape(), x.Shape()[1])
		return nil
	}
	return b.do(func() (*G.Node, error) { return G.ApplyOp(biasActOp{act: act}, x, bias) }, "bias-act")
}

// biasActOp computes act(x + bias) row by row.
type biasActOp struct {
	PureOp
	act Act
}

// biasActGradOp computes g ⊙ act'(x + bias) from y = act(x + bias) and the
// upstream gradient g: g·[y > 0] for ReLU, g·(1 − y²) for tanh.
type biasActGradOp struct {
	PureOp
	act Act
}

func (biasActOp) Arity() int     { return 2 }
func (biasActGradOp) Arity() int { return 2 }

func (biasActOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, G.TensorType{Dims: 1, Of: a}, m)
}

func (biasActGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m)
}

func (op biasActOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) { return matrixShape(op, in) }

func (op biasActGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return matrixShape(op, in)
}

func matrixShape(op fmt.Stringer, in []G.DimSizer) (tensor.Shape, error) {
	x, ok := in[0].(tensor.Shape)
	if !ok || len(x) != 2 {
		return nil, fmt.Errorf("gx: %v of a non-matrix %v", op, in[0])
	}
	return x.Clone(), nil
}

func (op biasActOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("gx: %v takes 2 inputs, got %d", op, len(in))
	}
	return op.UsePreallocDo(tensor.New(tensor.Of(in[0].Dtype()), tensor.WithShape(in[0].Shape().Clone()...)), in...)
}

func (op biasActGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("gx: %v takes 2 inputs, got %d", op, len(in))
	}
	return op.UsePreallocDo(tensor.New(tensor.Of(in[0].Dtype()), tensor.WithShape(in[0].Shape().Clone()...)), in...)
}

// UsePreallocDo writes act(x + bias) into prealloc.
func (op biasActOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	sh := in[0].Shape()
	if len(in) != 2 || len(sh) != 2 || in[1].Shape().TotalSize() != sh[1] || !prealloc.Shape().Eq(sh) {
		return nil, fmt.Errorf("gx: %v: inputs of shapes %v and %v, output %v", op, sh, in[1].Shape(), prealloc.Shape())
	}
	switch x := in[0].Data().(type) {
	case []float32:
		bias, ok1 := in[1].Data().([]float32)
		y, ok2 := prealloc.Data().([]float32)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("gx: %v: mixed dtypes", op)
		}
		biasAct(y, x, bias, op.act, vmath.Tanh)
	case []float64:
		bias, ok1 := in[1].Data().([]float64)
		y, ok2 := prealloc.Data().([]float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("gx: %v: mixed dtypes", op)
		}
		biasAct(y, x, bias, op.act, tanh64)
	default:
		return nil, fmt.Errorf("gx: %v: dtype %v; only float32 and float64 are supported", op, in[0].Dtype())
	}
	return prealloc, nil
}

// UsePreallocDo writes g ⊙ act'(x + bias) into prealloc.
func (op biasActGradOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	sh := in[0].Shape()
	if len(in) != 2 || len(sh) != 2 || !in[1].Shape().Eq(sh) || !prealloc.Shape().Eq(sh) {
		return nil, fmt.Errorf("gx: %v: inputs of shapes %v and %v, output %v", op, sh, in[1].Shape(), prealloc.Shape())
	}
	switch y := in[0].Data().(type) {
	case []float32:
		g, ok1 := in[1].Data().([]float32)
		d, ok2 := prealloc.Data().([]float32)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("gx: %v: mixed dtypes", op)
		}
		biasActGrad(d, y, g, sh[1], op.act)
	case []float64:
		g, ok1 := in[1].Data().([]float64)
		d, ok2 := prealloc.Data().([]float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("gx: %v: mixed dtypes", op)
		}
		biasActGrad(d, y, g, sh[1], op.act)
	default:
		return nil, fmt.Errorf("gx: %v: dtype %v; only float32 and float64 are supported", op, in[0].Dtype())
	}
	return prealloc, nil
}

func tanh64(dst, x []float64) {
	for i, v := range x {
		dst[i] = math.Tanh(v)
	}
}

// biasAct sets each row of y to act(row of x + bias), rows in parallel for
// large matrices.
func biasAct[T float32 | float64](y, x, bias []T, act Act, tanh func(dst, x []T)) {
	n := len(bias)
	bias32, _ := any(bias).([]float32)
	vmath.Rows(len(x)/n, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			yr, xr := y[r*n:(r+1)*n], x[r*n:(r+1)*n]
			if bias32 != nil { // the same sums, eight at a time
				vmath.Add(any(yr).([]float32), any(xr).([]float32), bias32)
			} else {
				for j, bj := range bias {
					yr[j] = xr[j] + bj
				}
			}
			switch act {
			case ReLU:
				for j, v := range yr {
					yr[j] = max(v, 0)
				}
			case Tanh:
				tanh(yr, yr)
			}
		}
	})
}

// biasActGrad sets d = g ⊙ act'(y), where y = act(x + bias). It is never
// built for the identity, whose gradient is g itself (see SymDiff).
func biasActGrad[T float32 | float64](d, y, g []T, n int, act Act) {
	vmath.Rows(len(y)/n, n, func(lo, hi int) {
		d, y, g := d[lo*n:hi*n], y[lo*n:hi*n], g[lo*n:hi*n]
		switch act {
		case ReLU:
			if d32, ok := any(d).([]float32); ok { // a branch per element mispredicts half the time
				vmath.ReluGrad(d32, any(y).([]float32), any(g).([]float32))
				return
			}
			for i, v := range y {
				if v > 0 {
					d[i] = g[i]
				} else {
					d[i] = 0
				}
			}
		case Tanh:
			for i, v := range y {
				d[i] = g[i] * (1 - v*v)
			}
		}
	})
}

func (op biasActOp) WriteHash(h hash.Hash)     { fmt.Fprint(h, op.String()) }
func (op biasActGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }

func (op biasActOp) Hashcode() uint32     { return OpHash(op) }
func (op biasActGradOp) Hashcode() uint32 { return OpHash(op) }

func (op biasActOp) String() string     { return "govae.BiasAct(" + op.act.String() + ")" }
func (op biasActGradOp) String() string { return "govae.BiasActGrad(" + op.act.String() + ")" }

// DiffWRT says the result is differentiable in x and in the bias.
func (biasActOp) DiffWRT(int) []bool { return []bool{true, true} }

// SymDiff returns the gradients: d = g ⊙ act'(x + bias) for x, and the
// column sums of d for the bias.
func (op biasActOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	d := grad
	if op.act != Identity {
		var err error
		if d, err = G.ApplyOp(biasActGradOp(op), out, grad); err != nil {
			return nil, err
		}
	}
	db, err := G.Sum(d, 0)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d, db}, nil
}
