package vae

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/gx"
)

// Evaluator measures a model on data, on graphs of its own that compute no
// gradients (evaluating on the training graph would add to the gradients of
// the next training step). The sets it is given are used as they are: pass
// a binarised set (Set.Binarize) to evaluate on binary data.
type Evaluator struct {
	model  *Model
	batch  int
	graphs map[[2]int]*batchGraph // by (batch size, samples)
	logW   map[[2]int]*weightGraph
	decode map[int]*decodeGraph // by number of latents
}

// NewEvaluator returns an Evaluator of m that works through data batch
// examples at a time.
func NewEvaluator(m *Model, batch int) (*Evaluator, error) {
	if batch < 1 {
		return nil, fmt.Errorf("vae: evaluation batch size %d: must be positive", batch)
	}
	return &Evaluator{model: m, batch: batch, graphs: map[[2]int]*batchGraph{}, logW: map[[2]int]*weightGraph{}, decode: map[int]*decodeGraph{}}, nil
}

// Close releases the evaluator's machines and graphs.
func (e *Evaluator) Close() {
	for _, bg := range e.graphs {
		bg.close()
	}
	for _, wg := range e.logW {
		wg.close()
	}
	for _, dg := range e.decode {
		dg.close()
	}
	clear(e.graphs)
	clear(e.logW)
	clear(e.decode)
}

// Stats are per-example means over a set, in nats.
type Stats struct {
	Loss  float64 `json:"loss"`  // negative ELBO
	Recon float64 `json:"recon"` // -E_q[log p(x|z)]
	KL    float64 `json:"kl"`    // KL(q(z|x) || p(z))
	N     int     `json:"n"`     // examples
}

// ELBO returns the negative ELBO (2.24) of every example of set, with one
// sample of z per example drawn from a Noise seeded with seed, and the
// variance over the set of each latent's posterior mean E_q[z_i] (from which
// ActiveUnits counts).
func (e *Evaluator) ELBO(set *datasets.Set, seed uint64) (Stats, []float64, error) {
	if err := e.check(set); err != nil {
		return Stats{}, nil, err
	}
	noise := dist.NewNoise(seed)
	var st Stats
	dz := e.model.Latent
	sum, sumSq := make([]float64, dz), make([]float64, dz)
	for lo := 0; lo < set.Len(); lo += e.batch {
		n := min(e.batch, set.Len()-lo)
		bg, err := e.graph(n, 1)
		if err != nil {
			return Stats{}, nil, err
		}
		scaleInto(bg.xT, set, lo, lo+n)
		if err := noise.Fill(bg.epsT); err != nil {
			return Stats{}, nil, err
		}
		if err := bg.run(); err != nil {
			return Stats{}, nil, fmt.Errorf("vae: evaluating examples %d-%d: %w", lo, lo+n, err)
		}
		b, r, k := bg.sums(n)
		st.Loss -= b
		st.Recon -= r
		st.KL += k
		for i, v := range floatsOf(bg.mean().(tensor.Tensor)) {
			sum[i%dz] += v
			sumSq[i%dz] += v * v
		}
	}
	st.N = set.Len()
	n := float64(st.N)
	st.Loss /= n
	st.Recon /= n
	st.KL /= n
	variance := make([]float64, dz)
	for i := range variance {
		m := sum[i] / n
		variance[i] = math.Max(0, sumSq[i]/n-m*m)
	}
	return st, variance, nil
}

// ActiveUnits counts the latents whose posterior mean varies over the data
// by more than threshold (Burda et al. use 0.01): the variances are those
// returned by ELBO.
func ActiveUnits(variances []float64, threshold float64) int {
	var c int
	for _, v := range variances {
		if v > threshold {
			c++
		}
	}
	return c
}

func (e *Evaluator) check(set *datasets.Set) error {
	if set == nil || set.Len() == 0 {
		return fmt.Errorf("vae: nothing to evaluate: the set is empty")
	}
	if set.Dim() != e.model.Input {
		return fmt.Errorf("vae: images of %d pixels for a model of %d inputs", set.Dim(), e.model.Input)
	}
	return nil
}

func (e *Evaluator) graph(n, samples int) (*batchGraph, error) {
	key := [2]int{n, samples}
	if bg, ok := e.graphs[key]; ok {
		return bg, nil
	}
	bg, err := buildGraph(e.model, ELBO, n, samples, false, false)
	if err != nil {
		return nil, err
	}
	e.graphs[key] = bg
	return bg, nil
}

// weightGraph computes log importance weights for a batch.
type weightGraph struct {
	g        *G.ExprGraph
	from     *Params // the parameters its nodes are bound to
	xT, epsT *tensor.Dense
	vm       *gx.Machine // computes the log-weights
}

// close releases the machine and the graph's parameter nodes.
func (wg *weightGraph) close() {
	wg.vm.Close()
	wg.from.forget(wg.g)
}

func (e *Evaluator) weightGraph(n, chunk int) (_ *weightGraph, err error) {
	key := [2]int{n, chunk}
	if wg, ok := e.logW[key]; ok {
		return wg, nil
	}
	m := e.model
	dt := m.Params.Dtype()
	g := G.NewGraph()
	defer func() {
		if err != nil {
			m.Params.forget(g)
		}
	}()
	wg := &weightGraph{
		g:    g,
		from: m.Params,
		xT:   tensor.New(tensor.Of(dt), tensor.WithShape(n, m.Input)),
		epsT: tensor.New(tensor.Of(dt), tensor.WithShape(chunk*n, m.Latent)),
	}
	x := G.NewMatrix(g, dt, G.WithShape(n, m.Input), G.WithName("x"), G.WithValue(wg.xT))
	eps := G.NewMatrix(g, dt, G.WithShape(chunk*n, m.Latent), G.WithName("eps"), G.WithValue(wg.epsT))
	q, err := m.Encoder.Encode(m.Params, x)
	if err != nil {
		return nil, fmt.Errorf("vae: encoder: %w", err)
	}
	logW, err := elbo.LogWeights(elbo.Input{X: x, Q: q, Eps: eps,
		Decode: func(z *G.Node) (dist.LogProber, error) { return m.Decoder.Decode(m.Params, z) }})
	if err != nil {
		return nil, err
	}
	if wg.vm, err = gx.NewMachine(g, logW); err != nil {
		return nil, err
	}
	e.logW[key] = wg
	return wg, nil
}

// LogLikelihood estimates log p(x) for every example of set by importance
// sampling with k samples from q(z|x) (elbo.LogMarginal), drawn chunk at a
// time so that memory stays bounded, from a Noise seeded with seed. It
// returns the per-example estimates; progress, if not nil, is called after
// every batch of examples with the number done.
func (e *Evaluator) LogLikelihood(set *datasets.Set, k, chunk int, seed uint64, progress func(done, total int)) ([]elbo.Estimate, error) {
	if err := e.check(set); err != nil {
		return nil, err
	}
	if k < 1 || chunk < 1 {
		return nil, fmt.Errorf("vae: %d importance samples in chunks of %d: both must be positive", k, chunk)
	}
	chunk = min(chunk, k)
	noise := dist.NewNoise(seed)
	out := make([]elbo.Estimate, 0, set.Len())
	for lo := 0; lo < set.Len(); lo += e.batch {
		n := min(e.batch, set.Len()-lo)
		wg, err := e.weightGraph(n, chunk)
		if err != nil {
			return nil, err
		}
		scaleInto(wg.xT, set, lo, lo+n)
		est, err := elbo.LogMarginal(n, k, chunk, func(dst []float64) error {
			if err := noise.Fill(wg.epsT); err != nil {
				return err
			}
			if err := wg.vm.Run(); err != nil {
				return err
			}
			floatsInto(dst, wg.vm.Value(0).(tensor.Tensor))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("vae: log-likelihood of examples %d-%d: %w", lo, lo+n, err)
		}
		out = append(out, est...)
		if progress != nil {
			progress(lo+n, set.Len())
		}
	}
	return out, nil
}

// MeanLogLikelihood returns the mean of the per-example estimates and its
// standard error over the examples (the spread of log p(x) across the set,
// which for a test set of 10,000 dwarfs the importance-sampling error).
func MeanLogLikelihood(est []elbo.Estimate) (mean, stdErr float64) {
	var s, ss float64
	for _, e := range est {
		s += e.LogP
		ss += e.LogP * e.LogP
	}
	n := float64(len(est))
	mean = s / n
	if len(est) > 1 {
		stdErr = math.Sqrt(math.Max(0, (ss-n*mean*mean)/(n-1)) / n)
	}
	return mean, stdErr
}

// decodeGraph decodes a batch of latents to the means of p(x|z).
type decodeGraph struct {
	g    *G.ExprGraph
	from *Params // the parameters its nodes are bound to
	zT   *tensor.Dense
	vm   *gx.Machine // computes the means
}

// close releases the machine and the graph's parameter nodes.
func (dg *decodeGraph) close() {
	dg.vm.Close()
	dg.from.forget(dg.g)
}

func (e *Evaluator) decodeGraph(n int) (_ *decodeGraph, err error) {
	if dg, ok := e.decode[n]; ok {
		return dg, nil
	}
	m := e.model
	dt := m.Params.Dtype()
	g := G.NewGraph()
	defer func() {
		if err != nil {
			m.Params.forget(g)
		}
	}()
	dg := &decodeGraph{g: g, from: m.Params, zT: tensor.New(tensor.Of(dt), tensor.WithShape(n, m.Latent))}
	zn := G.NewMatrix(g, dt, G.WithShape(n, m.Latent), G.WithName("z"), G.WithValue(dg.zT))
	lik, err := m.Decoder.Decode(m.Params, zn)
	if err != nil {
		return nil, fmt.Errorf("vae: decoder: %w", err)
	}
	mean, err := meanOf(lik)
	if err != nil {
		return nil, err
	}
	if dg.vm, err = gx.NewMachine(g, mean); err != nil {
		return nil, err
	}
	e.decode[n] = dg
	return dg, nil
}

// decodeMeans decodes a (n, Latent) batch of latents to the means of
// p(x|z), one row of Input values per latent.
func (e *Evaluator) decodeMeans(z []float64, n int) ([]float64, error) {
	dg, err := e.decodeGraph(n)
	if err != nil {
		return nil, err
	}
	if err := setFloats(dg.zT, z); err != nil {
		return nil, err
	}
	if err := dg.vm.Run(); err != nil {
		return nil, fmt.Errorf("vae: decoding: %w", err)
	}
	return floatsOf(dg.vm.Value(0).(tensor.Tensor)), nil
}

// meanOf returns the mean of a decoder's distribution.
func meanOf(p dist.LogProber) (*G.Node, error) {
	switch d := p.(type) {
	case dist.Bernoulli:
		return d.Mean()
	case dist.Normal:
		return d.Mean, nil
	}
	return nil, fmt.Errorf("vae: cannot take the mean of a %T; reconstructions and samples need a dist.Bernoulli or dist.Normal decoder", p)
}

// Reconstruct encodes images lo..hi-1 of set, takes the posterior mean of
// each, and decodes it: the mean of p(x | z = E_q[z]), one row per image.
func (e *Evaluator) Reconstruct(set *datasets.Set, lo, hi int) ([]float64, error) {
	if err := e.check(set); err != nil {
		return nil, err
	}
	if lo < 0 || hi > set.Len() || lo >= hi {
		return nil, fmt.Errorf("vae: images %d..%d of a set of %d", lo, hi, set.Len())
	}
	means, err := e.Encode(set, lo, hi)
	if err != nil {
		return nil, err
	}
	return e.decodeMeans(means, hi-lo)
}

// Encode returns the posterior means E_q[z] of images lo..hi-1 of set, one
// row of Latent values per image.
func (e *Evaluator) Encode(set *datasets.Set, lo, hi int) ([]float64, error) {
	out := make([]float64, 0, (hi-lo)*e.model.Latent)
	for start := lo; start < hi; start += e.batch {
		n := min(e.batch, hi-start)
		bg, err := e.graph(n, 1)
		if err != nil {
			return nil, err
		}
		scaleInto(bg.xT, set, start, start+n)
		if err := bg.run(); err != nil {
			return nil, fmt.Errorf("vae: encoding: %w", err)
		}
		out = append(out, floatsOf(bg.mean().(tensor.Tensor))...)
	}
	return out, nil
}

// Sample draws n latents from the prior N(0, I) with a Noise seeded with
// seed and decodes them: the mean of p(x|z), one row per sample.
func (e *Evaluator) Sample(n int, seed uint64) ([]float64, error) {
	z := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(n, e.model.Latent))
	if err := dist.NewNoise(seed).Fill(z); err != nil {
		return nil, err
	}
	return e.Decode(z.Data().([]float64), n)
}

// Decode returns the mean of p(x|z) for n latents given row after row.
func (e *Evaluator) Decode(z []float64, n int) ([]float64, error) {
	if n < 1 || len(z) != n*e.model.Latent {
		return nil, fmt.Errorf("vae: %d latent values for %d latents of %d dimensions", len(z), n, e.model.Latent)
	}
	return e.decodeMeans(z, n)
}
