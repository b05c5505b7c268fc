package elbo

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/gx"
)

// Decoder maps a (n, dz) batch of latents to the likelihood p(x|z), a batch
// of n distributions over x.
type Decoder func(z *G.Node) (dist.LogProber, error)

// Input is what every bound is built from.
type Input struct {
	// X is the (B, dx) batch of observations.
	X *G.Node
	// Q is q(z|x), (B, dz).
	Q dist.Normal
	// Eps is (L·B, dz) standard-normal noise: sample l of example b is row l·B+b.
	Eps *G.Node
	// Decode gives p(x|z).
	Decode Decoder
	// Prior is p(z) as a (B, dz) batch of Normals; nil means N(0, I).
	Prior *dist.Normal
	// Beta is a scalar node weighting the regulariser (KL, or log p(z) + H[q]);
	// nil means 1, the ELBO itself. Feeding it lets a trainer warm β up
	// without rebuilding the graph.
	Beta *G.Node
}

// Terms are the per-example parts of a bound, each a (B,) node.
type Terms struct {
	// Bound is the objective, with β applied; training maximises its mean.
	Bound *G.Node
	// Recon is E_q[log p(x|z)], averaged over the L samples.
	Recon *G.Node
	// KL is KL(q(z|x) || p(z)): in closed form for ReconKL and JointEntropy,
	// averaged over the samples of log q(z|x) - log p(z) for MonteCarlo and
	// ImportanceWeighted.
	KL *G.Node
}

// samples holds the graph pieces shared by every bound.
type samples struct {
	b      gx.B
	l, n   int     // samples per example, examples
	z      *G.Node // (L·B, dz) the samples the decoder and the prior see
	logLik *G.Node // (L·B,) log p(x|z)
	logPz  *G.Node // (L·B,) log p(z)
	logQ   *G.Node // (L·B,) log q(z|x)
	beta   *G.Node // scalar or nil
}

// draw builds log p(x|z), log p(z) and log q(z|x) for every sample z.
func draw(in Input, what string) (*samples, error) { return drawVia(in, what, nil) }

// drawVia is draw with the samples passed through via (when not nil)
// before the decoder and the prior see them: a gradient estimator's
// StopGradient or ScaleGrad. log q(z|x) is computed from ε, so it does not
// see them.
func drawVia(in Input, what string, via func(b *gx.B, z *G.Node) *G.Node) (*samples, error) {
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
		return nil, fmt.Errorf("elbo: %s: log p(x|z): %w", what, err)
	}
	if in.Prior == nil {
		s.logPz, err = dist.StdNormal{}.LogProb(z)
	} else {
		var prior dist.Normal
		if prior, err = in.Prior.Tile(s.l); err == nil {
			s.logPz, err = prior.LogProb(z)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("elbo: %s: log p(z): %w", what, err)
	}
	if s.logQ, err = in.Q.LogProbOfSamples(in.Eps); err != nil {
		return nil, fmt.Errorf("elbo: %s: log q(z|x): %w", what, err)
	}
	return s, s.err(what)
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

// closedFormKL returns KL(q || p(z)) for each example, in closed form.
func closedFormKL(in Input) (*G.Node, error) {
	if in.Prior == nil {
		return dist.StdNormal{}.KL(in.Q)
	}
	return dist.KL(in.Q, *in.Prior)
}
