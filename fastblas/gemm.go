package fastblas

import (
	"runtime"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS with faster Sgemm and Dgemm: packed,
// cache-blocked products on AVX2+FMA assembly micro-kernels, spread over
// runtime.GOMAXPROCS(0) goroutines. Every other routine is gonum's. On a
// processor without AVX2 and FMA, or when built with the purego tag, Sgemm
// and Dgemm are gonum's too.
//
// Results are deterministic: the same inputs give the same bits whatever
// GOMAXPROCS and goroutine scheduling. They differ from gonum's in the last
// bits (another summation order, fused multiply-adds).
//
// The zero value is ready to use, and an Implementation is a gorgonia.BLAS:
//
//	gorgonia.Use(fastblas.Implementation{})
type Implementation struct {
	gonum.Implementation
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices, where op(X) is X or Xᵀ as tA and tB say, op(A) is m×k, op(B) is
// k×n and C is m×n. When beta is 0, C is not read. Bad arguments panic with
// gonum's messages.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aT, bT, ok := checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if !ok || !haveKernels {
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm(sKernel, runtime.GOMAXPROCS(0), gemmArgs[float32]{aT, bT, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc})
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float64
// matrices, as Sgemm does for float32.
func (Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	aT, bT, ok := checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if !ok || !haveKernels {
		gonum.Implementation{}.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	gemm(dKernel, runtime.GOMAXPROCS(0), gemmArgs[float64]{aT, bT, m, n, k, alpha, beta, a, b, c, lda, ldb, ldc})
}

// checkGemm reports whether the arguments of a GEMM are valid, with the rules
// of gonum's Sgemm, and whether A and B are transposed. Invalid calls go to
// gonum, which panics with its usual message.
func checkGemm(tA, tB blas.Transpose, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) (aTrans, bTrans, ok bool) {
	aTrans, okA := isTrans(tA)
	bTrans, okB := isTrans(tB)
	if !okA || !okB || m < 0 || n < 0 || k < 0 {
		return false, false, false
	}
	rowsA, colsA := m, k
	if aTrans {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if bTrans {
		rowsB, colsB = n, k
	}
	if lda < max(1, colsA) || ldb < max(1, colsB) || ldc < max(1, n) {
		return false, false, false
	}
	if m == 0 || n == 0 {
		return aTrans, bTrans, true
	}
	if lenA < (rowsA-1)*lda+colsA || lenB < (rowsB-1)*ldb+colsB || lenC < (m-1)*ldc+n {
		return false, false, false
	}
	return aTrans, bTrans, true
}

// isTrans reports whether t transposes (ConjTrans does, for real matrices)
// and whether t is a valid blas.Transpose.
func isTrans(t blas.Transpose) (trans, ok bool) {
	switch t {
	case blas.NoTrans:
		return false, true
	case blas.Trans, blas.ConjTrans:
		return true, true
	}
	return false, false
}
