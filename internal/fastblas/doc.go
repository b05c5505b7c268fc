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
// 8-13 GFLOP/s on the VAE's products. github.com/viterin/vek (MIT, no cgo,
// AVX2 assembly) was considered first: its MatMul multiplies contiguous
// row-major matrices only (no transposes, leading dimensions, alpha or
// beta: each would need a copy), keeps its kernels in an internal package,
// splits rows over runtime.NumCPU rather than GOMAXPROCS, and ran about 33
// GFLOP/s on one core for 128×784·784×400. No maintained pure-Go module
// offers a packed GEMM, so this package has one: BLIS's loop nest
// (Van Zee and van de Geijn, 2015) in Go with a 6×16 (float32) or 6×8
// (float64) AVX2+FMA micro-kernel in assembly, reaching 60-90 GFLOP/s on
// one core of the machines this project runs on (see BenchmarkSgemm).
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
