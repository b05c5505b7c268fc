package ebm

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/dist"
)

// EpochMetrics is what training records after an epoch. The likelihood
// fields are zero unless a Monitor scored the epoch.
//
// Reconstruction error alone is a poor guide: CD and PCD can lower the
// likelihood while it keeps improving (Fischer & Igel, "Empirical analysis
// of the divergence of Gibbs sampling based learning algorithms for
// restricted Boltzmann machines", 2010), so a Monitor also estimates the
// log-likelihood itself.
type EpochMetrics struct {
	// Epoch counts from 1.
	Epoch int `json:"epoch"`
	// Seconds is the training time of the epoch, monitoring excluded.
	Seconds float64 `json:"seconds"`
	// MaxAbsWeight is the largest |W_ij|, a sign of exploding weights.
	MaxAbsWeight float64 `json:"max_abs_weight"`
	// ReconError is the mean over the monitored examples of
	// Σ_i (v_i - p(v_i=1 | h = p(h|v)))², the squared error of a
	// mean-field reconstruction.
	ReconError float64 `json:"recon_error"`
	// PseudoLogLik is the mean over the monitored examples of
	// Σ_i log p(v_i | v_{-i}), exact (every unit, no sampling); zero when
	// the Monitor skips it.
	PseudoLogLik float64 `json:"pseudo_log_lik,omitempty"`
	// LogLik is the mean log p(v) = -F(v) - log Z over the monitored
	// examples, with log Z from LogZ (exact) or AIS.
	LogLik float64 `json:"log_lik"`
	// LogZ is the log partition function used for LogLik.
	LogZ float64 `json:"log_z"`
	// LogZExact says whether LogZ was enumerated rather than estimated.
	LogZExact bool `json:"log_z_exact"`
	// LogZLower and LogZUpper bound an AIS estimate by ±3 standard errors
	// (equal to LogZ when exact; LogZLower may be -Inf). They are written
	// to JSON as null when not finite.
	LogZLower, LogZUpper float64 `json:"-"`
	// MonitorSeconds is the time Monitor.Score took.
	MonitorSeconds float64 `json:"monitor_seconds"`
}

// MarshalJSON writes m with the AIS bounds as log_z_lower and log_z_upper,
// null when not finite (JSON has no infinities).
func (m EpochMetrics) MarshalJSON() ([]byte, error) {
	type plain EpochMetrics
	finite := func(x float64) *float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return &x
	}
	return json.Marshal(struct {
		plain
		Lower *float64 `json:"log_z_lower"`
		Upper *float64 `json:"log_z_upper"`
	}{plain(m), finite(m.LogZLower), finite(m.LogZUpper)})
}

// UnmarshalJSON reads what MarshalJSON writes; a null log_z_lower is -Inf
// and a null log_z_upper +Inf (the bounds that were not finite).
func (m *EpochMetrics) UnmarshalJSON(b []byte) error {
	type plain EpochMetrics
	var v struct {
		plain
		Lower *float64 `json:"log_z_lower"`
		Upper *float64 `json:"log_z_upper"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = EpochMetrics(v.plain)
	m.LogZLower, m.LogZUpper = math.Inf(-1), math.Inf(1)
	if v.Lower != nil {
		m.LogZLower = *v.Lower
	}
	if v.Upper != nil {
		m.LogZUpper = *v.Upper
	}
	return nil
}

// Monitor scores an RBM on a fixed set of examples: reconstruction error,
// optionally the pseudo-log-likelihood, and the log-likelihood, with log Z
// exact when the smaller layer has at most ExactUnits units and from AIS
// otherwise.
type Monitor struct {
	// Data holds the examples, one per row.
	Data *mat.Dense
	// ExactUnits is the largest smaller layer for which log Z is
	// enumerated (2^ExactUnits states); 0 means 20.
	ExactUnits int
	// AIS configures the estimate of log Z for larger models; a short
	// schedule keeps monitoring cheap but biases log Z low.
	AIS AISConfig
	// PseudoLikelihood turns on the exact pseudo-log-likelihood, which
	// costs V·H softplus evaluations per example.
	PseudoLikelihood bool
}

// Score fills the monitoring fields of m for r, drawing AIS randomness
// from rng.
func (mon *Monitor) Score(r *RBM, m *EpochMetrics, rng *rand.Rand) error {
	start := time.Now()
	m.ReconError = ReconError(r, mon.Data)
	if mon.PseudoLikelihood {
		m.PseudoLogLik = floats.Sum(PseudoLogLik(r, mon.Data, nil)) / float64(mon.Data.RawMatrix().Rows)
	}
	exact := mon.ExactUnits
	if exact == 0 {
		exact = 20
	}
	nv, nh := r.Dims()
	if min(nv, nh) <= exact {
		logZ, err := r.LogZ()
		if err != nil {
			return err
		}
		m.LogZ, m.LogZLower, m.LogZUpper, m.LogZExact = logZ, logZ, logZ, true
	} else {
		res, err := r.AIS(mon.AIS, rng)
		if err != nil {
			return err
		}
		m.LogZ, m.LogZLower, m.LogZUpper = res.LogZ, res.Lower, res.Upper
	}
	m.LogLik = floats.Sum(r.LogProbs(mon.Data, m.LogZ, nil)) / float64(mon.Data.RawMatrix().Rows)
	m.MonitorSeconds = time.Since(start).Seconds()
	return nil
}

// ReconError returns the mean over the rows v of Σ_i (v_i - p_i)², where
// p = σ(b + W·σ(c + vW)) is the mean-field reconstruction of v.
func ReconError(r *RBM, v *mat.Dense) float64 {
	n := r.checkVisible(v, "ReconError")
	nv, nh := r.Dims()
	ph := mat.NewDense(n, nh, nil)
	r.HiddenProbs(ph, v)
	pv := mat.NewDense(n, nv, nil)
	r.VisibleProbs(pv, ph)
	pv.Sub(pv, v)
	return mat.Norm(pv, 2) * mat.Norm(pv, 2) / float64(n)
}

// PseudoLogLik writes the pseudo-log-likelihood Σ_i log p(v_i | v_{-i}) of
// every row of v into dst (allocated when nil) and returns it. Each term is
// log σ(F(ṽ) - F(v)) = -softplus(F(v) - F(ṽ)), where ṽ is v with unit i
// flipped; every unit is used, so the result is exact.
func PseudoLogLik(r *RBM, v *mat.Dense, dst []float64) []float64 {
	n := r.checkVisible(v, "PseudoLogLik")
	if dst == nil {
		dst = make([]float64, n)
	}
	_, nh := r.Dims()
	a := mat.NewDense(n, nh, nil)
	r.hiddenInput(a, v)
	base := make([]float64, nh) // softplus(a) of the row
	for k := range n {
		row, ak := v.RawRowView(k), a.RawRowView(k)
		for j, x := range ak {
			base[j] = dist.Softplus(x)
		}
		var pll float64
		for i, vi := range row {
			s := 1 - 2*vi // +1 turns unit i on, -1 turns it off
			wi := r.W.RawRowView(i)
			// F(ṽ) - F(v) = -s·b_i - Σ_j [softplus(a_j + s·W_ij) - softplus(a_j)]
			d := -s * r.B[i]
			for j, x := range ak {
				d -= dist.Softplus(x+s*wi[j]) - base[j]
			}
			pll -= dist.Softplus(-d)
		}
		dst[k] = pll
	}
	return dst
}
