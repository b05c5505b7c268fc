package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunCallsEachPieceOnce runs n pieces for n from 0 to 9 under
// GOMAXPROCS 1, 2 and 4, with workers warm (back to back) and asleep
// (after a pause longer than their spin), and checks that every piece ran
// exactly once before Run returned.
func TestRunCallsEachPieceOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, pause := range []time.Duration{0, 5 * time.Millisecond} {
			for n := range 10 {
				time.Sleep(pause)
				counts := make([]atomic.Int32, n)
				Run(n, func(i int) { counts[i].Add(1) })
				for i := range counts {
					if c := counts[i].Load(); c != 1 {
						t.Fatalf("GOMAXPROCS %d, pause %v, %d pieces: piece %d ran %d times", procs, pause, n, i, c)
					}
				}
			}
		}
	}
}

// TestRunConcurrent calls Run from several goroutines at once (the workers
// serve one; the others run their pieces themselves) and from inside a
// piece, and checks that every piece of every call ran once.
func TestRunConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for range 200 {
				Run(3, func(i int) {
					total.Add(1)
					if i == g%3 {
						Run(2, func(int) { total.Add(1) })
					}
				})
			}
		})
	}
	wg.Wait()
	if got, want := total.Load(), int64(8*200*(3+2)); got != want {
		t.Errorf("%d pieces ran, want %d", got, want)
	}
}

// TestRunReturnsAfterAll checks that Run waits for a slow piece on a worker.
func TestRunReturnsAfterAll(t *testing.T) {
	var done atomic.Bool
	Run(2, func(i int) {
		if i == 1 {
			time.Sleep(20 * time.Millisecond)
			done.Store(true)
		}
	})
	if !done.Load() {
		t.Error("Run returned before its pieces did")
	}
}
