package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// xoshiro128plus is a one-lane xoshiro128+ written from the reference C
// code (prng.di.unimi.it/xoshiro128plus.c), to check the lanes against.
type xoshiro128plus [4]uint32

func (s *xoshiro128plus) next() uint32 {
	result := s[0] + s[3]
	t := s[1] << 9
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = s[3]<<11 | s[3]>>21
	return result
}

// Every lane of a Stream is a xoshiro128+ generator: Uniform's element
// 8i+l is the top 24 bits of lane l's i-th output.
func TestStreamLanesAreXoshiro128Plus(t *testing.T) {
	st := NewStream(42, 7)
	var lanes [8]xoshiro128plus
	for l := range 8 {
		lanes[l] = xoshiro128plus{st.s[0][l], st.s[1][l], st.s[2][l], st.s[3][l]}
	}
	u := make([]float32, 8*1000)
	st.Uniform(u)
	for i := range u {
		want := float32(lanes[i%8].next()>>8) * 0x1p-24
		if u[i] != want {
			t.Fatalf("element %d = %v, want %v", i, u[i], want)
		}
	}
	// The reference's first outputs from the state {1, 2, 3, 4}: 1+4 = 5,
	// then s = {7, 1538, 2, 8192}... computed by hand: s0+s3 = 7+8192.
	ref := xoshiro128plus{1, 2, 3, 4}
	if a, b := ref.next(), ref.next(); a != 5 || b != 7+(6<<11|6>>21) {
		t.Errorf("reference generator: %d, %d", a, b)
	}
}

// Bernoulli draws 1 exactly when the uniform Uniform would have drawn lies
// below p, in the vector part and the tail alike, and leaves the Stream in
// the same state.
func TestBernoulliMatchesUniform(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range append(seq(41), 500, 784, 785) {
		p := make([]float32, n)
		for d := range p {
			p[d] = float32(rng.Float64())
			switch d % 7 {
			case 0:
				p[d] = 0
			case 1:
				p[d] = 1
			case 2:
				p[d] = float32(math.NaN())
			}
		}
		a, b := NewStream(uint64(n), 1), NewStream(uint64(n), 1)
		dst, u := make([]float32, n), make([]float32, n)
		Bernoulli(dst, p, &a)
		b.Uniform(u)
		for d := range n {
			want := float32(0)
			if u[d] < p[d] {
				want = 1
			}
			if dst[d] != want || (d%7 == 1 && dst[d] != 1) || (d%7 != 1 && d%7 < 3 && dst[d] != 0) {
				t.Fatalf("n=%d: dst[%d] = %v with p %v and u %v", n, d, dst[d], p[d], u[d])
			}
		}
		if a != b {
			t.Errorf("n=%d: Bernoulli and Uniform leave different states", n)
		}
	}
}

// The frequencies of ones match p within 5 standard errors, and uniforms
// have the mean, variance and (lack of) lag-1 and cross-lane correlation
// of U(0, 1) within 5 standard errors.
func TestStreamStatistics(t *testing.T) {
	const n = 1 << 20
	st := NewStream(1, 0)
	u := make([]float32, n)
	st.Uniform(u)
	var sum, sq, lag, cross float64
	for i, x := range u {
		v := float64(x) - 0.5
		sum += v
		sq += v * v
		if i > 0 {
			lag += v * (float64(u[i-1]) - 0.5)
		}
		if i%8 != 7 {
			cross += v * (float64(u[i+1]) - 0.5)
		}
	}
	se := math.Sqrt(1.0 / 12 / n)
	if math.Abs(sum/n) > 5*se {
		t.Errorf("mean %v, want 0.5 ± %v", 0.5+sum/n, 5*se)
	}
	if v := sq / n; math.Abs(v-1.0/12) > 5*math.Sqrt(1.0/180/n) {
		t.Errorf("variance %v, want 1/12", v)
	}
	if c := lag / n * 12; math.Abs(c) > 5/math.Sqrt(n) {
		t.Errorf("lag-1 correlation %v", c)
	}
	if c := cross / (n * 7 / 8) * 12; math.Abs(c) > 5/math.Sqrt(n*7/8) {
		t.Errorf("neighbouring-lane correlation %v", c)
	}
	for _, q := range []float32{0.001, 0.3, 0.5, 0.97} {
		p := make([]float32, n)
		for i := range p {
			p[i] = q
		}
		s := NewStream(2, uint64(q*1000))
		Bernoulli(p, p, &s)
		ones := 0.0
		for _, x := range p {
			ones += float64(x)
		}
		if se := math.Sqrt(float64(q) * (1 - float64(q)) / n); math.Abs(ones/n-float64(q)) > 5*se {
			t.Errorf("p = %v: frequency %v", q, ones/n)
		}
	}
	// Streams of neighbouring indices are unrelated.
	a, b := NewStream(9, 0), NewStream(9, 1)
	ua, ub := make([]float32, n/4), make([]float32, n/4)
	a.Uniform(ua)
	b.Uniform(ub)
	var c float64
	for i := range ua {
		c += (float64(ua[i]) - 0.5) * (float64(ub[i]) - 0.5)
	}
	if c := c / float64(len(ua)) * 12; math.Abs(c) > 5/math.Sqrt(float64(len(ua))) {
		t.Errorf("streams 0 and 1 correlate: %v", c)
	}
}

// SigmoidAffine against float64, over the grid of the other kernels and
// several scales and biases, for the vector part and the tail.
func TestSigmoidAffine(t *testing.T) {
	xs := grid(-120, 120, 20000)
	for _, s := range []float32{1, 0.5, 0, 0.0001, 1} {
		b := make([]float32, len(xs))
		for i := range b {
			b[i] = float32(i%13) - 6
		}
		dst := make([]float32, len(xs))
		SigmoidAffine(dst, xs, b, s)
		for i, x := range xs {
			y := float64(s)*float64(x) + float64(b[i])
			want := sigmoid64(y)
			// The argument is rounded to float32 (relative 2⁻²⁴), which
			// moves σ by up to σ(1−σ)|y|2⁻²⁴.
			tol := 3e-7*want + want*(1-want)*math.Abs(y)*0x1p-23 + smallestNormal
			if err := math.Abs(float64(dst[i]) - want); !(err <= tol) {
				t.Errorf("σ(%v·%v + %v) = %v, want %v", s, x, b[i], dst[i], want)
			}
		}
	}
	nan := []float32{1, 2, 3, 4, 5, 6, 7, float32(math.NaN()), float32(math.NaN())}
	dst := make([]float32, 9)
	SigmoidAffine(dst, nan, make([]float32, 9), 1)
	if dst[7] == dst[7] || dst[8] == dst[8] {
		t.Errorf("σ(NaN) = %v, %v, want NaN", dst[7], dst[8])
	}
}

// SoftplusDiff against float64 sums of softplus differences, at the scales
// of an AIS schedule (nearby β) and far apart.
func TestSoftplusDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range append(seq(20), 500, 501) {
		x, b := make([]float32, n), make([]float32, n)
		for d := range x {
			x[d] = float32(rng.NormFloat64() * 20)
			b[d] = float32(rng.NormFloat64() * 3)
		}
		for _, s := range [][2]float32{{0.90001, 0.9}, {0.501, 0.5}, {1, 0}, {0.001, 0}, {0.3, 0.7}, {1, 1}} {
			want, scale := 0.0, 0.0
			for d := range x {
				a := float64(x[d] + b[d])
				term := softplus64(float64(s[0])*a) - softplus64(float64(s[1])*a)
				want += term
				scale += math.Abs(term)
			}
			got := SoftplusDiff(x, b, s[0], s[1])
			// Each term is good to a few units in the last place of log 2
			// (1e-7); summing n terms in float32 adds at most n·2⁻²⁴ of
			// their magnitudes (less in eight lanes).
			if err := math.Abs(float64(got) - want); !(err <= float64(n)*0x1p-24*scale+float64(n)*1e-7) {
				t.Errorf("n=%d, s=%v: %v, want %v (error %.3g)", n, s, got, want, err)
			}
		}
	}
	x := []float32{1, 2, 3, 4, 5, 6, 7, float32(math.NaN())}
	if got := SoftplusDiff(x, make([]float32, 8), 1, 0.5); got == got {
		t.Errorf("a NaN input gave %v", got)
	}
}

func BenchmarkBernoulli(b *testing.B) {
	_, l := benchRow()
	SigmoidAffine(l, l, make([]float32, len(l)), 1)
	dst := make([]float32, len(l))
	st := NewStream(1, 1)
	b.SetBytes(int64(len(l) * 8))
	for b.Loop() {
		Bernoulli(dst, l, &st)
	}
}

func BenchmarkSigmoidAffine(b *testing.B) {
	_, l := benchRow()
	dst, bias := make([]float32, len(l)), make([]float32, len(l))
	b.SetBytes(int64(len(l) * 12))
	for b.Loop() {
		SigmoidAffine(dst, l, bias, 1)
	}
}

func BenchmarkSoftplusDiff(b *testing.B) {
	_, l := benchRow()
	bias := make([]float32, len(l))
	b.SetBytes(int64(len(l) * 8))
	for b.Loop() {
		sinkF = SoftplusDiff(l, bias, 0.5001, 0.5)
	}
}
