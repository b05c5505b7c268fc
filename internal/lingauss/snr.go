package lingauss

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/govae/govae/elbo"
)

// Random returns a model with dx observed and dz latent dimensions, W and b
// drawn uniformly from [-1, 1) by rng, and observation variance sigma2,
// with n observations drawn from it.
func Random(rng *rand.Rand, dx, dz, n int, sigma2 float64) (Model, *mat.Dense) {
	m := Model{W: mat.NewDense(dx, dz, nil), B: make([]float64, dx), LogVar: math.Log(sigma2)}
	for i := range dx {
		for j := range dz {
			m.W.Set(i, j, 2*rng.Float64()-1)
		}
		m.B[i] = 2*rng.Float64() - 1
	}
	x := mat.NewDense(n, dx, nil)
	z := make([]float64, dz)
	for r := range n {
		for j := range z {
			z[j] = rng.NormFloat64()
		}
		for i := range dx {
			v := m.B[i] + math.Sqrt(sigma2)*rng.NormFloat64()
			for j, zj := range z {
				v += m.W.At(i, j) * zj
			}
			x.Set(r, i, v)
		}
	}
	return m, x
}

// MeanField returns the diagonal Gaussian q(z|x) that maximises the ELBO
// of each row of x: the posterior's mean, N(Λ⁻¹Wᵀ(x−b)/σ², ·), with
// variances 1/Λ_jj, Λ = I + WᵀW/σ² the posterior precision (the
// mean-field optimum for a Gaussian posterior).
func (m Model) MeanField(x mat.Matrix) (mean, logVar *mat.Dense, err error) {
	dx, dz := m.Dims()
	n, _ := x.Dims()
	s2 := math.Exp(m.LogVar)
	var prec mat.Dense
	prec.Mul(m.W.T(), m.W)
	prec.Scale(1/s2, &prec)
	for j := range dz {
		prec.Set(j, j, prec.At(j, j)+1)
	}
	var cov mat.Dense
	if err := cov.Inverse(&prec); err != nil {
		return nil, nil, fmt.Errorf("lingauss: posterior precision: %w", err)
	}
	mean, logVar = mat.NewDense(n, dz, nil), mat.NewDense(n, dz, nil)
	r := mat.NewVecDense(dx, nil)
	var wtr, mu mat.VecDense
	for b := range n {
		for i := range dx {
			r.SetVec(i, (x.At(b, i)-m.B[i])/s2)
		}
		wtr.MulVec(m.W.T(), r)
		mu.MulVec(&cov, &wtr)
		for j := range dz {
			mean.Set(b, j, mu.AtVec(j))
			logVar.Set(b, j, -math.Log(prec.At(j, j)))
		}
	}
	return mean, logVar, nil
}

// MeasureSNR measures, for each estimator and each K, the SNR of the IWAE
// gradient with K samples from draws estimates, for m at the rows of x
// with q = N(qMean, e^qLogVar). Each estimator and K get their own noise
// stream, seeded from seed.
func MeasureSNR(m Model, x, qMean, qLogVar mat.Matrix, ests []elbo.Estimator, ks []int, draws int, seed uint64) ([]elbo.SNRPoint, error) {
	var out []elbo.SNRPoint
	for i, est := range ests {
		for j, k := range ks {
			gr, err := NewGradients(m, x, qMean, qLogVar, 1, Estimator{Objective: elbo.IWAE{}, Estimator: est, Samples: k, Beta: 1}, seed+uint64(i*len(ks)+j))
			if err != nil {
				return nil, err
			}
			snr, err := elbo.SNR(draws, gr.Len(), gr.Draw)
			if cerr := gr.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("lingauss: %v with K = %d: %w", est, k, err)
			}
			enc := gr.Encoder()
			out = append(out, elbo.SNRPoint{Estimator: est, K: k, Encoder: stat.Mean(snr[:enc], nil), Decoder: stat.Mean(snr[enc:], nil)})
		}
	}
	return out, nil
}
