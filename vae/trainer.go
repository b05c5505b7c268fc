package vae

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/optim"
)

// Config says how a model is trained.
type Config struct {
	Objective Objective `json:"objective"`
	// Estimator is the gradient followed (see elbo.Estimator): Reparam
	// (the zero value) differentiates the bound as it stands. STL is
	// biased for K > 1 samples per bound; every estimator but Reparam
	// needs a one-layer model, and CIWAE and PIWAE take Reparam only.
	Estimator elbo.Estimator        `json:"estimator"`
	Samples   int                   `json:"samples"`              // samples of z per example: L for the ELBO, K for IWAE and CIWAE, K per group for MIWAE and PIWAE
	Groups    int                   `json:"groups,omitempty"`     // M, the groups of Samples samples of MIWAE and PIWAE; 0 for the other objectives
	CIWAEBeta float64               `json:"ciwae_beta,omitempty"` // CIWAE's weight of the ELBO, in [0, 1]; 0 for the other objectives
	Beta      float64               `json:"beta"`                 // weight of the KL term; 1 is the ELBO
	Warmup    int                   `json:"warmup"`               // epochs over which β rises linearly from 0 to Beta; 0 for none
	Batch     int                   `json:"batch"`
	Binarize  datasets.Binarization `json:"binarize"`
	Adam      optim.Config          `json:"-"`
	Seed      uint64                `json:"seed"` // seeds the data order, binarisation and noise
}

// Validate reports the first field of c that is out of range.
func (c Config) Validate() error {
	if err := c.validateBound(); err != nil {
		return err
	}
	switch {
	case c.Beta < 0 || math.IsNaN(c.Beta) || math.IsInf(c.Beta, 0):
		return fmt.Errorf("vae: β = %v: must be a finite number ≥ 0", c.Beta)
	case c.Warmup < 0:
		return fmt.Errorf("vae: warm-up of %d epochs: must be ≥ 0", c.Warmup)
	case c.Batch < 1:
		return fmt.Errorf("vae: batch size %d: must be positive", c.Batch)
	case c.Adam.Schedule == nil:
		return fmt.Errorf("vae: no learning-rate schedule in the Adam config")
	}
	return nil
}

// validateBound reports the first of the fields that choose the bound and
// its gradient (Objective, Estimator, Samples, Groups, CIWAEBeta) that is
// out of range, or a pair of objective and estimator that does not exist.
func (c Config) validateBound() error {
	switch {
	case !c.Objective.valid():
		return fmt.Errorf("vae: unknown objective %v", c.Objective)
	case c.Samples < 1:
		return fmt.Errorf("vae: %d samples per example: need at least 1", c.Samples)
	case c.Objective.grouped() && c.Groups < 1:
		return fmt.Errorf("vae: %v with %d groups: set Groups, the number M ≥ 1 of bounds of Samples samples each", c.Objective, c.Groups)
	case !c.Objective.grouped() && c.Groups != 0:
		return fmt.Errorf("vae: Groups = %d, but %v has no groups: Groups is for miwae and piwae only; leave it 0", c.Groups, c.Objective)
	case c.Objective == CIWAE && !(c.CIWAEBeta >= 0 && c.CIWAEBeta <= 1):
		return fmt.Errorf("vae: ciwae with β = %v: CIWAEBeta must lie in [0, 1]", c.CIWAEBeta)
	case c.Objective != CIWAE && c.CIWAEBeta != 0:
		return fmt.Errorf("vae: CIWAEBeta = %v, but it weighs the ELBO in ciwae only, not %v; leave it 0", c.CIWAEBeta, c.Objective)
	}
	if err := elbo.Check(c.Bound(), c.Estimator); err != nil {
		return fmt.Errorf("vae: %w", err)
	}
	return nil
}

// EpochStats are the per-example means over one epoch of training, in nats.
type EpochStats struct {
	Epoch int     // counted from 0
	Loss  float64 // negative bound (with β)
	Recon float64 // -E_q[log p(x|z)]
	KL    float64
	Beta  float64 // β at the end of the epoch
}

// Trainer owns what training a model takes: the graphs, the optimiser, the
// data order and the noise. It hides Gorgonia's Let/Reset/gradient plumbing:
// call TrainEpoch as often as you like, Save to checkpoint, Evaluate for test
// numbers.
type Trainer struct {
	model   *Model
	cfg     Config
	adam    *optim.Adam
	noise   *dist.Noise
	dataSrc *rand.PCG
	data    batcher
	graphs  map[int]*batchGraph // by batch size: the last batch may be short
	epoch   int                 // epochs completed
	steps   int                 // batches trained on
	perEp   int                 // batches per epoch
}

// NewTrainer prepares to train m on train with cfg. The set may hold
// bytes (images, dealt through the fast byte path) or float values (any
// data of fixed-length vectors); binarising it (cfg.Binarize) needs
// values in [0,1] and fails with a *datasets.RangeError otherwise.
func NewTrainer(m *Model, cfg Config, train *datasets.Set) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	if train == nil || train.Len() == 0 {
		return nil, fmt.Errorf("vae: no training data")
	}
	if train.Dim() != m.Input {
		return nil, fmt.Errorf("vae: training examples have %d values but the model takes %d", train.Dim(), m.Input)
	}
	if cfg.Binarize != datasets.Grey {
		// Only values in [0,1] are probabilities to draw binary data from.
		if err := train.CheckUnitInterval(); err != nil {
			return nil, fmt.Errorf("vae: %v binarisation: %w", cfg.Binarize, err)
		}
	}
	if err := elbo.CheckModel(cfg.Bound(), cfg.Estimator, len(m.Upper)+1); err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	adam, err := optim.NewAdam(cfg.Adam)
	if err != nil {
		return nil, err
	}
	t := &Trainer{
		model:   m,
		cfg:     cfg,
		adam:    adam,
		noise:   dist.NewNoise(cfg.Seed),
		dataSrc: rand.NewPCG(cfg.Seed, 0xda7a),
		graphs:  map[int]*batchGraph{},
	}
	t.data = newBatcher(m.Params.Dtype(), train, cfg.Batch, cfg.Binarize, rand.New(t.dataSrc))
	t.perEp = t.data.len()
	// Build the full-batch graph now, so that the parameters exist (and an
	// encoder or decoder that cannot be built fails here, not mid-epoch).
	if _, err := t.graph(cfg.Batch); err != nil {
		return nil, err
	}
	return t, nil
}

// Epoch returns the number of epochs completed.
func (t *Trainer) Epoch() int { return t.epoch }

// Model returns the model being trained.
func (t *Trainer) Model() *Model { return t.model }

// Config returns the training configuration.
func (t *Trainer) Config() Config { return t.cfg }

// BatchesPerEpoch returns the number of optimiser steps in an epoch.
func (t *Trainer) BatchesPerEpoch() int { return t.perEp }

func (t *Trainer) graph(n int) (*batchGraph, error) {
	if bg, ok := t.graphs[n]; ok {
		return bg, nil
	}
	bg, err := buildGraph(t.model, t.cfg.Bound(), t.cfg.Estimator, n, t.cfg.draws(), true, t.cfg.Beta != 1 || t.cfg.Warmup > 0)
	if err != nil {
		return nil, err
	}
	t.graphs[n] = bg
	return bg, nil
}

// beta returns β for the next step: Beta, ramped up linearly over the
// first Warmup epochs, step by step.
func (t *Trainer) beta() float64 {
	if t.cfg.Warmup == 0 {
		return t.cfg.Beta
	}
	return t.cfg.Beta * math.Min(1, float64(t.steps+1)/float64(t.cfg.Warmup*t.perEp))
}

// NonFiniteError reports a NaN or infinite loss: training stopped before the
// optimiser used it, so the parameters are those of the last good step.
type NonFiniteError struct {
	Epoch, Batch int    // where it happened, counted from 0 (the message counts from 1)
	Node         string // the first graph node found to produce it
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("vae: the loss is not finite in epoch %d, batch %d (counted from 1; first produced by node %s); the parameters are those of the last good step: lower the learning rate or check the data", e.Epoch+1, e.Batch+1, e.Node)
}

// TrainEpoch trains on one pass over the training set and returns its
// per-example means. progress, if not nil, is called after every batch with
// the number of batches done and in all.
func (t *Trainer) TrainEpoch(progress func(done, total int)) (EpochStats, error) {
	if t.epoch > 0 {
		t.data.reset()
	}
	st := EpochStats{Epoch: t.epoch}
	var seen int
	for batch := 0; ; batch++ {
		full, err := t.graph(t.cfg.Batch)
		if err != nil {
			return st, err
		}
		n, ok := t.data.next(full.xT)
		if !ok {
			break
		}
		bg := full
		if n < t.cfg.Batch {
			if bg, err = t.graph(n); err != nil {
				return st, err
			}
			copyPrefix(bg.xT, full.xT)
		}
		if err := bg.fillNoise(t.noise); err != nil {
			return st, err
		}
		st.Beta = t.beta()
		if bg.betaT != nil {
			setScalar(bg.betaT, st.Beta)
		}
		if err := bg.run(); err != nil {
			return st, fmt.Errorf("vae: epoch %d, batch %d: %w", t.epoch, batch, err)
		}
		if firstNonFinite(bg.bound()) >= 0 {
			return st, &NonFiniteError{Epoch: t.epoch, Batch: batch, Node: culprit(t.model, bg)}
		}
		if err := t.adam.StepGrads(bg.params, bg.gradients(), t.epoch); err != nil {
			return st, fmt.Errorf("vae: epoch %d, batch %d: %w", t.epoch, batch, err)
		}
		b, r, k := bg.sums(n)
		st.Loss -= b
		st.Recon -= r
		st.KL += k
		seen += n
		t.steps++
		if progress != nil {
			progress(batch+1, t.perEp)
		}
	}
	st.Loss /= float64(seen)
	st.Recon /= float64(seen)
	st.KL /= float64(seen)
	t.epoch++
	return st, nil
}
