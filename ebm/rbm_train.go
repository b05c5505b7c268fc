package ebm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Batches deals training examples in batches, epoch after epoch, into a
// buffer the caller owns; datasets.Batches[float64] is one. (The trainer
// converts each batch to float32, about 50 µs for 100 MNIST images, so
// that callers keep float64 data.)
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
	// InitialMomentum is the momentum of the first MomentumEpochs epochs
	// (0.5 for 5 epochs in Hinton's and Salakhutdinov's rbm.m); Momentum
	// applies after them. With MomentumEpochs 0 it is unused.
	InitialMomentum float64
	MomentumEpochs  int
	// AnnealEvery, when positive, raises the number of Gibbs steps during
	// training as Salakhutdinov's code does: epoch e (counted from 1)
	// takes T = min(GibbsSteps, ⌈e/AnnealEvery⌉) steps with learning rate
	// LearningRate/T. 0 takes GibbsSteps steps at LearningRate throughout.
	AnnealEvery int
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
	case !(c.InitialMomentum >= 0 && c.InitialMomentum < 1):
		return fmt.Errorf("ebm: InitialMomentum = %v, want a number in [0, 1)", c.InitialMomentum)
	case c.MomentumEpochs < 0:
		return fmt.Errorf("ebm: MomentumEpochs = %d, want at least 0", c.MomentumEpochs)
	case c.AnnealEvery < 0:
		return fmt.Errorf("ebm: AnnealEvery = %d, want at least 0 (0 for no annealing)", c.AnnealEvery)
	case !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0):
		return fmt.Errorf("ebm: WeightDecay = %v, want a number ≥ 0", c.WeightDecay)
	case !(c.MaxWeight >= 0):
		return fmt.Errorf("ebm: MaxWeight = %v, want a positive bound (0 for the default 100)", c.MaxWeight)
	}
	return nil
}

// Schedule returns the Gibbs steps, learning rate and momentum of epoch e
// (counted from 1).
func (c RBMTrainConfig) Schedule(e int) (steps int, lr, momentum float64) {
	steps, lr, momentum = c.GibbsSteps, c.LearningRate, c.Momentum
	if c.AnnealEvery > 0 {
		steps = min(c.GibbsSteps, (e+c.AnnealEvery-1)/c.AnnealEvery)
		lr = c.LearningRate / float64(steps)
	}
	if e <= c.MomentumEpochs {
		momentum = c.InitialMomentum
	}
	return steps, lr, momentum
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
//
// Training runs in float32 (see sampler): the trainer keeps the weights,
// their velocities and the chains in float32 and copies the weights into
// RBM, exactly, after every epoch.
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

	epoch int
	p     *params32
	vel   *params32 // the velocities Δ, laid out as the parameters
	grad  *params32
	x     []float32 // 2n×V: the batch, then the chains' visible states
	ph    []float32 // 2n×H: p(h|v) of the batch, then of the chains
	pcd   bool      // the chains in x hold PCD's persistent states
	s     *sampler
}

// TrainerState is what an RBMTrainer carries from epoch to epoch besides
// the RBM: with the RBM and the state of the caller's random source, it
// lets training continue as if it had never stopped (see Restore).
type TrainerState struct {
	// Epoch is the number of epochs trained.
	Epoch int
	// Velocity holds the momentum terms Δ of W, b and c.
	Velocity RBMGrad
	// Chains holds PCD's persistent chains (BatchSize × V), or nil.
	Chains *mat.Dense
}

// Epoch returns the number of epochs trained so far.
func (t *RBMTrainer) Epoch() int { return t.epoch }

// Chains returns a copy of PCD's persistent chains (BatchSize × V), or nil
// before training or for CD.
func (t *RBMTrainer) Chains() *mat.Dense {
	if !t.pcd {
		return nil
	}
	nv, _ := t.RBM.Dims()
	n := t.Config.BatchSize
	m := mat.NewDense(n, nv, nil)
	to64(m.RawMatrix().Data, t.x[n*nv:])
	return m
}

// State returns the trainer's state after the last epoch, for a
// checkpoint: the values are copies, exact (float32 in float64).
func (t *RBMTrainer) State() TrainerState {
	st := TrainerState{Epoch: t.epoch, Chains: t.Chains()}
	if t.vel != nil {
		nv, nh := t.RBM.Dims()
		st.Velocity = NewRBMGrad(nv, nh)
		t.vel.store(&RBM{W: st.Velocity.W, B: st.Velocity.B, C: st.Velocity.C})
	}
	return st
}

// Restore sets the trainer's state to st, as State returned it after some
// epoch of a run with the same Config and RBM sizes; call it before Train,
// with the RBM of that epoch, and Train continues the run: with the random
// source in the state it had then, bit for bit.
func (t *RBMTrainer) Restore(st TrainerState) error {
	nv, nh := t.RBM.Dims()
	n := t.Config.BatchSize
	if st.Epoch < 0 {
		return fmt.Errorf("ebm: Restore: epoch %d", st.Epoch)
	}
	if st.Velocity.W != nil {
		if r, c := st.Velocity.W.Dims(); r != nv || c != nh || len(st.Velocity.B) != nv || len(st.Velocity.C) != nh {
			return fmt.Errorf("ebm: Restore: velocity of a %d×%d RBM (biases %d and %d) for a %d×%d RBM", r, c, len(st.Velocity.B), len(st.Velocity.C), nv, nh)
		}
	}
	if st.Chains != nil {
		if r, c := st.Chains.Dims(); r != n || c != nv {
			return fmt.Errorf("ebm: Restore: %d×%d chains, want BatchSize×V = %d×%d", r, c, n, nv)
		}
		if t.Config.Estimator != PCD {
			return fmt.Errorf("ebm: Restore: persistent chains for a %v trainer", t.Config.Estimator)
		}
	} else if t.Config.Estimator == PCD && st.Epoch > 0 {
		return fmt.Errorf("ebm: Restore: a PCD trainer after %d epochs needs its chains", st.Epoch)
	}
	t.alloc()
	t.epoch = st.Epoch
	if st.Velocity.W != nil {
		t.vel.load(&RBM{W: st.Velocity.W, B: st.Velocity.B, C: st.Velocity.C})
	} else {
		t.vel = newParams32(&RBM{W: mat.NewDense(nv, nh, nil), B: make([]float64, nv), C: make([]float64, nh)}, 0)
	}
	t.pcd = st.Chains != nil
	if t.pcd {
		to32(t.x[n*nv:], st.Chains.RawMatrix().Data)
	}
	return nil
}

// alloc makes the buffers of a BatchSize-example trainer, once.
func (t *RBMTrainer) alloc() {
	if t.p != nil {
		return
	}
	nv, nh := t.RBM.Dims()
	n := t.Config.BatchSize
	zero := &RBM{W: mat.NewDense(nv, nh, nil), B: make([]float64, nv), C: make([]float64, nh)}
	t.p = newParams32(t.RBM, 0)
	t.vel = newParams32(zero, 0)
	t.grad = newParams32(zero, 0)
	t.x = make([]float32, 2*n*nv)
	t.ph = make([]float32, 2*n*nh)
	t.s = newSampler(t.p, n)
}

// Train runs Config.Epochs epochs over data, drawing all randomness from
// rng: one number per batch, which seeds a vmath.Stream per chain. Each
// update estimates the log-likelihood gradient (2.12) of the free energy
// as (2.14): the data term uses p(h|v) of the batch, the model term the
// states v_k of the chains after k Gibbs steps and p(h|v_k). It stops with
// a *DivergenceError when the parameters blow up.
func (t *RBMTrainer) Train(data Batches, rng *rand.Rand) error {
	c := t.Config
	if err := c.Validate(); err != nil {
		return err
	}
	if c.MaxWeight == 0 {
		c.MaxWeight = 100
	}
	r := t.RBM
	nv, _ := r.Dims()
	n := c.BatchSize
	t.alloc()
	t.p.load(r)
	if c.Estimator == PCD && !t.pcd {
		for i := range t.x[n*nv:] {
			t.x[n*nv+i] = float32(rng.IntN(2))
		}
		t.pcd = true
	}
	total := data.Len()
	x64 := make([]float64, n*nv)
	for range c.Epochs {
		start := time.Now()
		steps, lr, momentum := c.Schedule(t.epoch + 1)
		data.Reset()
		batch := 0
		for {
			got, ok := data.Next(x64, nil)
			if !ok {
				break
			}
			to32(t.x[:n*nv], x64)
			if got != n {
				return fmt.Errorf("ebm: a batch of %d examples, want BatchSize = %d: deal batches that drop the short last one", got, n)
			}
			batch++
			t.s.seed(rng.Uint64())
			t.gradient(steps)
			t.update(float32(lr), float32(momentum), float32(c.WeightDecay))
			if err := t.check(c, lr); err != nil {
				err.Epoch, err.Batch = t.epoch+1, batch
				t.p.store(r)
				return err
			}
			if t.OnBatch != nil {
				t.OnBatch(batch, total)
			}
		}
		t.epoch++
		t.p.store(r)
		m := EpochMetrics{Epoch: t.epoch, Seconds: time.Since(start).Seconds(), MaxAbsWeight: floats.Norm(r.W.RawMatrix().Data, math.Inf(1))}
		if t.OnEpoch != nil {
			if err := t.OnEpoch(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// gradient sets t.grad to the estimate of ∇L on the batch in the first n
// rows of t.x: the data term xᵀp(h|x)/n and its bias parts, minus the same
// over the chains' states after k Gibbs steps, which it leaves in the last
// n rows. For CD the chains start at the batch: the first step draws h
// from p(h|x), computed for the data term anyway.
//
// Both terms are one product, [x; v_k]ᵀ·[p(h|x); −p(h|v_k)]/n.
func (t *RBMTrainer) gradient(steps int) {
	p, s := t.p, t.s
	n := t.Config.BatchSize
	nv, nh := p.nv, p.nh
	x, neg := t.x[:n*nv], t.x[n*nv:]
	phData, phNeg := t.ph[:n*nh], t.ph[n*nh:]
	if t.Config.Estimator == PCD {
		s.hidden(phData, x, 1, p.c, false)
		s.hidden(phNeg, neg, 1, p.c, true)
	} else {
		s.hidden(phData, x, 1, p.c, true)
	}
	for step := 1; step <= steps; step++ {
		s.visible(neg, 1, p.b)
		s.hidden(phNeg, neg, 1, p.c, step < steps)
	}
	inv := 1 / float32(n)
	g := t.grad
	for i := range phNeg {
		phNeg[i] = -phNeg[i]
	}
	blas32.Sgemm(blas.Trans, blas.NoTrans, nv, nh, 2*n, inv, t.x, nv, t.ph, nh, 0, g.w, nh)
	clear(g.b)
	clear(g.c)
	for k := range n {
		xr, vr := x[k*nv:(k+1)*nv], neg[k*nv:(k+1)*nv]
		for i := range g.b {
			g.b[i] += xr[i] - vr[i]
		}
		pr, qr := phData[k*nh:(k+1)*nh], phNeg[k*nh:(k+1)*nh]
		for j := range g.c {
			g.c[j] += pr[j] + qr[j]
		}
	}
	for i := range g.b {
		g.b[i] *= inv
	}
	for j := range g.c {
		g.c[j] *= inv
	}
}

// update takes the momentum step Δ ← μΔ + ε(∇L - λW), θ ← θ + Δ, with the
// weight decay λ on W alone.
func (t *RBMTrainer) update(lr, momentum, decay float32) {
	p, v, g := t.p, t.vel, t.grad
	for i, w := range p.w {
		v.w[i] = momentum*v.w[i] + lr*(g.w[i]-decay*w)
		p.w[i] = w + v.w[i]
	}
	for _, q := range [][3][]float32{{p.b, v.b, g.b}, {p.c, v.c, g.c}} {
		theta, vel, grad := q[0], q[1], q[2]
		for i := range theta {
			vel[i] = momentum*vel[i] + lr*grad[i]
			theta[i] += vel[i]
		}
	}
}

// check returns a DivergenceError (without its position) if a parameter
// is not finite or a weight exceeds c.MaxWeight.
func (t *RBMTrainer) check(c RBMTrainConfig, lr float64) *DivergenceError {
	maxW := float32(c.MaxWeight)
	for _, q := range []struct {
		name string
		x    []float32
	}{{"W", t.p.w}, {"b", t.p.b}, {"c", t.p.c}} {
		for i, v := range q.x {
			a := abs32(v)
			if a <= maxW || (q.name != "W" && a <= math.MaxFloat32) {
				continue
			}
			if a != a || a > math.MaxFloat32 {
				return &DivergenceError{What: fmt.Sprintf("%s[%d] = %v", q.name, i, v), LearningRate: lr}
			}
			return &DivergenceError{What: fmt.Sprintf("|W[%d]| = %.4g exceeds MaxWeight = %v", i, a, c.MaxWeight), LearningRate: lr}
		}
	}
	return nil
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
