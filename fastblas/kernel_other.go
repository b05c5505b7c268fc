//go:build !amd64 || purego

package fastblas

// haveKernels is false where there is no assembly micro-kernel: Sgemm and
// Dgemm then use gonum's implementation.
const haveKernels = false

// haveWide is false where there is no AVX-512 kernel.
const haveWide = false

func sgemmKernel6x32(kc int, a, b *float32, ldb, bnext int, c *float32, ldc int, alpha float32, store bool) {
	panic("fastblas: no assembly kernel on this platform")
}

func sgemmKernel6x16(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha float32, store bool) {
	panic("fastblas: no assembly kernel on this platform")
}

func dgemmKernel6x8(kc int, a, b *float64, ldb int, c *float64, ldc int, alpha float64) {
	panic("fastblas: no assembly kernel on this platform")
}

func packB16N(kc int, src *float32, ld int, dst *float32) {
	panic("fastblas: no assembly packing on this platform")
}

func packB16T(kc8 int, src *float32, ld int, dst *float32) {
	panic("fastblas: no assembly packing on this platform")
}

func packA6N(kc8 int, src *float32, ld int, dst *float32) {
	panic("fastblas: no assembly packing on this platform")
}

func packA6T(kc int, src *float32, ld int, dst *float32) {
	panic("fastblas: no assembly packing on this platform")
}

func packB8N(kc int, src *float64, ld int, dst *float64) {
	panic("fastblas: no assembly packing on this platform")
}

func packB8T(kc4 int, src *float64, ld int, dst *float64) {
	panic("fastblas: no assembly packing on this platform")
}

func packA6N64(kc4 int, src *float64, ld int, dst *float64) {
	panic("fastblas: no assembly packing on this platform")
}

func packA6T64(kc int, src *float64, ld int, dst *float64) {
	panic("fastblas: no assembly packing on this platform")
}
