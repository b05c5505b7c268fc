package train

import (
	"fmt"
	"math"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// LRSchedule is how the learning rate changes from epoch to epoch. Its
// text forms, for flags and JSON, are "constant" and "burda".
type LRSchedule int

// The schedules.
const (
	// ConstantLR uses Config.LR in every epoch.
	ConstantLR LRSchedule = iota
	// BurdaLR is the schedule of Burda, Grosse and Salakhutdinov (2016),
	// section 5, scaled so that it starts at Config.LR: for i = 0, ..., 7
	// the rate LR·10^(-i/7) is used for 3^i epochs, 3,280 epochs in all,
	// and the last rate after that. With LR = 1e-3 it is
	// optim.BurdaSchedule.
	BurdaLR
)

var scheduleNames = []string{ConstantLR: "constant", BurdaLR: "burda"}

// String returns "constant" or "burda".
func (s LRSchedule) String() string {
	if s < 0 || int(s) >= len(scheduleNames) {
		return fmt.Sprintf("LRSchedule(%d)", int(s))
	}
	return scheduleNames[s]
}

// MarshalText returns the name of s.
func (s LRSchedule) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(scheduleNames) {
		return nil, fmt.Errorf("train: unknown learning-rate schedule %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText sets s from its name.
func (s *LRSchedule) UnmarshalText(text []byte) error {
	for i, name := range scheduleNames {
		if string(text) == name {
			*s = LRSchedule(i)
			return nil
		}
	}
	return fmt.Errorf("train: unknown learning-rate schedule %q: use constant or burda", text)
}

// burdaBaseLR is the first rate of optim.BurdaSchedule.
const burdaBaseLR = 1e-3

// schedule returns the optimiser's schedule for s starting at lr.
func (s LRSchedule) schedule(lr float64) (optim.Schedule, error) {
	if s != BurdaLR {
		return optim.Constant(lr), nil
	}
	p, err := optim.BurdaSchedule().Scale(lr / burdaBaseLR)
	if err != nil {
		return nil, fmt.Errorf("train: -lr %v with the burda schedule: %w", lr, err)
	}
	return p, nil
}

// BiasInit is how the decoder's output bias starts. Its text forms are
// "zero" and "data-mean".
type BiasInit int

// The output-bias initialisations.
const (
	// ZeroBias starts the output bias at zero.
	ZeroBias BiasInit = iota
	// DataMeanBias starts the bias of each pixel at the logit of its mean
	// over the training images (grey levels / 255), the mean clipped to
	// [0.001, 0.999] first, as Burda et al.'s code does
	// (get_train_bias_np in their datasets.py): an untrained decoder then
	// outputs the mean image, and the logits of the always-black border
	// pixels start at logit(0.001) ≈ -6.9 instead of -∞.
	DataMeanBias
)

var biasNames = []string{ZeroBias: "zero", DataMeanBias: "data-mean"}

// String returns "zero" or "data-mean".
func (b BiasInit) String() string {
	if b < 0 || int(b) >= len(biasNames) {
		return fmt.Sprintf("BiasInit(%d)", int(b))
	}
	return biasNames[b]
}

// MarshalText returns the name of b.
func (b BiasInit) MarshalText() ([]byte, error) {
	if b < 0 || int(b) >= len(biasNames) {
		return nil, fmt.Errorf("train: unknown output-bias initialisation %d", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText sets b from its name.
func (b *BiasInit) UnmarshalText(text []byte) error {
	for i, name := range biasNames {
		if string(text) == name {
			*b = BiasInit(i)
			return nil
		}
	}
	return fmt.Errorf("train: unknown output-bias initialisation %q: use zero or data-mean", text)
}

// The clipping of the mean pixel before its logit is taken (Burda et al.).
const (
	biasClipLo = 0.001
	biasClipHi = 0.999
)

// outputBias returns the initial output bias of b for a Bernoulli model
// trained on set: nil (zeros) for ZeroBias, the clipped logit of the mean
// image for DataMeanBias; nil without a set, for a model whose parameters
// are restored from a checkpoint.
func (b BiasInit) outputBias(set *datasets.Set) []float64 {
	if b != DataMeanBias || set == nil {
		return nil
	}
	return MeanLogit(set, biasClipLo, biasClipHi)
}

// outputBias returns the initial output bias of the decoder of c for
// training on set: for a Gaussian, whose output is its mean, data-mean
// starts it at the mean example itself; for a Bernoulli, see
// BiasInit.outputBias.
func (c Config) outputBias(set *datasets.Set) []float64 {
	if c.Likelihood.Family != vae.Gaussian || c.OutputBias != DataMeanBias || set == nil {
		return c.OutputBias.outputBias(set)
	}
	mean := set.Sums()
	for j := range mean {
		mean[j] /= float64(set.Len())
	}
	return mean
}

// MeanLogit returns, for each pixel, log(p/(1-p)) where p is the pixel's
// mean grey level over the images of set (scaled to [0,1]) clipped to
// [lo, hi].
func MeanLogit(set *datasets.Set, lo, hi float64) []float64 {
	out := set.Sums()
	for j, s := range out {
		p := min(hi, max(lo, s/float64(set.Len())))
		out[j] = math.Log(p / (1 - p))
	}
	return out
}
