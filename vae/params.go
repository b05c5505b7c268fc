package vae

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Params holds the learnable parameters of a model, by name, as tensors
// that every graph built from the model shares.
//
// Networks ask Params for their weights while they build themselves on a
// graph: the first request for a name creates the tensor, initialised from
// the seeded generator of Params; later requests, on the same graph or on
// another (the evaluation graph, a graph for a different batch size), get a
// node bound to the same tensor. An optimiser that updates the tensors in
// place is therefore seen by every graph at once.
type Params struct {
	dtype  tensor.Dtype
	rng    *rand.Rand
	order  []string
	values map[string]*tensor.Dense
	nodes  map[*G.ExprGraph]map[string]*G.Node
}

// NewParams returns an empty set of parameters of the given dtype (float32
// or float64) whose initial values are drawn from a generator seeded with
// seed.
func NewParams(dtype tensor.Dtype, seed uint64) (*Params, error) {
	if dtype != tensor.Float32 && dtype != tensor.Float64 {
		return nil, fmt.Errorf("vae: parameters of dtype %v: use float32 or float64", dtype)
	}
	return &Params{
		dtype:  dtype,
		rng:    rand.New(rand.NewPCG(seed, seed^0x5eed_0f_7a4a5)),
		values: map[string]*tensor.Dense{},
		nodes:  map[*G.ExprGraph]map[string]*G.Node{},
	}, nil
}

// Dtype returns the dtype of the parameters.
func (p *Params) Dtype() tensor.Dtype { return p.dtype }

// Init fills a new parameter of the given shape with its initial values.
// fanIn and fanOut are the sizes of the layer it belongs to.
type Init func(rng *rand.Rand, fanIn, fanOut int, dst []float64)

// Glorot draws from U(-a, a), a = √(6/(fanIn+fanOut)) (Glorot and Bengio,
// 2010), from the seeded generator; Gorgonia's own GlorotU seeds itself from
// the clock, so runs could not repeat.
func Glorot(rng *rand.Rand, fanIn, fanOut int, dst []float64) {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := range dst {
		dst[i] = a * (2*rng.Float64() - 1)
	}
}

// Zeros fills with zeros.
func Zeros(_ *rand.Rand, _, _ int, dst []float64) {
	clear(dst)
}

// Values returns an Init that copies v, which must have the parameter's size.
func Values(v []float64) Init {
	return func(_ *rand.Rand, _, _ int, dst []float64) {
		if len(v) != len(dst) {
			panic(fmt.Sprintf("vae: Values: %d values for a parameter of %d", len(v), len(dst)))
		}
		copy(dst, v)
	}
}

// Matrix returns the (rows, cols) parameter called name as a node of g,
// creating it with init on first use. fanIn is rows and fanOut cols.
func (p *Params) Matrix(g *G.ExprGraph, name string, rows, cols int, init Init) (*G.Node, error) {
	return p.node(g, name, tensor.Shape{rows, cols}, rows, cols, init)
}

// Vector returns the (n,) parameter called name as a node of g, creating it
// with init on first use (fanIn and fanOut both n).
func (p *Params) Vector(g *G.ExprGraph, name string, n int, init Init) (*G.Node, error) {
	return p.node(g, name, tensor.Shape{n}, n, n, init)
}

func (p *Params) node(g *G.ExprGraph, name string, shape tensor.Shape, fanIn, fanOut int, init Init) (*G.Node, error) {
	if v, ok := p.values[name]; ok && !v.Shape().Eq(shape) {
		return nil, fmt.Errorf("vae: parameter %q asked for with shape %v but it has shape %v; give each parameter its own name", name, shape, v.Shape())
	}
	if n, ok := p.nodes[g][name]; ok {
		return n, nil
	}
	v, ok := p.values[name]
	if !ok {
		vals := make([]float64, shape.TotalSize())
		init(p.rng, fanIn, fanOut, vals)
		v = tensor.New(tensor.Of(p.dtype), tensor.WithShape(shape...))
		if err := setFloats(v, vals); err != nil {
			return nil, err
		}
		p.values[name] = v
		p.order = append(p.order, name)
	}
	var n *G.Node
	if len(shape) == 2 {
		n = G.NewMatrix(g, p.dtype, G.WithShape(shape...), G.WithName(name), G.WithValue(v))
	} else {
		n = G.NewVector(g, p.dtype, G.WithShape(shape...), G.WithName(name), G.WithValue(v))
	}
	if p.nodes[g] == nil {
		p.nodes[g] = map[string]*G.Node{}
	}
	p.nodes[g][name] = n
	return n, nil
}

// forget drops the nodes of graph g, once it is no longer used.
func (p *Params) forget(g *G.ExprGraph) { delete(p.nodes, g) }

// Names returns the names of the parameters in the order they were created.
func (p *Params) Names() []string { return slices.Clone(p.order) }

// Nodes returns the parameter nodes of graph g, in creation order: the list
// to differentiate with respect to and to hand to the optimiser.
func (p *Params) Nodes(g *G.ExprGraph) []*G.Node {
	var ns []*G.Node
	for _, name := range p.order {
		if n, ok := p.nodes[g][name]; ok {
			ns = append(ns, n)
		}
	}
	return ns
}

// Count returns the number of scalar parameters.
func (p *Params) Count() int {
	var c int
	for _, v := range p.values {
		c += v.Shape().TotalSize()
	}
	return c
}

// Snapshot is a copy of parameter values, by name, in float64: what a
// checkpoint stores.
type Snapshot struct {
	Names  []string
	Shapes [][]int
	Values [][]float64
}

// Snapshot copies the current values.
func (p *Params) Snapshot() Snapshot {
	var s Snapshot
	for _, name := range p.order {
		v := p.values[name]
		s.Names = append(s.Names, name)
		s.Shapes = append(s.Shapes, slices.Clone([]int(v.Shape())))
		s.Values = append(s.Values, floatsOf(v))
	}
	return s
}

// Restore copies the values of s into the existing tensors, so that every
// graph built on them sees the restored values. The names and shapes must be
// those of the parameters; Restore changes nothing if they are not.
func (p *Params) Restore(s Snapshot) error {
	if !slices.Equal(s.Names, p.order) {
		return fmt.Errorf("vae: the saved parameters are %v but the model has %v: was it saved from a model of another shape?", s.Names, p.order)
	}
	for i, name := range s.Names {
		v := p.values[name]
		if !slices.Equal(s.Shapes[i], []int(v.Shape())) || len(s.Values[i]) != v.Shape().TotalSize() {
			return fmt.Errorf("vae: saved parameter %q has shape %v but the model's has shape %v", name, s.Shapes[i], v.Shape())
		}
	}
	for i, name := range s.Names {
		if err := setFloats(p.values[name], s.Values[i]); err != nil {
			return err
		}
	}
	return nil
}

func setFloats(t *tensor.Dense, vals []float64) error {
	switch d := t.Data().(type) {
	case []float64:
		copy(d, vals)
	case []float32:
		for i, v := range vals {
			d[i] = float32(v)
		}
	default:
		return fmt.Errorf("vae: tensor of dtype %v; only float32 and float64 are supported", t.Dtype())
	}
	return nil
}

// floatsOf returns the values of t, a float32 or float64 tensor, as a new
// slice of float64.
func floatsOf(t tensor.Tensor) []float64 {
	out := make([]float64, t.DataSize())
	floatsInto(out, t)
	return out
}

// floatsInto copies the values of t, a float32 or float64 tensor, into dst,
// which must be as long.
func floatsInto(dst []float64, t tensor.Tensor) {
	switch d := t.Data().(type) {
	case []float64:
		copy(dst[:len(d)], d)
	case []float32:
		dst = dst[:len(d)]
		for i, v := range d {
			dst[i] = float64(v)
		}
	default:
		panic(fmt.Sprintf("vae: tensor of dtype %v", t.Dtype()))
	}
}
