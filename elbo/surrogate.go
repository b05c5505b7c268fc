package elbo

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/gx"
)

// Surrogate is a bound built for training with a gradient estimator.
type Surrogate struct {
	// Terms are the bound and its parts, per example: what to report.
	Terms
	// Target is a (B,) node whose gradient with respect to every
	// parameter, the encoder's and the decoder's alike, is the estimator's
	// gradient of Bound: a trainer maximises its mean with one backward
	// pass, as it would Bound's. With Reparam it is Bound itself; its value
	// is Bound's (to rounding) for STL of a sampled bound, and no bound
	// otherwise.
	Target *G.Node
}

// Build builds obj from in's L samples per example, with the surrogate
// whose gradient is est's (see Estimator and Check for what each gives and
// which pairs exist).
//
// Every estimator gives the encoder and the decoder different gradients;
// Build makes them come out of one backward pass of one node, Target,
// rather than two losses differentiated for two parameter sets: a second
// G.Grad on a graph reuses, silently, the derivatives of the first (see
// internal/gx's TestSecondGradReusesTheFirst), and one pass is cheaper.
// The tools are gx.StopGradient (w̃ as constants, q̄, Score's z) and, for
// DReG and PIWAE, whose decoder and encoder weigh the same log p(x, z_i)
// differently, gx.ScaleGrad on the samples: the decoder and the prior see
// z through it, its backward pass multiplies ∂/∂z_i by the ratio of the
// encoder's weight to the decoder's, so the decoder's parameters get the
// decoder's weight and the path into the encoder the encoder's, for the
// price of one elementwise product over the (L·B, dz) samples. Evaluating
// the decoder a second time, on stopped samples, would cost a whole second
// decoder pass.
func Build(obj Objective, est Estimator, in Input) (Surrogate, error) {
	if err := CheckModel(obj, est, len(in.Upper)+1); err != nil {
		return Surrogate{}, err
	}
	_, piwae := obj.(PIWAE)
	what := fmt.Sprintf("%v with %v", obj, est)
	var scale *gx.GradScale
	var via func(b *gx.B, z *G.Node) *G.Node
	switch {
	case est == Score:
		via = func(b *gx.B, z *G.Node) *G.Node { return b.StopGradient(z) }
	case est == DReG || piwae:
		via = func(b *gx.B, z *G.Node) *G.Node {
			zs, s := b.ScaleGrad(z)
			scale = s
			return zs
		}
	}
	s, err := drawVia(in, what, via)
	if err != nil {
		return Surrogate{}, err
	}
	m, err := obj.groups(s.l)
	if err != nil {
		return Surrogate{}, err
	}
	// A closed form of the ELBO is its own reparameterised surrogate; for
	// the other estimators it gives the Terms reported, and the target is
	// the sampled form's.
	var closed *Terms
	if o, ok := obj.(ELBO); ok && o.Form != Sampled {
		t, err := s.closedForm(in, o.Form)
		if err != nil {
			return Surrogate{}, fmt.Errorf("elbo: %s: %w", what, err)
		}
		if est == Reparam {
			return Surrogate{Terms: t, Target: t.Bound}, s.err(what)
		}
		closed = &t
	}
	b := &s.b
	logQ := s.logQ
	if est == Score {
		// ∇_φ log q(z|x) at fixed z: the density at the stopped samples.
		logQ = s.logProbQ(in.Q, false)
	}
	logW := b.Sub(s.logLik, s.weighted(b.Sub(logQ, s.logPz)))
	var sur Surrogate
	sur.Recon, sur.KL = s.mean(s.logLik), s.mean(b.Sub(logQ, s.logPz))

	switch o := obj.(type) {
	case CIWAE:
		sur.Bound = b.Add(b.Scale(o.Beta, s.mean(logW)), b.Scale(1-o.Beta, s.logMeanExp(logW, 1)))
		sur.Target = sur.Bound
	case PIWAE:
		// The decoder's weights a (IWAE of all L samples), the encoder's
		// c = w̃ within the group / M (MIWAE), and z's scale c/a, formed
		// from the log-weights so that a weight underflowing to 0 gives no
		// 0/0.
		lw := b.StopGradient(logW)
		logA, logC := s.logNormalised(lw, 1), b.Shift(s.logNormalised(lw, m), -math.Log(float64(m)))
		// c/a is Σ_all w / (M·Σ_group w), vast for a group whose weights
		// lie far below the others': past the dtype's range (88.7 nats in
		// float32) exp gives +Inf, and the backward pass 0·Inf = NaN where
		// a·∇ underflowed. Capping log(c/a) a few nats below the overflow
		// loses only what the dtype loses anyway: where a < c·e^−cap,
		// a·∇ is at or below underflow.
		logRatio := b.Sub(logC, logA)
		limit := maxLogRatio[in.X.Dtype()]
		logRatio = b.Sub(logRatio, b.Rectify(b.Shift(logRatio, -limit)))
		if err := s.setScale(scale, b.Exp(logRatio)); err != nil {
			return Surrogate{}, fmt.Errorf("elbo: %s: %w", what, err)
		}
		decoder := b.Mul(b.Exp(logA), b.Add(s.logLik, s.weighted(s.logPz)))
		encoder := b.Mul(b.Exp(logC), s.weighted(s.logQ))
		sur.Bound = s.logMeanExp(logW, 1)
		sur.Target = s.sumGroups(b.Sub(decoder, encoder), 1)
	default: // ELBO, IWAE, MIWAE
		sur.Bound = s.meanOfGroups(s.logMeanExp(logW, m), m)
		switch est {
		case Reparam:
			sur.Target = sur.Bound
		case STL:
			sur.Target = s.meanOfGroups(s.logMeanExp(s.stoppedLogW(in.Q), m), m)
		case DReG:
			wt := b.Exp(s.logNormalised(b.StopGradient(logW), m))
			// z's gradient is scaled by w̃(1 − β + βw̃), w̃ when β = 1.
			r := wt
			if s.beta != nil {
				// As 1 + β(w̃ − 1): a trainer's β is a 0-dimensional
				// tensor, which Gorgonia will not subtract from a scalar
				// constant.
				r = b.Shift(b.Mul(b.Shift(wt, -1), s.beta), 1)
			}
			if err := s.setScale(scale, r); err != nil {
				return Surrogate{}, fmt.Errorf("elbo: %s: %w", what, err)
			}
			sur.Target = s.meanOfGroups(s.sumGroups(b.Mul(wt, s.stoppedLogW(in.Q)), m), m)
		case Score:
			lHat := s.logMeanExp(logW, m)
			signal := b.StopGradient(b.Sub(lHat, s.baseline(lHat, m)))
			sur.Bound = s.meanOfGroups(lHat, m)
			sur.Target = s.meanOfGroups(b.Add(lHat, b.Mul(signal, s.sumGroups(logQ, m))), m)
		}
	}
	if closed != nil {
		sur.Terms = *closed
	}
	return sur, s.err(what)
}

// closedForm builds the Terms of the ELBO in a closed form.
func (s *samples) closedForm(in Input, form Form) (Terms, error) {
	if form == ClosedEntropy {
		return s.jointEntropy(in)
	}
	return s.reconKL(in)
}

// maxLogRatio is the cap of PIWAE's log(c/a) for each dtype, below
// log(MaxFloat): 88.7 for float32, 709.8 for float64.
var maxLogRatio = map[tensor.Dtype]float64{tensor.Float32: 80, tensor.Float64: 700}

// logProbQ returns log q(z|x) at the samples s.z, its parameters held
// constant (q̄) when stopped.
//
// It standardises the samples, u = (z − μ)/σ row by row, as a draw of
// the Normal (−μ/σ, 1/σ²) from z (dist.Normal.SampleRepeated), and
// evaluates log q at u with LogProbOfSamples: the same function of μ,
// log σ² and z as q.Tile(L).LogProb(z), gradients included, without the
// L copies of q's parameters that Tile concatenates afresh at every step
// (100 kB a step of Burda's model with K = 5).
func (s *samples) logProbQ(q dist.Normal, stopped bool) *G.Node {
	b := &s.b
	if stopped {
		q = dist.Normal{Mean: b.StopGradient(q.Mean), LogVar: b.StopGradient(q.LogVar)}
	}
	inv := dist.Normal{Mean: b.Neg(b.Mul(q.Mean, b.Exp(b.Scale(-0.5, q.LogVar)))), LogVar: b.Neg(q.LogVar)}
	if b.Err != nil {
		return nil
	}
	u, err := inv.SampleRepeated(s.z)
	if err != nil {
		b.Err = err
		return nil
	}
	lq, err := q.LogProbOfSamples(u)
	if err != nil {
		b.Err = err
		return nil
	}
	return lq
}

// stoppedLogW returns log p(x, z) − log q̄(z|x) (with β) at s.z: the
// log-weights whose gradient is the path derivative alone.
func (s *samples) stoppedLogW(q dist.Normal) *G.Node {
	b := &s.b
	return b.Sub(s.logLik, s.weighted(b.Sub(s.logProbQ(q, true), s.logPz)))
}

// byGroup reshapes an (L·B,) node to (K, M·B): row k, column m·B + b holds
// sample k·M + m of example b, the k-th of group m. The nodes regrouped
// here have other consumers, hence the copy (see gx.ReshapeCopy).
func (s *samples) byGroup(v *G.Node, m int) *G.Node {
	return s.b.ReshapeCopy(v, s.l/m, m*s.n)
}

// logMeanExp returns log (1/K) Σ_k w_k for each group of each example, an
// (M·B,) node (group m of example b at m·B + b).
func (s *samples) logMeanExp(logW *G.Node, m int) *G.Node {
	k := s.l / m
	if k == 1 {
		return logW
	}
	b := &s.b
	return b.Shift(b.LogSumExp(s.byGroup(logW, m), 0), -math.Log(float64(k)))
}

// logNormalised returns log w̃, the log-weights normalised within each
// group, an (L·B,) node.
func (s *samples) logNormalised(logW *G.Node, m int) *G.Node {
	b := &s.b
	grouped := s.byGroup(logW, m)
	return b.Reshape(b.AddRow(grouped, b.Neg(b.LogSumExp(grouped, 0))), s.l*s.n)
}

// sumGroups sums an (L·B,) node within each group: (M·B,).
func (s *samples) sumGroups(v *G.Node, m int) *G.Node {
	if s.l == m {
		return v
	}
	return s.b.Sum(s.byGroup(v, m), 0)
}

// meanOfGroups averages an (M·B,) node over the groups: (B,).
func (s *samples) meanOfGroups(v *G.Node, m int) *G.Node {
	if m == 1 {
		return v
	}
	return s.b.Mean(s.b.ReshapeCopy(v, m, s.n), 0)
}

// baseline returns, for each group of each example, the mean of the other
// groups' values of lHat (M·B,), or zero with one group.
func (s *samples) baseline(lHat *G.Node, m int) *G.Node {
	b := &s.b
	if m == 1 {
		return b.Scale(0, lHat)
	}
	grid := b.ReshapeCopy(lHat, m, s.n)
	others := b.AddRow(b.Neg(grid), b.Sum(grid, 0))
	return b.Reshape(b.Scale(1/float64(m-1), others), m*s.n)
}

// setScale gives a ScaleGrad its scale, once the graph has no error.
func (s *samples) setScale(scale *gx.GradScale, r *G.Node) error {
	if s.b.Err != nil {
		return s.b.Err
	}
	return scale.Set(r)
}
