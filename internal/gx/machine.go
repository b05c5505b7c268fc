package gx

import (
	"fmt"
	"reflect"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Machine runs the part of a graph that a set of output nodes needs, again
// and again, and gives the outputs' values after each run.
//
// Gorgonia's tape machine drops every register on Reset, so each run
// allocates every intermediate value afresh: 2.3 MB in 1,284 allocations
// per step of Burda's one-layer model, and the page clearing and garbage
// collection that go with them. Keeping its registers instead is unsafe:
// the tape runs some operations in place (a Reshape changes the shape of
// the register it reads) and some operations keep state between runs.
//
// A Machine gives every node a value of its own, allocated on the first
// run and written in place by every later one (an operation's
// UsePreallocDo), and runs nothing in place of its input, so no
// operation's value is overwritten by another's. It does so only for a
// graph whose every operation is known to be a pure function of its
// inputs (rerunnable); any other graph runs on Gorgonia's tape machine,
// behind the same methods. Both compute the same operations in the same
// order, so they give the same bits (TestMachineMatchesTape).
type Machine struct {
	outputs []*G.Node

	// The direct path: steps in topological order over values, one per
	// node of the subgraph.
	steps  []step
	args   []arg
	values []G.Value
	index  map[*G.Node]int // node → its value's index
	ran    bool
	sched  *schedule // for running independent steps at once (machine_par.go)
	shared bool      // steps are running concurrently: they read through headers of their own

	// The fallback: a tape machine and what it reads.
	tape  G.VM
	reads []G.Value
	final []bool // outputs that no node reads: their node's Value is final
}

// stepKind says how a step computes its value on a later run.
type stepKind int

const (
	everyRun stepKind = iota // Do, allocating a new value each time
	prealloc                 // UsePreallocDo into the first run's value
	unary                    // copy the input into the value, then UnsafeDo in place
	once                     // a function of the input's shape alone: the first run's value stands
	view                     // a view of its input: kept while the input is the same value
	sum                      // summed into the first run's value (machine_sum.go)
)

type step struct {
	op   G.Op
	kind stepKind
	in   []int     // indices of the inputs' values
	args []G.Value // the inputs, gathered for each call
	out  int       // index of this step's value
	from G.Value   // for a view: the input it was taken of
	axes []int     // for a sum: the axes it reduces
	node *G.Node   // for errors

	// For a concurrent run: the inputs last seen, and this step's own
	// header of each (step.own).
	sources []*tensor.Dense
	headers []*tensor.Dense
}

// arg is an input node, whose bound value is read at every run.
type arg struct {
	node *G.Node
	out  int
}

// TapeOnly sends every graph to Gorgonia's tape machine. Tests set it to
// run the same model both ways; nothing else should.
var TapeOnly bool

// NewMachine prepares to run what outputs need of g.
func NewMachine(g *G.ExprGraph, outputs ...*G.Node) (*Machine, error) {
	if len(outputs) == 0 {
		return nil, fmt.Errorf("gx: a machine needs at least one output node")
	}
	m := &Machine{outputs: outputs}
	sub := g.ExactSubgraphRoots(outputs...)
	sorted, err := G.Sort(sub)
	if err != nil {
		return nil, fmt.Errorf("gx: sorting the graph: %w", err)
	}
	slices.Reverse(sorted)
	if !TapeOnly && allRerunnable(sorted) {
		m.compile(g, sorted)
		return m, nil
	}
	return m, m.compileTape(g)
}

// Direct reports whether m runs on its own buffers (true) or on Gorgonia's
// tape machine (false, for a graph with an operation not known to be
// rerunnable).
func (m *Machine) Direct() bool { return m.tape == nil }

func (m *Machine) compile(g *G.ExprGraph, sorted G.Nodes) {
	m.index = make(map[*G.Node]int, len(sorted))
	m.values = make([]G.Value, len(sorted))
	for i, n := range sorted {
		m.index[n] = i
		if n.Op() == nil {
			m.args = append(m.args, arg{node: n, out: i})
			continue
		}
		s := step{op: n.Op(), kind: kindOf(n.Op()), out: i, node: n}
		if s.kind == sum {
			var ok bool
			if s.axes, ok = sumAxes(s.op); !ok {
				s.kind = everyRun
			}
		}
		for children := g.From(n.ID()); children.Next(); {
			s.in = append(s.in, m.index[children.Node().(*G.Node)])
		}
		s.args = make([]G.Value, len(s.in))
		s.sources = make([]*tensor.Dense, len(s.in))
		s.headers = make([]*tensor.Dense, len(s.in))
		m.steps = append(m.steps, s)
	}
	m.sched = newSchedule(m.steps, sorted)
}

// compileTape sets up the fallback. An output that another node reads is
// copied out with G.Read, as an in-place operation of the tape could
// overwrite it; one that no node reads is final once computed.
func (m *Machine) compileTape(g *G.ExprGraph) error {
	m.reads = make([]G.Value, len(m.outputs))
	m.final = make([]bool, len(m.outputs))
	roots := slices.Clone(m.outputs)
	for i, n := range m.outputs {
		if g.To(n.ID()).Len() == 0 {
			m.final[i] = true
			continue
		}
		roots = append(roots, G.Read(n, &m.reads[i]))
	}
	m.tape = G.NewTapeMachine(g.ExactSubgraphRoots(roots...))
	return nil
}

// Run computes the outputs from the values now bound to the graph's inputs.
func (m *Machine) Run() error {
	if m.tape != nil {
		m.tape.Reset()
		return m.tape.RunAll()
	}
	for _, a := range m.args {
		v := a.node.Value()
		if v == nil {
			return fmt.Errorf("gx: no value bound to input node %v", a.node)
		}
		m.values[a.out] = v
	}
	if m.concurrent() {
		return m.runConcurrent()
	}
	return m.runSequential()
}

// runSequential runs the steps one after another on the calling goroutine.
func (m *Machine) runSequential() error {
	for i := range m.steps {
		if err := m.run(&m.steps[i]); err != nil {
			return stepError(&m.steps[i], err)
		}
	}
	m.ran = true
	return nil
}

func stepError(s *step, err error) error {
	return fmt.Errorf("gx: node %v (%v): %w", s.node, s.op, err)
}

func (m *Machine) run(s *step) (err error) {
	for j, k := range s.in {
		if m.shared {
			s.args[j] = s.own(j, m.values[k])
		} else {
			s.args[j] = m.values[k]
		}
	}
	out := m.values[s.out]
	var v G.Value
	switch {
	case out == nil || s.kind == everyRun:
		v, err = s.op.Do(s.args...)
		if err == nil && s.kind == view {
			s.from = s.args[0]
			if !sharesData(v, s.from) {
				s.kind = everyRun
			}
		}
	case s.kind == once:
		return nil
	case s.kind == view:
		if s.args[0] == s.from {
			return nil
		}
		v, err = s.op.Do(s.args...)
		s.from = s.args[0]
	case s.kind == sum:
		if sumInto(out, s.args[0], s.axes) {
			return nil
		}
		v, err = s.op.Do(s.args...)
	case s.kind == prealloc:
		v, err = s.op.(G.UsePreallocDoer).UsePreallocDo(out, s.args...)
	case s.kind == unary:
		dst, ok1 := out.(tensor.Tensor)
		src, ok2 := s.args[0].(tensor.Tensor)
		if !ok1 || !ok2 {
			v, err = s.op.Do(s.args...)
			break
		}
		if err = tensor.Copy(dst, src); err == nil {
			v, err = s.op.(G.UnsafeDoer).UnsafeDo(dst)
		}
	}
	if err != nil {
		return err
	}
	m.values[s.out] = v
	return nil
}

// Value returns output i's value after the last Run. It is overwritten by
// the next Run: copy what you keep.
func (m *Machine) Value(i int) G.Value {
	switch {
	case m.tape == nil:
		if !m.ran {
			return nil
		}
		return m.values[m.index[m.outputs[i]]]
	case m.final[i]:
		return m.outputs[i].Value()
	default:
		return m.reads[i]
	}
}

// Close releases the machine.
func (m *Machine) Close() error {
	if m.tape != nil {
		return m.tape.Close()
	}
	clear(m.values)
	return nil
}

// sharesData reports whether v and w are tensors over the same memory.
func sharesData(v, w G.Value) bool {
	a, ok1 := v.(tensor.Tensor)
	b, ok2 := w.(tensor.Tensor)
	return ok1 && ok2 && a.Uintptr() == b.Uintptr() && a.MemSize() == b.MemSize()
}

// pure is implemented by the operations that embed PureOp.
type pure interface{ pureOp() }

func (PureOp) pureOp() {}

// rerunnable names Gorgonia's operations that are pure functions of their
// inputs, with how a Machine reruns them. Any other operation (a random
// node, a convolution's im2col, dropout, a read or let statement) sends a
// graph to the tape machine.
var rerunnable = map[string]stepKind{
	"gorgonia.elemBinOp":      prealloc,
	"gorgonia.linAlgBinOp":    prealloc,
	"*gorgonia.repeatOp":      prealloc,
	"gorgonia.elemUnaryOp":    unary,
	"gorgonia.sizeOp":         once,
	"gorgonia.constantScalar": once,
	"gorgonia.constantTensor": once,
	"gorgonia.reshapeOp":      view,
	"gorgonia.sumOp":          sum,
	"gorgonia.concatOp":       everyRun,
	"*gorgonia.sliceOp":       everyRun,
	"*gorgonia.maxOp":         everyRun,
}

func allRerunnable(nodes G.Nodes) bool {
	for _, n := range nodes {
		if op := n.Op(); op != nil {
			if _, ok := op.(pure); ok {
				continue
			}
			if _, ok := rerunnable[reflect.TypeOf(op).String()]; !ok {
				return false
			}
		}
	}
	return true
}

func kindOf(op G.Op) stepKind {
	if _, ok := op.(pure); ok {
		if _, ok := op.(G.UsePreallocDoer); ok {
			return prealloc
		}
		return everyRun
	}
	return rerunnable[reflect.TypeOf(op).String()]
}
