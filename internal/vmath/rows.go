package vmath

import (
	"runtime"
	"sync"
)

// parallelFrom is the number of elements from which Rows splits the work.
const parallelFrom = 1 << 15

// Rows calls f on ranges of rows that together cover [0, rows), one
// goroutine per range when the matrix has at least 32,768 elements and
// GOMAXPROCS allows. Each row is handled by one call, so results that are
// computed row by row do not depend on the number of goroutines.
func Rows(rows, cols int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), rows)
	if workers < 2 || rows*cols < parallelFrom {
		f(0, rows)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := rows*w/workers, rows*(w+1)/workers
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}
