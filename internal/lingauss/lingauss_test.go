package lingauss_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/gx"
	"github.com/govae/govae/internal/lingauss"
)

// TestMeanFieldIsTheELBOOptimum checks that the ELBO's gradient with
// respect to q's parameters is zero at MeanField's q, on a random model
// whose posterior is not diagonal: the mean of 4,000 seeded reparameterised
// estimates lies within 4 standard errors of zero, entry by entry; and that
// q moved off it has a gradient far from zero.
func TestMeanFieldIsTheELBOOptimum(t *testing.T) {
	m, x := lingauss.Random(rand.New(rand.NewPCG(1, 2)), 5, 2, 3, 0.5)
	mean, logVar, err := m.MeanField(x)
	if err != nil {
		t.Fatal(err)
	}
	zMax := func(mean, logVar *mat.Dense) float64 {
		gr, err := lingauss.NewGradients(m, x, mean, logVar, 100, lingauss.Estimator{Objective: elbo.ELBO{}, Estimator: elbo.Reparam, Samples: 1, Beta: 1}, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer gr.Close()
		enc := gr.Encoder()
		sum, sumSq := make([]float64, enc), make([]float64, enc)
		g := make([]float64, gr.Len())
		const draws = 40
		for range draws {
			if err := gr.Draw(g); err != nil {
				t.Fatal(err)
			}
			for i := range enc {
				sum[i] += g[i]
				sumSq[i] += g[i] * g[i]
			}
		}
		var worst float64
		for i := range enc {
			mu := sum[i] / draws
			se := math.Sqrt((sumSq[i]/draws - mu*mu) / (draws - 1))
			worst = math.Max(worst, math.Abs(mu)/se)
		}
		return worst
	}
	if z := zMax(mean, logVar); z > 4 {
		t.Errorf("ELBO gradient at the mean-field optimum is %.1f standard errors from zero", z)
	}
	moved := mat.DenseCopyOf(mean)
	moved.Set(0, 0, moved.At(0, 0)+0.5)
	if z := zMax(moved, logVar); z < 10 {
		t.Errorf("ELBO gradient with q's mean moved by 0.5 is only %.1f standard errors from zero", z)
	}
}

// TestMeasureSNR checks the shape of MeasureSNR's answer on a few draws,
// and that the DReG encoder SNR beats reparam's for K = 20 (by more than
// twice on this model).
func TestMeasureSNR(t *testing.T) {
	m, x := lingauss.Random(rand.New(rand.NewPCG(5, 6)), 5, 2, 3, 0.5)
	mean, logVar, err := m.MeanField(x)
	if err != nil {
		t.Fatal(err)
	}
	logVar.Apply(func(_, _ int, v float64) float64 { return v + 0.5 }, logVar)
	pts, err := lingauss.MeasureSNR(m, x, mean, logVar, []elbo.Estimator{elbo.Reparam, elbo.DReG}, []int{1, 20}, 200, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 4 || pts[1].Estimator != elbo.Reparam || pts[1].K != 20 || pts[3].Estimator != elbo.DReG {
		t.Fatalf("points %+v, want reparam then dreg, K = 1 then 20", pts)
	}
	for _, p := range pts {
		if !(p.Encoder > 0 && p.Decoder > 0) || math.IsInf(p.Encoder, 0) || math.IsInf(p.Decoder, 0) {
			t.Errorf("%+v: SNRs not positive and finite", p)
		}
	}
	if pts[3].Encoder < 2*pts[1].Encoder {
		t.Errorf("K = 20 encoder SNR: dreg %.3g, reparam %.3g; want dreg's well above", pts[3].Encoder, pts[1].Encoder)
	}
}

// TestInputRejectsShapes checks Input's errors for mismatched shapes.
func TestInputRejectsShapes(t *testing.T) {
	m, x := lingauss.Random(rand.New(rand.NewPCG(8, 9)), 4, 2, 3, 1)
	good := mat.NewDense(3, 2, nil)
	for _, c := range []struct{ mean, logVar *mat.Dense }{
		{mat.NewDense(3, 3, nil), good},
		{good, mat.NewDense(2, 2, nil)},
	} {
		if _, err := lingauss.NewGradients(m, x, c.mean, c.logVar, 1, lingauss.Estimator{Objective: elbo.IWAE{}, Estimator: elbo.Reparam, Samples: 2, Beta: 1}, 1); err == nil {
			t.Errorf("q of shapes %v, %v accepted for x %v", c.mean.RawMatrix().Cols, c.logVar.RawMatrix().Rows, x.RawMatrix().Cols)
		}
	}
}

// TestEstimatorsOnMachine checks that every objective and estimator pair
// runs on gx.Machine's own buffers (its operations are all rerunnable) and
// gives, draw after draw, the same bits as Gorgonia's tape.
func TestEstimatorsOnMachine(t *testing.T) {
	m, x := lingauss.Random(rand.New(rand.NewPCG(11, 12)), 4, 2, 3, 0.5)
	mean, logVar, err := m.MeanField(x)
	if err != nil {
		t.Fatal(err)
	}
	objs := []elbo.Objective{elbo.ELBO{}, elbo.IWAE{}, elbo.MIWAE{Groups: 2}, elbo.CIWAE{Beta: 0.3}, elbo.PIWAE{Groups: 2}}
	for _, obj := range objs {
		for _, est := range []elbo.Estimator{elbo.Reparam, elbo.STL, elbo.DReG, elbo.Score} {
			if elbo.Check(obj, est) != nil {
				continue
			}
			for _, beta := range []float64{1, 0.7} {
				e := lingauss.Estimator{Objective: obj, Estimator: est, Samples: 4, Beta: beta}
				var draws [2][][]float64
				for i, tape := range []bool{false, true} {
					gx.TapeOnly = tape
					gr, err := lingauss.NewGradients(m, x, mean, logVar, 1, e, 13)
					gx.TapeOnly = false
					if err != nil {
						t.Fatal(err)
					}
					if gr.Direct() == tape {
						t.Errorf("%v: direct %v on the %s", e, gr.Direct(), map[bool]string{false: "machine", true: "tape"}[tape])
					}
					for range 3 {
						g := make([]float64, gr.Len())
						if err := gr.Draw(g); err != nil {
							t.Fatal(err)
						}
						draws[i] = append(draws[i], g)
					}
					gr.Close()
				}
				for d := range draws[0] {
					for j, v := range draws[0][d] {
						if v != draws[1][d][j] {
							t.Errorf("%v draw %d entry %d: machine %v, tape %v", e, d, j, v, draws[1][d][j])
							break
						}
					}
				}
			}
		}
	}
}
