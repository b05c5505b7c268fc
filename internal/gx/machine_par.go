package gx

import (
	"reflect"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/internal/par"
)

// A Machine runs a graph's steps on two goroutines when the graph is made
// of small operations, as a training step at batch 20 is. Such a step is
// a chain of products too small to split (fastblas keeps a product on one
// core below fastblas.SplitFrom multiply-adds: a second core gained
// nothing on them) beside work that does not wait for the chain: each
// layer's weight gradient Aᵀ·dY, its bias gradient, the terms of the
// loss. Timed step by step on one goroutine, the longest chain of Burda's
// one-layer step is 1/1.35 of its steps' time (1/1.37 with K = 5, 1/1.94
// and 1/2.28 for the two-layer VAE and IWAE): that is what a second core
// can take.
//
// The plan is static: the first runs after the one that allocates run on
// one goroutine and time each step; then list scheduling splits the steps
// into two ordered lists, one for the caller and one for a warm worker
// (par.Pair), and a step waits (spinning) only for the steps of the other
// list whose values it reads. A dynamic queue shared by both goroutines
// was tried first and lost on every preset: its lock's cache line moved
// between the cores at every step.
//
// Each step still computes what it computed on one goroutine, from the
// same inputs, into its own value, so the results are the same bits
// whatever GOMAXPROCS is (TestConcurrentMatchesSequential,
// TestTrainingMatchesTape). Two steps that read the same value must not
// disturb each other: Gorgonia's product transposes its input's header in
// place for the length of the call (linAlgBinOp.do: a.T(), then a
// deferred a.T()), and an elementwise operation may reshape one. So in a
// concurrent run a step reads each input through a header of its own (a
// shallow clone, made when the input first appears and kept while it
// stays the same value), and no step changes another's header.

// Concurrency chooses when a Machine runs independent steps at once.
type Concurrency int

const (
	// Auto: when GOMAXPROCS > 1, Gorgonia's products go through fastblas's
	// own Go implementation (G.Use(fastblas.Implementation{})), and no
	// product of the graph is large enough for fastblas to split over the
	// cores itself. With OpenBLAS, whose threads spin on the same two
	// cores, a burda2-iwae epoch took 150-162 s on two goroutines against
	// about 15 s on one.
	Auto Concurrency = iota
	// Never: one step after another, on the calling goroutine.
	Never
	// Always: whenever GOMAXPROCS > 1 (for tests).
	Always
)

// StepConcurrency is the policy of every Machine. Tests set it to run the
// same model both ways; nothing else should.
var StepConcurrency = Auto

// schedule is what a Machine needs to run its steps on two goroutines: a
// plan, made once from the steps' times on one goroutine, that gives each
// goroutine a list of steps in order and says which of the other list's
// steps each one must wait for.
type schedule struct {
	deps  [][]int32 // step → the steps whose values it reads
	small bool      // no product large enough for fastblas to split

	times  []time.Duration // step → its fastest of the timed runs
	timed  int             // runs timed so far
	alone  time.Duration   // the fastest timed run, all steps on one goroutine
	best   time.Duration   // the fastest of the trial runs on the plan
	trials int             // runs on the plan so far, up to TimedRuns
	off    bool            // the plan lost to one goroutine: run on one
	lists  [2][]int32      // the plan: the caller's steps, then the helper's
	cross  [][]int32       // step → the steps of the other list it waits for
	done   []atomic.Uint32 // step → the number of the last run that finished it; nil until the plan is made
	run    uint32          // the number of this run
	failed atomic.Bool     // a step of this run failed: err and errAt say which
	err    error
	errAt  int32
}

// TimedRuns is how many runs on one goroutine time the steps before the
// plan is made (each step's fastest time counts), and how many runs on
// the plan then decide whether it is kept: under Auto, a plan whose
// fastest trial run is not at least 3 % faster than the fastest timed run
// is dropped, and the machine runs on one goroutine from then on. The
// plan can lose where the timings mislead it: Burda's one-layer step in
// vae-train, over all 60,000 images, took 2.77–2.88 s per epoch on the
// plan against 2.57–2.68 on one goroutine (quiet machine, two epochs, two
// runs each), though it gained on the 2,000 images of BenchmarkTrainStep.
// Tests lower it.
var TimedRuns = 8

// concurrentRuns counts the runs that followed a plan on two goroutines.
var concurrentRuns atomic.Int64

// ConcurrentRuns is the number of runs, by every Machine so far, that
// followed a plan on two goroutines: tests check with it that the
// concurrent path ran.
func ConcurrentRuns() int64 { return concurrentRuns.Load() }

// crossCost is what the plan charges for a value that one goroutine
// computes and the other reads: the reader's wait for the writer's flag
// and for the value's cache lines.
const crossCost = 2 * time.Microsecond

func newSchedule(steps []step, nodes G.Nodes) *schedule {
	sc := &schedule{deps: make([][]int32, len(steps)), small: true}
	producer := make(map[int]int32, len(steps)) // value index → step
	for i, s := range steps {
		producer[s.out] = int32(i)
	}
	for i, s := range steps {
		for _, k := range s.in {
			if p, ok := producer[k]; ok && !slices.Contains(sc.deps[i], p) {
				sc.deps[i] = append(sc.deps[i], p)
			}
		}
		if macs, ok := productSize(s, nodes); ok && macs >= fastblas.SplitFrom {
			sc.small = false
		}
	}
	return sc
}

// productSize is the number of multiply-adds of a product step: the size
// of A times the columns of the result.
func productSize(s step, nodes G.Nodes) (float64, bool) {
	if reflect.TypeOf(s.op).String() != "gorgonia.linAlgBinOp" || len(s.in) != 2 {
		return 0, false
	}
	a := float64(max(nodes[s.in[0]].Shape().TotalSize(), 1))
	if shape := s.node.Shape(); len(shape) == 2 {
		return a * float64(shape[1]), true
	}
	return a, true
}

// concurrent reports whether this run should use two goroutines, or time
// the steps on one for the plan.
func (m *Machine) concurrent() bool {
	if m.sched == nil || !m.ran || runtime.GOMAXPROCS(0) < 2 {
		return false
	}
	switch StepConcurrency {
	case Never:
		return false
	case Always:
		return true
	}
	_, ours := G.WhichBLAS().(fastblas.Implementation)
	return ours && m.sched.small
}

// runConcurrent times the steps on one goroutine for the first runs, then
// makes the plan and follows it.
func (m *Machine) runConcurrent() error {
	sc := m.sched
	if sc.off && StepConcurrency == Auto {
		return m.runSequential()
	}
	if sc.timed < TimedRuns {
		return m.runTimed()
	}
	if sc.done == nil {
		sc.plan(len(m.steps))
	}
	sc.run++
	sc.failed.Store(false)
	sc.err = nil
	start := time.Now()
	m.shared = true
	ran := par.Pair(m.follow)
	m.shared = false
	if !ran {
		return m.runSequential()
	}
	if sc.err != nil {
		return stepError(&m.steps[sc.errAt], sc.err)
	}
	concurrentRuns.Add(1)
	if sc.trials < TimedRuns {
		if d := time.Since(start); sc.trials == 0 || d < sc.best {
			sc.best = d
		}
		if sc.trials++; sc.trials == TimedRuns {
			sc.off = sc.best > sc.alone*97/100
		}
	}
	return nil
}

// runTimed runs the steps one after another and keeps each one's fastest
// time.
func (m *Machine) runTimed() error {
	sc := m.sched
	if sc.times == nil {
		sc.times = make([]time.Duration, len(m.steps))
	}
	begin := time.Now()
	for i := range m.steps {
		start := time.Now()
		if err := m.run(&m.steps[i]); err != nil {
			return stepError(&m.steps[i], err)
		}
		if d := time.Since(start); sc.timed == 0 || d < sc.times[i] {
			sc.times[i] = d
		}
	}
	if d := time.Since(begin); sc.timed == 0 || d < sc.alone {
		sc.alone = d
	}
	sc.timed++
	return nil
}

// follow runs list w of the plan, waiting for the other list's steps where
// it must.
func (m *Machine) follow(w int) {
	sc := m.sched
	for _, i := range sc.lists[w] {
		for _, d := range sc.cross[i] {
			for spins := 1; sc.done[d].Load() != sc.run; spins++ {
				if sc.failed.Load() {
					return
				}
				if spins%256 == 0 {
					runtime.Gosched()
				}
			}
		}
		if err := m.run(&m.steps[i]); err != nil {
			// The first failure is kept; Pair's return orders it
			// before the caller reads it.
			if sc.failed.CompareAndSwap(false, true) {
				sc.err, sc.errAt = err, i
			}
			return
		}
		sc.done[i].Store(sc.run)
	}
}

// plan assigns the steps to the two goroutines by list scheduling: the
// step with the longest timed path from it to the end goes first, to the
// goroutine where it can start earliest (the caller's on a tie), with
// crossCost for each value it reads from the other.
func (sc *schedule) plan(n int) {
	users := make([][]int32, n)
	for i, ds := range sc.deps {
		for _, d := range ds {
			users[d] = append(users[d], int32(i))
		}
	}
	rank := make([]time.Duration, n) // the longest timed path from a step to the end
	for i := n - 1; i >= 0; i-- {    // steps are in topological order
		var after time.Duration
		for _, u := range users[i] {
			after = max(after, rank[u])
		}
		rank[i] = sc.times[i] + after
	}
	waiting := make([]int, n)
	var ready []int32
	for i := range n {
		if waiting[i] = len(sc.deps[i]); waiting[i] == 0 {
			ready = append(ready, int32(i))
		}
	}
	on := make([]int, n)
	finish := make([]time.Duration, n)
	var free [2]time.Duration
	for range n {
		best := 0
		for j := range ready {
			if rank[ready[j]] > rank[ready[best]] {
				best = j
			}
		}
		i := ready[best]
		ready = slices.Delete(ready, best, best+1)
		var start [2]time.Duration
		for w := range 2 {
			start[w] = free[w]
			for _, d := range sc.deps[i] {
				t := finish[d]
				if on[d] != w {
					t += crossCost
				}
				start[w] = max(start[w], t)
			}
		}
		w := 0
		if start[1] < start[0] {
			w = 1
		}
		on[i], finish[i] = w, start[w]+sc.times[i]
		free[w] = finish[i]
		sc.lists[w] = append(sc.lists[w], i)
		for _, u := range users[i] {
			if waiting[u]--; waiting[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	sc.cross = make([][]int32, n)
	for i, ds := range sc.deps {
		for _, d := range ds {
			if on[d] != on[i] {
				sc.cross[i] = append(sc.cross[i], d)
			}
		}
	}
	sc.done = make([]atomic.Uint32, n)
}

// own returns the header through which s reads v: a shallow clone of a
// dense tensor, made when v first appears as input j and kept while input
// j is the same value, so that an operation that transposes or reshapes
// its input in place changes only its own header.
func (s *step) own(j int, v G.Value) G.Value {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return v
	}
	if s.sources[j] != d {
		s.sources[j], s.headers[j] = d, d.ShallowClone()
	}
	return s.headers[j]
}
