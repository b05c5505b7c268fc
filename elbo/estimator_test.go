package elbo_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
	"github.com/govae/govae/internal/lingauss"
)

// The linear-Gaussian test model has B = 3 examples of dz = 2: q's mean and
// log-variance make the first encParams entries of a gradient.
const encParams = 12

// estCase is an objective, an estimator, the samples per example and the
// KL weight β.
type estCase = lingauss.Estimator

// ec returns the estimator case (obj, est) with l samples per example and
// KL weight beta.
func ec(obj elbo.Objective, est elbo.Estimator, l int, beta float64) estCase {
	return estCase{Objective: obj, Estimator: est, Samples: l, Beta: beta}
}

// gradGraph draws an estimator's gradient for the linear-Gaussian model.
type gradGraph struct{ *lingauss.Gradients }

// buildGrad builds c for the model m at x with q = N(qMean, e^qLogVar),
// with the batch repeated copies times.
func buildGrad(t *testing.T, m linGauss, x, qMean, qLogVar graphtest.Matrix, copies int, c estCase, seed uint64) gradGraph {
	t.Helper()
	gr, err := lingauss.NewGradients(m.model(), asMat(x), asMat(qMean), asMat(qLogVar), copies, c, seed)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gr.Close() })
	return gradGraph{gr}
}

// sample draws one gradient (averaged over the copies).
func (gg gradGraph) sample(t *testing.T) []float64 {
	t.Helper()
	v := make([]float64, gg.Len())
	if err := gg.Draw(v); err != nil {
		t.Fatal(err)
	}
	return v
}

// moments are the mean and standard error of each entry of a gradient over
// r seeded runs.
type moments struct{ mean, se []float64 }

func (gg gradGraph) replicate(t *testing.T, r int) moments {
	t.Helper()
	var sum, sumSq []float64
	for range r {
		v := gg.sample(t)
		if sum == nil {
			sum, sumSq = make([]float64, len(v)), make([]float64, len(v))
		}
		for i, x := range v {
			sum[i] += x
			sumSq[i] += x * x
		}
	}
	n := float64(r)
	mo := moments{make([]float64, len(sum)), make([]float64, len(sum))}
	for i := range sum {
		mo.mean[i] = sum[i] / n
		mo.se[i] = math.Sqrt(math.Max(0, sumSq[i]/n-mo.mean[i]*mo.mean[i]) / (n - 1))
	}
	return mo
}

// zScores returns, entry by entry, (a − b)/√(se_a² + se_b²) for the range
// [lo, hi) of the gradient.
func zScores(a, b moments, lo, hi int) []float64 {
	z := make([]float64, 0, hi-lo)
	for i := lo; i < hi; i++ {
		z = append(z, (a.mean[i]-b.mean[i])/math.Hypot(a.se[i], b.se[i]))
	}
	return z
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// exactELBOGradient returns the gradient of Σ_b ELBO_b in closed form
// (central differences of the closed-form ELBO, accurate to about 1e-9),
// laid out as gradGraph's.
func exactELBOGradient(m linGauss, x, qMean, qLogVar graphtest.Matrix) []float64 {
	dx, dz := m.dims()
	var flat []float64
	flat = append(flat, qMean.Data...)
	flat = append(flat, qLogVar.Data...)
	for j := range dz {
		for i := range dx {
			flat = append(flat, m.w.At(i, j))
		}
	}
	flat = append(flat, m.b...)
	total := func(p []float64) float64 {
		mean, logVar, wt, bias := p[:6], p[6:12], p[12:12+dx*dz], p[12+dx*dz:]
		mm := linGauss{w: mat.NewDense(dx, dz, nil), b: bias, logVar: m.logVar}
		for j := range dz {
			for i := range dx {
				mm.w.Set(i, j, wt[j*dx+i])
			}
		}
		var sum float64
		for b, xb := range rowsOf(x) {
			sum += mm.exactELBO(xb, mean[b*dz:(b+1)*dz], logVar[b*dz:(b+1)*dz])
		}
		return sum
	}
	return fd.Gradient(nil, total, flat, &fd.Settings{Formula: fd.Central})
}

// iwaeReference is the reparameterised gradient of IWAE with k samples
// (and KL weight β) averaged over 20,000 seeded draws: the exact gradient
// of the bound, up to its reported standard error.
func iwaeReference(t *testing.T, k int, beta float64) moments {
	t.Helper()
	m, x := testModel()
	mean, logVar := someQ()
	return buildGrad(t, m, x, mean, logVar, 200, ec(elbo.IWAE{}, elbo.Reparam, k, beta), 1000+uint64(k)).replicate(t, 100)
}

// TestEstimatorsUnbiased checks, on the linear-Gaussian model with a q
// that is not the posterior, that the mean of each unbiased estimator over
// 4,000 seeded draws matches the exact gradient of its bound within 4
// standard errors, entry by entry (21 entries: q's mean and log-variance
// for three examples, Wᵀ and b). The exact gradient is the closed form for
// the ELBO, and the reparameterised IWAE gradient averaged over 20,000
// draws for IWAE (the expectation of MIWAE's gradient with groups of K is
// IWAE_K's; CIWAE's is the mixture of the two).
func TestEstimatorsUnbiased(t *testing.T) {
	m, x := testModel()
	mean, logVar := someQ()
	exact := moments{exactELBOGradient(m, x, mean, logVar), make([]float64, 21)}
	iwae5, iwae3, iwae5Half := iwaeReference(t, 5, 1), iwaeReference(t, 3, 1), iwaeReference(t, 5, 0.5)
	ciwae := moments{make([]float64, 21), make([]float64, 21)}
	for i := range ciwae.mean {
		ciwae.mean[i] = 0.3*exact.mean[i] + 0.7*iwae5.mean[i]
		ciwae.se[i] = 0.7 * iwae5.se[i]
	}
	for i, c := range []struct {
		estCase
		want moments
	}{
		{ec(elbo.ELBO{}, elbo.Reparam, 2, 1), exact},
		{ec(elbo.ELBO{}, elbo.STL, 2, 1), exact},
		{ec(elbo.ELBO{}, elbo.DReG, 2, 1), exact},
		{ec(elbo.ELBO{}, elbo.Score, 2, 1), exact},
		{ec(elbo.IWAE{}, elbo.Reparam, 5, 1), iwae5},
		{ec(elbo.IWAE{}, elbo.DReG, 5, 1), iwae5},
		{ec(elbo.IWAE{}, elbo.Score, 5, 1), iwae5},
		{ec(elbo.IWAE{}, elbo.DReG, 5, 0.5), iwae5Half},
		{ec(elbo.MIWAE{Groups: 2}, elbo.Reparam, 6, 1), iwae3},
		{ec(elbo.MIWAE{Groups: 2}, elbo.DReG, 6, 1), iwae3},
		{ec(elbo.MIWAE{Groups: 2}, elbo.Score, 6, 1), iwae3},
		{ec(elbo.CIWAE{Beta: 0.3}, elbo.Reparam, 5, 1), ciwae},
	} {
		got := buildGrad(t, m, x, mean, logVar, 100, c.estCase, 100+uint64(i)).replicate(t, 40)
		if z := zScores(got, c.want, 0, 21); maxAbs(z) > 4 {
			t.Errorf("%v: mean gradient differs from the exact one by up to %.1f standard errors: %.1f", c.estCase, maxAbs(z), z)
		}
	}
}

// TestSTLBiasedForIWAE measures the bias of STL for IWAE with K = 5: its
// decoder gradient is the standard one (unbiased), its encoder gradient's
// mean is far from the exact gradient (more than 10 standard errors; 60
// when this was written, the error's norm 1.9 times the exact gradient's),
// while for K = 1 it is unbiased (TestEstimatorsUnbiased). Run with -v to
// see the figures.
func TestSTLBiasedForIWAE(t *testing.T) {
	m, x := testModel()
	mean, logVar := someQ()
	ref := iwaeReference(t, 5, 1)
	stl := buildGrad(t, m, x, mean, logVar, 100, ec(elbo.IWAE{}, elbo.STL, 5, 1), 7).replicate(t, 40)
	enc, dec := zScores(stl, ref, 0, encParams), zScores(stl, ref, encParams, 21)
	if maxAbs(dec) > 4 {
		t.Errorf("STL decoder gradient off by up to %.1f standard errors: %.1f", maxAbs(dec), dec)
	}
	if maxAbs(enc) < 10 {
		t.Errorf("STL encoder gradient within %.1f standard errors of the exact IWAE gradient; its known bias for K = 5 should show", maxAbs(enc))
	}
	var diff, norm float64
	for i := range encParams {
		diff += (stl.mean[i] - ref.mean[i]) * (stl.mean[i] - ref.mean[i])
		norm += ref.mean[i] * ref.mean[i]
	}
	t.Logf("STL, IWAE K = 5: encoder bias |E[stl] − ∇| / |∇| = %.3f, up to %.1f standard errors", math.Sqrt(diff/norm), maxAbs(enc))
}

// TestZeroVarianceAtPosterior sets q to the true posterior of the
// orthogonal linear-Gaussian model, where log p(x, z) − log q(z|x) = log p(x)
// for every z: the STL and DReG encoder gradients are then zero for every
// draw (to rounding), for K = 1 and 5, while reparam's, which keeps the
// score term, varies.
func TestZeroVarianceAtPosterior(t *testing.T) {
	m := orthogonalModel()
	_, x := testModel()
	mean, logVar := posteriorParams(m, x)
	for _, k := range []int{1, 5} {
		for _, est := range []elbo.Estimator{elbo.STL, elbo.DReG} {
			gg := buildGrad(t, m, x, mean, logVar, 1, ec(elbo.IWAE{}, est, k, 1), 50)
			for range 50 {
				if g := gg.sample(t)[:encParams]; maxAbs(g) > 1e-12 {
					t.Fatalf("K=%d %v: encoder gradient %.3g at the true posterior, want 0", k, est, g)
				}
			}
		}
		re := buildGrad(t, m, x, mean, logVar, 1, ec(elbo.IWAE{}, elbo.Reparam, k, 1), 50).replicate(t, 50)
		if sd := maxAbs(re.se[:encParams]) * math.Sqrt(50); sd < 0.1 {
			t.Errorf("K=%d reparam: encoder gradient's largest standard deviation %.3g at the true posterior; want the score term's noise", k, sd)
		}
	}
}
