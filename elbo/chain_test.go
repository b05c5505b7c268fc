package elbo_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/lingauss"
)

// chainModel is the linear-Gaussian chain of two stochastic layers
//
//	h2 ~ N(0, I),  h1|h2 ~ N(A h2 + a, s1·I),  x|h1 ~ N(B h1 + b, s0·I),
//
// in which everything is exact: (h1, h2, x) is jointly Gaussian, so log p(x)
// and p(h1, h2 | x) are computed here with gonum, independently of the code
// under test.
type chainModel struct {
	a, b   *mat.Dense // A (d1 × d2), B (dx × d1)
	aBias  []float64  // a
	bBias  []float64  // b
	s1, s0 float64    // variances
}

func (m chainModel) dims() (dx, d1, d2 int) {
	d1, d2 = m.a.Dims()
	dx, _ = m.b.Dims()
	return dx, d1, d2
}

// testChain has A with one non-zero per column and row and B with
// orthogonal columns: then p(h1|x) and p(h2|h1) are diagonal Gaussians, and
// the true posterior p(h1|x) p(h2|h1) lies in the family of q.
func testChain() (chainModel, graphtest.Matrix) {
	m := chainModel{
		a:     mat.NewDense(3, 2, []float64{0.8, 0, 0, 1.3, 0, 0}),
		b:     mat.NewDense(4, 3, []float64{0.7, 0.5, 0, 0.7, -0.5, 0, 0, 0, 0.4, 0, 0, 0.8}),
		aBias: []float64{0.3, -0.2, 0.5},
		bBias: []float64{0.1, -0.3, 0.2, 0.4},
		s1:    0.5,
		s0:    0.4,
	}
	x := graphtest.Matrix{Rows: 3, Cols: 4, Data: []float64{1.0, -0.5, 0.3, 0.9, -0.8, 1.2, 0.1, -0.4, 0.0, 0.4, -1.1, 1.5}}
	return m, x
}

// joint returns the Gaussian of (h1, h2, x), in that order.
func (m chainModel) joint() *distmv.Normal {
	dx, d1, d2 := m.dims()
	n := d1 + d2 + dx
	// y = T ξ + μ with ξ = (h2, n1, n0) standard normal: h2 = ξ2,
	// h1 = A h2 + a + √s1 n1, x = B h1 + b + √s0 n0.
	tm := mat.NewDense(n, n, nil)
	mu := make([]float64, n)
	for i := range d1 { // h1
		for j := range d2 {
			tm.Set(i, j, m.a.At(i, j))
		}
		tm.Set(i, d2+i, math.Sqrt(m.s1))
		mu[i] = m.aBias[i]
	}
	for j := range d2 { // h2
		tm.Set(d1+j, j, 1)
	}
	for r := range dx { // x
		row := d1 + d2 + r
		for i := range d1 {
			for c := range d1 + d2 {
				tm.Set(row, c, tm.At(row, c)+m.b.At(r, i)*tm.At(i, c))
			}
			mu[row] += m.b.At(r, i) * m.aBias[i]
		}
		tm.Set(row, d1+d2+r, math.Sqrt(m.s0))
		mu[row] += m.bBias[r]
	}
	var c mat.Dense
	c.Mul(tm, tm.T())
	cov := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			cov.SetSym(i, j, (c.At(i, j)+c.At(j, i))/2)
		}
	}
	d, ok := distmv.NewNormal(mu, cov, nil)
	if !ok {
		panic("joint covariance not positive definite")
	}
	return d
}

func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

// marginal returns p(x).
func (m chainModel) marginal() *distmv.Normal {
	dx, d1, d2 := m.dims()
	p, ok := m.joint().MarginalNormal(seq(d1+d2, d1+d2+dx), nil)
	if !ok {
		panic("no marginal")
	}
	return p
}

// posterior returns p(h1, h2 | x).
func (m chainModel) posterior(x []float64) *distmv.Normal {
	dx, d1, d2 := m.dims()
	p, ok := m.joint().ConditionNormal(seq(d1+d2, d1+d2+dx), x, nil)
	if !ok {
		panic("no posterior")
	}
	return p
}

// logJoint returns log p(x, h1, h2) from the model's three densities.
func (m chainModel) logJoint(x, h1, h2 []float64) float64 {
	dx, d1, _ := m.dims()
	mean1, mean0 := make([]float64, d1), make([]float64, dx)
	for i := range d1 {
		mean1[i] = m.aBias[i]
		for j := range h2 {
			mean1[i] += m.a.At(i, j) * h2[j]
		}
	}
	for r := range dx {
		mean0[r] = m.bBias[r]
		for i := range d1 {
			mean0[r] += m.b.At(r, i) * h1[i]
		}
	}
	return dist.LogProbNormal(x, mean0, constant(dx, math.Log(m.s0))) +
		dist.LogProbNormal(h1, mean1, constant(d1, math.Log(m.s1))) + dist.LogProbStdNormal(h2)
}

func constant(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// chainQ is q(h1|x) q(h2|h1) with q(h1|x) = N(Mean1, e^LogVar1) per example
// and q(h2|h1) = N(C h1 + c, e^LogVar2): linear, so that the joint q of
// (h1, h2) is Gaussian and the ELBO has a closed form.
type chainQ struct {
	Mean1, LogVar1 graphtest.Matrix // (B, d1)
	C              *mat.Dense       // d2 × d1
	CBias, LogVar2 []float64        // (d2,)
}

// joint returns q(h1, h2 | x) for example b.
func (q chainQ) joint(b int) *distmv.Normal {
	d1, d2 := q.Mean1.Cols, len(q.CBias)
	n := d1 + d2
	// (h1, h2) = T ξ + μ, h1 = m1 + √v1 ξ1, h2 = C h1 + c + √v2 ξ2.
	tm := mat.NewDense(n, n, nil)
	mu := make([]float64, n)
	m1, lv1 := q.Mean1.Row(b), q.LogVar1.Row(b)
	for i := range d1 {
		tm.Set(i, i, math.Exp(lv1[i]/2))
		mu[i] = m1[i]
	}
	for j := range d2 {
		mu[d1+j] = q.CBias[j]
		for i := range d1 {
			tm.Set(d1+j, i, q.C.At(j, i)*math.Exp(lv1[i]/2))
			mu[d1+j] += q.C.At(j, i) * m1[i]
		}
		tm.Set(d1+j, d1+j, math.Exp(q.LogVar2[j]/2))
	}
	var c mat.Dense
	c.Mul(tm, tm.T())
	cov := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			cov.SetSym(i, j, (c.At(i, j)+c.At(j, i))/2)
		}
	}
	d, ok := distmv.NewNormal(mu, cov, nil)
	if !ok {
		panic("q covariance not positive definite")
	}
	return d
}

// exactELBO returns E_q[log p(x, h)] + H[q] in closed form for example b:
// each Gaussian log-density of the model is -½(k log 2πs + E‖r‖²/s) for
// a residual r = M(h1, h2) + r0 linear in h, and E‖r‖² = ‖Mμ + r0‖² +
// tr(M Σ Mᵀ) under q = N(μ, Σ).
func (m chainModel) exactELBO(x []float64, q chainQ, b int) float64 {
	dx, d1, d2 := m.dims()
	qj := q.joint(b)
	mu := qj.Mean(nil)
	var sigma mat.SymDense
	qj.CovarianceMatrix(&sigma)
	n := d1 + d2
	expSq := func(mm *mat.Dense, r0 []float64) float64 {
		k, _ := mm.Dims()
		var mmu mat.VecDense
		mmu.MulVec(mm, mat.NewVecDense(n, mu))
		var e float64
		for i := range k {
			v := mmu.AtVec(i) + r0[i]
			e += v * v
		}
		var ms, msm mat.Dense
		ms.Mul(mm, &sigma)
		msm.Mul(&ms, mm.T())
		return e + mat.Trace(&msm)
	}
	logN := func(k int, s, e float64) float64 { return -0.5 * (float64(k)*math.Log(2*math.Pi*s) + e/s) }
	// x − B h1 − b
	mx := mat.NewDense(dx, n, nil)
	rx := make([]float64, dx)
	for r := range dx {
		for i := range d1 {
			mx.Set(r, i, -m.b.At(r, i))
		}
		rx[r] = x[r] - m.bBias[r]
	}
	// h1 − A h2 − a
	m1 := mat.NewDense(d1, n, nil)
	r1 := make([]float64, d1)
	for i := range d1 {
		m1.Set(i, i, 1)
		for j := range d2 {
			m1.Set(i, d1+j, -m.a.At(i, j))
		}
		r1[i] = -m.aBias[i]
	}
	// h2
	m2 := mat.NewDense(d2, n, nil)
	for j := range d2 {
		m2.Set(j, d1+j, 1)
	}
	return logN(dx, m.s0, expSq(mx, rx)) + logN(d1, m.s1, expSq(m1, r1)) + logN(d2, 1, expSq(m2, make([]float64, d2))) + qj.Entropy()
}

// truePosterior returns the q equal to p(h1|x) p(h2|h1) at the rows of x:
// q(h1|x) from conditioning the joint, and p(h2|h1) = N(Σ2 Aᵀ(h1 − a)/s1,
// Σ2), Σ2 = (I + AᵀA/s1)⁻¹, diagonal for testChain's A.
func (m chainModel) truePosterior(t *testing.T, x graphtest.Matrix) chainQ {
	_, d1, d2 := m.dims()
	q := chainQ{
		Mean1:   graphtest.Matrix{Rows: x.Rows, Cols: d1},
		LogVar1: graphtest.Matrix{Rows: x.Rows, Cols: d1},
		C:       mat.NewDense(d2, d1, nil),
		CBias:   make([]float64, d2),
		LogVar2: make([]float64, d2),
	}
	var ata mat.Dense
	ata.Mul(m.a.T(), m.a)
	for j := range d2 {
		v := 1 / (1 + ata.At(j, j)/m.s1)
		q.LogVar2[j] = math.Log(v)
		for i := range d1 {
			q.C.Set(j, i, v*m.a.At(i, j)/m.s1)
			q.CBias[j] -= v * m.a.At(i, j) / m.s1 * m.aBias[i]
		}
	}
	for b := range x.Rows {
		p := m.posterior(x.Row(b))
		var cov mat.SymDense
		p.CovarianceMatrix(&cov)
		for i := range d1 {
			for k := range d1 {
				if k != i && math.Abs(cov.At(i, k)) > 1e-12 {
					t.Fatalf("p(h1|x) is not diagonal: covariance %v at (%d, %d)", cov.At(i, k), i, k)
				}
			}
			q.LogVar1.Data = append(q.LogVar1.Data, math.Log(cov.At(i, i)))
		}
		q.Mean1.Data = append(q.Mean1.Data, p.Mean(nil)[:d1]...)
	}
	return q
}

// randomChainQ returns an arbitrary q for the rows of x.
func randomChainQ(rng *rand.Rand, rows, d1, d2 int) chainQ {
	q := chainQ{
		Mean1:   graphtest.RandMatrix(rng, rows, d1, -1.5, 1.5),
		LogVar1: graphtest.RandMatrix(rng, rows, d1, -2, 0.5),
		C:       mat.NewDense(d2, d1, nil),
		CBias:   make([]float64, d2),
		LogVar2: make([]float64, d2),
	}
	for j := range d2 {
		for i := range d1 {
			q.C.Set(j, i, 2*rng.Float64()-1)
		}
		q.CBias[j] = 2*rng.Float64() - 1
		q.LogVar2[j] = 2*rng.Float64() - 2
	}
	return q
}

// perturbed returns q with every parameter moved by up to ±by.
func perturbed(q chainQ, rng *rand.Rand, by float64) chainQ {
	move := func(v []float64) {
		for i := range v {
			v[i] += by * (2*rng.Float64() - 1)
		}
	}
	move(q.Mean1.Data)
	move(q.LogVar1.Data)
	move(q.C.RawMatrix().Data)
	move(q.CBias)
	move(q.LogVar2)
	return q
}

// buildChainBound builds builder's bound (or, with builder nil,
// LogWeights) of the chain model m at x, with q and l samples per example,
// through elbo.Input.Upper.
func buildChainBound(t *testing.T, m chainModel, x graphtest.Matrix, q chainQ, l int, builder func(elbo.Input) (elbo.Terms, error), seed uint64) *boundGraph {
	t.Helper()
	dt := tensor.Float64
	_, d1, d2 := m.dims()
	g := G.NewGraph()
	// The bottom of the chain, q(h1|x) and p(x|h1), is lingauss's
	// one-layer model; the layer above is built here.
	bottom := lingauss.Model{W: m.b, B: m.bBias, LogVar: math.Log(m.s0)}
	in, _, err := bottom.Input(g, asMat(x), asMat(q.Mean1), asMat(q.LogVar1), l)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(name string, rows, cols int, data []float64) *G.Node {
		return G.NewMatrix(g, dt, G.WithShape(rows, cols), G.WithName(name), G.WithValue(graphtest.Dense(dt, []int{rows, cols}, data)))
	}
	vec := func(name string, data []float64) *G.Node {
		return G.NewVector(g, dt, G.WithShape(len(data)), G.WithName(name), G.WithValue(graphtest.Dense(dt, []int{len(data)}, data)))
	}
	transpose := func(name string, w mat.Matrix) *G.Node {
		r, c := w.Dims()
		return leaf(name, c, r, mat.DenseCopyOf(w.T()).RawMatrix().Data)
	}
	// linear returns N(in·Wᵀ + bias, e^logVar), the log-variance a (rows,
	// cols) leaf of the given per-column values.
	linear := func(name string, in, wT, bias *G.Node, logVar []float64) (dist.Normal, error) {
		prod, err := G.Mul(in, wT)
		if err != nil {
			return dist.Normal{}, err
		}
		mean, err := G.BroadcastAdd(prod, bias, nil, []byte{0})
		if err != nil {
			return dist.Normal{}, err
		}
		rows := in.Shape()[0]
		lv := make([]float64, 0, rows*len(logVar))
		for range rows {
			lv = append(lv, logVar...)
		}
		return dist.Normal{Mean: mean, LogVar: leaf(name+".logvar", rows, len(logVar), lv)}, nil
	}
	aT, cT := transpose("At", m.a), transpose("Ct", q.C)
	ab, cb := vec("a", m.aBias), vec("c", q.CBias)
	bg := &boundGraph{g: g, noise: dist.NewNoise(seed)}
	bg.eps, bg.epsVal = in.Eps, tensor.New(tensor.Of(dt), tensor.WithShape(in.Eps.Shape()...))
	bg.upperEpsVal = []*tensor.Dense{tensor.New(tensor.Of(dt), tensor.WithShape(l*x.Rows, d2))}
	bg.upperEps = []*G.Node{G.NewMatrix(g, dt, G.WithShape(l*x.Rows, d2), G.WithName("eps2"))}
	in.Upper = []elbo.Layer{{
		Infer: func(h1 *G.Node) (dist.Normal, error) {
			return linear("q2", h1, cT, cb, q.LogVar2)
		},
		Generate: func(h2 *G.Node) (dist.Normal, error) {
			return linear("p1", h2, aT, ab, constant(d1, math.Log(m.s1)))
		},
		Eps: bg.upperEps[0],
	}}
	bg.finish(t, in, builder)
	return bg
}

// TestChainReferenceIsConsistent checks the test's own reference: log p(x)
// from the joint Gaussian equals log p(x, h) − log p(h|x) at any h, with
// p(x, h) from the model's three densities (the chain rule, exact to 1e-10).
func TestChainReferenceIsConsistent(t *testing.T) {
	m, x := testChain()
	_, d1, _ := m.dims()
	marginal := m.marginal()
	rng := rand.New(rand.NewPCG(31, 32))
	for _, xb := range rowsOf(x) {
		post := m.posterior(xb)
		for range 5 {
			h := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			got := m.logJoint(xb, h[:d1], h[d1:]) - post.LogProb(h)
			if want := marginal.LogProb(xb); !scalar.EqualWithinAbs(got, want, 1e-10) {
				t.Errorf("x=%v h=%v: log p(x,h) − log p(h|x) = %.12f, log p(x) = %.12f", xb, h, got, want)
			}
		}
	}
}

// TestChainGapIsKLToPosterior checks (2.21), log p(x) = ELBO +
// KL(q(h|x) || p(h|x)), to 1e-6 for arbitrary q(h1|x) q(h2|h1), every term
// in closed form: the ELBO from the Gaussian expectations, the KL between
// the joint Gaussians of (h1, h2).
func TestChainGapIsKLToPosterior(t *testing.T) {
	m, x := testChain()
	_, d1, d2 := m.dims()
	marginal := m.marginal()
	rng := rand.New(rand.NewPCG(33, 34))
	for range 10 {
		q := randomChainQ(rng, x.Rows, d1, d2)
		for b, xb := range rowsOf(x) {
			gap := distmv.KullbackLeibler{}.DistNormal(q.joint(b), m.posterior(xb))
			lhs, rhs := marginal.LogProb(xb), m.exactELBO(xb, q, b)+gap
			if math.Abs(lhs-rhs) > 1e-6 {
				t.Errorf("example %d: log p(x) %.10f, ELBO + KL %.10f", b, lhs, rhs)
			}
			if gap < 0 {
				t.Errorf("KL(q || p(h|x)) = %g < 0", gap)
			}
		}
	}
}

// TestChainBoundsAreLogPAtTruePosterior checks that with q the true
// posterior p(h1|x) p(h2|h1) every sample of (2.19) and of the
// importance-weighted bound, built as graphs through Input.Upper, is
// log p(x) to 1e-9, and that the closed-form ELBO is too.
func TestChainBoundsAreLogPAtTruePosterior(t *testing.T) {
	m, x := testChain()
	q := m.truePosterior(t, x)
	marginal := m.marginal()
	want := make([]float64, x.Rows)
	for b, xb := range rowsOf(x) {
		want[b] = marginal.LogProb(xb)
		if got := m.exactELBO(xb, q, b); !scalar.EqualWithinAbs(got, want[b], 1e-9) {
			t.Errorf("example %d: closed-form ELBO %.12f, log p(x) %.12f", b, got, want[b])
		}
	}
	for _, c := range []struct {
		name    string
		builder func(elbo.Input) (elbo.Terms, error)
	}{{"MonteCarlo", elbo.MonteCarlo}, {"ImportanceWeighted", elbo.ImportanceWeighted}, {"LogWeights", nil}} {
		bg := buildChainBound(t, m, x, q, 7, c.builder, 41)
		for range 3 {
			bg.run(t)
			v := bg.bound
			if c.builder == nil {
				v = bg.logW
			}
			for i, got := range graphtest.Floats(v.Data()) {
				if b := i % x.Rows; !scalar.EqualWithinAbs(got, want[b], 1e-9) {
					t.Errorf("%s value %d (example %d): %.12f, log p(x) %.12f", c.name, i, b, got, want[b])
				}
			}
		}
	}
}

// TestChainFormsAgreeWithClosedForm checks that (2.24), (2.23) and (2.19)
// for two layers, as graphs, all estimate the closed-form ELBO of an
// arbitrary q: the seeded Monte Carlo mean over 2,000 runs of 3 samples
// lies within 4 standard errors of it.
func TestChainFormsAgreeWithClosedForm(t *testing.T) {
	m, x := testChain()
	_, d1, d2 := m.dims()
	q := randomChainQ(rand.New(rand.NewPCG(35, 36)), x.Rows, d1, d2)
	for _, c := range []struct {
		name    string
		builder func(elbo.Input) (elbo.Terms, error)
	}{{"ReconKL", elbo.ReconKL}, {"JointEntropy", elbo.JointEntropy}, {"MonteCarlo", elbo.MonteCarlo}} {
		mc, se := buildChainBound(t, m, x, q, 3, c.builder, 42).replicate(t, 2000)
		for b, xb := range rowsOf(x) {
			want := m.exactELBO(xb, q, b)
			if math.Abs(mc[b]-want) > 4*se[b] {
				t.Errorf("%s example %d: %.5f ± %.5f, closed form %.5f", c.name, b, mc[b], se[b], want)
			}
		}
	}
}

// TestChainFormsShareTheirSampledPart runs (2.24), (2.23) and (2.19) on the
// same noise: their reconstruction terms are identical and each bound is
// the reconstruction minus its KL term.
func TestChainFormsShareTheirSampledPart(t *testing.T) {
	m, x := testChain()
	_, d1, d2 := m.dims()
	q := randomChainQ(rand.New(rand.NewPCG(37, 38)), x.Rows, d1, d2)
	var graphs []*boundGraph
	for _, builder := range []func(elbo.Input) (elbo.Terms, error){elbo.ReconKL, elbo.JointEntropy, elbo.MonteCarlo} {
		graphs = append(graphs, buildChainBound(t, m, x, q, 4, builder, 43))
	}
	for range 3 {
		for _, bg := range graphs {
			bg.run(t)
		}
		r0 := graphtest.Floats(graphs[0].terms[0].Data())
		for i, bg := range graphs {
			r, k, bound := graphtest.Floats(bg.terms[0].Data()), graphtest.Floats(bg.terms[1].Data()), graphtest.Floats(bg.bound.Data())
			for b := range r {
				if r[b] != r0[b] {
					t.Errorf("form %d example %d: reconstruction %v vs %v on the same noise", i, b, r[b], r0[b])
				}
				if !scalar.EqualWithinAbs(bound[b], r[b]-k[b], 1e-12) {
					t.Errorf("form %d example %d: bound %v, recon − KL %v", i, b, bound[b], r[b]-k[b])
				}
			}
		}
	}
}

// TestChainImportanceWeightedTightens checks that the two-layer IWAE bound
// rises with K (1, 5, 50), stays below log p(x) beyond Monte Carlo error,
// and is the closed-form ELBO for K = 1.
func TestChainImportanceWeightedTightens(t *testing.T) {
	m, x := testChain()
	_, d1, d2 := m.dims()
	q := randomChainQ(rand.New(rand.NewPCG(39, 40)), x.Rows, d1, d2)
	marginal := m.marginal()
	var prev, prevSE []float64
	for i, k := range []int{1, 5, 50} {
		mc, se := buildChainBound(t, m, x, q, k, elbo.ImportanceWeighted, uint64(50+k)).replicate(t, 1000)
		for b, xb := range rowsOf(x) {
			logP := marginal.LogProb(xb)
			if mc[b] > logP+4*se[b] {
				t.Errorf("K=%d example %d: bound %.5f ± %.5f above log p(x) %.5f", k, b, mc[b], se[b], logP)
			}
			if k == 1 {
				if want := m.exactELBO(xb, q, b); math.Abs(mc[b]-want) > 4*se[b] {
					t.Errorf("K=1 example %d: %.5f ± %.5f, ELBO %.5f", b, mc[b], se[b], want)
				}
			}
			if i > 0 && mc[b]-prev[b] < 4*math.Hypot(se[b], prevSE[b]) {
				t.Errorf("K=%d example %d: bound %.5f ± %.5f not above the previous K's %.5f ± %.5f", k, b, mc[b], se[b], prev[b], prevSE[b])
			}
		}
		prev, prevSE = mc, se
	}
}

// TestChainLogMarginalRecoversLogP checks the importance-sampled estimate
// of log p(x) for the two-layer chain, 5,000 samples in chunks of 500,
// against the exact value, within 4 of its reported standard errors.
func TestChainLogMarginalRecoversLogP(t *testing.T) {
	m, x := testChain()
	q := perturbed(m.truePosterior(t, x), rand.New(rand.NewPCG(44, 45)), 0.3)
	bg := buildChainBound(t, m, x, q, 500, nil, 46)
	est, err := elbo.LogMarginal(x.Rows, 5000, 500, func(dst []float64) error {
		bg.run(t)
		copy(dst, graphtest.Floats(bg.logW.Data()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	marginal := m.marginal()
	for b, xb := range rowsOf(x) {
		logP := marginal.LogProb(xb)
		if est[b].StdErr <= 0 || est[b].StdErr > 0.2 {
			t.Errorf("example %d: implausible standard error %g", b, est[b].StdErr)
		}
		if math.Abs(est[b].LogP-logP) > 4*est[b].StdErr {
			t.Errorf("example %d: estimate %.5f ± %.5f, exact %.5f", b, est[b].LogP, est[b].StdErr, logP)
		}
	}
}

// TestChainBuild checks elbo.Build on the two-layer chain: with Reparam
// its IWAE and ELBO are ImportanceWeighted's and MonteCarlo's bounds on the
// same noise, to rounding (1e-12: the ELBO sums log w in another order);
// every other estimator, and PIWAE,
// would act on the samples of h1 alone and is refused with CheckLayers'
// error (or PIWAE's) rather than built.
func TestChainBuild(t *testing.T) {
	m, x := testChain()
	q := m.truePosterior(t, x)
	q = perturbed(q, rand.New(rand.NewPCG(7, 8)), 0.3)
	surrogate := func(obj elbo.Objective, est elbo.Estimator) func(elbo.Input) (elbo.Terms, error) {
		return func(in elbo.Input) (elbo.Terms, error) {
			sur, err := elbo.Build(obj, est, in)
			return sur.Terms, err
		}
	}
	for _, c := range []struct {
		obj  elbo.Objective
		want func(elbo.Input) (elbo.Terms, error)
	}{
		{elbo.IWAE{}, elbo.ImportanceWeighted},
		{elbo.ELBO{}, elbo.MonteCarlo},
	} {
		got := buildChainBound(t, m, x, q, 4, surrogate(c.obj, elbo.Reparam), 11)
		want := buildChainBound(t, m, x, q, 4, c.want, 11)
		got.run(t)
		want.run(t)
		g, w := got.bound.Data().([]float64), want.bound.Data().([]float64)
		for i := range w {
			if !scalar.EqualWithinAbsOrRel(g[i], w[i], 1e-12, 1e-12) {
				t.Errorf("%v with reparam, example %d: Build gives %v, the bound %v", c.obj, i, g[i], w[i])
			}
		}
	}
	for _, c := range []struct {
		obj  elbo.Objective
		est  elbo.Estimator
		want string
	}{
		{elbo.IWAE{}, elbo.STL, "2 stochastic layers"},
		{elbo.IWAE{}, elbo.DReG, "2 stochastic layers"},
		{elbo.ELBO{}, elbo.Score, "2 stochastic layers"},
		{elbo.PIWAE{Groups: 2}, elbo.Reparam, "2 stochastic layers"},
	} {
		var err error
		buildChainBound(t, m, x, q, 4, func(in elbo.Input) (elbo.Terms, error) {
			var sur elbo.Surrogate
			sur, err = elbo.Build(c.obj, c.est, in)
			if err == nil {
				return sur.Terms, nil
			}
			return elbo.ImportanceWeighted(in) // a graph to finish with
		}, 11)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%v, %v) on two layers: error %v, want one saying %q", c.obj, c.est, err, c.want)
		}
	}
}
