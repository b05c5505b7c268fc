package vae

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
)

// batchGraph is a model's bound built for a fixed batch size, with its
// inputs, the values it reports, and the machine that runs it.
type batchGraph struct {
	g          *G.ExprGraph
	from       *Params // the parameters its nodes are bound to
	n, samples int
	x, eps     *G.Node
	beta       *G.Node // nil when β is fixed at 1
	xT, epsT   *tensor.Dense
	betaT      *tensor.Dense
	params     []*G.Node // with gradients, on a training graph
	// The parameters' gradients after a run: a gradient node that no other
	// node reads is final once computed and is taken as it is (gradNodes);
	// any other is copied out with G.Read into grads.
	gradNodes []*G.Node
	grads     []G.Value
	// Values read after each run (G.Read: an intermediate node's Value may
	// be overwritten by a later in-place operation); mean, the posterior
	// mean, only on an evaluation graph.
	bound, recon, kl, mean G.Value
	vm                     G.VM
}

// buildGraph builds the bound of m for batches of n examples with the given
// number of samples per example. With train, it differentiates the mean
// negative bound with respect to the parameters and binds their gradients.
// betaNode adds a scalar β input; without it β is 1.
func buildGraph(m *Model, obj Objective, n, samples int, train, betaNode bool) (_ *batchGraph, err error) {
	dt := m.Params.Dtype()
	g := G.NewGraph()
	defer func() {
		if err != nil {
			m.Params.forget(g)
		}
	}()
	bg := &batchGraph{g: g, from: m.Params, n: n, samples: samples}
	bg.xT = tensor.New(tensor.Of(dt), tensor.WithShape(n, m.Input))
	bg.epsT = tensor.New(tensor.Of(dt), tensor.WithShape(samples*n, m.Latent))
	bg.x = G.NewMatrix(g, dt, G.WithShape(n, m.Input), G.WithName("x"), G.WithValue(bg.xT))
	bg.eps = G.NewMatrix(g, dt, G.WithShape(samples*n, m.Latent), G.WithName("eps"), G.WithValue(bg.epsT))
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
	terms, err := obj.bound()(elbo.Input{
		X: bg.x, Q: q, Eps: bg.eps, Beta: bg.beta,
		Decode: func(z *G.Node) (dist.LogProber, error) { return m.Decoder.Decode(m.Params, z) },
	})
	if err != nil {
		return nil, fmt.Errorf("vae: %v bound: %w", obj, err)
	}
	roots := G.Nodes{
		G.Read(terms.Bound, &bg.bound),
		G.Read(terms.Recon, &bg.recon),
		G.Read(terms.KL, &bg.kl),
	}
	if train {
		bg.params = m.Params.Nodes(g)
		meanBound, err := G.Mean(terms.Bound)
		if err != nil {
			return nil, err
		}
		loss, err := G.Neg(meanBound)
		if err != nil {
			return nil, err
		}
		grads, err := G.Grad(loss, bg.params...)
		if err != nil {
			return nil, fmt.Errorf("vae: differentiating the loss: %w", err)
		}
		// The gradients are taken from their nodes, not bound to the
		// parameters as dual values: a machine with G.BindDualValues adds
		// every gradient into the parameter's own gradient tensor (a pass
		// over all parameters, 10% of a Burda-model step) that the
		// optimiser must then zero. G.Read would copy them instead, about
		// half that cost, so it is kept for gradients that other nodes
		// read (an in-place operation could overwrite those).
		bg.grads = make([]G.Value, len(grads))
		bg.gradNodes = make([]*G.Node, len(grads))
		for i, gr := range grads {
			if g.To(gr.ID()).Len() == 0 {
				bg.gradNodes[i] = gr
				roots = append(roots, gr)
			} else {
				roots = append(roots, G.Read(gr, &bg.grads[i]))
			}
		}
	} else {
		roots = append(roots, G.Read(q.Mean, &bg.mean))
	}
	// Gorgonia differentiates every input of an operation, the data x
	// included, and a machine runs every node of its graph: compiling only
	// what the values read and the parameters' gradients need drops the
	// gradient with respect to x (a matrix product as large as the first
	// layer's).
	bg.vm = G.NewTapeMachine(g.ExactSubgraphRoots(roots...))
	return bg, nil
}

// run evaluates the graph on the values in xT, epsT and betaT.
func (bg *batchGraph) run() error {
	bg.vm.Reset()
	return bg.vm.RunAll()
}

// gradients returns the parameters' gradients from the last run.
func (bg *batchGraph) gradients() []G.Value {
	for i, n := range bg.gradNodes {
		if n != nil {
			bg.grads[i] = n.Value()
		}
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
	return sumFirst(bg.bound, n), sumFirst(bg.recon, n), sumFirst(bg.kl, n)
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
