package vmath

import (
	"runtime"

	"github.com/govae/govae/internal/par"
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
	par.Run(workers, func(w int) { f(rows*w/workers, rows*(w+1)/workers) })
}
