package fastblas

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// CBLAS constants of the C interface (cblas.h).
const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// openBLASNames are the names tried, in order, to load OpenBLAS. On Debian
// and Ubuntu the first comes with the package libopenblas0-pthread (or
// libopenblas0-openmp); the second with libopenblas-dev.
var openBLASNames = []string{"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"}

// CBLAS is a BLAS whose Sgemm and Dgemm call cblas_sgemm and cblas_dgemm of
// OpenBLAS, loaded at run time without cgo; every other routine is gonum's.
// Get one from OpenBLAS. A *CBLAS is a gorgonia.BLAS.
//
// OpenBLAS runs its own threads: their number is read from the environment
// variable OPENBLAS_NUM_THREADS (else OMP_NUM_THREADS, else the number of
// cores) when the library is loaded, and can be changed with SetThreads.
// Its results depend on the number of threads and on the kernel OpenBLAS
// picks for the processor (OPENBLAS_CORETYPE overrides that choice).
type CBLAS struct {
	gonum.Implementation
	lib        string
	sgemm      func(order, tA, tB, m, n, k int32, alpha float32, a *float32, lda int32, b *float32, ldb int32, beta float32, c *float32, ldc int32)
	dgemm      func(order, tA, tB, m, n, k int32, alpha float64, a *float64, lda int32, b *float64, ldb int32, beta float64, c *float64, ldc int32)
	setThreads func(n int32)
	getThreads func() int32
	config     func() string
}

// openBLAS loads the library once per process.
var openBLAS = sync.OnceValues(loadOpenBLAS)

// OpenBLAS loads the system's OpenBLAS (libopenblas.so.0) and returns a BLAS
// that uses its Sgemm and Dgemm. It returns an error that says how to install
// the library when it cannot be loaded; the library is loaded once per
// process and the same value or error is returned on every call.
func OpenBLAS() (*CBLAS, error) { return openBLAS() }

// Library returns the name the library was loaded by.
func (cb *CBLAS) Library() string { return cb.lib }

// Config returns OpenBLAS's description of its build (version, kernel,
// threading), as openblas_get_config prints it.
func (cb *CBLAS) Config() string { return cb.config() }

// Threads returns the number of threads OpenBLAS uses.
func (cb *CBLAS) Threads() int { return int(cb.getThreads()) }

// SetThreads sets the number of threads OpenBLAS uses for the whole process.
// It panics if n < 1.
func (cb *CBLAS) SetThreads(n int) {
	if n < 1 || n > math.MaxInt32 {
		panic(fmt.Sprintf("fastblas: SetThreads(%d): the number of threads must be at least 1", n))
	}
	cb.setThreads(int32(n))
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices with cblas_sgemm. Arguments are checked in Go first: bad ones
// panic with gonum's messages, and dimensions past the C library's 32-bit
// integers go to Implementation.
func (cb *CBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aT, bT, ok := checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	switch {
	case !ok:
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	case m == 0 || n == 0:
	case alpha == 0 || k == 0:
		if beta != 1 {
			scale(c, ldc, 0, m, 0, n, beta)
		}
	case !fitInt32(m, n, k, lda, ldb, ldc):
		Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	default:
		cb.sgemm(cblasRowMajor, cblasTranspose(aT), cblasTranspose(bT), int32(m), int32(n), int32(k),
			alpha, &a[0], int32(lda), &b[0], int32(ldb), beta, &c[0], int32(ldc))
		runtime.KeepAlive(a)
		runtime.KeepAlive(b)
		runtime.KeepAlive(c)
	}
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float64
// matrices with cblas_dgemm, as Sgemm does for float32.
func (cb *CBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	aT, bT, ok := checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	switch {
	case !ok:
		gonum.Implementation{}.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	case m == 0 || n == 0:
	case alpha == 0 || k == 0:
		if beta != 1 {
			scale(c, ldc, 0, m, 0, n, beta)
		}
	case !fitInt32(m, n, k, lda, ldb, ldc):
		Implementation{}.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	default:
		cb.dgemm(cblasRowMajor, cblasTranspose(aT), cblasTranspose(bT), int32(m), int32(n), int32(k),
			alpha, &a[0], int32(lda), &b[0], int32(ldb), beta, &c[0], int32(ldc))
		runtime.KeepAlive(a)
		runtime.KeepAlive(b)
		runtime.KeepAlive(c)
	}
}

func cblasTranspose(trans bool) int32 {
	if trans {
		return cblasTrans
	}
	return cblasNoTrans
}

// fitInt32 reports whether every value fits the C library's int.
func fitInt32(v ...int) bool {
	for _, x := range v {
		if x > math.MaxInt32 {
			return false
		}
	}
	return true
}
