package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/lingauss"
	"github.com/govae/govae/train"
	"github.com/govae/govae/vae"
)

// measureRun measures the estimators of the IWAE gradient on the model of
// the vae-train run in cfg.run, on the first cfg.images images of the
// test set it is evaluated on. Each estimator and K get their own noise
// stream, seeded from cfg.seed.
func measureRun(cfg config) ([]lingauss.SNRPoint, error) {
	saved, err := train.Load(cfg.run)
	if err != nil {
		return nil, err
	}
	m, err := saved.Model()
	if err != nil {
		return nil, err
	}
	set, _, err := saved.TestSet(cfg.data)
	if err != nil {
		return nil, err
	}
	if cfg.images > set.Len() {
		return nil, fmt.Errorf("-images %d: the run is evaluated on %d test images", cfg.images, set.Len())
	}
	set, _ = set.Split(cfg.images)
	var out []lingauss.SNRPoint
	for i, est := range estimators {
		if est.CheckLayers(len(m.Upper)+1) != nil {
			continue // the other estimators need one stochastic layer
		}
		for j, k := range cfg.ks {
			gr, err := vae.NewGradients(m, vae.Config{Objective: vae.IWAE, Estimator: est, Samples: k}, set, cfg.seed+uint64(i*len(cfg.ks)+j))
			if err != nil {
				return nil, err
			}
			snr, err := elbo.SNR(cfg.draws, gr.Len(), gr.Draw)
			names, sizes := gr.Names()
			gr.Close()
			if err != nil {
				return nil, fmt.Errorf("%v with K = %d: %w", est, k, err)
			}
			p := lingauss.SNRPoint{Estimator: est, K: k}
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
