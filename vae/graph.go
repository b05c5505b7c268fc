package vae

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/gx"
)

// batchGraph is a model's bound built for a fixed batch size, with its
// inputs, the values it reports, and the machine that runs it.
type batchGraph struct {
	g          *G.ExprGraph
	from       *Params // the parameters its nodes are bound to
	objective  elbo.Objective
	est        elbo.Estimator
	n, samples int
	x, eps     *G.Node
	beta       *G.Node // nil when β is fixed at 1
	xT, epsT   *tensor.Dense
	upper      upperNoise // of the layers above the first
	betaT      *tensor.Dense
	params     []*G.Node // with gradients, on a training graph
	// vm computes the bound's terms, then the parameters' gradients on a
	// training graph or the posterior means on an evaluation graph (of
	// q(h1|x), then of q(h_l|h_l−1) for the layers above the first).
	vm    *gx.Machine
	grads []G.Value // the gradients of the last run, in the order of params
}

// buildGraph builds the bound of m for batches of n examples with the given
// number of samples per example, with est's surrogate (elbo.Build). With
// train, it differentiates the mean negative surrogate with respect to the
// parameters, which gives est's gradient of the mean negative bound, and
// binds their gradients. betaNode adds a scalar β input; without it β is 1.
func buildGraph(m *Model, bound elbo.Objective, est elbo.Estimator, n, samples int, train, betaNode bool) (_ *batchGraph, err error) {
	dt := m.Params.Dtype()
	g := G.NewGraph()
	defer func() {
		if err != nil {
			m.Params.forget(g)
		}
	}()
	bg := &batchGraph{g: g, from: m.Params, objective: bound, est: est, n: n, samples: samples}
	bg.xT = tensor.New(tensor.Of(dt), tensor.WithShape(n, m.Input))
	bg.epsT = tensor.New(tensor.Of(dt), tensor.WithShape(samples*n, m.Latent))
	bg.x = G.NewMatrix(g, dt, G.WithShape(n, m.Input), G.WithName("x"), G.WithValue(bg.xT))
	bg.eps = G.NewMatrix(g, dt, G.WithShape(samples*n, m.Latent), G.WithName("eps"), G.WithValue(bg.epsT))
	bg.upper = newUpperNoise(g, m, samples*n)
	if betaNode {
		bg.betaT = tensor.New(tensor.Of(dt), tensor.WithShape())
		bg.beta = G.NewScalar(g, dt, G.WithName("beta"), G.WithValue(bg.betaT))
	}
	q, err := m.Encoder.Encode(m.Params, bg.x)
	if err != nil {
		return nil, fmt.Errorf("vae: encoder: %w", err)
	}
	if q.Mean == nil || q.LogVar == nil || !q.Mean.Shape().Eq(tensor.Shape{n, m.Latent}) || !q.LogVar.Shape().Eq(tensor.Shape{n, m.Latent}) {
		return nil, fmt.Errorf("vae: the encoder must return a Normal of shape (%d, %d) for a batch of %d", n, m.Latent, n)
	}
	qs := make([]dist.Normal, len(m.Upper))
	in := m.input(bg.x, q, bg.eps, bg.upper, qs)
	in.Beta = bg.beta
	sur, err := elbo.Build(bound, est, in)
	if err != nil {
		return nil, fmt.Errorf("vae: %v bound: %w", bound, err)
	}
	outputs := G.Nodes{sur.Bound, sur.Recon, sur.KL}
	if train {
		bg.params = m.Params.Nodes(g)
		meanTarget, err := G.Mean(sur.Target)
		if err != nil {
			return nil, err
		}
		loss, err := G.Neg(meanTarget)
		if err != nil {
			return nil, err
		}
		// The gradients are taken from the machine, not bound to the
		// parameters as dual values: a machine with G.BindDualValues adds
		// every gradient into the parameter's own gradient tensor (a pass
		// over all parameters, 10% of a Burda-model step) that the
		// optimiser must then zero.
		grads, err := G.Grad(loss, bg.params...)
		if err != nil {
			return nil, fmt.Errorf("vae: differentiating the loss: %w", err)
		}
		outputs = append(outputs, grads...)
		bg.grads = make([]G.Value, len(grads))
	} else {
		outputs = append(outputs, q.Mean)
		for _, q := range qs {
			outputs = append(outputs, q.Mean)
		}
	}
	// Gorgonia differentiates every input of an operation, the data x
	// included; the machine runs only what its outputs need, which drops
	// the gradient with respect to x (a matrix product as large as the
	// first layer's).
	if bg.vm, err = gx.NewMachine(g, outputs...); err != nil {
		return nil, err
	}
	return bg, nil
}

// fillNoise draws fresh noise for every stochastic layer from noise.
func (bg *batchGraph) fillNoise(noise *dist.Noise) error {
	return bg.upper.fill(noise, bg.epsT)
}

// run evaluates the graph on the values in xT, the noise and betaT.
func (bg *batchGraph) run() error { return bg.vm.Run() }

// The values of the last run, overwritten by the next.
func (bg *batchGraph) bound() G.Value { return bg.vm.Value(0) }
func (bg *batchGraph) recon() G.Value { return bg.vm.Value(1) }
func (bg *batchGraph) kl() G.Value    { return bg.vm.Value(2) }

// mean returns the posterior mean, on an evaluation graph.
func (bg *batchGraph) mean() G.Value { return bg.vm.Value(3) }

// upperMean returns the mean of q(h_l|h_l−1) for layer l = i+2, on an
// evaluation graph.
func (bg *batchGraph) upperMean(i int) G.Value { return bg.vm.Value(4 + i) }

// gradients returns the parameters' gradients, on a training graph.
func (bg *batchGraph) gradients() []G.Value {
	for i := range bg.grads {
		bg.grads[i] = bg.vm.Value(3 + i)
	}
	return bg.grads
}

// close releases the machine and the graph's parameter nodes.
func (bg *batchGraph) close() {
	bg.vm.Close()
	bg.from.forget(bg.g)
}

// sums returns Σ bound, Σ recon and Σ KL over the batch's first n examples.
func (bg *batchGraph) sums(n int) (bound, recon, kl float64) {
	return sumFirst(bg.bound(), n), sumFirst(bg.recon(), n), sumFirst(bg.kl(), n)
}

func sumFirst(v G.Value, n int) float64 {
	var s float64
	switch d := v.Data().(type) {
	case []float32:
		for _, x := range d[:n] {
			s += float64(x)
		}
	case []float64:
		for _, x := range d[:n] {
			s += x
		}
	}
	return s
}

// firstNonFinite returns the index of the first NaN or ±Inf in v, or -1.
func firstNonFinite(v G.Value) int {
	switch d := v.Data().(type) {
	case []float32:
		for i, x := range d {
			if x != x || x > math.MaxFloat32 || x < -math.MaxFloat32 {
				return i
			}
		}
	case []float64:
		for i, x := range d {
			if x != x || x > math.MaxFloat64 || x < -math.MaxFloat64 {
				return i
			}
		}
	}
	return -1
}
