package ebm

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/internal/vmath"
)

// The sampling paths (training, Gibbs, AIS) run in float32: products
// through fastblas's Sgemm on both cores, sigmoids and Bernoulli draws
// through internal/vmath's AVX2 kernels, with one vmath.Stream per chain.
// In float64 through gonum, a CD-25 epoch over 6,000 images with 500
// hidden units took 17.5 s, 3.3 times a plain PyTorch loop. float32 keeps
// about seven significant digits of every weight: a learning step of
// 0.05·10⁻³ on a weight of 0.1 is still resolved to a few parts in 10⁴.
//
// Every row is handled whole by one goroutine, and fastblas sums each
// element of a product in a fixed order, so results do not depend on
// GOMAXPROCS.

// blas32 is the BLAS of the float32 paths.
var blas32 fastblas.Implementation

// params32 is an RBM's parameters in float32: W is V×H with row stride
// ldw ≥ H (AIS keeps an extra column there).
type params32 struct {
	nv, nh, ldw int
	w, b, c     []float32
}

// newParams32 returns r's parameters in float32, with ldw = H + extra.
func newParams32(r *RBM, extra int) *params32 {
	nv, nh := r.Dims()
	p := &params32{nv: nv, nh: nh, ldw: nh + extra, w: make([]float32, nv*(nh+extra)), b: make([]float32, nv), c: make([]float32, nh)}
	p.load(r)
	return p
}

// load copies r's parameters into p.
func (p *params32) load(r *RBM) {
	raw := r.W.RawMatrix()
	for i := range p.nv {
		to32(p.w[i*p.ldw:i*p.ldw+p.nh], raw.Data[i*raw.Stride:i*raw.Stride+p.nh])
	}
	to32(p.b, r.B)
	to32(p.c, r.C)
}

// store copies p's parameters into r, exactly (float32 → float64).
func (p *params32) store(r *RBM) {
	raw := r.W.RawMatrix()
	for i := range p.nv {
		to64(raw.Data[i*raw.Stride:i*raw.Stride+p.nh], p.w[i*p.ldw:i*p.ldw+p.nh])
	}
	to64(r.B, p.b)
	to64(r.C, p.c)
}

func to32(dst []float32, src []float64) {
	for i, x := range src {
		dst[i] = float32(x)
	}
}

func to64(dst []float64, src []float32) {
	for i, x := range src {
		dst[i] = float64(x)
	}
}

// sampler runs block Gibbs sampling on n chains at once. States and
// probabilities are n-row matrices, row-major, as the products want them:
// v·W (n×V times V×H) for the hidden layer, h·Wᵀ (W read transposed by
// Sgemm) for the visible one.
type sampler struct {
	p       *params32
	n       int
	h, pv   []float32 // hidden states (n×H), visible probabilities (n×V)
	streams []vmath.Stream
}

func newSampler(p *params32, n int) *sampler {
	return &sampler{p: p, n: n, h: make([]float32, n*p.nh), pv: make([]float32, n*p.nv), streams: make([]vmath.Stream, n)}
}

// seed starts chain k's stream from seed and k.
func (s *sampler) seed(seed uint64) {
	for k := range s.streams {
		s.streams[k] = vmath.NewStream(seed, uint64(k))
	}
}

// hidden sets ph (n×H) to p(h=1|v) = σ(β(c + vW)) for the n rows of v, and,
// with draw, s.h to a draw from it.
func (s *sampler) hidden(ph, v []float32, beta float32, betaC []float32, draw bool) {
	p := s.p
	blas32.Sgemm(blas.NoTrans, blas.NoTrans, s.n, p.nh, p.nv, 1, v, p.nv, p.w, p.ldw, 0, ph, p.nh)
	vmath.Rows(s.n, p.nh, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			row := ph[k*p.nh : (k+1)*p.nh]
			vmath.SigmoidAffine(row, row, betaC, beta)
			if draw {
				vmath.Bernoulli(s.h[k*p.nh:(k+1)*p.nh], row, &s.streams[k])
			}
		}
	})
}

// visible sets v (n×V) to a draw from p(v=1|s.h) = σ(β·Wh + bias), bias
// being the visible biases at inverse temperature β.
func (s *sampler) visible(v []float32, beta float32, bias []float32) {
	p := s.p
	blas32.Sgemm(blas.NoTrans, blas.Trans, s.n, p.nv, p.nh, 1, s.h, p.nh, p.w, p.ldw, 0, s.pv, p.nv)
	vmath.Rows(s.n, p.nv, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			row := s.pv[k*p.nv : (k+1)*p.nv]
			vmath.SigmoidAffine(row, row, bias, beta)
			vmath.Bernoulli(v[k*p.nv:(k+1)*p.nv], row, &s.streams[k])
		}
	})
}

// Gibbs runs steps of block Gibbs sampling on every row of v, in place:
// each step draws h ~ p(h|v) and then v ~ p(v|h), both factorised over
// units given the other layer. Persistent chains carry over between calls.
// It takes one number from rng, to seed a stream per chain.
func (r *RBM) Gibbs(v *mat.Dense, steps int, rng *rand.Rand) {
	n := r.checkVisible(v, "Gibbs")
	p := newParams32(r, 0)
	s := newSampler(p, n)
	s.seed(rng.Uint64())
	v32 := make([]float32, n*p.nv)
	raw := v.RawMatrix()
	for k := range n {
		to32(v32[k*p.nv:(k+1)*p.nv], raw.Data[k*raw.Stride:k*raw.Stride+p.nv])
	}
	ph := make([]float32, n*p.nh)
	for range steps {
		s.hidden(ph, v32, 1, p.c, true)
		s.visible(v32, 1, p.b)
	}
	for k := range n {
		to64(raw.Data[k*raw.Stride:k*raw.Stride+p.nv], v32[k*p.nv:(k+1)*p.nv])
	}
}
