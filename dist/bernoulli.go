package dist

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/internal/gx"
)

// Bernoulli is a batch of independent Bernoulli variables with
// P(x_d = 1) = sigmoid(Logits_d); Logits is a (batch, dim) node.
//
// Working with logits keeps every formula stable: log p = x·l - softplus(l)
// never takes the log of a probability that has rounded to 0 or 1.
type Bernoulli struct {
	Logits *G.Node
}

// Entropy returns H = Σ_d [softplus(l_d) - sigmoid(l_d)·l_d] for each
// example, a (batch,) node.
func (d Bernoulli) Entropy() (*G.Node, error) {
	checkMatrix("Bernoulli.Logits", d.Logits)
	var b gx.B
	h := b.Sum(b.Sub(b.Softplus(d.Logits), b.Mul(b.Sigmoid(d.Logits), d.Logits)), 1)
	return h, wrap("Bernoulli.Entropy", b.Err)
}

// LogProb returns log p(x) = Σ_d [x_d·l_d - softplus(l_d)] for each example,
// a (batch,) node. x has the shape of Logits; values in [0, 1] other than 0
// and 1 (grey levels) give the cross-entropy that pytorch/examples trains on.
func (d Bernoulli) LogProb(x *G.Node) (*G.Node, error) {
	checkSameShape("Bernoulli.LogProb: x", x, "Logits", d.Logits)
	lp, err := G.ApplyOp(bernoulliLogProbOp{}, x, d.Logits)
	return lp, wrap("Bernoulli.LogProb", err)
}

// LogProbRepeated returns LogProb of x stacked copies times along the rows
// (gx.Tile's layout: row r of Logits meets row r mod n of the n-row x),
// without building the stacked matrix. Logits must have copies times as
// many rows as x.
func (d Bernoulli) LogProbRepeated(x *G.Node, copies int) (*G.Node, error) {
	checkMatrix("Bernoulli.LogProbRepeated: x", x)
	checkMatrix("Bernoulli.Logits", d.Logits)
	if copies < 1 || d.Logits.Shape()[0] != copies*x.Shape()[0] || d.Logits.Shape()[1] != x.Shape()[1] {
		return nil, fmt.Errorf("dist: Bernoulli.LogProbRepeated: x of shape %v repeated %d times for logits of shape %v", x.Shape(), copies, d.Logits.Shape())
	}
	lp, err := G.ApplyOp(bernoulliLogProbOp{}, x, d.Logits)
	return lp, wrap("Bernoulli.LogProbRepeated", err)
}

// Mean returns the probabilities sigmoid(Logits), a (batch, dim) node.
func (d Bernoulli) Mean() (*G.Node, error) {
	checkMatrix("Bernoulli.Logits", d.Logits)
	var b gx.B
	m := b.Sigmoid(d.Logits)
	return m, wrap("Bernoulli.Mean", b.Err)
}
