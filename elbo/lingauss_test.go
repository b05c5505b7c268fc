package elbo_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/lingauss"
)

// linGauss is the linear-Gaussian latent model z ~ N(0, I),
// x|z ~ N(Wz + b, σ²I), where everything is exact: log p(x) and p(z|x) are
// Gaussians computed here with gonum, independently of the code under test.
type linGauss struct {
	w      *mat.Dense // dx × dz
	b      []float64
	logVar float64 // log σ²
}

func (m linGauss) dims() (dx, dz int) { return m.w.Dims() }

// marginal returns p(x) = N(b, WWᵀ + σ²I).
func (m linGauss) marginal() *distmv.Normal {
	dx, _ := m.dims()
	var c mat.Dense
	c.Mul(m.w, m.w.T())
	cov := mat.NewSymDense(dx, nil)
	for i := range dx {
		for j := range dx {
			cov.SetSym(i, j, c.At(i, j))
		}
		cov.SetSym(i, i, c.At(i, i)+math.Exp(m.logVar))
	}
	n, ok := distmv.NewNormal(m.b, cov, nil)
	if !ok {
		panic("marginal covariance not positive definite")
	}
	return n
}

// posterior returns p(z|x) = N(Σ Wᵀ(x-b)/σ², Σ), Σ = (I + WᵀW/σ²)⁻¹.
func (m linGauss) posterior(x []float64) *distmv.Normal {
	_, dz := m.dims()
	s2 := math.Exp(m.logVar)
	var prec mat.Dense
	prec.Mul(m.w.T(), m.w)
	prec.Scale(1/s2, &prec)
	for i := range dz {
		prec.Set(i, i, prec.At(i, i)+1)
	}
	var cov mat.Dense
	if err := cov.Inverse(&prec); err != nil {
		panic(err)
	}
	r := make([]float64, len(x))
	for i := range x {
		r[i] = (x[i] - m.b[i]) / s2
	}
	var wtr, mean mat.VecDense
	wtr.MulVec(m.w.T(), mat.NewVecDense(len(r), r))
	mean.MulVec(&cov, &wtr)
	sym := mat.NewSymDense(dz, nil)
	for i := range dz {
		for j := range dz {
			sym.SetSym(i, j, (cov.At(i, j)+cov.At(j, i))/2)
		}
	}
	n, ok := distmv.NewNormal(mean.RawVector().Data, sym, nil)
	if !ok {
		panic("posterior covariance not positive definite")
	}
	return n
}

// exactELBO returns E_q[log p(x|z)] + E_q[log p(z)] + H[q] in closed form for
// a diagonal q = N(mean, e^logVar).
func (m linGauss) exactELBO(x, mean, logVar []float64) float64 {
	dx, dz := m.dims()
	s2 := math.Exp(m.logVar)
	var resid, trace float64
	for i := range dx {
		r := x[i] - m.b[i]
		for j := range dz {
			r -= m.w.At(i, j) * mean[j]
			trace += m.w.At(i, j) * m.w.At(i, j) * math.Exp(logVar[j])
		}
		resid += r * r
	}
	recon := -0.5 * (float64(dx)*(math.Log(2*math.Pi)+m.logVar) + (resid+trace)/s2)
	var prior float64
	for j := range dz {
		prior -= 0.5 * (mean[j]*mean[j] + math.Exp(logVar[j]) + math.Log(2*math.Pi))
	}
	return recon + prior + dist.EntropyNormal(logVar)
}

// diagNormal returns N(mean, diag(e^logVar)) as a gonum distribution.
func diagNormal(mean, logVar []float64) *distmv.Normal {
	v := make([]float64, len(logVar))
	for i, lv := range logVar {
		v[i] = math.Exp(lv)
	}
	n, ok := distmv.NewNormal(mean, mat.NewDiagDense(len(v), v), nil)
	if !ok {
		panic("bad diagonal normal")
	}
	return n
}

// testModel is a linear-Gaussian model with dz = 2, dx = 3, and a batch of
// three observations.
func testModel() (linGauss, graphtest.Matrix) {
	m := linGauss{
		w:      mat.NewDense(3, 2, []float64{0.9, -0.4, 0.3, 1.1, -0.7, 0.5}),
		b:      []float64{0.2, -0.1, 0.4},
		logVar: math.Log(0.3),
	}
	x := graphtest.Matrix{Rows: 3, Cols: 3, Data: []float64{1.0, -0.5, 0.3, -0.8, 1.2, 0.1, 0.0, 0.4, -1.1}}
	return m, x
}

// boundGraph is a compiled graph computing a bound of the linear-Gaussian
// model for a batch, with the noise fed from a seeded Noise on every run.
type boundGraph struct {
	g      *G.ExprGraph
	eps    *G.Node
	bound  G.Value
	terms  []G.Value // Recon, KL
	logW   G.Value
	m      G.VM
	noise  *dist.Noise
	epsVal *tensor.Dense
	// The noise of the layers above the first, for a hierarchical model.
	upperEps    []*G.Node
	upperEpsVal []*tensor.Dense
}

// buildBound builds builder's bound (or, with builder nil, LogWeights) for
// the linear-Gaussian model m at x, with q = N(qMean, e^qLogVar) and l samples
// per example.
func buildBound(t *testing.T, m linGauss, x, qMean, qLogVar graphtest.Matrix, l int, builder func(elbo.Input) (elbo.Terms, error), seed uint64) *boundGraph {
	t.Helper()
	g := G.NewGraph()
	bg := &boundGraph{g: g, noise: dist.NewNoise(seed)}
	in, _, err := m.model().Input(g, asMat(x), asMat(qMean), asMat(qLogVar), l)
	if err != nil {
		t.Fatal(err)
	}
	bg.eps, bg.epsVal = in.Eps, tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(in.Eps.Shape()...))
	bg.finish(t, in, builder)
	return bg
}

// finish builds builder's bound (or, with builder nil, LogWeights) from in
// on bg's graph and compiles it.
func (bg *boundGraph) finish(t *testing.T, in elbo.Input, builder func(elbo.Input) (elbo.Terms, error)) {
	t.Helper()
	if builder == nil {
		lw, err := elbo.LogWeights(in)
		if err != nil {
			t.Fatal(err)
		}
		G.Read(lw, &bg.logW)
	} else {
		terms, err := builder(in)
		if err != nil {
			t.Fatal(err)
		}
		bg.terms = make([]G.Value, 2)
		G.Read(terms.Bound, &bg.bound)
		G.Read(terms.Recon, &bg.terms[0])
		G.Read(terms.KL, &bg.terms[1])
	}
	bg.m = G.NewTapeMachine(bg.g)
	t.Cleanup(func() { bg.m.Close() })
}

// model returns m as a lingauss.Model.
func (m linGauss) model() lingauss.Model {
	return lingauss.Model{W: m.w, B: m.b, LogVar: m.logVar}
}

// asMat returns v as a gonum matrix (sharing its data).
func asMat(v graphtest.Matrix) *mat.Dense { return mat.NewDense(v.Rows, v.Cols, v.Data) }

// run draws fresh noise and evaluates the graph.
func (bg *boundGraph) run(t *testing.T) {
	t.Helper()
	if err := bg.noise.Fill(bg.epsVal); err != nil {
		t.Fatal(err)
	}
	if err := G.Let(bg.eps, bg.epsVal); err != nil {
		t.Fatal(err)
	}
	for i, e := range bg.upperEps {
		if err := bg.noise.Fill(bg.upperEpsVal[i]); err != nil {
			t.Fatal(err)
		}
		if err := G.Let(e, bg.upperEpsVal[i]); err != nil {
			t.Fatal(err)
		}
	}
	bg.m.Reset()
	if err := bg.m.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// replicate runs the bound r times with fresh noise and returns, per
// example, the mean of the bound over the runs and its standard error.
func (bg *boundGraph) replicate(t *testing.T, r int) (mean, se []float64) {
	t.Helper()
	var sum, sumSq []float64
	for range r {
		bg.run(t)
		v := graphtest.Floats(bg.bound.Data())
		if sum == nil {
			sum, sumSq = make([]float64, len(v)), make([]float64, len(v))
		}
		for i, x := range v {
			sum[i] += x
			sumSq[i] += x * x
		}
	}
	mean, se = make([]float64, len(sum)), make([]float64, len(sum))
	n := float64(r)
	for i := range sum {
		mean[i] = sum[i] / n
		se[i] = math.Sqrt(math.Max(0, sumSq[i]/n-mean[i]*mean[i]) / (n - 1))
	}
	return mean, se
}
