package ebm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Batches deals training examples in batches, epoch after epoch, into a
// buffer the caller owns; datasets.Batches[float64] is one.
type Batches interface {
	// Next fills x with the next batch, example after example, and returns
	// how many it filled; ok is false at the end of the epoch. labels may
	// be nil.
	Next(x []float64, labels []uint8) (n int, ok bool)
	// Reset starts a new epoch.
	Reset()
	// Len returns the number of batches in an epoch.
	Len() int
}

// RBMTrainConfig holds the hyper-parameters of RBM training.
type RBMTrainConfig struct {
	// Epochs is the number of passes over the data.
	Epochs int
	// BatchSize is the number of examples per update; every batch must be
	// full (deal batches that drop a short last one). It is also the
	// number of persistent chains of PCD.
	BatchSize int
	// Estimator is CD or PCD.
	Estimator Estimator
	// GibbsSteps is k of CD-k and PCD-k.
	GibbsSteps int
	// LearningRate is the step size ε applied to the per-example mean
	// gradient.
	LearningRate float64
	// Momentum is μ in Δ ← μΔ + ε(∇L - λW), θ ← θ + Δ; 0 is plain
	// stochastic gradient ascent.
	Momentum float64
	// WeightDecay is λ, an L2 penalty on the weights (not the biases).
	WeightDecay float64
	// MaxWeight stops training with a DivergenceError when a weight's
	// magnitude exceeds it; 0 means 100.
	MaxWeight float64
}

// Validate returns an error naming the first field that is out of range.
func (c RBMTrainConfig) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("ebm: Epochs = %d, want at least 1", c.Epochs)
	case c.BatchSize < 1:
		return fmt.Errorf("ebm: BatchSize = %d, want at least 1", c.BatchSize)
	case c.Estimator != CD && c.Estimator != PCD:
		return fmt.Errorf("ebm: Estimator = %v, want CD or PCD", c.Estimator)
	case c.GibbsSteps < 1:
		return fmt.Errorf("ebm: GibbsSteps = %d, want at least 1", c.GibbsSteps)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return fmt.Errorf("ebm: LearningRate = %v, want a positive number", c.LearningRate)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("ebm: Momentum = %v, want a number in [0, 1)", c.Momentum)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("ebm: WeightDecay = %v, want a number ≥ 0", c.WeightDecay)
	case !(c.MaxWeight >= 0):
		return fmt.Errorf("ebm: MaxWeight = %v, want a positive bound (0 for the default 100)", c.MaxWeight)
	}
	return nil
}

// DivergenceError reports that training blew up: a parameter became NaN or
// infinite, or a weight grew past RBMTrainConfig.MaxWeight.
type DivergenceError struct {
	Epoch, Batch int     // where it happened, both counted from 1
	What         string  // which parameter and what was wrong
	LearningRate float64 // the learning rate in use
}

// Error says what diverged and what to try.
func (e *DivergenceError) Error() string {
	return fmt.Sprintf("ebm: training diverged at epoch %d, batch %d: %s; lower the learning rate (now %v), raise the weight decay, or lower the momentum",
		e.Epoch, e.Batch, e.What, e.LearningRate)
}

// RBMTrainer trains an RBM by CD-k or PCD-k with momentum and weight decay.
// Set the exported fields, then call Train.
type RBMTrainer struct {
	// RBM is the model, updated in place.
	RBM *RBM
	// Config holds the hyper-parameters.
	Config RBMTrainConfig
	// OnBatch, when not nil, is called after every update with the number
	// of batches done in the epoch and the number in an epoch.
	OnBatch func(done, total int)
	// OnEpoch, when not nil, is called after every epoch with its metrics
	// (score the model there with a Monitor, drawing from a source of its
	// own so that monitoring does not change training); an error it
	// returns stops training and is returned by Train.
	OnEpoch func(EpochMetrics) error

	epoch    int
	velocity RBMGrad
	grad     RBMGrad
	chains   *mat.Dense // PCD's persistent chains
}

// Chains returns PCD's persistent chains (BatchSize × V), or nil before
// training or for CD. They are the trainer's own: copy them to keep them.
func (t *RBMTrainer) Chains() *mat.Dense { return t.chains }

// Epoch returns the number of epochs trained so far.
func (t *RBMTrainer) Epoch() int { return t.epoch }

// Train runs Config.Epochs epochs over data, drawing all randomness from
// rng. Each update estimates the log-likelihood gradient (2.12) of the free
// energy as (2.14): the data term uses p(h|v) of the batch, the model term
// the states v_k of the chains after k Gibbs steps and p(h|v_k). It stops
// with a *DivergenceError when the parameters blow up.
func (t *RBMTrainer) Train(data Batches, rng *rand.Rand) error {
	c := t.Config
	if err := c.Validate(); err != nil {
		return err
	}
	if c.MaxWeight == 0 {
		c.MaxWeight = 100
	}
	r := t.RBM
	nv, nh := r.Dims()
	if t.velocity.W == nil {
		t.velocity = NewRBMGrad(nv, nh)
		t.grad = NewRBMGrad(nv, nh)
	}
	x := mat.NewDense(c.BatchSize, nv, nil)
	var neg *mat.Dense // the chains' visible states
	if c.Estimator == PCD {
		if t.chains == nil {
			t.chains = mat.NewDense(c.BatchSize, nv, nil)
			states := t.chains.RawMatrix().Data
			for i := range states {
				states[i] = float64(rng.IntN(2))
			}
		}
		neg = t.chains
	} else {
		neg = mat.NewDense(c.BatchSize, nv, nil)
	}
	g := newGibbs(r, c.BatchSize)
	total := data.Len()
	for range c.Epochs {
		start := time.Now()
		data.Reset()
		batch := 0
		for {
			n, ok := data.Next(x.RawMatrix().Data, nil)
			if !ok {
				break
			}
			if n != c.BatchSize {
				return fmt.Errorf("ebm: a batch of %d examples, want BatchSize = %d: deal batches that drop the short last one", n, c.BatchSize)
			}
			batch++
			g.load(r)
			t.gradient(g, x, neg, rng)
			t.update(c)
			if err := t.check(c); err != nil {
				err.Epoch, err.Batch = t.epoch+1, batch
				return err
			}
			if t.OnBatch != nil {
				t.OnBatch(batch, total)
			}
		}
		t.epoch++
		m := EpochMetrics{Epoch: t.epoch, Seconds: time.Since(start).Seconds(), MaxAbsWeight: floats.Norm(r.W.RawMatrix().Data, math.Inf(1))}
		if t.OnEpoch != nil {
			if err := t.OnEpoch(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// gradient sets t.grad to the estimate of ∇L on the batch x: the data term
// x ᵀp(h|x)/n and its bias parts, minus the same over the chains' states
// neg after k Gibbs steps. For CD the chains start at x, so their first
// step draws h from p(h|x), already in g.ph; neg is only written.
func (t *RBMTrainer) gradient(g *gibbs, x, neg *mat.Dense, rng *rand.Rand) {
	r := t.RBM
	n, _ := x.Dims()
	t.grad.W.Zero()
	clear(t.grad.B)
	clear(t.grad.C)
	g.hiddenProbs(r, x)
	t.grad.add(x, g.ph, 1/float64(n))
	if t.Config.Estimator == PCD {
		g.hiddenProbs(r, neg)
	}
	// Each step draws h from g.ph = p(h|v), then v, and leaves p(h|v) of
	// the new v in g.ph: for the next step, or for the model term.
	for range t.Config.GibbsSteps {
		g.drawHidden(rng)
		g.sampleVisible(r, neg, rng)
		g.hiddenProbs(r, neg)
	}
	m, _ := neg.Dims()
	t.grad.add(neg, g.ph, -1/float64(m))
}

// update takes the momentum step Δ ← μΔ + ε(∇L - λW), θ ← θ + Δ.
func (t *RBMTrainer) update(c RBMTrainConfig) {
	r, v, gr := t.RBM, t.velocity, t.grad
	w, vw, gw := r.W.RawMatrix().Data, v.W.RawMatrix().Data, gr.W.RawMatrix().Data
	for i := range w {
		vw[i] = c.Momentum*vw[i] + c.LearningRate*(gw[i]-c.WeightDecay*w[i])
		w[i] += vw[i]
	}
	for _, p := range [][3][]float64{{r.B, v.B, gr.B}, {r.C, v.C, gr.C}} {
		theta, vel, grad := p[0], p[1], p[2]
		for i := range theta {
			vel[i] = c.Momentum*vel[i] + c.LearningRate*grad[i]
			theta[i] += vel[i]
		}
	}
}

// check returns a DivergenceError (without its position) if a parameter
// is not finite or a weight exceeds c.MaxWeight.
func (t *RBMTrainer) check(c RBMTrainConfig) *DivergenceError {
	r := t.RBM
	for _, p := range []struct {
		name string
		x    []float64
	}{{"W", r.W.RawMatrix().Data}, {"b", r.B}, {"c", r.C}} {
		for i, v := range p.x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return &DivergenceError{What: fmt.Sprintf("%s[%d] = %v", p.name, i, v), LearningRate: c.LearningRate}
			}
			if p.name == "W" && math.Abs(v) > c.MaxWeight {
				return &DivergenceError{What: fmt.Sprintf("|W[%d]| = %.4g exceeds MaxWeight = %v", i, math.Abs(v), c.MaxWeight), LearningRate: c.LearningRate}
			}
		}
	}
	return nil
}
