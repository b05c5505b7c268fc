package dist

import (
	"fmt"
	"math"
)

// The plain-Go twins below compute the same formulas as the graph builders,
// for one example, in float64 on slices. Tests check the graphs against them,
// and evaluators use them where no gradient is needed.

// EntropyBernoulli returns Σ_d [softplus(l_d) - sigmoid(l_d)·l_d].
func EntropyBernoulli(logits []float64) float64 {
	var h float64
	for _, l := range logits {
		h += Softplus(l) - Sigmoid(l)*l
	}
	return h
}

// EntropyNormal returns ½ Σ_d (log 2π + 1 + logVar_d).
func EntropyNormal(logVar []float64) float64 {
	var h float64
	for _, lv := range logVar {
		h += log2Pi + 1 + lv
	}
	return h / 2
}

// KLNormal returns KL(N(meanQ, e^logVarQ) || N(meanP, e^logVarP)) for
// diagonal Gaussians.
func KLNormal(meanQ, logVarQ, meanP, logVarP []float64) float64 {
	mustSameLen("KLNormal", meanQ, logVarQ, meanP, logVarP)
	var kl float64
	for d := range meanQ {
		delta, diff := logVarQ[d]-logVarP[d], meanQ[d]-meanP[d]
		kl += math.Exp(delta) - delta - 1 + diff*diff*math.Exp(-logVarP[d])
	}
	return kl / 2
}

// KLStdNormal returns KL(N(mean, e^logVar) || N(0, I)).
func KLStdNormal(mean, logVar []float64) float64 {
	mustSameLen("KLStdNormal", mean, logVar)
	var kl float64
	for d := range mean {
		kl += math.Exp(logVar[d]) + mean[d]*mean[d] - 1 - logVar[d]
	}
	return kl / 2
}

// LogProbBernoulli returns Σ_d [x_d·l_d - softplus(l_d)].
func LogProbBernoulli(x, logits []float64) float64 {
	mustSameLen("LogProbBernoulli", x, logits)
	var lp float64
	for d, l := range logits {
		lp += x[d]*l - Softplus(l)
	}
	return lp
}

// LogProbNormal returns log N(x; mean, diag(e^logVar)).
func LogProbNormal(x, mean, logVar []float64) float64 {
	mustSameLen("LogProbNormal", x, mean, logVar)
	var s float64
	for d := range x {
		diff := x[d] - mean[d]
		s += log2Pi + logVar[d] + diff*diff*math.Exp(-logVar[d])
	}
	return -s / 2
}

// LogProbStdNormal returns log N(z; 0, I).
func LogProbStdNormal(z []float64) float64 {
	var s float64
	for _, v := range z {
		s += v*v + log2Pi
	}
	return -s / 2
}

// Sigmoid returns 1/(1+e^-x) without overflow for any x.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softplus returns log(1+e^x) = max(x, 0) + log1p(e^-|x|), exact to
// rounding for any x.
func Softplus(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

func mustSameLen(what string, vs ...[]float64) {
	for _, v := range vs[1:] {
		if len(v) != len(vs[0]) {
			panic(fmt.Sprintf("dist: %s: slices of lengths %d and %d; they must match", what, len(vs[0]), len(v)))
		}
	}
}
