package elbo

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/gx"
)

// Decoder maps a (n, dz) batch of latents to the likelihood p(x|z), a batch
// of n distributions over x.
type Decoder func(z *G.Node) (dist.LogProber, error)

// Input is what every bound is built from: a model with L ≥ 1 stochastic
// layers, x → h1 → … → hL for the inference network q(h1|x) q(h2|h1) …
// q(hL|hL−1), and hL → … → h1 → x for the generative one p(hL) p(hL−1|hL)
// … p(x|h1). The one-layer model (Upper empty) has the single latent z = h1.
type Input struct {
	// X is the (B, dx) batch of observations.
	X *G.Node
	// Q is q(h1|x), (B, d1).
	Q dist.Normal
	// Eps is (S·B, d1) standard-normal noise for h1: sample s of example b
	// is row s·B+b.
	Eps *G.Node
	// Decode gives p(x|h1).
	Decode Decoder
	// Upper are the stochastic layers h2, …, hL above the first, bottom up;
	// nil or empty for the one-layer model.
	Upper []Layer
	// Prior is p(hL), the prior of the top layer, as a (B, dL) batch of
	// Normals; nil means N(0, I).
	Prior *dist.Normal
	// Beta is a scalar node weighting the regulariser (KL, or log p(h) + H[q]);
	// nil means 1, the ELBO itself. Feeding it lets a trainer warm β up
	// without rebuilding the graph.
	Beta *G.Node
}

// Layer is stochastic layer l ≥ 2 of a hierarchical model: the two
// conditionals that join it to layer l−1, each a diagonal Gaussian computed
// by a network, and its noise. Both networks are applied to the S·B samples
// of the layer they condition on.
type Layer struct {
	// Infer builds q(h_l | h_{l−1}) from an (n, d_{l−1}) batch of samples of
	// the layer below, as an (n, d_l) batch of Normals.
	Infer func(below *G.Node) (dist.Normal, error)
	// Generate builds p(h_{l−1} | h_l), the prior of the layer below, from
	// an (n, d_l) batch of samples of this layer, as an (n, d_{l−1}) batch
	// of Normals.
	Generate func(h *G.Node) (dist.Normal, error)
	// Eps is (S·B, d_l) standard-normal noise for h_l, laid out as Input.Eps.
	Eps *G.Node
}

// Terms are the per-example parts of a bound, each a (B,) node.
type Terms struct {
	// Bound is the objective, with β applied; training maximises its mean.
	Bound *G.Node
	// Recon is E_q[log p(x|h1)], averaged over the samples.
	Recon *G.Node
	// KL is KL(q(h|x) || p(h)): for one layer in closed form for ReconKL
	// and JointEntropy; for several, the top layer's KL in closed form and
	// the rest of the chain averaged over the samples (ReconKL) or the
	// entropies in closed form and log p(h) averaged (JointEntropy);
	// averaged over the samples of log q(h|x) - log p(h) for MonteCarlo and
	// ImportanceWeighted.
	KL *G.Node
}

// samples holds the graph pieces shared by every bound.
type samples struct {
	b      gx.B
	l, n   int     // samples per example, examples
	z      *G.Node // (L·B, d1) the samples of h1 the decoder and the layer above see
	logLik *G.Node // (L·B,) log p(x|h1)
	logPz  *G.Node // (L·B,) log p(h) = Σ_l log p(h_l|h_l+1) + log p(hL)
	logQ   *G.Node // (L·B,) log q(h|x) = Σ_l log q(h_l|h_l−1)
	beta   *G.Node // scalar or nil
	// With several layers only: the conditionals q(h_l|h_l−1), l ≥ 2, of
	// L·B rows each; the prior p(hL) tiled to L·B rows (nil for N(0, I));
	// and Σ_{l<L} [log q(h_l|h_l−1) − log p(h_l|h_l+1)], the part of
	// log q − log p below the top layer.
	upperQ   []dist.Normal
	topPrior *dist.Normal
	chainKL  *G.Node
}

// draw builds log p(x|h1), log p(h) and log q(h|x) for every sample h of
// the chain.
func draw(in Input, what string) (*samples, error) { return drawVia(in, what, nil) }

// drawVia is draw with the samples of h1 passed through via (when not
// nil) before the decoder and the layer above (or the prior) see them: a
// gradient estimator's StopGradient or ScaleGrad. log q(h1|x) is computed
// from ε, so it does not see them. Only the one-layer model takes a via
// (see Estimator.CheckLayers): with Upper layers it would touch h1 alone.
func drawVia(in Input, what string, via func(b *gx.B, z *G.Node) *G.Node) (*samples, error) {
	if via != nil && len(in.Upper) > 0 {
		return nil, fmt.Errorf("elbo: %s: a gradient estimator's hook on the samples needs a one-layer model, this one has %d stochastic layers", what, len(in.Upper)+1)
	}
	if in.X == nil || in.Eps == nil || in.Decode == nil || in.Q.Mean == nil || in.Q.LogVar == nil {
		return nil, fmt.Errorf("elbo: %s: X, Q, Eps and Decode must all be set", what)
	}
	n, epsRows := in.X.Shape()[0], in.Eps.Shape()[0]
	if in.Q.Mean.Shape()[0] != n || epsRows%n != 0 || epsRows == 0 {
		return nil, fmt.Errorf("elbo: %s: X has %d rows, Q %v, Eps %v: Q needs one row per example and Eps a whole number of rows per example", what, n, in.Q.Mean.Shape(), in.Eps.Shape())
	}
	s := &samples{l: epsRows / n, n: n, beta: in.Beta}
	b := &s.b
	z, err := in.Q.SampleRepeated(in.Eps)
	if err != nil {
		return nil, fmt.Errorf("elbo: %s: %w", what, err)
	}
	if via != nil {
		if z = via(b, z); z == nil {
			return nil, s.err(what)
		}
	}
	s.z = z
	lik, err := in.Decode(z)
	if err != nil {
		return nil, fmt.Errorf("elbo: %s: decoder: %w", what, err)
	}
	if rl, ok := lik.(dist.RepeatedLogProber); ok {
		s.logLik, err = rl.LogProbRepeated(in.X, s.l)
	} else {
		s.logLik, err = lik.LogProb(b.Tile(in.X, s.l))
	}
	if err != nil {
		return nil, fmt.Errorf("elbo: %s: log p(x|h1): %w", what, err)
	}
	if s.logQ, err = in.Q.LogProbOfSamples(in.Eps); err != nil {
		return nil, fmt.Errorf("elbo: %s: log q(h1|x): %w", what, err)
	}
	// log q(h_l|h_l−1) for every layer, log p(h_l|h_l+1) for all but the top.
	logQs, logPs := []*G.Node{s.logQ}, []*G.Node(nil)
	top := z
	for i, layer := range in.Upper {
		var lq, lp *G.Node
		if top, lq, lp, err = s.climb(layer, top); err != nil {
			return nil, fmt.Errorf("elbo: %s: layer %d: %w", what, i+2, err)
		}
		logQs, logPs = append(logQs, lq), append(logPs, lp)
	}
	var logTop *G.Node // log p(hL)
	if in.Prior == nil {
		logTop, err = dist.StdNormal{}.LogProb(top)
	} else {
		var prior dist.Normal
		if prior, err = in.Prior.Tile(s.l); err == nil {
			logTop, err = prior.LogProb(top)
			s.topPrior = &prior
		}
	}
	if err != nil {
		return nil, fmt.Errorf("elbo: %s: log p(h%d): %w", what, len(in.Upper)+1, err)
	}
	s.logQ, s.logPz = s.sum(logQs...), s.sum(append(logPs, logTop)...)
	if len(in.Upper) > 0 {
		s.chainKL = b.Sub(s.sum(logQs[:len(in.Upper)]...), s.sum(logPs...))
	}
	return s, s.err(what)
}

// climb draws the layer above below, an (L·B, d) node of samples, from
// q(h_l|h_l−1), and returns the draw, log q(h_l|h_l−1) and
// log p(h_l−1|h_l).
func (s *samples) climb(layer Layer, below *G.Node) (h, logQ, logP *G.Node, err error) {
	if layer.Infer == nil || layer.Generate == nil || layer.Eps == nil {
		return nil, nil, nil, fmt.Errorf("Infer, Generate and Eps must all be set")
	}
	q, err := layer.Infer(below)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("q: %w", err)
	}
	if q.Mean == nil || q.LogVar == nil || !layer.Eps.Shape().Eq(q.Mean.Shape()) || q.Mean.Shape()[0] != below.Shape()[0] {
		return nil, nil, nil, fmt.Errorf("q of shape %v for %d samples of the layer below, noise of shape %v: want one row per sample, of the noise's width", shapeOf(q.Mean), below.Shape()[0], layer.Eps.Shape())
	}
	if h, err = q.SampleRepeated(layer.Eps); err != nil {
		return nil, nil, nil, err
	}
	if logQ, err = q.LogProbOfSamples(layer.Eps); err != nil {
		return nil, nil, nil, err
	}
	p, err := layer.Generate(h)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("p: %w", err)
	}
	if p.Mean == nil || p.LogVar == nil || !p.Mean.Shape().Eq(below.Shape()) || !p.LogVar.Shape().Eq(below.Shape()) {
		return nil, nil, nil, fmt.Errorf("p of the layer below of shape %v for samples of shape %v: they must match", shapeOf(p.Mean), below.Shape())
	}
	if logP, err = p.LogProb(below); err != nil {
		return nil, nil, nil, err
	}
	s.upperQ = append(s.upperQ, q)
	return h, logQ, logP, nil
}

// sum adds the (L·B,) nodes vs, left to right.
func (s *samples) sum(vs ...*G.Node) *G.Node {
	t := vs[0]
	for _, v := range vs[1:] {
		t = s.b.Add(t, v)
	}
	return t
}

// shapeOf returns the shape of n, or nil for a nil node.
func shapeOf(n *G.Node) tensor.Shape {
	if n == nil {
		return nil
	}
	return n.Shape()
}

// mean averages an (L·B,) node over the L samples of each example.
func (s *samples) mean(v *G.Node) *G.Node {
	if s.l == 1 {
		return v
	}
	return s.b.Mean(s.b.Reshape(v, s.l, s.n), 0)
}

// weighted returns β·v, or v itself when β is 1.
func (s *samples) weighted(v *G.Node) *G.Node {
	if s.beta == nil {
		return v
	}
	if !s.beta.IsScalar() {
		s.b.Err = fmt.Errorf("Beta must be a scalar node, got shape %v", s.beta.Shape())
		return nil
	}
	return s.b.Mul(v, s.beta)
}

func (s *samples) err(what string) error {
	if s.b.Err != nil {
		return fmt.Errorf("elbo: %s: %w", what, s.b.Err)
	}
	return nil
}

// klAlongChain returns KL(q(h|x) || p(h)) for each example: for one
// layer in closed form; for several, the top layer's KL(q(hL|hL−1) ||
// p(hL)) in closed form given each sample of hL−1, plus the rest of the
// chain, log q − log p below the top, both averaged over the samples.
func (s *samples) klAlongChain(in Input) (*G.Node, error) {
	if len(s.upperQ) == 0 {
		if in.Prior == nil {
			return dist.StdNormal{}.KL(in.Q)
		}
		return dist.KL(in.Q, *in.Prior)
	}
	top := s.upperQ[len(s.upperQ)-1]
	var kl *G.Node
	var err error
	if s.topPrior == nil {
		kl, err = dist.StdNormal{}.KL(top)
	} else {
		kl, err = dist.KL(top, *s.topPrior)
	}
	if err != nil {
		return nil, err
	}
	return s.mean(s.b.Add(s.chainKL, kl)), nil
}

// entropy returns H[q(h|x)] = Σ_l E_q[H[q(h_l|h_l−1)]] for each example,
// each layer's entropy in closed form given the sample below it and
// averaged over the samples.
func (s *samples) entropy(in Input) (*G.Node, error) {
	h, err := in.Q.Entropy()
	if err != nil || len(s.upperQ) == 0 {
		return h, err
	}
	hs := make([]*G.Node, len(s.upperQ))
	for i, q := range s.upperQ {
		if hs[i], err = q.Entropy(); err != nil {
			return nil, err
		}
	}
	return s.b.Add(h, s.mean(s.sum(hs...))), nil
}
