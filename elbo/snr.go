package elbo

import (
	"fmt"
	"math"
)

// SNR returns the signal-to-noise ratio of each coordinate of a gradient
// estimator, |mean| / sd over draws estimates of dim coordinates that draw
// writes into dst, with the sample standard deviation (Welford's
// accumulation). Rainforth et al. (2018) measure estimators this way: the
// ratio falls as an estimator's noise swamps its signal. A coordinate that
// never varies gets +Inf (or NaN if its mean is zero too).
func SNR(draws, dim int, draw func(dst []float64) error) ([]float64, error) {
	if draws < 2 || dim < 1 {
		return nil, fmt.Errorf("elbo: SNR: %d draws of %d coordinates: need at least 2 draws of 1", draws, dim)
	}
	mean, m2, v := make([]float64, dim), make([]float64, dim), make([]float64, dim)
	for n := 1; n <= draws; n++ {
		if err := draw(v); err != nil {
			return nil, fmt.Errorf("elbo: SNR: draw %d: %w", n, err)
		}
		for i, x := range v {
			d := x - mean[i]
			mean[i] += d / float64(n)
			m2[i] += d * (x - mean[i])
		}
	}
	snr := make([]float64, dim)
	for i := range snr {
		snr[i] = math.Abs(mean[i]) / math.Sqrt(m2[i]/float64(draws-1))
	}
	return snr, nil
}

// SNRPoint is an estimator's signal-to-noise ratio for IWAE with K
// samples: the per-parameter ratio |mean|/sd of its gradient (SNR),
// averaged over the encoder's parameters and over the decoder's.
type SNRPoint struct {
	Estimator        Estimator
	K                int
	Encoder, Decoder float64
}
