package optim

import (
	"errors"
	"fmt"
	"math"
	"runtime"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/internal/par"
)

// ErrMismatch is wrapped by the errors that say parameters handed to Step or
// SetState do not match the ones the optimiser state belongs to (count,
// names, dtypes, shapes or hyper-parameters).
var ErrMismatch = errors.New("optim: parameters do not match the optimiser state")

// Config holds the hyper-parameters of Adam (Kingma and Ba, 2015).
type Config struct {
	// Schedule gives the learning rate α of each epoch.
	Schedule Schedule
	// Beta1 and Beta2 are the decay rates of the first and second moment
	// estimates, in [0, 1).
	Beta1, Beta2 float64
	// Epsilon is added to the square root of the second moment estimate
	// before dividing by it; it must be positive.
	Epsilon float64
}

// DefaultConfig returns the defaults of Kingma and Ba: α = 0.001 in every
// epoch, β1 = 0.9, β2 = 0.999, ε = 1e-8.
func DefaultConfig() Config {
	return Config{Schedule: Constant(1e-3), Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
}

// Adam is the optimiser of Kingma and Ba, "Adam: A Method for Stochastic
// Optimization" (2015), Algorithm 1, updating Gorgonia parameters in place.
//
// For each parameter θ with gradient g, step t (counted from 1) does
//
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	θ ← θ − α·m̂ / (√v̂ + ε),  m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
//
// and then sets g to zero. The moments m and v have the dtype of θ
// (float32 or float64) and are allocated on the first Step; later steps do
// not allocate. Unlike Gorgonia's AdamSolver, the gradient is used as it is
// (no division by a batch size) and the state can be saved with State and
// restored with SetState.
//
// The parameters are identified by their position in the slice handed to
// Step: every call must pass the same parameters in the same order. An Adam
// is not safe for concurrent use.
type Adam struct {
	cfg   Config
	steps int
	slots []slot
	// The update in progress, split over goroutines by piece (made once, so
	// that a step allocates nothing).
	update struct {
		h             hyper
		total, pieces int
	}
	piece func(p int)
}

// NewAdam returns an Adam with the hyper-parameters of cfg, or an error that
// says which one is out of range.
func NewAdam(cfg Config) (*Adam, error) {
	switch {
	case cfg.Schedule == nil:
		return nil, errors.New("optim: Config.Schedule is nil: set it, e.g. to optim.Constant(1e-3)")
	case !(cfg.Beta1 >= 0 && cfg.Beta1 < 1):
		return nil, fmt.Errorf("optim: Config.Beta1 = %v is outside [0, 1)", cfg.Beta1)
	case !(cfg.Beta2 >= 0 && cfg.Beta2 < 1):
		return nil, fmt.Errorf("optim: Config.Beta2 = %v is outside [0, 1)", cfg.Beta2)
	case !(cfg.Epsilon > 0) || math.IsInf(cfg.Epsilon, 1):
		return nil, fmt.Errorf("optim: Config.Epsilon = %v must be finite and positive", cfg.Epsilon)
	}
	return &Adam{cfg: cfg}, nil
}

// Config returns the hyper-parameters a was made with.
func (a *Adam) Config() Config { return a.cfg }

// Step updates every parameter in params in place with its gradient, using
// the learning rate cfg.Schedule.Rate(epoch) (epochs count from 0), then
// zeroes the gradients in place so that a machine made with
// G.BindDualValues computes fresh ones on its next run.
//
// The gradients are read from node.Grad(), so G.Grad(cost, params...) must
// have been called before the machine was compiled and the machine must have
// been run since the last Step. Parameters must be float32 or float64
// *tensor.Dense values. If any parameter does not match (see ErrMismatch) or
// has no usable gradient, Step returns an error and changes nothing.
func (a *Adam) Step(params []*G.Node, epoch int) error {
	return a.step(params, nil, epoch)
}

// StepGrads is Step with the gradients given: grads[i] is the gradient of
// params[i], typically read with G.Read from the nodes G.Grad returned, on
// a machine made without G.BindDualValues. Such a machine hands out a fresh
// gradient on each run instead of adding it into the parameter's dual
// value, so StepGrads zeroes nothing and the machine skips one pass over
// every gradient. grads must have the parameters' shapes and dtypes and
// must not share memory with them.
func (a *Adam) StepGrads(params []*G.Node, grads []G.Value, epoch int) error {
	if len(grads) != len(params) {
		return fmt.Errorf("optim: StepGrads got %d parameters and %d gradients: give one gradient per parameter", len(params), len(grads))
	}
	for i, g := range grads {
		if g == nil {
			return fmt.Errorf("optim: the gradient of parameter %d is nil: read it with G.Read before compiling the machine, and run the machine before StepGrads", i)
		}
	}
	return a.step(params, grads, epoch)
}

// step updates the parameters with grads, or with their bound gradients
// (which it then zeroes) when grads is nil.
func (a *Adam) step(params []*G.Node, grads []G.Value, epoch int) error {
	lr := a.cfg.Schedule.Rate(epoch)
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("optim: the schedule gives learning rate %v for epoch %d: it must be finite and non-negative", lr, epoch)
	}
	slots := a.slots
	if slots == nil {
		var err error
		if slots, err = newSlots(params); err != nil {
			return err
		}
	}
	if len(params) != len(slots) {
		return fmt.Errorf("%w: Step got %d parameters, the optimiser holds moments for %d: pass the same parameters in the same order every time", ErrMismatch, len(params), len(slots))
	}
	defer unbindAll(slots)
	for i, n := range params {
		var g G.Value
		if grads != nil {
			g = grads[i]
		}
		if err := slots[i].bind(n, g); err != nil {
			return err
		}
	}
	if err := checkAliases(slots); err != nil {
		return err
	}
	a.slots = slots

	// Every parameter is updated before any gradient is zeroed: without
	// G.BindDualValues two parameters can share one gradient tensor
	// (Gorgonia merges identical gradient nodes).
	t := a.steps + 1
	h := hyper{
		lr:    lr,
		beta1: a.cfg.Beta1,
		beta2: a.cfg.Beta2,
		eps:   a.cfg.Epsilon,
		c1:    1 - math.Pow(a.cfg.Beta1, float64(t)),
		c2:    1 - math.Pow(a.cfg.Beta2, float64(t)),
	}
	a.updateAll(h)
	if grads == nil {
		for i := range slots {
			slots[i].zeroGrad()
		}
	}
	a.steps = t
	return nil
}

// Steps returns the number of updates done so far (t in Kingma and Ba),
// counting those restored by SetState.
func (a *Adam) Steps() int { return a.steps }

// parallelFrom is the number of parameters from which the update is split
// over GOMAXPROCS goroutines: below it the hand-over costs more than it
// saves. The helper goroutine now stays awake between steps (par's workers
// spin for about 0.3 ms), so splitting pays from a few tens of thousands:
// measured on the project's 2-core machine, alone, `vae.test -test.bench
// 'TrainStep/(burda-vae|burda-iwae-k5)/go$' -test.benchtime 1000x`,
// GOMAXPROCS 2, three runs each, interleaved: splitting from 2^22
// parameters (so not at all for the Burda model's 424k) 0.74-0.78 ms
// (burda-vae) and 1.53-1.56 ms (K = 5); from 2^15, 0.68-0.73 and
// 1.42-1.51. (Before the workers spun, waking the sleeping helper took
// 5.7 % of a two-core step and 2^22 was the faster.) A variable so that
// tests can split small models.
var parallelFrom = 1 << 15

// updateAll updates every parameter, splitting the elements of all the
// parameters, laid end to end, into one range per goroutine. Each element
// is updated on its own, so the split does not change the result.
func (a *Adam) updateAll(h hyper) {
	total := 0
	for i := range a.slots {
		total += a.slots[i].len()
	}
	pieces := 1
	if total >= parallelFrom {
		pieces = runtime.GOMAXPROCS(0)
	}
	a.update.h, a.update.total, a.update.pieces = h, total, pieces
	if a.piece == nil {
		a.piece = a.updatePiece
	}
	par.Run(pieces, a.piece)
}

// updatePiece updates range p of the elements.
func (a *Adam) updatePiece(p int) {
	u := &a.update
	lo, hi := u.total*p/u.pieces, u.total*(p+1)/u.pieces
	start := 0
	for i := range a.slots {
		n := a.slots[i].len()
		if l, h := max(lo-start, 0), min(hi-start, n); l < h {
			a.slots[i].update(u.h, l, h)
		}
		start += n
	}
}
