//go:build !amd64 || purego

package optim

// adamVector32 updates nothing where there is no assembly kernel: the Go
// loop does all the work.
func adamVector32(w, g, m, v []float32, k adamConsts[float32]) int { return 0 }
