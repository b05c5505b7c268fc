package vmath

import "math"

// BernoulliLogProb returns Σ_d x_d·l_d − softplus(l_d), the log-likelihood
// of x under independent Bernoulli variables with logits l, where
// softplus(l) = max(l, 0) + log1p(exp(−|l|)) = log(1 + e^l). x and l must
// have the same length.
func BernoulliLogProb(x, l []float32) float32 {
	if len(x) != len(l) {
		panic("vmath: BernoulliLogProb: x and l differ in length")
	}
	n := vectorPart(len(l))
	var s float32
	if n > 0 {
		s = bernoulliAVX(&x[0], &l[0], n)
	}
	for d := n; d < len(l); d++ {
		s += x[d]*l[d] - Softplus(l[d])
	}
	return s
}

// BernoulliGrad sets dst_d = g·(x_d − σ(l_d)), the gradient of g times
// BernoulliLogProb with respect to l. dst, x and l must have the same
// length; dst may be x or l.
func BernoulliGrad(dst, x, l []float32, g float32) {
	if len(x) != len(l) || len(dst) != len(l) {
		panic("vmath: BernoulliGrad: dst, x and l differ in length")
	}
	n := vectorPart(len(l))
	if n > 0 {
		bernoulliGradAVX(&dst[0], &x[0], &l[0], n, g)
	}
	for d := n; d < len(l); d++ {
		dst[d] = g * (x[d] - Sigmoid(l[d]))
	}
}

// Tanh sets dst_d = tanh(x_d). dst and x must have the same length; dst
// may be x.
func Tanh(dst, x []float32) {
	if len(dst) != len(x) {
		panic("vmath: Tanh: dst and x differ in length")
	}
	n := vectorPart(len(x))
	if n > 0 {
		tanhAVX(&dst[0], &x[0], n)
	}
	for d := n; d < len(x); d++ {
		dst[d] = tanh(x[d])
	}
}

// ReluGrad sets dst_d = g_d where y_d > 0 and 0 elsewhere: the gradient
// through y = max(x, 0) given the upstream gradient g. dst, y and g must
// have the same length; dst may be g.
func ReluGrad(dst, y, g []float32) {
	if len(y) != len(g) || len(dst) != len(g) {
		panic("vmath: ReluGrad: dst, y and g differ in length")
	}
	n := vectorPart(len(g))
	if n > 0 {
		reluGradAVX(&dst[0], &y[0], &g[0], n)
	}
	for d := n; d < len(g); d++ {
		if y[d] > 0 {
			dst[d] = g[d]
		} else {
			dst[d] = 0
		}
	}
}

// Add sets dst_d = x_d + b_d. dst, x and b must have the same length; dst
// may be x or b. Each sum is one float32 addition, as in the Go loop, so the
// result is the same to the bit; the Go loop does not vectorise, and adding
// a bias row to a batch's pre-activations took 12 % of the importance-
// sampled log p(x) of Burda's model (BenchmarkAdd: about 8 times faster for
// a row of 784).
func Add(dst, x, b []float32) {
	if len(x) != len(b) || len(dst) != len(b) {
		panic("vmath: Add: dst, x and b differ in length")
	}
	n := vectorPart(len(b))
	if n > 0 {
		addAVX(&dst[0], &x[0], &b[0], n)
	}
	for d := n; d < len(b); d++ {
		dst[d] = x[d] + b[d]
	}
}

// vectorPart returns how many of n elements the assembly kernels take: the
// largest multiple of 8, or none where they cannot run.
func vectorPart(n int) int {
	if !haveKernels {
		return 0
	}
	return n &^ 7
}

// Scalar versions of the kernels, in float32 arithmetic.

// ExpNonPos returns exp(x) for x <= 0: Cephes' expf, x = n·ln2 + r with
// |r| <= ln2/2 (ln2 split in two so that n·ln2 is exact), a degree-5
// polynomial for exp(r), and 2^n put into the exponent bits. Below −87.33,
// where the true value is under float32's smallest normal number
// (1.18e-38), it returns 0. NaN gives NaN.
func ExpNonPos(x float32) float32 {
	if !(x >= -87.33) {
		if x != x {
			return x
		}
		return 0
	}
	fx := x*1.44269504088896341 + 0.5
	n := int32(fx)
	if float32(n) > fx { // floor for negative fx
		n--
	}
	fn := float32(n)
	r := x - fn*0.693359375 - fn*-2.12194440e-4
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+
		1.6666665459e-1)*r + 5.0000001201e-1
	y := p*r*r + r + 1
	return y * math.Float32frombits(uint32(n+127)<<23)
}

// Log1p01 returns log(1+e) for e in [0, 1]: Cephes' logf on
// 1+e = 2^k·(1+f), f in [√½−1, √2−1), with f computed from e directly so
// that small e keep their relative precision.
func Log1p01(e float32) float32 {
	f, k := e, float32(0)
	if e > 0.41421356 {
		f, k = (e-1)*0.5, 1
	}
	z := f * f
	y := ((((((((7.0376836292e-2*f-1.1514610310e-1)*f+1.1676998740e-1)*f-1.2420140846e-1)*f+
		1.4249322787e-1)*f-1.6668057665e-1)*f+2.0000714765e-1)*f-2.4999993993e-1)*f + 3.3333331174e-1) * z * f
	y += k * -2.12194440e-4
	y -= 0.5 * z
	return f + y + k*0.693359375
}

// Softplus returns log(1 + e^x) = max(x, 0) + log1p(e^−|x|).
func Softplus(x float32) float32 {
	return max(x, 0) + Log1p01(ExpNonPos(-abs(x)))
}

// Sigmoid returns 1/(1 + e^−x), from e^−|x| so that nothing overflows.
func Sigmoid(x float32) float32 {
	e := ExpNonPos(-abs(x))
	s := 1 / (1 + e)
	if x < 0 {
		return e * s
	}
	return s
}

// tanh is Cephes' tanhf: a + a³·P(a²) for a = |x| < 0.625, and
// (1 − e)/(1 + e) with e = exp(−2a) above, with the sign of x.
func tanh(x float32) float32 {
	a := abs(x)
	var t float32
	if a < 0.625 {
		z := a * a
		t = (((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z - 3.33332819422e-1
		t = a + a*(z*t)
	} else {
		e := ExpNonPos(-2 * a)
		t = (1 - e) / (1 + e)
	}
	return math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
}

func abs(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
