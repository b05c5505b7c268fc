package dist

import G "gorgonia.org/gorgonia"

// LogProber is a batch of distributions that can score observations: the
// likelihood p(x|z) a decoder returns, or a prior p(z). LogProb returns a
// (batch,) node of log-densities summed over dimensions.
type LogProber interface {
	LogProb(x *G.Node) (*G.Node, error)
}

// RepeatedLogProber is a LogProber that can score x stacked several times
// along the rows (as gx.Tile stacks it) without the stacked copy: the
// importance-sampled bounds score each example once per sample, and
// building that matrix was a large part of their cost.
type RepeatedLogProber interface {
	LogProber
	LogProbRepeated(x *G.Node, copies int) (*G.Node, error)
}

var (
	_ RepeatedLogProber = Bernoulli{}
	_ LogProber         = Normal{}
	_ LogProber         = StdNormal{}
	_ LogProber         = Bernoulli{}
)
