package elbo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distmv"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
)

// rowsOf returns the rows of m as separate slices.
func rowsOf(m graphtest.Matrix) [][]float64 {
	rows := make([][]float64, m.Rows)
	for i := range rows {
		rows[i] = m.Row(i)
	}
	return rows
}

// TestGapIsKLToPosterior checks (2.21), log p(x) = ELBO + KL(q || p(z|x)),
// to 1e-6 for arbitrary diagonal q, with every term in closed form.
func TestGapIsKLToPosterior(t *testing.T) {
	m, x := testModel()
	marginal := m.marginal()
	rng := rand.New(rand.NewPCG(11, 12))
	for _, xb := range rowsOf(x) {
		post := m.posterior(xb)
		for range 10 {
			mean := []float64{4*rng.Float64() - 2, 4*rng.Float64() - 2}
			logVar := []float64{4*rng.Float64() - 3, 4*rng.Float64() - 3}
			gap := distmv.KullbackLeibler{}.DistNormal(diagNormal(mean, logVar), post)
			lhs, rhs := marginal.LogProb(xb), m.exactELBO(xb, mean, logVar)+gap
			if math.Abs(lhs-rhs) > 1e-6 {
				t.Errorf("x=%v q=(%v, %v): log p(x) %.10f, ELBO + KL %.10f", xb, mean, logVar, lhs, rhs)
			}
			if gap < 0 {
				t.Errorf("KL(q || p(z|x)) = %g < 0", gap)
			}
		}
	}
}

// orthogonalModel has a W with orthogonal columns, so the true posterior is
// diagonal and a diag-Gaussian q can equal it exactly.
func orthogonalModel() linGauss {
	m, _ := testModel()
	m.w = mat.NewDense(3, 2, []float64{1.2, 0, 0, 0.7, 0, 0})
	return m
}

// posteriorParams returns the true posterior of orthogonalModel at each row
// of x as (mean, log-variance) matrices.
func posteriorParams(m linGauss, x graphtest.Matrix) (mean, logVar graphtest.Matrix) {
	mean = graphtest.Matrix{Rows: x.Rows, Cols: 2, Data: make([]float64, 0, 2*x.Rows)}
	logVar = graphtest.Matrix{Rows: x.Rows, Cols: 2, Data: make([]float64, 0, 2*x.Rows)}
	for _, xb := range rowsOf(x) {
		p := m.posterior(xb)
		mu := p.Mean(nil)
		var cov mat.SymDense
		p.CovarianceMatrix(&cov)
		mean.Data = append(mean.Data, mu...)
		logVar.Data = append(logVar.Data, math.Log(cov.At(0, 0)), math.Log(cov.At(1, 1)))
	}
	return mean, logVar
}

// TestELBOIsLogPAtTruePosterior checks that with q the true posterior the
// ELBO is log p(x): exactly in closed form, and sample by sample in the
// Monte Carlo (2.19) and importance-weighted forms, whose every weight is
// then p(x).
func TestELBOIsLogPAtTruePosterior(t *testing.T) {
	m := orthogonalModel()
	_, x := testModel()
	mean, logVar := posteriorParams(m, x)
	marginal := m.marginal()
	want := make([]float64, x.Rows)
	for b, xb := range rowsOf(x) {
		want[b] = marginal.LogProb(xb)
		if got := m.exactELBO(xb, mean.Row(b), logVar.Row(b)); math.Abs(got-want[b]) > 1e-10 {
			t.Errorf("example %d: closed-form ELBO %.12f, log p(x) %.12f", b, got, want[b])
		}
	}
	for _, c := range []struct {
		name    string
		builder func(elbo.Input) (elbo.Terms, error)
	}{{"MonteCarlo", elbo.MonteCarlo}, {"ImportanceWeighted", elbo.ImportanceWeighted}} {
		bg := buildBound(t, m, x, mean, logVar, 7, c.builder, 1)
		for range 3 {
			bg.run(t)
			for b, got := range graphtest.Floats(bg.bound.Data()) {
				if !scalar.EqualWithinAbs(got, want[b], 1e-10) {
					t.Errorf("%s example %d: %.12f, log p(x) %.12f", c.name, b, got, want[b])
				}
			}
		}
	}
	// With one sample per run the two sampled forms still average to log p(x).
	for _, c := range []struct {
		name    string
		builder func(elbo.Input) (elbo.Terms, error)
	}{{"ReconKL", elbo.ReconKL}, {"JointEntropy", elbo.JointEntropy}} {
		mc, se := buildBound(t, m, x, mean, logVar, 1, c.builder, 2).replicate(t, 4000)
		for b := range mc {
			if math.Abs(mc[b]-want[b]) > 4*se[b] {
				t.Errorf("%s example %d: %.5f ± %.5f, log p(x) %.5f", c.name, b, mc[b], se[b], want[b])
			}
		}
	}
}

// someQ is a diagonal q that is not the posterior of testModel.
func someQ() (mean, logVar graphtest.Matrix) {
	return graphtest.Matrix{Rows: 3, Cols: 2, Data: []float64{0.3, -0.2, -0.5, 0.6, 0.1, 0.2}},
		graphtest.Matrix{Rows: 3, Cols: 2, Data: []float64{-1.0, -0.6, -0.8, -1.2, -0.3, -0.9}}
}

// TestFormsAgreeWithClosedForm checks that (2.24), (2.23) and (2.19), as
// graphs with sampled expectations, all estimate the closed-form ELBO: the
// seeded Monte Carlo mean over 2,000 runs lies within 4 standard errors.
func TestFormsAgreeWithClosedForm(t *testing.T) {
	m, x := testModel()
	mean, logVar := someQ()
	for _, c := range []struct {
		name    string
		builder func(elbo.Input) (elbo.Terms, error)
	}{{"ReconKL", elbo.ReconKL}, {"JointEntropy", elbo.JointEntropy}, {"MonteCarlo", elbo.MonteCarlo}} {
		mc, se := buildBound(t, m, x, mean, logVar, 3, c.builder, 3).replicate(t, 2000)
		for b, xb := range rowsOf(x) {
			want := m.exactELBO(xb, mean.Row(b), logVar.Row(b))
			if math.Abs(mc[b]-want) > 4*se[b] {
				t.Errorf("%s example %d: %.5f ± %.5f, closed form %.5f", c.name, b, mc[b], se[b], want)
			}
		}
	}
}

// TestFormsShareTheirSampledPart runs (2.24) and (2.23) on the same noise:
// their reconstruction terms are identical, and their bounds differ exactly
// by the closed-form KL minus its sampled estimate, that is, by nothing in
// expectation.
func TestFormsShareTheirSampledPart(t *testing.T) {
	m, x := testModel()
	mean, logVar := someQ()
	a := buildBound(t, m, x, mean, logVar, 5, elbo.ReconKL, 4)
	b := buildBound(t, m, x, mean, logVar, 5, elbo.JointEntropy, 4)
	for range 3 {
		a.run(t)
		b.run(t)
		ra, rb := graphtest.Floats(a.terms[0].Data()), graphtest.Floats(b.terms[0].Data())
		ba, bb := graphtest.Floats(a.bound.Data()), graphtest.Floats(b.bound.Data())
		ka, kb := graphtest.Floats(a.terms[1].Data()), graphtest.Floats(b.terms[1].Data())
		for i := range ra {
			if ra[i] != rb[i] {
				t.Errorf("example %d: reconstruction %v vs %v on the same noise", i, ra[i], rb[i])
			}
			if !scalar.EqualWithinAbs(ba[i]-bb[i], kb[i]-ka[i], 1e-12) {
				t.Errorf("example %d: bounds differ by %g, KL estimates by %g", i, ba[i]-bb[i], kb[i]-ka[i])
			}
		}
	}
}

// TestImportanceWeightedTightens checks that the IWAE bound rises with K
// (1, 5, 50) toward log p(x), never above it beyond Monte Carlo error, and
// that K = 1 is the ELBO.
func TestImportanceWeightedTightens(t *testing.T) {
	m, x := testModel()
	mean, logVar := someQ()
	marginal := m.marginal()
	var prev, prevSE []float64
	for i, k := range []int{1, 5, 50} {
		mc, se := buildBound(t, m, x, mean, logVar, k, elbo.ImportanceWeighted, uint64(10+k)).replicate(t, 1500)
		for b, xb := range rowsOf(x) {
			logP := marginal.LogProb(xb)
			if mc[b] > logP+4*se[b] {
				t.Errorf("K=%d example %d: bound %.5f ± %.5f above log p(x) %.5f", k, b, mc[b], se[b], logP)
			}
			if k == 1 {
				if want := m.exactELBO(xb, mean.Row(b), logVar.Row(b)); math.Abs(mc[b]-want) > 4*se[b] {
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

// TestLogMarginalRecoversLogP checks the importance-sampled estimator with
// 5,000 samples in chunks of 512 against the exact log p(x), within 4 of its
// own reported standard errors.
func TestLogMarginalRecoversLogP(t *testing.T) {
	m, x := testModel()
	mean, logVar := someQ()
	bg := buildBound(t, m, x, mean, logVar, 512, nil, 20)
	est, err := elbo.LogMarginal(x.Rows, 5000, 512, func(dst []float64) error {
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
		if est[b].K != 5000 {
			t.Errorf("example %d used %d samples, want 5000", b, est[b].K)
		}
		if est[b].StdErr <= 0 || est[b].StdErr > 0.05 {
			t.Errorf("example %d: implausible standard error %g", b, est[b].StdErr)
		}
		if math.Abs(est[b].LogP-logP) > 4*est[b].StdErr {
			t.Errorf("example %d: estimate %.5f ± %.5f, exact %.5f", b, est[b].LogP, est[b].StdErr, logP)
		}
	}
}
