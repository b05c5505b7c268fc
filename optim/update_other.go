//go:build !amd64 || purego

package optim

// adamConsts32 are the float32 constants of one update.
type adamConsts32 struct {
	b1, omb1, b2, omb2, step, ic2, eps float32
}

// adamVector32 updates nothing where there is no assembly kernel: the Go
// loop does all the work.
func adamVector32(w, g, m, v []float32, k adamConsts32) int { return 0 }
