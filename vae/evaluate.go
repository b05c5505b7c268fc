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
	decode map[decodeKey]*decodeGraph
}

// NewEvaluator returns an Evaluator of m that works through data batch
// examples at a time.
func NewEvaluator(m *Model, batch int) (*Evaluator, error) {
	if batch < 1 {
		return nil, fmt.Errorf("vae: evaluation batch size %d: must be positive", batch)
	}
	return &Evaluator{model: m, batch: batch, graphs: map[[2]int]*batchGraph{}, logW: map[[2]int]*weightGraph{}, decode: map[decodeKey]*decodeGraph{}}, nil
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
// ActiveUnits counts). For a hierarchical model the variances are those of
// every layer, h1's units first (Model.Latents gives the sizes;
// ActiveUnitsByLayer counts them), and the posterior mean of a unit of
// layer l ≥ 2 is the mean of q(h_l|h_l−1) at the sample of h_l−1 drawn
// for the bound: Burda et al.'s measure (get_units_variances in their
// code, github.com/yburda/iwae).
func (e *Evaluator) ELBO(set *datasets.Set, seed uint64) (Stats, []float64, error) {
	if err := e.check(set); err != nil {
		return Stats{}, nil, err
	}
	noise := dist.NewNoise(seed)
	var st Stats
	latents := e.model.Latents()
	var dz int
	for _, d := range latents {
		dz += d
	}
	sum, sumSq := make([]float64, dz), make([]float64, dz)
	for lo := 0; lo < set.Len(); lo += e.batch {
		n := min(e.batch, set.Len()-lo)
		bg, err := e.graph(n, 1)
		if err != nil {
			return Stats{}, nil, err
		}
		scaleInto(bg.xT, set, lo, lo+n)
		if err := bg.fillNoise(noise); err != nil {
			return Stats{}, nil, err
		}
		if err := bg.run(); err != nil {
			return Stats{}, nil, fmt.Errorf("vae: evaluating examples %d-%d: %w", lo, lo+n, err)
		}
		b, r, k := bg.sums(n)
		st.Loss -= b
		st.Recon -= r
		st.KL += k
		off := 0
		for l, d := range latents {
			mean := bg.mean()
			if l > 0 {
				mean = bg.upperMean(l - 1)
			}
			for i, v := range floatsOf(mean.(tensor.Tensor)) {
				sum[off+i%d] += v
				sumSq[off+i%d] += v * v
			}
			off += d
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

// ActiveUnitsByLayer counts the active units of each stochastic layer of
// a model with the given layer sizes (Model.Latents), from the variances
// that ELBO returns.
func ActiveUnitsByLayer(variances []float64, latents []int, threshold float64) ([]int, error) {
	var total int
	for _, d := range latents {
		total += d
	}
	if total != len(variances) {
		return nil, fmt.Errorf("vae: %d variances for layers of %v units", len(variances), latents)
	}
	counts := make([]int, len(latents))
	for l, d := range latents {
		counts[l] = ActiveUnits(variances[:d], threshold)
		variances = variances[d:]
	}
	return counts, nil
}

func (e *Evaluator) check(set *datasets.Set) error {
	if set == nil || set.Len() == 0 {
		return fmt.Errorf("vae: nothing to evaluate: the set is empty")
	}
	if set.Dim() != e.model.Input {
		return fmt.Errorf("vae: examples of %d values for a model of %d inputs", set.Dim(), e.model.Input)
	}
	return nil
}

func (e *Evaluator) graph(n, samples int) (*batchGraph, error) {
	key := [2]int{n, samples}
	if bg, ok := e.graphs[key]; ok {
		return bg, nil
	}
	bg, err := buildGraph(e.model, elbo.ELBO{Form: elbo.ClosedKL}, elbo.Reparam, n, samples, false, false)
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
	upper    upperNoise
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
	wg.upper = newUpperNoise(g, m, chunk*n)
	q, err := m.Encoder.Encode(m.Params, x)
	if err != nil {
		return nil, fmt.Errorf("vae: encoder: %w", err)
	}
	logW, err := elbo.LogWeights(m.input(x, q, eps, wg.upper, make([]dist.Normal, len(m.Upper))))
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
			if err := wg.upper.fill(noise, wg.epsT); err != nil {
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

// decodeKey names a decoding graph: batch size, the layer it starts from
// (1 for h1), and whether it samples the layers below the start (else it
// follows their means).
type decodeKey struct {
	n, from int
	sample  bool
	logits  bool // the logits of a Bernoulli p(x|h1) rather than its mean
}

// decodeGraph decodes a batch of latents of one layer down the chain to
// the means of p(x|h1).
type decodeGraph struct {
	g     *G.ExprGraph
	from  *Params // the parameters its nodes are bound to
	zT    *tensor.Dense
	noise []*tensor.Dense // for each layer sampled below the start, top down
	vm    *gx.Machine     // computes the means
}

// close releases the machine and the graph's parameter nodes.
func (dg *decodeGraph) close() {
	dg.vm.Close()
	dg.from.forget(dg.g)
}

func (e *Evaluator) decodeGraph(key decodeKey) (_ *decodeGraph, err error) {
	if dg, ok := e.decode[key]; ok {
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
	latents := m.Latents()
	n := key.n
	dg := &decodeGraph{g: g, from: m.Params, zT: tensor.New(tensor.Of(dt), tensor.WithShape(n, latents[key.from-1]))}
	h := G.NewMatrix(g, dt, G.WithShape(n, latents[key.from-1]), G.WithName(fmt.Sprintf("h%d", key.from)), G.WithValue(dg.zT))
	for l := key.from; l >= 2; l-- {
		p, err := m.Upper[l-2].Generate.Encode(m.Params, h)
		if err != nil {
			return nil, fmt.Errorf("vae: p(h%d|h%d): %w", l-1, l, err)
		}
		if !key.sample {
			h = p.Mean
			continue
		}
		v := tensor.New(tensor.Of(dt), tensor.WithShape(n, latents[l-2]))
		dg.noise = append(dg.noise, v)
		eps := G.NewMatrix(g, dt, G.WithShape(n, latents[l-2]), G.WithName(fmt.Sprintf("eps%d", l-1)), G.WithValue(v))
		if h, err = p.Sample(eps); err != nil {
			return nil, err
		}
	}
	lik, err := m.Decoder.Decode(m.Params, h)
	if err != nil {
		return nil, fmt.Errorf("vae: decoder: %w", err)
	}
	mean, err := meanOf(lik)
	if b, ok := lik.(dist.Bernoulli); ok && key.logits {
		mean = b.Logits
	}
	if err != nil {
		return nil, err
	}
	if dg.vm, err = gx.NewMachine(g, mean); err != nil {
		return nil, err
	}
	e.decode[key] = dg
	return dg, nil
}

// decodeMeans decodes a (n, d) batch of latents of layer from down the
// chain, sampling the layers between from noise (nil: through their
// means), to the means of p(x|h1), one row of Input values per latent.
func (e *Evaluator) decodeMeans(z []float64, n, from int, noise *dist.Noise) ([]float64, error) {
	return e.decodeRun(decodeKey{n: n, from: from, sample: noise != nil}, z, noise)
}

// decodeRun runs the decoding graph of key on the latents z, drawing the
// noise of the layers it samples from noise.
func (e *Evaluator) decodeRun(key decodeKey, z []float64, noise *dist.Noise) ([]float64, error) {
	dg, err := e.decodeGraph(key)
	if err != nil {
		return nil, err
	}
	if err := setFloats(dg.zT, z); err != nil {
		return nil, err
	}
	for _, v := range dg.noise {
		if err := noise.Fill(v); err != nil {
			return nil, err
		}
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
// Through a hierarchical model it follows the means of the chain up, from
// q(h1|x) to q(hL|hL−1), and back down, from p(hL−1|hL) to p(x|h1).
func (e *Evaluator) Reconstruct(set *datasets.Set, lo, hi int) ([]float64, error) {
	if err := e.check(set); err != nil {
		return nil, err
	}
	if lo < 0 || hi > set.Len() || lo >= hi {
		return nil, fmt.Errorf("vae: images %d..%d of a set of %d", lo, hi, set.Len())
	}
	top := len(e.model.Latents())
	means, err := e.EncodeLayer(set, lo, hi, top)
	if err != nil {
		return nil, err
	}
	return e.decodeMeans(means, hi-lo, top, nil)
}

// Encode returns the posterior means E_q[z] of images lo..hi-1 of set, one
// row of Latent values per image (of h1, for a hierarchical model).
func (e *Evaluator) Encode(set *datasets.Set, lo, hi int) ([]float64, error) {
	return e.EncodeLayer(set, lo, hi, 1)
}

// EncodeLayer returns the means of stochastic layer layer (1 for h1) for
// images lo..hi-1 of set, following the means of the chain up from x: the
// mean of q(h1|x), then that of q(h2|h1) at it, and so on; one row per
// image.
func (e *Evaluator) EncodeLayer(set *datasets.Set, lo, hi, layer int) ([]float64, error) {
	latents := e.model.Latents()
	if layer < 1 || layer > len(latents) {
		return nil, fmt.Errorf("vae: layer %d of a model of %d stochastic layers", layer, len(latents))
	}
	out := make([]float64, 0, (hi-lo)*latents[layer-1])
	for start := lo; start < hi; start += e.batch {
		n := min(e.batch, hi-start)
		bg, err := e.graph(n, 1)
		if err != nil {
			return nil, err
		}
		scaleInto(bg.xT, set, start, start+n)
		bg.upper.zero(bg.epsT)
		if err := bg.run(); err != nil {
			return nil, fmt.Errorf("vae: encoding: %w", err)
		}
		mean := bg.mean()
		if layer > 1 {
			mean = bg.upperMean(layer - 2)
		}
		out = append(out, floatsOf(mean.(tensor.Tensor))...)
	}
	return out, nil
}

// Sample draws n ancestral samples with a Noise seeded with seed: the top
// layer from its prior N(0, I), each layer below from its conditional
// p(h_l−1|h_l), and returns the means of p(x|h1), one row per sample.
func (e *Evaluator) Sample(n int, seed uint64) ([]float64, error) {
	latents := e.model.Latents()
	top := len(latents)
	z := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(n, latents[top-1]))
	noise := dist.NewNoise(seed)
	if err := noise.Fill(z); err != nil {
		return nil, err
	}
	return e.decodeMeans(z.Data().([]float64), n, top, noise)
}

// DecodeLayer decodes n latents of stochastic layer layer (1 for h1),
// given row after row, down the chain to the means of p(x|h1): through the
// means of p(h_l−1|h_l) of the layers between, or, with noise, through
// draws from them (what is left to the layers below once h_layer is fixed).
func (e *Evaluator) DecodeLayer(z []float64, n, layer int, noise *dist.Noise) ([]float64, error) {
	latents := e.model.Latents()
	if layer < 1 || layer > len(latents) {
		return nil, fmt.Errorf("vae: layer %d of a model of %d stochastic layers", layer, len(latents))
	}
	if n < 1 || len(z) != n*latents[layer-1] {
		return nil, fmt.Errorf("vae: %d latent values for %d latents of %d dimensions", len(z), n, latents[layer-1])
	}
	return e.decodeMeans(z, n, layer, noise)
}

// DecodeLogits returns what the decoder computes for n latents z given row
// after row (h1 for a hierarchical model): the logits of a Bernoulli
// p(x|z), before the sigmoid that Decode applies, or the mean of a
// Gaussian. It is the output to compare across frameworks, as the sigmoid
// flattens differences in saturated units.
func (e *Evaluator) DecodeLogits(z []float64, n int) ([]float64, error) {
	if n < 1 || len(z) != n*e.model.Latent {
		return nil, fmt.Errorf("vae: %d latent values for %d latents of %d dimensions", len(z), n, e.model.Latent)
	}
	return e.decodeRun(decodeKey{n: n, from: 1, logits: true}, z, nil)
}

// Decode returns the mean of p(x|z) for n latents given row after row (z
// is h1 for a hierarchical model).
func (e *Evaluator) Decode(z []float64, n int) ([]float64, error) {
	if n < 1 || len(z) != n*e.model.Latent {
		return nil, fmt.Errorf("vae: %d latent values for %d latents of %d dimensions", len(z), n, e.model.Latent)
	}
	return e.decodeMeans(z, n, 1, nil)
}
