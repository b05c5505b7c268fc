//go:build !unix

package fastblas

import "time"

// processCPUTime reports false: CPU time is not measured on this system.
func processCPUTime() (time.Duration, bool) { return 0, false }
