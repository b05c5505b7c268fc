// Package fastblas provides faster matrix products for Gorgonia: a pure-Go
// BLAS with its own Sgemm and Dgemm (Implementation), the system's OpenBLAS
// loaded at run time without cgo (OpenBLAS, CBLAS), and a Backend selector
// for a -blas flag (Select).
//
//	impl, desc, err := fastblas.Select(fastblas.BackendAuto)
//	if err != nil { ... }
//	log.Printf("BLAS: %s", desc)
//	gorgonia.Use(impl)
//
// gorgonia.Use is global: set it once, before building machines.
//
// # Why a GEMM of our own
//
// gonum's Sgemm and Dgemm neither pack nor block for the caches, and run
// 8-14 GFLOP/s on the VAE's products on this project's machines (AMD EPYC,
// AVX2/FMA/AVX-512). github.com/viterin/vek (MIT, no cgo, AVX2 assembly)
// was considered first: its MatMul multiplies contiguous row-major matrices
// only (no transposes, leading dimensions, alpha or beta: each would need a
// copy), keeps its kernels in an internal package, splits rows over
// runtime.NumCPU rather than GOMAXPROCS, and ran about 33 GFLOP/s on one
// core for 128×784·784×400. GoMLX has a packed GEMM (backends/simplego/
// packgemm, SIMD through the go-highway generator), but it is written for
// GoMLX's own LHS/RHS contractions, not the BLAS interface, and would bring
// GoMLX in for one routine. So this package has its own: BLIS's loop nest
// (Van Zee and van de Geijn, 2015) in Go, with a 6×16 (float32) or 6×8 (float64) AVX2+FMA
// micro-kernel and the packing in assembly. On the VAE's float32 products
// it does 91-98 GFLOP per second of CPU time, near the processor's AVX2
// peak, against 11-14 for gonum and 34-67 for OpenBLAS 0.3.21 (whose
// threads spin while they wait); see BenchmarkSgemm. Where the processor
// has AVX-512, whole pairs of float32 tiles go through a 6×32 kernel with
// twice the kernel's rate (BenchmarkKernel, one core: 95-104 GFLOP/s for
// 6×16, 193-212 for 6×32, on a loaded machine) and the same bits as the
// 6×16 kernel (TestWideKernelSameBits), so results do not depend on which
// of the two ran.
//
// Build with -tags purego for no assembly at all: Implementation's Sgemm
// and Dgemm are then gonum's.
//
// # Determinism
//
// Implementation's results do not depend on GOMAXPROCS or scheduling: each
// element of C is summed by one goroutine in a fixed order (see gemm).
// OpenBLAS 0.3.21 repeated its results bit for bit at a fixed thread count,
// but one and two threads gave different bits for 128×784·784×400: with
// OpenBLAS, results depend on OPENBLAS_NUM_THREADS (and on the kernel it
// picks for the processor).
package fastblas
