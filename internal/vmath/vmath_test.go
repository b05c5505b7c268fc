package vmath

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// smallestNormal is twice float32's smallest normal number: exp flushes
// arguments below −87.33, whose results are about that small, to zero, an
// absolute error that the tolerances below allow.
const smallestNormal = 0x1p-125

// softplus64, sigmoid64 are the references in float64.
func softplus64(l float64) float64 { return math.Max(l, 0) + math.Log1p(math.Exp(-math.Abs(l))) }
func sigmoid64(l float64) float64 {
	if l >= 0 {
		return 1 / (1 + math.Exp(-l))
	}
	return math.Exp(l) / (1 + math.Exp(l))
}

// grid returns n+1 points spread over [lo, hi], plus values where the
// kernels switch branches or meet the edges of float32.
func grid(lo, hi float64, n int) []float32 {
	var xs []float32
	for i := 0; i <= n; i++ {
		xs = append(xs, float32(lo+(hi-lo)*float64(i)/float64(n)))
	}
	for _, x := range []float64{0, 1e-30, 1e-10, 1e-4, 0.3, 0.625, 0.6249999, 0.881373, 43.6, 43.7, 87.33, 87.34, 88.7, 1000} {
		xs = append(xs, float32(x), float32(-x))
	}
	return append(xs, 0x1p-140, -0x1p-140)
}

// check fails t when got differs from want by more than rel·|want| plus
// smallestNormal.
func check(t *testing.T, what string, x, got float32, want, rel float64) {
	t.Helper()
	if err := math.Abs(float64(got) - want); !(err <= rel*math.Abs(want)+smallestNormal) {
		t.Errorf("%s(%g) = %g, want %g (error %.3g, relative %.3g)", what, x, got, want, err, err/math.Abs(want))
	}
}

// TestKernelsElementwise checks softplus, the sigmoid and tanh, each from
// the vector kernel and from the scalar code, against float64 to 3e-7
// relative. The kernels are read one element at a time by filling all
// eight lanes with it: 8·a is exact in float32, so BernoulliLogProb over
// eight copies of l with x = 0 is exactly −8·softplus(l) as the kernel
// computed it.
func TestKernelsElementwise(t *testing.T) {
	const rel = 3e-7
	eight := func(v float32) []float32 { return []float32{v, v, v, v, v, v, v, v} }
	zeros := make([]float32, 8)
	dst := make([]float32, 8)
	for _, l := range grid(-120, 120, 200000) {
		want := softplus64(float64(l))
		check(t, "vector softplus", l, -BernoulliLogProb(zeros, eight(l))/8, want, rel)
		check(t, "Softplus", l, Softplus(l), want, rel)

		want = sigmoid64(float64(l))
		BernoulliGrad(dst, zeros, eight(l), -1)
		check(t, "vector sigmoid", l, dst[0], want, rel)
		check(t, "Sigmoid", l, Sigmoid(l), want, rel)

		want = math.Tanh(float64(l))
		Tanh(dst, eight(l))
		check(t, "vector tanh", l, dst[0], want, rel)
		check(t, "tanh", l, tanh(l), want, rel)
		if l == 0 && math.Signbit(float64(l)) && !math.Signbit(float64(dst[0])) {
			t.Errorf("tanh(-0) = %g, want -0", dst[0])
		}
	}
}

// TestExpAndLog1p checks the scalar building blocks over their domains.
func TestExpAndLog1p(t *testing.T) {
	for i := 0; i <= 400000; i++ {
		x := float32(-87.33 * float64(i) / 400000)
		check(t, "ExpNonPos", x, ExpNonPos(x), math.Exp(float64(x)), 2.5e-7)
		e := float32(float64(i) / 400000)
		check(t, "Log1p01", e, Log1p01(e), math.Log1p(float64(e)), 2.5e-7)
	}
	for _, c := range []struct{ x, want float32 }{{0, 1}, {-87.34, 0}, {-1000, 0}, {float32(math.Inf(-1)), 0}} {
		if got := ExpNonPos(c.x); got != c.want {
			t.Errorf("ExpNonPos(%g) = %g, want %g", c.x, got, c.want)
		}
	}
}

// TestRows checks whole rows of every length from 0 to 40 and of 784 and
// 785 (vector part and scalar tail together) against float64.
func TestRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range append(seq(41), 784, 785) {
		x, l := make([]float32, n), make([]float32, n)
		want, scale := 0.0, 0.0
		for d := range n {
			l[d] = float32(rng.NormFloat64() * 8)
			x[d] = float32(rng.IntN(2))
			if d%5 == 0 {
				x[d] = float32(rng.Float64()) // grey levels too
			}
			term := float64(x[d])*float64(l[d]) - softplus64(float64(l[d]))
			want += term
			scale += math.Abs(term)
		}
		if got := BernoulliLogProb(x, l); math.Abs(float64(got)-want) > 1e-6*scale+1e-6 {
			t.Errorf("n=%d: BernoulliLogProb = %g, want %g", n, got, want)
		}
		g := float32(rng.NormFloat64())
		dst := make([]float32, n)
		BernoulliGrad(dst, x, l, g)
		th := make([]float32, n)
		Tanh(th, l)
		for d := range n {
			w := float64(g) * (float64(x[d]) - sigmoid64(float64(l[d])))
			if math.Abs(float64(dst[d])-w) > 3e-7*math.Abs(float64(g))+smallestNormal {
				t.Errorf("n=%d: BernoulliGrad[%d] = %g, want %g", n, d, dst[d], w)
			}
			check(t, "Tanh row", l[d], th[d], math.Tanh(float64(l[d])), 3e-7)
		}
	}
}

// TestNaN checks that a NaN logit or input makes a NaN result, so that a
// diverging model is caught rather than hidden.
func TestNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, n := range []int{8, 9} {
		x, l := make([]float32, n), make([]float32, n)
		l[n-1] = nan
		if got := BernoulliLogProb(x, l); got == got {
			t.Errorf("n=%d: BernoulliLogProb with a NaN logit = %g, want NaN", n, got)
		}
		dst := make([]float32, n)
		BernoulliGrad(dst, x, l, 1)
		if dst[n-1] == dst[n-1] {
			t.Errorf("n=%d: BernoulliGrad at a NaN logit = %g, want NaN", n, dst[n-1])
		}
		Tanh(dst, l)
		if dst[n-1] == dst[n-1] {
			t.Errorf("n=%d: Tanh(NaN) = %g, want NaN", n, dst[n-1])
		}
	}
}

// TestLengthMismatchPanics pins the panics on slices of different lengths.
func TestLengthMismatchPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"BernoulliLogProb": func() { BernoulliLogProb(make([]float32, 3), make([]float32, 4)) },
		"BernoulliGrad":    func() { BernoulliGrad(make([]float32, 3), make([]float32, 4), make([]float32, 4), 1) },
		"Tanh":             func() { Tanh(make([]float32, 3), make([]float32, 4)) },
		"ReluGrad":         func() { ReluGrad(make([]float32, 4), make([]float32, 3), make([]float32, 4)) },
		"Add":              func() { Add(make([]float32, 4), make([]float32, 4), make([]float32, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic on slices of different lengths", name)
				}
			}()
			f()
		}()
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func BenchmarkBernoulliLogProb(b *testing.B) {
	x, l := benchRow()
	b.SetBytes(int64(len(l) * 8))
	for b.Loop() {
		sinkF = BernoulliLogProb(x, l)
	}
}

func BenchmarkBernoulliGrad(b *testing.B) {
	x, l := benchRow()
	dst := make([]float32, len(l))
	b.SetBytes(int64(len(l) * 12))
	for b.Loop() {
		BernoulliGrad(dst, x, l, 1)
	}
}

func BenchmarkTanh(b *testing.B) {
	_, l := benchRow()
	dst := make([]float32, len(l))
	b.SetBytes(int64(len(l) * 8))
	for b.Loop() {
		Tanh(dst, l)
	}
}

// benchRow is a 784-pixel row with logits of spread ±8.
func benchRow() (x, l []float32) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, l = make([]float32, 784), make([]float32, 784)
	for d := range l {
		l[d] = float32(rng.NormFloat64() * 8)
		x[d] = float32(rng.IntN(2))
	}
	return x, l
}

var sinkF float32

// TestReluGrad checks the vector and scalar paths on every length from 0
// to 40, with y positive, zero, negative zero, negative and NaN.
func TestReluGrad(t *testing.T) {
	specials := []float32{1, 0, float32(math.Copysign(0, -1)), -1, float32(math.NaN()), 1e-38, -1e-38, 3}
	for n := range 41 {
		y, g, dst := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range n {
			y[i] = specials[(i*5)%len(specials)]
			g[i] = float32(i) - 7.5
		}
		ReluGrad(dst, y, g)
		for i := range n {
			want := float32(0)
			if y[i] > 0 {
				want = g[i]
			}
			if dst[i] != want {
				t.Errorf("n=%d: ReluGrad at y=%g, g=%g gives %g, want %g", n, y[i], g[i], dst[i], want)
			}
		}
	}
}

// TestAdd checks Add against the float32 sum, bit for bit, on every length
// from 0 to 100 (both vector loops and the scalar tail), in place on x and
// on b, with infinities, NaN, signed zeros and sums that round.
func TestAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	specials := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0, float32(math.Copysign(0, -1)), 1e-45, 3.4e38}
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b) }
	for n := range 101 {
		x, b := make([]float32, n), make([]float32, n)
		for i := range n {
			x[i] = float32(rng.NormFloat64() * 100)
			b[i] = float32(rng.NormFloat64())
			if i%9 == 4 {
				x[i] = specials[(i/9)%len(specials)]
				b[i] = specials[(i/9+n)%len(specials)]
			}
		}
		want := make([]float32, n)
		for i := range n {
			want[i] = x[i] + b[i]
		}
		dst := make([]float32, n)
		Add(dst, x, b)
		inX := slices.Clone(x)
		Add(inX, inX, b)
		inB := slices.Clone(b)
		Add(inB, x, inB)
		for i := range n {
			if !same(dst[i], want[i]) || !same(inX[i], want[i]) || !same(inB[i], want[i]) {
				t.Fatalf("n=%d, element %d: %g + %g gives %g (into x %g, into b %g), want %g", n, i, x[i], b[i], dst[i], inX[i], inB[i], want[i])
			}
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	x, l := benchRow()
	dst := make([]float32, len(l))
	b.SetBytes(int64(len(l) * 12))
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			Add(dst, x, l)
		}
	})
	b.Run("loop", func(b *testing.B) {
		for b.Loop() {
			addLoop(dst, x, l)
		}
	})
}

// addLoop is the Go loop Add replaces.
//
//go:noinline
func addLoop(dst, x, b []float32) {
	for j, v := range b {
		dst[j] = x[j] + v
	}
}
