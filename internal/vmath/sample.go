package vmath

// Stream is a source of uniform random numbers for the vector kernels:
// eight xoshiro128+ generators (Blackman and Vigna, "Scrambled linear
// pseudorandom number generators", 2021), one per AVX2 lane, stepped
// together. Each call of Bernoulli takes one number from every lane per
// group of eight elements, so what a call draws depends on the length of
// its slice and the state of the Stream alone, and the scalar code and the
// assembly draw the same bits.
//
// A Stream is state for one sequential consumer (a row of a matrix, one
// Markov chain): give each goroutine rows of its own with Streams of their
// own, and results do not depend on how the rows are split. math/rand/v2's
// PCG and ChaCha8 produce one 64-bit number per call through an interface,
// about 2-4 ns a draw here, which made sampling the largest cost of RBM
// training after the products; eight lanes of xoshiro128+ produce 24-bit
// uniforms at well under a nanosecond each. xoshiro128+'s weak lowest bits
// are dropped: a uniform is its top 24 bits times 2⁻²⁴.
//
// The zero Stream is not usable; make one with NewStream.
type Stream struct {
	s [4][8]uint32
}

// NewStream returns a Stream seeded from seed and index (for instance a
// seed drawn once per batch and the row number): the 32 words of its state
// are drawn with SplitMix64 (Steele, Lea and Flood, 2014) from a state that
// mixes both, the seeding Blackman and Vigna recommend.
func NewStream(seed, index uint64) Stream {
	sm := splitmix{seed ^ mix64(index+0x632be59bd9b4e019)}
	var st Stream
	for lane := range 8 {
		for w := 0; w < 4; w += 2 {
			x := sm.next()
			st.s[w][lane], st.s[w+1][lane] = uint32(x), uint32(x>>32)
		}
		if st.s[0][lane]|st.s[1][lane]|st.s[2][lane]|st.s[3][lane] == 0 {
			st.s[0][lane] = 1 // the one state xoshiro never leaves
		}
	}
	return st
}

// splitmix is SplitMix64.
type splitmix struct{ x uint64 }

func (s *splitmix) next() uint64 {
	s.x += 0x9e3779b97f4a7c15
	return mix64(s.x)
}

// mix64 is SplitMix64's output function (Stafford's variant 13).
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// next steps the eight lanes once and writes their outputs to out.
func (st *Stream) next(out *[8]uint32) {
	s := &st.s
	for l := range 8 {
		s0, s1, s2, s3 := s[0][l], s[1][l], s[2][l], s[3][l]
		out[l] = s0 + s3
		t := s1 << 9
		s2 ^= s0
		s3 ^= s1
		s1 ^= s2
		s0 ^= s3
		s2 ^= t
		s3 = s3<<11 | s3>>21
		s[0][l], s[1][l], s[2][l], s[3][l] = s0, s1, s2, s3
	}
}

// Uniform fills dst with uniform numbers in [0, 1), multiples of 2⁻²⁴,
// drawn as Bernoulli draws them (the same lanes, in the same order).
func (st *Stream) Uniform(dst []float32) {
	var out [8]uint32
	for i := 0; i < len(dst); i += 8 {
		st.next(&out)
		for l := 0; l < 8 && i+l < len(dst); l++ {
			dst[i+l] = float32(out[l]>>8) * 0x1p-24
		}
	}
}

// Bernoulli sets dst_d to 1 with probability p_d and to 0 otherwise: 1
// when u_d < p_d for a uniform u_d from st, so p_d ≤ 0 (or NaN) gives 0
// and p_d ≥ 1 gives 1. Each group of eight elements, the last one too,
// takes one step of st. dst and p must have the same length; dst may be p.
func Bernoulli(dst, p []float32, st *Stream) {
	if len(dst) != len(p) {
		panic("vmath: Bernoulli: dst and p differ in length")
	}
	n := vectorPart(len(p))
	if n > 0 {
		bernoulliDrawAVX(&dst[0], &p[0], n, &st.s)
	}
	var out [8]uint32
	for i := n; i < len(p); i += 8 {
		st.next(&out)
		for l := 0; l < 8 && i+l < len(p); l++ {
			x := float32(0)
			if float32(out[l]>>8)*0x1p-24 < p[i+l] {
				x = 1
			}
			dst[i+l] = x
		}
	}
}

// SigmoidAffine sets dst_d = σ(s·x_d + b_d), the probabilities of binary
// units with inputs x, biases b and inverse temperature s. dst, x and b
// must have the same length; dst may be x.
func SigmoidAffine(dst, x, b []float32, s float32) {
	if len(x) != len(dst) || len(b) != len(dst) {
		panic("vmath: SigmoidAffine: dst, x and b differ in length")
	}
	n := vectorPart(len(x))
	if n > 0 {
		sigmoidAffineAVX(&dst[0], &x[0], &b[0], n, s)
	}
	for d := n; d < len(x); d++ {
		dst[d] = Sigmoid(s*x[d] + b[d])
	}
}

// SoftplusDiff returns Σ_d softplus(s1·a_d) − softplus(s0·a_d) with
// a = x + b, for s1, s0 ≥ 0: the change of an RBM's log-unnormalised
// probability Σ_j log(1 + e^{β a_j}) when β goes from s0 to s1, the
// increment of an AIS log-weight. Each term is formed as
// (s1 − s0)·max(a, 0) + log1p(e^{−s1|a|}) − log1p(e^{−s0|a|}), so that
// nearby s1 and s0 do not cancel large softplus values: its error is a
// few units in the last place of log 2, not of softplus(s·a). The terms
// are summed in eight lanes, added in a fixed order at the end. x and b
// must have the same length.
func SoftplusDiff(x, b []float32, s1, s0 float32) float32 {
	if len(x) != len(b) {
		panic("vmath: SoftplusDiff: x and b differ in length")
	}
	if !(s1 >= 0 && s0 >= 0) {
		panic("vmath: SoftplusDiff: negative scale")
	}
	n := vectorPart(len(x))
	var sum float32
	if n > 0 {
		sum = softplusDiffAVX(&x[0], &b[0], n, s1, s0)
	}
	ds := s1 - s0
	for d := n; d < len(x); d++ {
		a := x[d] + b[d]
		sum += ds*max(a, 0) + Log1p01(ExpNonPos(-s1*abs(a))) - Log1p01(ExpNonPos(-s0*abs(a)))
	}
	return sum
}
