package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// Config describes a training run. Each field is the flag of vae-train
// named in its comment (its JSON name with - for _); DefaultConfig gives
// the model and training of pytorch/examples' vae/main.py, and the Presets
// give named protocols from the literature.
type Config struct {
	Preset string `json:"preset,omitempty"` // -preset: the name of the Preset this configuration starts from; "" for none
	Data   string `json:"data,omitempty"`   // -data: the training source and an optional test source, comma-separated (DataHelp); "" is MNIST from the Go module cache
	Out    string `json:"-"`                // -out: output folder; "" makes one under runs/ (see Train)
	Init   string `json:"init,omitempty"`   // -init: start from the weights (and standardisation) of this safetensors file of vae.Export's format, whose architecture must be the run's; "" for fresh weights

	TestFraction float64 `json:"test_fraction"` // -test-fraction: hold out this fraction of the training source as the test set (split with SplitSeed); 0 for none
	Standardize  bool    `json:"standardize"`   // -standardize: give every feature mean 0 and variance 1 on the training set

	Epochs    int        `json:"epochs"`     // -epochs: epochs of the protocol, the length of its schedule
	Budget    int        `json:"budget"`     // -budget: stop after this many epochs, a prefix of the protocol; 0 runs all Epochs
	Batch     int        `json:"batch"`      // -batch: examples per optimiser step
	LR        float64    `json:"lr"`         // -lr: Adam's learning rate α (the first one, for the burda schedule)
	Schedule  LRSchedule `json:"schedule"`   // -schedule: constant or burda
	AdamBeta1 float64    `json:"adam_beta1"` // -adam-beta1: decay of Adam's first moment, in [0, 1)
	AdamBeta2 float64    `json:"adam_beta2"` // -adam-beta2: decay of Adam's second moment, in [0, 1)
	AdamEps   float64    `json:"adam_eps"`   // -adam-eps: Adam's ε, > 0
	Seed      uint64     `json:"seed"`       // -seed: seeds the initial weights, data order, binarisation and noise

	Latent     int            `json:"latent"`          // -latent: dimension of z
	Hidden     Sizes          `json:"hidden"`          // -hidden: hidden layer sizes of the encoder (the decoder mirrors them)
	Upper      Stack          `json:"upper,omitempty"` // -upper: the stochastic layers above the first (Stack); "" for the one-layer model
	Activation vae.Activation `json:"activation"`      // -activation: relu or tanh
	OutputBias BiasInit       `json:"output_bias"`     // -output-bias: the decoder's initial output bias, zero or data-mean
	Dtype      string         `json:"dtype"`           // -dtype: float32 or float64

	Objective  vae.Objective         `json:"objective"`            // -objective: elbo, elbo-entropy, iwae, miwae, ciwae or piwae
	Estimator  elbo.Estimator        `json:"estimator"`            // -estimator: the gradient followed, reparam, stl, dreg or score (vae.Config.Estimator)
	K          int                   `json:"k"`                    // -k: samples of z per example (L for the ELBO, K for iwae and ciwae), per group for miwae and piwae
	M          int                   `json:"m,omitempty"`          // -m: groups of K samples of miwae and piwae (M·K samples per example); 0 for the other objectives
	CIWAEBeta  float64               `json:"ciwae_beta,omitempty"` // -ciwae-beta: ciwae's weight β of the ELBO in β·ELBO + (1 − β)·IWAE; 0 for the other objectives
	Beta       float64               `json:"beta"`                 // -beta: weight of the KL term (1 is the ELBO)
	Warmup     int                   `json:"warmup"`               // -warmup: epochs over which β rises from 0 to Beta; 0 for none
	Binarize   datasets.Binarization `json:"binarize"`             // -binarize: none (grey levels), static or dynamic
	Likelihood vae.Likelihood        `json:"likelihood"`           // -likelihood: p(x|z), bernoulli, gaussian or gaussian:V

	Limit     int `json:"limit"`      // -limit: train on the first Limit images only; 0 for all 60,000
	EvalLimit int `json:"eval_limit"` // -eval-limit: evaluate on the first EvalLimit test images only; 0 for all 10,000
	EvalK     int `json:"eval_k"`     // -eval-k: importance samples for the final log p(x) estimate; 0 skips it
}

// DefaultConfig returns the run of pytorch/examples' vae/main.py: encoder
// 784-400-20 and decoder 20-400-784 with ReLU, a Bernoulli decoder on the
// grey levels, the ELBO with one sample, Adam with α = 1e-3, batches of
// 128, 10 epochs, seed 1. It does not estimate log p(x) (EvalK 0).
func DefaultConfig() Config {
	adam := optim.DefaultConfig()
	return Config{
		Epochs:     10,
		Batch:      128,
		LR:         1e-3,
		AdamBeta1:  adam.Beta1,
		AdamBeta2:  adam.Beta2,
		AdamEps:    adam.Epsilon,
		Seed:       1,
		Latent:     20,
		Hidden:     Sizes{400},
		Activation: vae.ReLU,
		Dtype:      "float32",
		Objective:  vae.ELBO,
		K:          1,
		Beta:       1,
		Binarize:   datasets.Grey,
	}
}

// Validate reports the first field of c that is out of range, naming its
// flag.
func (c Config) Validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	// MNIST's sizes are known before it is read; other data's limits are
	// checked when they are read.
	mnist := c.Data == "" && c.TestFraction == 0
	switch {
	case c.Preset != "" && !knownPreset(c.Preset):
		return fmt.Errorf("train: -preset %q: no such preset; the presets are %s", c.Preset, strings.Join(PresetNames(), ", "))
	case c.Epochs < 0 || c.Epochs == 0 && c.Init == "":
		return fmt.Errorf("train: -epochs %d: train at least 1 epoch (0 only with -init, to score an imported model)", c.Epochs)
	case c.Budget < 0 || c.Budget > c.Epochs:
		return fmt.Errorf("train: -budget %d: must be between 0 (the whole protocol) and -epochs %d", c.Budget, c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("train: -batch %d: the batch size must be at least 1", c.Batch)
	case !(c.LR > 0) || !finite(c.LR):
		return fmt.Errorf("train: -lr %v: the learning rate must be a finite number > 0", c.LR)
	case !(c.AdamBeta1 >= 0 && c.AdamBeta1 < 1):
		return fmt.Errorf("train: -adam-beta1 %v: must be in [0, 1)", c.AdamBeta1)
	case !(c.AdamBeta2 >= 0 && c.AdamBeta2 < 1):
		return fmt.Errorf("train: -adam-beta2 %v: must be in [0, 1)", c.AdamBeta2)
	case !(c.AdamEps > 0) || !finite(c.AdamEps):
		return fmt.Errorf("train: -adam-eps %v: must be a finite number > 0", c.AdamEps)
	case c.Latent < 1:
		return fmt.Errorf("train: -latent %d: the latent dimension must be at least 1", c.Latent)
	case c.Schedule != ConstantLR && c.Schedule != BurdaLR:
		return fmt.Errorf("train: -schedule %v: use constant or burda", c.Schedule)
	case c.Activation != vae.ReLU && c.Activation != vae.Tanh:
		return fmt.Errorf("train: -activation %v: use relu or tanh", c.Activation)
	case c.OutputBias != ZeroBias && c.OutputBias != DataMeanBias:
		return fmt.Errorf("train: -output-bias %v: use zero or data-mean", c.OutputBias)
	case c.Dtype != "float32" && c.Dtype != "float64":
		return fmt.Errorf("train: -dtype %q: use float32 or float64", c.Dtype)
	case c.Objective < vae.ELBO || c.Objective > vae.PIWAE:
		return fmt.Errorf("train: -objective %v: use elbo, elbo-entropy, iwae, miwae, ciwae or piwae", c.Objective)
	case c.K < 1:
		return fmt.Errorf("train: -k %d: draw at least 1 sample of z per example", c.K)
	case (c.Objective == vae.MIWAE || c.Objective == vae.PIWAE) && c.M < 1:
		return fmt.Errorf("train: -objective %v -m %d: give -m, the number M ≥ 1 of groups of -k samples", c.Objective, c.M)
	case c.Objective != vae.MIWAE && c.Objective != vae.PIWAE && c.M != 0:
		return fmt.Errorf("train: -m %d: the groups are for -objective miwae and piwae only, not %v; leave -m out", c.M, c.Objective)
	case c.Objective == vae.CIWAE && !(c.CIWAEBeta >= 0 && c.CIWAEBeta <= 1):
		return fmt.Errorf("train: -ciwae-beta %v: must lie in [0, 1]", c.CIWAEBeta)
	case c.Objective != vae.CIWAE && c.CIWAEBeta != 0:
		return fmt.Errorf("train: -ciwae-beta %v: it weighs the ELBO in -objective ciwae only, not %v; leave -ciwae-beta out", c.CIWAEBeta, c.Objective)
	case !(c.Beta >= 0) || !finite(c.Beta):
		return fmt.Errorf("train: -beta %v: must be a finite number ≥ 0", c.Beta)
	case c.Warmup < 0:
		return fmt.Errorf("train: -warmup %d: must be ≥ 0 epochs", c.Warmup)
	case c.Binarize < datasets.Grey || c.Binarize > datasets.Dynamic:
		return fmt.Errorf("train: -binarize %v: use none, static or dynamic", c.Binarize)
	case c.Limit < 0 || mnist && c.Limit > datasets.TrainLen:
		return fmt.Errorf("train: -limit %d: must be between 0 (all) and %d", c.Limit, datasets.TrainLen)
	case c.EvalLimit < 0 || mnist && c.EvalLimit > datasets.TestLen:
		return fmt.Errorf("train: -eval-limit %d: must be between 0 (all) and %d", c.EvalLimit, datasets.TestLen)
	case !(c.TestFraction >= 0 && c.TestFraction < 1):
		return fmt.Errorf("train: -test-fraction %v: must be in [0, 1) (0 for a test source of its own)", c.TestFraction)
	case c.Likelihood.Validate() != nil:
		return fmt.Errorf("train: -likelihood %v: use bernoulli, gaussian or gaussian:VARIANCE", c.Likelihood)
	case c.Binarize != datasets.Grey && c.Likelihood.Family != vae.Bernoulli:
		return fmt.Errorf("train: -binarize %v makes binary data, which want -likelihood bernoulli, not %v", c.Binarize, c.Likelihood)
	case c.Standardize && c.Likelihood.Family == vae.Bernoulli:
		return fmt.Errorf("train: -standardize gives values outside [0,1], which a Bernoulli cannot score: add -likelihood gaussian")
	case c.EvalK < 0:
		return fmt.Errorf("train: -eval-k %d: must be ≥ 0 (0 skips the log p(x) estimate)", c.EvalK)
	}
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("train: -hidden %v: layer sizes must be at least 1", c.Hidden)
		}
	}
	if err := c.Upper.validate(); err != nil {
		return err
	}
	tc, err := c.trainer()
	if err != nil {
		return err
	}
	if err := elbo.CheckModel(tc.Bound(), c.Estimator, len(c.Upper)+1); err != nil {
		return fmt.Errorf("train: -estimator %v -objective %v: %w", c.Estimator, c.Objective, err)
	}
	return nil
}

// boundText describes the bound trained and its gradient: "iwae, k = 5",
// "miwae, m = 8, k = 8, estimator dreg".
func (c Config) boundText() string {
	var parts []string
	switch c.Objective {
	case vae.MIWAE, vae.PIWAE:
		parts = append(parts, fmt.Sprintf("%v, m = %d", c.Objective, c.M))
	case vae.CIWAE:
		parts = append(parts, fmt.Sprintf("%v, β = %v", c.Objective, c.CIWAEBeta))
	default:
		parts = append(parts, c.Objective.String())
	}
	parts = append(parts, fmt.Sprintf("k = %d", c.K))
	if c.Estimator != elbo.Reparam {
		parts = append(parts, "estimator "+c.Estimator.String())
	}
	return strings.Join(parts, ", ")
}

// RunEpochs returns the number of epochs the run trains: Budget if set,
// else Epochs.
func (c Config) RunEpochs() int {
	if c.Budget > 0 {
		return c.Budget
	}
	return c.Epochs
}

// ResumeChangeable returns the flags of the fields that a resumed run may
// change: the epochs to reach (-epochs, -budget), where the data is and
// the final log p(x) estimate. Everything else decides the numbers a run
// produces.
func ResumeChangeable() []string { return []string{"epochs", "budget", "data", "eval-k"} }

// EvalChangeable returns the flags of the fields that scoring a saved run
// again (Saved.Evaluate) may change: where the data is and which part is
// the test set (a model trained with -test-fraction may be scored on a test
// source of its own), how much of it is scored, and the log p(x) estimate.
func EvalChangeable() []string { return []string{"data", "test-fraction", "eval-limit", "eval-k"} }

// checkResume reports whether c may continue a run configured with saved:
// it must equal saved in every field but those of ResumeChangeable (and Out,
// which the resumed folder replaces).
func (c Config) checkResume(saved Config) error {
	return c.checkSame(saved, "a resumed run", ResumeChangeable())
}

// checkSame reports the fields of c, but those whose flags are changeable
// (and Out), that differ from saved. The fields are compared in their JSON
// form, the form the run stored; what names the use of c, for the message.
func (c Config) checkSame(saved Config, what string, changeable []string) error {
	fields := func(c Config) (map[string]json.RawMessage, error) {
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		for _, f := range changeable {
			delete(m, strings.ReplaceAll(f, "-", "_"))
		}
		return m, nil
	}
	now, err := fields(c)
	if err != nil {
		return err
	}
	was, err := fields(saved)
	if err != nil {
		return err
	}
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(was)) {
		if !bytes.Equal(now[k], was[k]) {
			diffs = append(diffs, fmt.Sprintf("-%s %s (the run has %s)", strings.ReplaceAll(k, "_", "-"), now[k], was[k]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("train: %s: %s may change only -%s",
			strings.Join(diffs, ", "), what, strings.Join(changeable, ", -"))
	}
	return nil
}

// arch returns the model architecture of c for training on trainSet, from
// which the input size and the data-mean output bias are taken (nil: MNIST,
// without a data-mean bias).
func (c Config) arch(trainSet *datasets.Set) vae.Arch {
	input := datasets.Rows * datasets.Cols
	if trainSet != nil {
		input = trainSet.Dim()
	}
	return vae.Arch{
		Input:      input,
		Hidden:     c.Hidden,
		Latent:     c.Latent,
		Activation: c.Activation,
		Dtype:      c.Dtype,
		OutputBias: c.outputBias(trainSet),
		Likelihood: c.Likelihood,
		Seed:       c.Seed,
		Upper:      c.Upper,
	}
}

// Latents returns the number of units of each stochastic layer, h1 first.
func (c Config) Latents() []int {
	d := []int{c.Latent}
	for _, l := range c.Upper {
		d = append(d, l.Latent)
	}
	return d
}

// trainer returns the training configuration of c.
func (c Config) trainer() (vae.Config, error) {
	sched, err := c.Schedule.schedule(c.LR)
	if err != nil {
		return vae.Config{}, err
	}
	return vae.Config{
		Objective: c.Objective,
		Estimator: c.Estimator,
		Samples:   c.K,
		Groups:    c.M,
		CIWAEBeta: c.CIWAEBeta,
		Beta:      c.Beta,
		Warmup:    c.Warmup,
		Batch:     c.Batch,
		Binarize:  c.Binarize,
		Adam: optim.Config{
			Schedule: sched,
			Beta1:    c.AdamBeta1,
			Beta2:    c.AdamBeta2,
			Epsilon:  c.AdamEps,
		},
		Seed: c.Seed,
	}, nil
}

// Sizes are the sizes of hidden layers, written as a comma-separated list
// ("400", "200,200"; "" for none). It is a flag.Value.
type Sizes []int

// Set parses a comma-separated list of sizes.
func (s *Sizes) Set(text string) error {
	var out Sizes
	if strings.TrimSpace(text) != "" {
		for _, f := range strings.Split(text, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("train: hidden layer size %q: give positive integers separated by commas, like 200,200", f)
			}
			out = append(out, n)
		}
	}
	*s = out
	return nil
}

// String returns the sizes separated by commas.
func (s Sizes) String() string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}
