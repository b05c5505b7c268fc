package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamLoop32 is the scalar loop of adamUpdate, kept apart so that the
// vector kernel can be checked against it.
func adamLoop32(w, g, m, v []float32, k adamConsts[float32]) {
	for i := range w {
		gi := g[i]
		mi := k.b1*m[i] + k.omb1*gi
		vi := k.b2*v[i] + k.omb2*gi*gi
		m[i] = mi
		v[i] = vi
		w[i] -= k.step * mi / (float32(math.Sqrt(float64(vi*k.ic2))) + k.eps)
	}
}

// TestAdamKernelMatchesLoop pins adamUpdate on float32, which runs the AVX
// kernel where there is one, bit for bit to the scalar loop, over lengths
// that do and do not fill whole vectors and over gradients from 1e-30 to
// 1e30, zeros and negative zeros.
func TestAdamKernelMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	h := hyper{lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, c1: 1 - 0.9*0.9*0.9, c2: 1 - math.Pow(0.999, 3)}
	k := newAdamConsts[float32](h)
	for _, n := range []int{0, 1, 7, 8, 9, 16, 24, 63, 1000, 4099} {
		w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range n {
			w[i] = float32(rng.NormFloat64())
			g[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(61)-30)))
			m[i] = float32(rng.NormFloat64() * 0.1)
			v[i] = float32(rng.ExpFloat64() * 0.01)
			switch i % 17 {
			case 3:
				g[i] = 0
			case 5:
				g[i] = float32(math.Copysign(0, -1))
				v[i] = 0
			}
		}
		w2, g2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), g...), append([]float32(nil), m...), append([]float32(nil), v...)
		adamUpdate(w, g, m, v, h)
		adamLoop32(w2, g2, m2, v2, k)
		for i := range n {
			if math.Float32bits(w[i]) != math.Float32bits(w2[i]) || math.Float32bits(m[i]) != math.Float32bits(m2[i]) ||
				math.Float32bits(v[i]) != math.Float32bits(v2[i]) {
				t.Fatalf("n=%d, element %d: kernel gives w, m, v = %g, %g, %g; loop gives %g, %g, %g",
					n, i, w[i], m[i], v[i], w2[i], m2[i], v2[i])
			}
		}
	}
}
