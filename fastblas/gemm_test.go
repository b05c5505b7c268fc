package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats/scalar"
)

// gemmFunc is the signature shared by Sgemm and Dgemm.
type gemmFunc[T float] func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// gemmCase is one product to check: shapes, transposes, padding of the
// leading dimensions, alpha and beta.
type gemmCase struct {
	tA, tB      blas.Transpose
	m, n, k     int
	pad         int
	alpha, beta float64
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%c%c/m=%d,n=%d,k=%d/pad=%d/alpha=%g,beta=%g", tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.pad, tc.alpha, tc.beta)
}

// operands are a case's inputs, stored with padded leading dimensions.
type operands[T float] struct {
	a, b, c       []T
	lda, ldb, ldc int
}

// sentinel fills the padding of C; no GEMM may change it.
const sentinel = -12345

// newOperands draws A, B and C uniformly in [-1, 1) from rnd. C is NaN when
// beta is 0 (BLAS must not read it), and its padding holds sentinel.
func newOperands[T float](tc gemmCase, rnd *rand.Rand) operands[T] {
	rowsA, colsA := tc.m, tc.k
	if tc.tA != blas.NoTrans {
		rowsA, colsA = tc.k, tc.m
	}
	rowsB, colsB := tc.k, tc.n
	if tc.tB != blas.NoTrans {
		rowsB, colsB = tc.n, tc.k
	}
	o := operands[T]{lda: max(1, colsA) + tc.pad, ldb: max(1, colsB) + tc.pad, ldc: tc.n + tc.pad}
	o.a = randomMatrix[T](rowsA, colsA, o.lda, rnd)
	o.b = randomMatrix[T](rowsB, colsB, o.ldb, rnd)
	o.c = randomMatrix[T](tc.m, tc.n, o.ldc, rnd)
	for i := range tc.m {
		for j := range o.ldc {
			switch {
			case j >= tc.n:
				o.c[i*o.ldc+j] = sentinel
			case tc.beta == 0:
				o.c[i*o.ldc+j] = T(math.NaN())
			}
		}
	}
	return o
}

// randomMatrix returns a rows×cols matrix with stride ld; the padding holds
// values too, so that reading it by mistake changes the result.
func randomMatrix[T float](rows, cols, ld int, rnd *rand.Rand) []T {
	s := make([]T, rows*ld)
	for i := range s {
		s[i] = T(2*rnd.Float64() - 1)
	}
	return s
}

// checkAgainst compares got with want (both C after the product) element by
// element. The bound is the forward error bound of a dot product, for each of
// the two implementations: |got-want| <= 2(k+2)·eps·(|alpha|·Σ_p|a_ip||b_pj| + |beta·c_ij|).
// A term of the sum left out or counted twice moves an element by about
// 1/k of that scale, far above the bound for the k used here (k <= 785).
func checkAgainst[T float](t *testing.T, tc gemmCase, o operands[T], c0, got, want []T, eps float64) {
	t.Helper()
	opA := func(i, p int) float64 {
		if tc.tA == blas.NoTrans {
			return float64(o.a[i*o.lda+p])
		}
		return float64(o.a[p*o.lda+i])
	}
	opB := func(p, j int) float64 {
		if tc.tB == blas.NoTrans {
			return float64(o.b[p*o.ldb+j])
		}
		return float64(o.b[j*o.ldb+p])
	}
	// bound[i*n+j] = |alpha|·Σ_p |op(A)_ip|·|op(B)_pj|, by gonum's Dgemm.
	absA, absB := make([]float64, tc.m*tc.k), make([]float64, tc.k*tc.n)
	for i := range tc.m {
		for p := range tc.k {
			absA[i*tc.k+p] = math.Abs(opA(i, p))
		}
	}
	for p := range tc.k {
		for j := range tc.n {
			absB[p*tc.n+j] = math.Abs(opB(p, j))
		}
	}
	bound := make([]float64, tc.m*tc.n)
	if tc.k > 0 {
		gonum.Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, tc.m, tc.n, tc.k, math.Abs(tc.alpha), absA, tc.k, absB, tc.n, 0, bound, tc.n)
	}
	bad := 0
	for i := range tc.m {
		for j := range o.ldc {
			x, y := got[i*o.ldc+j], want[i*o.ldc+j]
			if j >= tc.n {
				if x != sentinel {
					t.Fatalf("%v: C[%d,%d] in the padding changed to %v", tc, i, j, x)
				}
				continue
			}
			s := bound[i*tc.n+j]
			if tc.beta != 0 {
				s += math.Abs(tc.beta * float64(c0[i*o.ldc+j]))
			}
			tol := 2 * float64(tc.k+2) * eps * s
			if math.IsNaN(float64(x)) || !scalar.EqualWithinAbsOrRel(float64(x), float64(y), tol, 0) {
				bad++
				if bad <= 3 {
					t.Errorf("%v: C[%d,%d] = %v, gonum %v (tolerance %.3g)", tc, i, j, x, y, tol)
				}
			}
		}
	}
	if bad > 3 {
		t.Errorf("%v: %d elements differ", tc, bad)
	}
}

// gemmCases returns every transpose combination over odd shapes, padded and
// unpadded leading dimensions, and the alpha/beta special cases.
func gemmCases() []gemmCase {
	trans := []blas.Transpose{blas.NoTrans, blas.Trans}
	sizes := []int{1, 7, 33, 129}
	type ab struct{ alpha, beta float64 }
	scalars := []ab{{1, 0}, {-0.5, 1}, {1.5, 0.75}}
	var cases []gemmCase
	n := 0
	for _, tA := range trans {
		for _, tB := range trans {
			for _, m := range sizes {
				for _, nn := range sizes {
					for _, k := range sizes {
						s := scalars[n%len(scalars)]
						cases = append(cases, gemmCase{tA, tB, m, nn, k, 3 * (n % 2), s.alpha, s.beta})
						n++
					}
				}
			}
			// Shapes of the 784-400-20 VAE (batch 128) and its gradients,
			// the 20-latent Burda model, k beyond one cache block, and
			// ConjTrans (same as Trans for real matrices).
			for _, sh := range [][3]int{{128, 400, 784}, {128, 784, 400}, {400, 784, 128}, {20, 200, 785}, {785, 17, 300}} {
				cases = append(cases, gemmCase{tA, tB, sh[0], sh[1], sh[2], 1, 1, 0})
			}
		}
	}
	cases = append(cases,
		gemmCase{blas.ConjTrans, blas.ConjTrans, 33, 7, 129, 2, 1, 1},
		gemmCase{blas.NoTrans, blas.NoTrans, 33, 7, 129, 0, 0, 0.5}, // alpha = 0: C = beta·C
		gemmCase{blas.NoTrans, blas.Trans, 33, 7, 0, 0, 1, 0.5},     // k = 0: C = beta·C
		gemmCase{blas.Trans, blas.NoTrans, 33, 7, 129, 0, 0, 0},     // alpha = beta = 0: C = 0
	)
	return cases
}

// randomCases draws n cases with m, n, k in [1, 300], random transposes,
// padding and scalars (beta = 0 a third of the time), from a fixed seed.
func randomCases(n int) []gemmCase {
	rnd := rand.New(rand.NewPCG(11, 12))
	trans := []blas.Transpose{blas.NoTrans, blas.Trans}
	scalars := []float64{0, 1, -1, 0.5, 2.25}
	cases := make([]gemmCase, n)
	for i := range cases {
		beta := scalars[rnd.IntN(len(scalars))]
		if rnd.IntN(3) == 0 {
			beta = 0
		}
		cases[i] = gemmCase{trans[rnd.IntN(2)], trans[rnd.IntN(2)], 1 + rnd.IntN(300), 1 + rnd.IntN(300), 1 + rnd.IntN(300),
			rnd.IntN(20), scalars[1+rnd.IntN(len(scalars)-1)], beta}
	}
	return cases
}

// testGemm checks gemm against ref on every case.
func testGemm[T float](t *testing.T, gemm, ref gemmFunc[T], eps float64) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range append(gemmCases(), randomCases(100)...) {
		o := newOperands[T](tc, rnd)
		got, want := slices.Clone(o.c), slices.Clone(o.c)
		gemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, T(tc.alpha), o.a, o.lda, o.b, o.ldb, T(tc.beta), got, o.ldc)
		ref(tc.tA, tc.tB, tc.m, tc.n, tc.k, T(tc.alpha), o.a, o.lda, o.b, o.ldb, T(tc.beta), want, o.ldc)
		checkAgainst(t, tc, o, o.c, got, want, eps)
	}
}

const (
	eps32 = 0x1p-24
	eps64 = 0x1p-53
)

func TestSgemmMatchesGonum(t *testing.T) {
	if !haveKernels {
		t.Log("no AVX2+FMA: Sgemm is gonum's, checked against itself")
	}
	testGemm(t, Implementation{}.Sgemm, gonum.Implementation{}.Sgemm, eps32)
}

func TestDgemmMatchesGonum(t *testing.T) {
	testGemm(t, Implementation{}.Dgemm, gonum.Implementation{}.Dgemm, eps64)
}

func TestGemmBadArgumentsPanicLikeGonum(t *testing.T) {
	a := make([]float32, 12)
	for _, tc := range []struct {
		name string
		call func(blas.Float32)
	}{
		{"short C", func(b blas.Float32) { b.Sgemm(blas.NoTrans, blas.NoTrans, 3, 4, 3, 1, a, 3, a, 4, 0, a[:11], 4) }},
		{"lda < k", func(b blas.Float32) { b.Sgemm(blas.NoTrans, blas.NoTrans, 3, 4, 3, 1, a, 2, a, 4, 0, a, 4) }},
		{"bad transpose", func(b blas.Float32) { b.Sgemm('x', blas.NoTrans, 3, 4, 3, 1, a, 3, a, 4, 0, a, 4) }},
		{"m < 0", func(b blas.Float32) { b.Sgemm(blas.NoTrans, blas.NoTrans, -1, 4, 3, 1, a, 3, a, 4, 0, a, 4) }},
	} {
		want := panicValue(func() { tc.call(gonum.Implementation{}) })
		got := panicValue(func() { tc.call(Implementation{}) })
		if want == nil || got != want {
			t.Errorf("%s: panic %v, gonum panics with %v", tc.name, got, want)
		}
	}
}

// panicValue returns what f panics with, or nil.
func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}
