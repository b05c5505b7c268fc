//go:build !purego

package optim

import "golang.org/x/sys/cpu"

// haveAVX reports whether adamKernel32 can run here, haveAVX512 whether
// adamKernel32x16 can.
var (
	haveAVX    = cpu.X86.HasAVX
	haveAVX512 = cpu.X86.HasAVX512F
)

// adamKernel32x16 is adamKernel32 sixteen lanes at a time (AVX-512), for n
// a multiple of 16; each lane does the same operations, so the bits are
// the same (TestAdamKernelMatchesLoop runs it where the processor has
// AVX-512). The square root and the division dominate the update; on the
// project's machine, with nothing else running, `go test -run '^$' -bench
// AdamStep/float32 -benchtime 3000x ./optim/` on one core took 232-242 µs
// with eight lanes and 116-119 µs with sixteen (three runs each). It is
// implemented in update_amd64.s.
//
//go:noescape
func adamKernel32x16(w, grad, m, v *float32, n int, k *adamConsts[float32])

// adamKernel32 is implemented in update_amd64.s.
//
//go:noescape
func adamKernel32(w, grad, m, v *float32, n int, k *adamConsts[float32])

// adamVector32 updates the longest prefix of w whose length is a multiple
// of 8 with the AVX kernel, and returns its length; the caller's loop does
// the rest. The Go loop costs about 2.5 ns per parameter, a third of a
// Burda-model training step; eight lanes at a time make it several times
// cheaper with bit-identical results (TestAdamKernelMatchesLoop). g, m and
// v are at least as long as w.
func adamVector32(w, g, m, v []float32, k adamConsts[float32]) int {
	n := len(w) &^ 7
	if !haveAVX || n == 0 {
		return 0
	}
	if n16 := len(w) &^ 15; haveAVX512 && n16 > 0 {
		adamKernel32x16(&w[0], &g[0], &m[0], &v[0], n16, &k)
		if n16 == n {
			return n
		}
		adamKernel32(&w[n16], &g[n16], &m[n16], &v[n16], n-n16, &k)
		return n
	}
	adamKernel32(&w[0], &g[0], &m[0], &v[0], n, &k)
	return n
}
