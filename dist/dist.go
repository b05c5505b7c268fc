package dist

import G "gorgonia.org/gorgonia"

// LogProber is a batch of distributions that can score observations: the
// likelihood p(x|z) a decoder returns, or a prior p(z). LogProb returns a
// (batch,) node of log-densities summed over dimensions.
type LogProber interface {
	LogProb(x *G.Node) (*G.Node, error)
}

var (
	_ LogProber = Normal{}
	_ LogProber = StdNormal{}
	_ LogProber = Bernoulli{}
)
