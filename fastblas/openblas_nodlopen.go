//go:build !((linux || darwin) && (amd64 || arm64))

package fastblas

import (
	"errors"
	"runtime"
)

// loadOpenBLAS fails: purego cannot open C libraries with floating-point
// arguments on this platform.
func loadOpenBLAS() (*CBLAS, error) {
	return nil, errors.New("fastblas: OpenBLAS cannot be loaded on " + runtime.GOOS + "/" + runtime.GOARCH + ": use the pure-Go backend")
}
