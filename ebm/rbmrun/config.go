package rbmrun

import (
	"fmt"
	"math"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/ebm"
)

// Config describes a run. Each field is the flag of ebm-train named in its
// comment; DefaultConfig gives a 500-hidden-unit RBM trained by CD-25, the
// CD25(500) model of Salakhutdinov & Murray (2008).
type Config struct {
	Preset string `json:"preset,omitempty"` // -preset: the protocol started from (Presets); "" for DefaultConfig
	Data   string `json:"data,omitempty"`   // -data: folder of the MNIST IDX files; "" finds them in the Go module cache
	Out    string `json:"-"`                // -out: output folder; "" makes runs/ebm-<estimator><k>-h<hidden>-seed<seed>-<n>

	Hidden      int           `json:"hidden"`       // -hidden: number of hidden units
	Estimator   ebm.Estimator `json:"estimator"`    // -estimator: cd or pcd
	K           int           `json:"k"`            // -k: Gibbs steps per update (CD-k, PCD-k)
	Epochs      int           `json:"epochs"`       // -epochs: passes over the training images
	Batch       int           `json:"batch"`        // -batch: images per update (and PCD's number of chains)
	LR          float64       `json:"lr"`           // -lr: learning rate on the per-image mean gradient
	Momentum    float64       `json:"momentum"`     // -momentum: momentum in [0, 1); 0 for plain SGD
	WeightDecay float64       `json:"weight_decay"` // -weight-decay: L2 penalty on the weights
	MaxWeight   float64       `json:"max_weight"`   // -max-weight: stop as diverged when some |W_ij| exceeds it

	InitialMomentum float64 `json:"initial_momentum,omitempty"` // -initial-momentum: momentum of the first -momentum-epochs epochs
	MomentumEpochs  int     `json:"momentum_epochs,omitempty"`  // -momentum-epochs: epochs at -initial-momentum (0: none)
	AnnealEvery     int     `json:"anneal_every,omitempty"`     // -anneal-every: epoch e takes T = min(k, ⌈e/n⌉) Gibbs steps at learning rate lr/T (0: k steps throughout)
	VisibleInit     string  `json:"visible_init,omitempty"`     // -visible-init: base-rate ("" too: log-odds of the pixel frequencies) or zero

	Binarize     datasets.Binarization `json:"binarize"`                // -binarize: static (one fixed draw per pixel) or dynamic (a fresh draw every epoch)
	FixedBatches bool                  `json:"fixed_batches,omitempty"` // -fixed-batches: the same batches in the same order every epoch (one permutation drawn with the seed), as makebatches.m deals them; false reshuffles every epoch
	Seed         uint64                `json:"seed"`                    // -seed: seeds the weights, data order, binarisation, chains and AIS

	Limit     int `json:"limit"`      // -limit: train on the first Limit images only; 0 for all 60,000
	EvalLimit int `json:"eval_limit"` // -eval-limit: score the first EvalLimit test images only; 0 for all 10,000

	Monitor        int  `json:"monitor"`          // -monitor: training images scored after every epoch
	MonitorAISThin int  `json:"monitor_ais_thin"` // -monitor-ais-thin: per-epoch AIS keeps every n-th temperature of the full schedule
	MonitorAISRuns int  `json:"monitor_ais_runs"` // -monitor-ais-runs: runs of the per-epoch AIS
	PLL            bool `json:"pll"`              // -pll: add the exact pseudo-log-likelihood to the per-epoch metrics

	AISRuns     int `json:"ais_runs"`             // -ais-runs: runs of the final AIS with the full 14,500-step schedule; 0 skips it
	AISRefine   int `json:"ais_refine,omitempty"` // -ais-refine: the final AIS takes n evenly spaced transitions for each of the schedule's 14,500 (0, from runs saved before it existed, and 1: the paper's)
	Samples     int `json:"samples"`              // -samples: chains drawn into samples.png
	SampleSteps int `json:"sample_steps"`         // -sample-steps: Gibbs steps of those chains
}

// DefaultConfig returns the CD25(500) run: 500 hidden units, CD-25,
// batches of 100, learning rate 0.05 with momentum 0.9 and weight decay
// 2·10⁻⁴, 20 epochs on statically binarised MNIST, monitored on 1,000
// training images with AIS (every 3rd temperature, 20 runs), and scored
// at the end by AIS with the full schedule and 100 runs.
func DefaultConfig() Config {
	return Config{
		Hidden:         500,
		Estimator:      ebm.CD,
		K:              25,
		Epochs:         20,
		Batch:          100,
		LR:             0.05,
		Momentum:       0.9,
		WeightDecay:    2e-4,
		MaxWeight:      100,
		Binarize:       datasets.Static,
		Seed:           1,
		Monitor:        1000,
		MonitorAISThin: 3,
		MonitorAISRuns: 20,
		AISRuns:        100,
		AISRefine:      1,
		Samples:        100,
		SampleSteps:    1000,
	}
}

// The initial visible biases (-visible-init).
const (
	VisibleBaseRate = "base-rate" // log-odds of each pixel's training frequency (Hinton, 2010)
	VisibleZero     = "zero"      // zero, as Salakhutdinov's rbm.m
)

// TrainConfig returns the training hyper-parameters of c.
func (c Config) TrainConfig() ebm.RBMTrainConfig {
	return ebm.RBMTrainConfig{
		Epochs: c.Epochs, BatchSize: c.Batch, Estimator: c.Estimator, GibbsSteps: c.K,
		LearningRate: c.LR, Momentum: c.Momentum, WeightDecay: c.WeightDecay, MaxWeight: c.MaxWeight,
		InitialMomentum: c.InitialMomentum, MomentumEpochs: c.MomentumEpochs, AnnealEvery: c.AnnealEvery,
	}
}

// Validate reports the first field of c that is out of range, naming its
// flag.
func (c Config) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Hidden < 1:
		return fmt.Errorf("rbmrun: -hidden %d: use at least 1 hidden unit", c.Hidden)
	case c.Estimator != ebm.CD && c.Estimator != ebm.PCD:
		return fmt.Errorf("rbmrun: -estimator %v: use cd or pcd", c.Estimator)
	case c.K < 1:
		return fmt.Errorf("rbmrun: -k %d: take at least 1 Gibbs step per update", c.K)
	case c.Epochs < 1:
		return fmt.Errorf("rbmrun: -epochs %d: train at least 1 epoch", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("rbmrun: -batch %d: the batch size must be at least 1", c.Batch)
	case !(c.LR > 0) || !finite(c.LR):
		return fmt.Errorf("rbmrun: -lr %v: the learning rate must be a finite number > 0", c.LR)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("rbmrun: -momentum %v: must be in [0, 1)", c.Momentum)
	case !(c.WeightDecay >= 0) || !finite(c.WeightDecay):
		return fmt.Errorf("rbmrun: -weight-decay %v: must be a finite number ≥ 0", c.WeightDecay)
	case !(c.MaxWeight > 0):
		return fmt.Errorf("rbmrun: -max-weight %v: must be > 0", c.MaxWeight)
	case !(c.InitialMomentum >= 0 && c.InitialMomentum < 1):
		return fmt.Errorf("rbmrun: -initial-momentum %v: must be in [0, 1)", c.InitialMomentum)
	case c.MomentumEpochs < 0:
		return fmt.Errorf("rbmrun: -momentum-epochs %d: must be ≥ 0", c.MomentumEpochs)
	case c.AnnealEvery < 0:
		return fmt.Errorf("rbmrun: -anneal-every %d: must be ≥ 0 (0 for no annealing)", c.AnnealEvery)
	case c.VisibleInit != "" && c.VisibleInit != VisibleBaseRate && c.VisibleInit != VisibleZero:
		return fmt.Errorf("rbmrun: -visible-init %q: use %s or %s", c.VisibleInit, VisibleBaseRate, VisibleZero)
	case c.Binarize != datasets.Static && c.Binarize != datasets.Dynamic:
		return fmt.Errorf("rbmrun: -binarize %v: an RBM has binary units, use static or dynamic", c.Binarize)
	case c.Limit < 0 || c.Limit > datasets.TrainLen:
		return fmt.Errorf("rbmrun: -limit %d: must be between 0 (all) and %d", c.Limit, datasets.TrainLen)
	case c.trainImages() < c.Batch:
		return fmt.Errorf("rbmrun: -limit %d leaves fewer images than one batch of %d", c.Limit, c.Batch)
	case c.EvalLimit < 0 || c.EvalLimit > datasets.TestLen:
		return fmt.Errorf("rbmrun: -eval-limit %d: must be between 0 (all) and %d", c.EvalLimit, datasets.TestLen)
	case c.Monitor < 1 || c.Monitor > c.trainImages():
		return fmt.Errorf("rbmrun: -monitor %d: score between 1 and the %d training images", c.Monitor, c.trainImages())
	case c.MonitorAISThin < 1:
		return fmt.Errorf("rbmrun: -monitor-ais-thin %d: must be at least 1 (1 keeps the full schedule)", c.MonitorAISThin)
	case c.MonitorAISRuns < 1:
		return fmt.Errorf("rbmrun: -monitor-ais-runs %d: must be at least 1", c.MonitorAISRuns)
	case c.AISRuns < 0:
		return fmt.Errorf("rbmrun: -ais-runs %d: must be ≥ 0 (0 skips the final AIS)", c.AISRuns)
	case c.AISRefine < 0:
		return fmt.Errorf("rbmrun: -ais-refine %d: must be at least 1 (1 is the paper's schedule; n gives n × 14,500 transitions)", c.AISRefine)
	case c.Samples < 1:
		return fmt.Errorf("rbmrun: -samples %d: draw at least 1 chain", c.Samples)
	case c.SampleSteps < 0:
		return fmt.Errorf("rbmrun: -sample-steps %d: must be ≥ 0", c.SampleSteps)
	}
	return nil
}

// trainImages returns the number of training images used.
func (c Config) trainImages() int {
	if c.Limit == 0 {
		return datasets.TrainLen
	}
	return c.Limit
}

// testImages returns the number of test images scored.
func (c Config) testImages() int {
	if c.EvalLimit == 0 {
		return datasets.TestLen
	}
	return c.EvalLimit
}
