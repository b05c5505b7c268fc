package gx_test

import (
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/gx"
)

// concurrently sets the machines up to run their steps on two goroutines
// from the second run on, whatever the graph's size, and restores the
// defaults when the test ends.
func concurrently(t *testing.T, c gx.Concurrency) {
	procs, policy, timed := runtime.GOMAXPROCS(2), gx.StepConcurrency, gx.TimedRuns
	gx.StepConcurrency, gx.TimedRuns = c, 1
	t.Cleanup(func() {
		runtime.GOMAXPROCS(procs)
		gx.StepConcurrency, gx.TimedRuns = policy, timed
	})
}

// branchyGraph is machineGraph with a second loss through the same
// inputs, so that the two goroutines have whole branches to share: its
// gradients have products that read x and u plain and transposed at once,
// the case that needs each step's own headers.
func branchyGraph(t *testing.T, dt tensor.Dtype) (*G.ExprGraph, G.Nodes, G.Nodes) {
	return lossGraph(t, dt, true)
}

// TestConcurrentMatchesSequential runs a graph on a Machine that follows
// a two-goroutine plan and on one that runs its steps one by one, for
// twenty sets of inputs, and finds the same bits in every output; it fails
// if the concurrent path did not run.
func TestConcurrentMatchesSequential(t *testing.T) {
	concurrently(t, gx.Always)
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		before := gx.ConcurrentRuns()
		var machines [2]*gx.Machine
		var inputs [2]G.Nodes
		var outputs int
		for i := range machines {
			g, in, out := branchyGraph(t, dt)
			m, err := gx.NewMachine(g, out...)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			machines[i], inputs[i], outputs = m, in, len(out)
		}
		for run := range 20 {
			for i, policy := range []gx.Concurrency{gx.Always, gx.Never} {
				gx.StepConcurrency = policy
				fill(rand.New(rand.NewPCG(uint64(run), 11)), inputs[i])
				if err := machines[i].Run(); err != nil {
					t.Fatalf("%v, run %d: %v", dt, run, err)
				}
			}
			for o := range outputs {
				got, want := graphtest.Floats(dataOf(machines[0].Value(o))), graphtest.Floats(dataOf(machines[1].Value(o)))
				for k := range want {
					if math.Float64bits(got[k]) != math.Float64bits(want[k]) {
						t.Fatalf("%v, run %d, output %d, element %d: %v on two goroutines, %v on one", dt, run, o, k, got[k], want[k])
					}
				}
			}
		}
		if runs := gx.ConcurrentRuns() - before; runs < 15 {
			t.Errorf("%v: %d of 20 runs followed a two-goroutine plan, want at least 15", dt, runs)
		}
	}
}

// failOp is the identity, with no gradient, that fails while its flag is
// set.
type failOp struct {
	gx.PureOp
	fail *atomic.Bool
}

func (failOp) Arity() int { return 1 }
func (failOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}
func (failOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}
func (op failOp) Do(in ...G.Value) (G.Value, error) {
	if op.fail.Load() {
		return nil, errors.New("failOp: told to fail")
	}
	return G.CloneValue(in[0])
}
func (op failOp) WriteHash(h hash.Hash)                          { fmt.Fprint(h, op.String()) }
func (op failOp) Hashcode() uint32                               { return gx.OpHash(op) }
func (failOp) String() string                                    { return "failOp" }
func (failOp) DiffWRT(int) []bool                                { return []bool{false} }
func (failOp) SymDiff(in G.Nodes, _, _ *G.Node) (G.Nodes, error) { return make(G.Nodes, len(in)), nil }

// TestConcurrentError checks that a step that fails in a concurrent run
// stops the run with the step's error instead of leaving the other
// goroutine waiting for it, and that the machine runs on the plan again
// once the step succeeds.
func TestConcurrentError(t *testing.T) {
	concurrently(t, gx.Always)
	g, inputs, outputs := branchyGraph(t, tensor.Float64)
	var fail atomic.Bool
	// A step after the loss fails, and one after it waits for it, while
	// the gradients run on.
	failing, err := G.ApplyOp(failOp{fail: &fail}, outputs[0])
	if err != nil {
		t.Fatal(err)
	}
	var b gx.B
	after := b.Square(failing)
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	m, err := gx.NewMachine(g, append(G.Nodes{after}, outputs...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 4 {
		fill(rand.New(rand.NewPCG(1, 2)), inputs)
		if err := m.Run(); err != nil {
			t.Fatal(err)
		}
	}
	before := gx.ConcurrentRuns()
	fail.Store(true)
	done := make(chan error, 1)
	go func() { done <- m.Run() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a run whose step failed succeeded")
		}
		t.Log(err)
	case <-time.After(20 * time.Second):
		t.Fatal("a run whose step failed did not return")
	}
	fail.Store(false)
	if err := m.Run(); err != nil {
		t.Fatalf("after the failed run: %v", err)
	}
	if gx.ConcurrentRuns() == before {
		t.Error("the run after the failure did not follow the plan")
	}
}

// TestAutoNeedsFastblas checks that under the default policy a small graph
// runs on two goroutines only when Gorgonia's products go through
// fastblas's Go implementation: with another BLAS, whose own threads would
// compete for the cores, it stays on one.
func TestAutoNeedsFastblas(t *testing.T) {
	concurrently(t, gx.Auto)
	saved := G.WhichBLAS()
	defer G.Use(saved)
	for _, c := range []struct {
		name string
		blas G.BLAS
		want bool
	}{{"gonum", gonum.Implementation{}, false}, {"fastblas", fastblas.Implementation{}, true}} {
		G.Use(c.blas)
		g, inputs, outputs := branchyGraph(t, tensor.Float64)
		m, err := gx.NewMachine(g, outputs...)
		if err != nil {
			t.Fatal(err)
		}
		before := gx.ConcurrentRuns()
		for run := range 6 {
			fill(rand.New(rand.NewPCG(uint64(run), 3)), inputs)
			if err := m.Run(); err != nil {
				t.Fatal(err)
			}
		}
		m.Close()
		if got := gx.ConcurrentRuns() > before; got != c.want {
			t.Errorf("%s: ran on two goroutines: %v, want %v", c.name, got, c.want)
		}
	}
}
