package ebm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/vmath"
)

// AISConfig sets up annealed importance sampling of an RBM's log Z
// (Salakhutdinov & Murray, "On the quantitative analysis of deep belief
// networks", ICML 2008).
type AISConfig struct {
	// Betas is the schedule of inverse temperatures 0 = β_0 < β_1 < ... <
	// β_K = 1; nil selects SalakhutdinovMurrayBetas.
	Betas []float64
	// Runs is the number M of independent annealing runs (100 in the
	// paper).
	Runs int
	// BaseBiases are the visible biases b^A of the base-rate model, an RBM
	// with no weights; nil means zero biases (the uniform distribution).
	// BaseRateBiases gives the paper's choice, fitted to the data.
	BaseBiases []float64
}

// AISResult is an AIS estimate of log Z.
type AISResult struct {
	// LogZ is log Ẑ, the log of the mean importance weight times Z_A.
	LogZ float64
	// Lower and Upper are log(Ẑ - 3σ̂) and log(Ẑ + 3σ̂), with σ̂ the
	// standard error of Ẑ estimated from the spread of the weights; Lower
	// is -Inf when Ẑ - 3σ̂ ≤ 0.
	Lower, Upper float64
	// LogZBase is log Z_A of the base-rate model.
	LogZBase float64
	// LogWeights holds log w of each run (w has mean Z/Z_A).
	LogWeights []float64
	// ESS is the effective sample size (Σw)²/Σw² of the weights, between 1
	// and Runs; far below Runs means the estimate rests on a few runs.
	ESS float64
}

// SalakhutdinovMurrayBetas returns the schedule of Salakhutdinov & Murray
// (2008): β from 0 to 0.5 in steps of 10⁻³, from 0.5 to 0.9 in steps of
// 10⁻⁴ and from 0.9 to 1 in steps of 10⁻⁵, 14,501 values and 14,500
// transitions in all. Each β is computed as an integer ratio, so the
// last is exactly 1.
func SalakhutdinovMurrayBetas() []float64 {
	betas := make([]float64, 0, 14501)
	for i := 0; i <= 500; i++ {
		betas = append(betas, float64(i)/1000)
	}
	for i := 5001; i <= 9000; i++ {
		betas = append(betas, float64(i)/10000)
	}
	for i := 90001; i <= 100000; i++ {
		betas = append(betas, float64(i)/100000)
	}
	return betas
}

// ThinBetas returns every k-th value of an AIS schedule, keeping its first
// and last values (0 and 1): a shorter schedule of the same shape, for
// cheap estimates such as monitoring during training.
func ThinBetas(betas []float64, k int) []float64 {
	if k < 1 {
		panic(fmt.Sprintf("ebm: ThinBetas: k = %d, want at least 1", k))
	}
	var out []float64
	for i := 0; i < len(betas); i += k {
		out = append(out, betas[i])
	}
	if last := betas[len(betas)-1]; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}

// RefineBetas returns a schedule n times as dense as betas: between each
// pair of neighbours it puts n-1 evenly spaced values, keeping every value
// of betas exactly, so len(betas)-1 transitions become n·(len(betas)-1).
// It is ThinBetas's converse, for checking that an estimate of log Z has
// stopped moving with the length of the schedule: since log Ẑ is biased
// low by an amount that shrinks as the schedule lengthens, a log Z that
// rises when the schedule is refined was underestimated.
func RefineBetas(betas []float64, n int) []float64 {
	if n < 1 {
		panic(fmt.Sprintf("ebm: RefineBetas: n = %d, want at least 1", n))
	}
	if len(betas) == 0 {
		return nil
	}
	out := make([]float64, 0, (len(betas)-1)*n+1)
	for i, b := range betas[:len(betas)-1] {
		step := betas[i+1] - b
		for j := range n {
			out = append(out, b+step*float64(j)/float64(n))
		}
	}
	return append(out, betas[len(betas)-1])
}

// BaseRateBiases returns the visible biases of the base-rate model of
// Salakhutdinov & Murray: the maximum-likelihood biases of a model of
// independent units, b_i = log(p_i/(1-p_i)), where p_i is the fraction of n
// examples with unit i on, given counts[i] of them, smoothed by adding
// pseudo (≥ 0) to the counts of both values so that units never (or
// always) on in the data get a finite bias.
func BaseRateBiases(counts []float64, n int, pseudo float64) []float64 {
	b := make([]float64, len(counts))
	for i, c := range counts {
		if c < 0 || c > float64(n) {
			panic(fmt.Sprintf("ebm: BaseRateBiases: count %v of unit %d is outside [0, %d]", c, i, n))
		}
		b[i] = math.Log(c+pseudo) - math.Log(float64(n)-c+pseudo)
	}
	return b
}

// AIS estimates log Z by annealed importance sampling from the base-rate
// model A (visible biases b^A, no weights, the same number of hidden units)
// to r through the intermediate distributions
//
//	p*_k(v) = exp((1-β_k) b^A·v + β_k b·v) Π_j (1 + exp(β_k (c_j + (vW)_j))),
//
// whose normaliser is Z_A = 2^H Π_i (1+e^{b^A_i}) at β = 0 and Z at β = 1.
// Each run draws v_1 from A, moves it by one block Gibbs transition that
// leaves p_k invariant at every intermediate β_k, and accumulates
// log w = Σ_k [log p*_k(v_k) - log p*_{k-1}(v_k)]; the mean of w estimates
// Z/Z_A. log Ẑ and its ±3σ̂ interval are computed relative to the largest
// log w, so nothing overflows.
//
// AIS estimates Z without bias, so log Ẑ is biased low (Jensen): short
// schedules tend to underestimate log Z and overstate log p(v).
func (r *RBM) AIS(cfg AISConfig, rng *rand.Rand) (AISResult, error) {
	nv, nh := r.Dims()
	betas := cfg.Betas
	if betas == nil {
		betas = SalakhutdinovMurrayBetas()
	}
	if err := checkBetas(betas); err != nil {
		return AISResult{}, err
	}
	if cfg.Runs < 1 {
		return AISResult{}, fmt.Errorf("ebm: AISConfig.Runs = %d, want at least 1 (the paper uses 100)", cfg.Runs)
	}
	base := cfg.BaseBiases
	if base == nil {
		base = make([]float64, nv)
	}
	if len(base) != nv {
		return AISResult{}, fmt.Errorf("ebm: AISConfig.BaseBiases has %d entries for %d visible units", len(base), nv)
	}
	m := cfg.Runs
	res := AISResult{LogZBase: float64(nh) * math.Ln2, LogWeights: make([]float64, m)}
	for _, b := range base {
		res.LogZBase += dist.Softplus(b)
	}
	// W gets an extra column, b - b^A, so that the product v·W that gives
	// the hidden inputs also gives (b - b^A)·v, the visible part of the
	// log-weight increments.
	p := newParams32(r, 1)
	for i := range nv {
		p.w[i*p.ldw+nh] = float32(r.B[i] - base[i])
	}
	v64 := SampleBaseRate(base, m, rng)
	v := make([]float32, m*nv)
	to32(v, v64.RawMatrix().Data)
	s := newSampler(p, m)
	s.seed(rng.Uint64())
	a := make([]float32, m*p.ldw) // vW and (b - b^A)·v, one row per run
	ph := make([]float32, m*nh)   // p(h=1|v)
	betaC := make([]float32, nh)  // β_k c
	bias := make([]float32, nv)   // (1-β_k) b^A + β_k b
	for k := 1; k < len(betas); k++ {
		bk, bprev := betas[k], betas[k-1]
		blas32.Sgemm(blas.NoTrans, blas.NoTrans, m, p.ldw, nv, 1, v, nv, p.w, p.ldw, 0, a, p.ldw)
		b1, b0 := float32(bk), float32(bprev)
		vmath.Rows(m, nh, func(lo, hi int) {
			for run := lo; run < hi; run++ {
				row := a[run*p.ldw : (run+1)*p.ldw]
				res.LogWeights[run] += (bk-bprev)*float64(row[nh]) + float64(vmath.SoftplusDiff(row[:nh], p.c, b1, b0))
			}
		})
		if k == len(betas)-1 {
			break
		}
		// One block Gibbs transition leaving p_k invariant.
		for j, c := range r.C {
			betaC[j] = float32(bk * c)
		}
		for i, b := range r.B {
			bias[i] = float32((1-bk)*base[i] + bk*b)
		}
		vmath.Rows(m, nh, func(lo, hi int) {
			for run := lo; run < hi; run++ {
				prow := ph[run*nh : (run+1)*nh]
				vmath.SigmoidAffine(prow, a[run*p.ldw:run*p.ldw+nh], betaC, b1)
				vmath.Bernoulli(s.h[run*nh:(run+1)*nh], prow, &s.streams[run])
			}
		})
		s.visible(v, b1, bias)
	}
	summarise(&res)
	return res, nil
}

// summarise fills LogZ, Lower, Upper and ESS from LogZBase and LogWeights.
func summarise(res *AISResult) {
	lw := res.LogWeights
	top := floats.Max(lw)
	w := make([]float64, len(lw))
	for i, l := range lw {
		w[i] = math.Exp(l - top)
	}
	mean, std := stat.MeanStdDev(w, nil)
	se := 0.0 // std is NaN for a single run
	if len(w) > 1 {
		se = std / math.Sqrt(float64(len(w)))
	}
	shift := res.LogZBase + top
	res.LogZ = shift + math.Log(mean)
	res.Upper = shift + math.Log(mean+3*se)
	res.Lower = math.Inf(-1)
	if mean > 3*se {
		res.Lower = shift + math.Log(mean-3*se)
	}
	sum := floats.Sum(w)
	res.ESS = sum * sum / floats.Dot(w, w)
}

func checkBetas(betas []float64) error {
	if len(betas) < 2 || betas[0] != 0 || betas[len(betas)-1] != 1 {
		return fmt.Errorf("ebm: an AIS schedule must run from β = 0 to β = 1 (got %d values)", len(betas))
	}
	for k := 1; k < len(betas); k++ {
		if !(betas[k] > betas[k-1]) {
			return fmt.Errorf("ebm: AIS schedule not increasing at index %d: %v after %v", k, betas[k], betas[k-1])
		}
	}
	return nil
}
