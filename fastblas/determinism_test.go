package fastblas

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// sameBits reports the first index where x and y differ in their bits, or -1.
func sameBits[T float](x, y []T) int {
	for i := range x {
		if bitsOf(x[i]) != bitsOf(y[i]) {
			return i
		}
	}
	return -1
}

func bitsOf[T float](v T) uint64 {
	switch v := any(v).(type) {
	case float32:
		return uint64(math.Float32bits(v))
	case float64:
		return math.Float64bits(v)
	}
	panic("unreachable")
}

// testDeterminism runs one product with 1 to 8 goroutines and twice with
// GOMAXPROCS 1 and 2, and requires the same bits every time.
func testDeterminism[T float](t *testing.T, kern *kernel[T], implGemm gemmFunc[T]) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []gemmCase{
		{blas.NoTrans, blas.NoTrans, 128, 400, 784, 0, 1, 0},
		{blas.Trans, blas.NoTrans, 784, 400, 128, 0, 1, 1},
		{blas.NoTrans, blas.Trans, 128, 784, 400, 2, -1, 0.5},
		{blas.Trans, blas.Trans, 331, 257, 207, 1, 1, 0},
	} {
		if len(kern.units(nil, region{0, tc.m, 0, tc.n})) < 4 || tc.m*tc.n*tc.k < SplitFrom {
			t.Fatalf("%v: too small to be shared among goroutines: the test would check nothing", tc)
		}
		o := newOperands[T](tc, rnd)
		run := func(workers int) []T {
			c := slices.Clone(o.c)
			aT, bT := tc.tA == blas.Trans, tc.tB == blas.Trans
			gemm(kern, workers, gemmArgs[T]{aT, bT, tc.m, tc.n, tc.k, T(tc.alpha), T(tc.beta), o.a, o.b, c, o.lda, o.ldb, o.ldc})
			return c
		}
		want := run(1)
		for _, w := range []int{2, 3, 4, 8, 1} {
			if i := sameBits(run(w), want); i >= 0 {
				t.Errorf("%v: %d goroutines differ from 1 at element %d", tc, w, i)
			}
		}
		for _, procs := range []int{1, 2, 1, 2} {
			prev := runtime.GOMAXPROCS(procs)
			c := slices.Clone(o.c)
			implGemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, T(tc.alpha), o.a, o.lda, o.b, o.ldb, T(tc.beta), c, o.ldc)
			runtime.GOMAXPROCS(prev)
			if i := sameBits(c, want); i >= 0 {
				t.Errorf("%v: GOMAXPROCS=%d differs at element %d", tc, procs, i)
			}
		}
	}
}

func TestSgemmDeterministic(t *testing.T) {
	if !haveKernels {
		t.Skip("no AVX2+FMA: Sgemm is gonum's")
	}
	testDeterminism(t, sKernel, Implementation{}.Sgemm)
}

func TestDgemmDeterministic(t *testing.T) {
	if !haveKernels {
		t.Skip("no AVX2+FMA: Dgemm is gonum's")
	}
	testDeterminism(t, dKernel, Implementation{}.Dgemm)
}

// TestDirectBSameBits checks that reading B in place (small m) and packing
// it give the same bits.
func TestDirectBSameBits(t *testing.T) {
	if !haveKernels {
		t.Skip("no AVX2+FMA: Sgemm is gonum's")
	}
	saved := directMaxPanels
	defer func() { directMaxPanels = saved }()
	rnd := rand.New(rand.NewPCG(15, 16))
	for _, tc := range []gemmCase{
		{blas.NoTrans, blas.NoTrans, 20, 200, 784, 0, 1, 0},
		{blas.Trans, blas.NoTrans, 47, 129, 300, 3, -0.5, 1},
		{blas.NoTrans, blas.NoTrans, 5, 33, 7, 1, 2, 0.5},
	} {
		o := newOperands[float32](tc, rnd)
		var got [2][]float32
		for i, maxPanels := range []int{0, 1 << 20} {
			directMaxPanels = maxPanels
			got[i] = slices.Clone(o.c)
			Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), o.a, o.lda, o.b, o.ldb, float32(tc.beta), got[i], o.ldc)
		}
		if i := sameBits(got[0], got[1]); i >= 0 {
			t.Errorf("%v: B in place and packed differ at element %d", tc, i)
		}
	}
}

// TestWideKernelSameBits checks that the AVX-512 6×32 kernel gives the
// bits of the AVX2 6×16 kernel, on every case of the accuracy tests and on
// the shapes of a training step (B read in place and packed, whole and
// edge tiles, beta 0, 1 and other, several blocks of k), so that results
// do not depend on which of the two the processor runs.
func TestWideKernelSameBits(t *testing.T) {
	if !haveWide {
		t.Skip("no AVX-512: the wide kernel cannot run here")
	}
	saved := sKernel.wide
	defer func() { sKernel.wide = saved }()
	rnd := rand.New(rand.NewPCG(17, 18))
	cases := append(gemmCases(), randomCases(200)...)
	for _, l := range vaeStepLayers(784, []int{200, 200}, 50, 20, 5) {
		cases = append(cases,
			gemmCase{blas.NoTrans, blas.NoTrans, l.rows, l.out, l.in, 0, 1, 0},
			gemmCase{blas.Trans, blas.NoTrans, l.in, l.out, l.rows, 0, 1, 0},
			gemmCase{blas.NoTrans, blas.Trans, l.rows, l.in, l.out, 0, 1, 1})
	}
	wide := 0
	for _, tc := range cases {
		o := newOperands[float32](tc, rnd)
		var got [2][]float32
		for i, k := range []func(int, *float32, *float32, int, int, *float32, int, float32, bool){nil, saved} {
			sKernel.wide = k
			got[i] = slices.Clone(o.c)
			Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(tc.alpha), o.a, o.lda, o.b, o.ldb, float32(tc.beta), got[i], o.ldc)
		}
		if i := sameBits(got[0], got[1]); i >= 0 {
			t.Errorf("%v: the wide and the single kernel differ at element %d", tc, i)
		}
		if tc.n >= 2*sKernel.nr && tc.m >= sKernel.mr {
			wide++
		}
	}
	if wide < len(cases)/4 {
		t.Fatalf("only %d of %d cases are wide enough for the wide kernel: the test checks little", wide, len(cases))
	}
}
