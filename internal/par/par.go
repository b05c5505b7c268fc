// Package par runs a few pieces of work at once on goroutines that stay
// warm between calls.
//
// The products and updates of a small-batch training step take tens of
// microseconds each, about as long as a new goroutine needs to be
// scheduled on an idle core (its thread has to be woken from the kernel):
// with a goroutine per call, the caller had done nearly all of a product
// before its helper started (the helper did 9% of the matrix-product work
// of a Burda step, in a CPU profile). The workers here spin for a while
// after each piece before they sleep, so the next piece starts at once;
// and a piece that no worker has picked up when the caller is done with
// its own is taken back and run by the caller, so a sleeping worker costs
// no waiting.
//
// Callers split their work so that the result does not depend on which
// goroutine ran which piece: the pieces run in any order, some on the
// caller.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// spins is how many times an idle worker looks for work before it sleeps:
// about 0.3 ms on the project's machine (2^15 looks took 9 µs). A batch-20
// training step runs its graph on two goroutines (gx.Machine) and spends
// about 0.2 ms between runs on Adam's update and the next batch; with
// 2^15, the worker slept in that gap and had to be woken by the kernel at
// every run, and Burda's step took 1.24–1.35 ms on two cores against
// 0.77–0.84 on one (quiet machine, BenchmarkTrainStep); with 2^20, 0.78.
const spins = 1 << 20

// Run calls f(0), …, f(n-1) and returns when all have returned: f(0) on
// the calling goroutine, the others on warm workers, or on the caller when
// the workers are busy with another Run or have not picked their piece up
// by the time the caller is done with its own. n above GOMAXPROCS is
// allowed; the pieces then take turns.
func Run(n int, f func(i int)) {
	if n <= 1 {
		if n == 1 {
			f(0)
		}
		return
	}
	if !pool.TryLock() {
		for i := range n {
			f(i)
		}
		return
	}
	defer pool.Unlock()
	spread(n, f)
}

// Pair calls f(0) on the calling goroutine and f(1) on a warm worker at the
// same time, for two pieces that wait on each other's progress, which Run
// might call one after the other. It returns false, having called
// neither, when GOMAXPROCS is 1 or the workers are busy with another call.
// If the worker has not picked f(1) up by the time f(0) returns, the
// caller runs it: f(1) may wait for f(0)'s progress only until f(0) is
// done.
func Pair(f func(i int)) bool {
	if runtime.GOMAXPROCS(0) < 2 || !pool.TryLock() {
		return false
	}
	defer pool.Unlock()
	spread(2, f)
	return true
}

// spread runs the n pieces with the pool held.
func spread(n int, f func(i int)) {
	helpers := min(n, runtime.GOMAXPROCS(0)) - 1
	for len(workers) < helpers {
		w := &worker{wake: make(chan struct{}, 1)}
		workers = append(workers, w)
		go w.loop()
	}
	if len(tasks) < helpers {
		tasks = make([]task, helpers)
	}
	pending.Store(int32(helpers))
	for i := range helpers {
		tasks[i] = task{f: f, i: i + 1}
		workers[i].give(&tasks[i])
	}
	f(0)
	for i := helpers + 1; i < n; i++ {
		f(i)
	}
	for i := range helpers {
		if t := workers[i].task.CompareAndSwap(&tasks[i], nil); t {
			f(tasks[i].i)
			pending.Add(-1)
		}
	}
	for s := 0; pending.Load() > 0; s++ {
		if s > spins {
			runtime.Gosched()
		}
	}
	clear(tasks) // keep no caller's closure
}

// What a Run uses, guarded by pool.
var (
	pool    sync.Mutex
	workers []*worker
	tasks   []task       // tasks[i] is workers[i]'s piece
	pending atomic.Int32 // pieces handed out and not finished
)

type task struct {
	f func(int)
	i int
}

type worker struct {
	task   atomic.Pointer[task]
	parked atomic.Bool
	wake   chan struct{}
}

// give hands t to w, waking it if it sleeps.
func (w *worker) give(t *task) {
	w.task.Store(t)
	if w.parked.CompareAndSwap(true, false) {
		w.wake <- struct{}{}
	}
}

func (w *worker) loop() {
	for {
		var t *task
		for range spins {
			// Look before taking: a read leaves the cache line shared
			// with the caller, a swap would pull it over on every try.
			if w.task.Load() != nil {
				if t = w.task.Swap(nil); t != nil {
					break
				}
			}
		}
		if t == nil {
			w.parked.Store(true)
			if t = w.task.Swap(nil); t == nil {
				<-w.wake // give cleared parked
				continue
			}
			if !w.parked.CompareAndSwap(true, false) {
				<-w.wake // give's wake-up, sent after the check above
			}
		}
		t.f(t.i)
		pending.Add(-1)
	}
}
