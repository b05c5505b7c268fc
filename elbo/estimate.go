package elbo

import (
	"fmt"
	"math"
)

// LogMeanExp accumulates log importance weights log w_1, log w_2, ... of one
// example and estimates log p(x) = log E_q[w] by log((1/K) Σ_k w_k), without
// ever forming a w_k that could overflow. Its zero value is ready to use.
type LogMeanExp struct {
	max        float64 // largest log-weight so far
	sum, sumSq float64 // Σ e^(log w - max), Σ e^(2(log w - max))
	n          int
}

// Add accumulates one log-weight. A NaN poisons the estimate, so that it is
// seen rather than hidden.
func (a *LogMeanExp) Add(logW float64) {
	switch {
	case a.n == 0:
		a.max, a.sum, a.sumSq = logW, 1, 1
	case logW > a.max:
		// Rescale what was summed relative to the old maximum.
		r := math.Exp(a.max - logW)
		a.sum, a.sumSq = a.sum*r+1, a.sumSq*r*r+1
		a.max = logW
	default:
		r := math.Exp(logW - a.max)
		a.sum += r
		a.sumSq += r * r
	}
	a.n++
}

// Estimate returns log((1/K) Σ w_k), its standard error by the delta method,
// sd(w)/(√K·mean(w)) with the sample standard deviation, and K. The standard
// error is +Inf for fewer than two weights.
func (a *LogMeanExp) Estimate() (logMean, stdErr float64, k int) {
	if a.n == 0 {
		return math.NaN(), math.Inf(1), 0
	}
	n := float64(a.n)
	mean := a.sum / n
	logMean = a.max + math.Log(mean)
	if a.n < 2 {
		return logMean, math.Inf(1), a.n
	}
	variance := math.Max(0, (a.sumSq-n*mean*mean)/(n-1))
	return logMean, math.Sqrt(variance/n) / mean, a.n
}

// Estimate is an importance-sampled estimate of log p(x) for one example.
type Estimate struct {
	LogP   float64 // log (1/K) Σ_k p(x,z_k)/q(z_k|x)
	StdErr float64 // its standard error (delta method)
	K      int     // importance samples used
}

// LogMarginal estimates log p(x) for each of n examples with k importance
// samples each, drawn chunk samples per example at a time so that memory
// stays bounded whatever k is. sample fills dst, of length chunk·n, with the
// log-weights of a fresh chunk (sample l of example b at l·n+b, the layout
// of LogWeights); the last chunk's surplus samples are discarded.
func LogMarginal(n, k, chunk int, sample func(dst []float64) error) ([]Estimate, error) {
	if n < 1 || k < 1 || chunk < 1 {
		return nil, fmt.Errorf("elbo: LogMarginal: examples %d, samples %d and chunk %d must all be positive", n, k, chunk)
	}
	acc := make([]LogMeanExp, n)
	buf := make([]float64, chunk*n)
	for done := 0; done < k; done += chunk {
		if err := sample(buf); err != nil {
			return nil, fmt.Errorf("elbo: LogMarginal: samples %d-%d: %w", done, done+chunk, err)
		}
		for l := range min(chunk, k-done) {
			for b := range n {
				acc[b].Add(buf[l*n+b])
			}
		}
	}
	est := make([]Estimate, n)
	for b := range acc {
		est[b].LogP, est[b].StdErr, est[b].K = acc[b].Estimate()
	}
	return est, nil
}
