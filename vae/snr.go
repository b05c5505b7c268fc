package vae

import (
	"fmt"
	"math"
	"strings"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/elbo"
)

// MeasureSNR measures, for each estimator and each K, the signal-to-noise
// ratio of the IWAE gradient with K samples that a trainer of m follows on
// all the images of set (NewGradients): elbo.SNR over draws estimates,
// averaged over the parameters of the inference networks (encoder…) and
// over those of the generative ones (decoder…), leaving out the
// coordinates whose gradient never varied. An estimator that needs one
// stochastic layer is left out for a deeper model. Each estimator and K
// get their own noise stream, seeded from seed.
func MeasureSNR(m *Model, set *datasets.Set, ests []elbo.Estimator, ks []int, draws int, seed uint64) ([]elbo.SNRPoint, error) {
	return MeasureSNRProgress(m, set, ests, ks, draws, seed, nil)
}

// MeasureSNRProgress is MeasureSNR that calls progress, if not nil, after
// every gradient estimate with the number done and the number it will
// take in all (K = 500 on Burda's model takes many minutes).
func MeasureSNRProgress(m *Model, set *datasets.Set, ests []elbo.Estimator, ks []int, draws int, seed uint64, progress func(done, total int)) ([]elbo.SNRPoint, error) {
	var out []elbo.SNRPoint
	layers := len(m.Upper) + 1
	total, done := 0, 0
	for _, est := range ests {
		if est.CheckLayers(layers) == nil {
			total += len(ks) * draws
		}
	}
	for i, est := range ests {
		if est.CheckLayers(layers) != nil {
			continue
		}
		for j, k := range ks {
			gr, err := NewGradients(m, Config{Objective: IWAE, Estimator: est, Samples: k}, set, seed+uint64(i*len(ks)+j))
			if err != nil {
				return nil, err
			}
			draw := gr.Draw
			if progress != nil {
				draw = func(dst []float64) error {
					err := gr.Draw(dst)
					done++
					progress(done, total)
					return err
				}
			}
			snr, err := elbo.SNR(draws, gr.Len(), draw)
			names, sizes := gr.Names()
			gr.Close()
			if err != nil {
				return nil, fmt.Errorf("vae: SNR of %v with K = %d: %w", est, k, err)
			}
			p := elbo.SNRPoint{Estimator: est, K: k}
			p.Encoder, p.Decoder = meanByNetwork(snr, names, sizes)
			out = append(out, p)
		}
	}
	return out, nil
}

// meanByNetwork averages the SNR of the parameters of the inference
// networks (named encoder…) and of the generative ones (decoder…),
// leaving out the coordinates whose gradient never varied (NaN or +Inf).
func meanByNetwork(snr []float64, names []string, sizes []int) (encoder, decoder float64) {
	var sum, count [2]float64
	off := 0
	for i, name := range names {
		net := 0
		if strings.HasPrefix(name, "decoder") {
			net = 1
		}
		for _, v := range snr[off : off+sizes[i]] {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				sum[net] += v
				count[net]++
			}
		}
		off += sizes[i]
	}
	return sum[0] / count[0], sum[1] / count[1]
}
