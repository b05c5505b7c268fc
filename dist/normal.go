package dist

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/internal/gx"
)

// Normal is a batch of diagonal Gaussians N(Mean, diag(exp(LogVar))): row b
// of Mean and LogVar holds the parameters of example b. Both are
// (batch, dim) nodes of the same shape.
type Normal struct {
	Mean   *G.Node
	LogVar *G.Node
}

// Entropy returns H[N] = ½ Σ_d (log 2π + 1 + LogVar_d) for each example, a
// (batch,) node.
func (n Normal) Entropy() (*G.Node, error) {
	n.check()
	var b gx.B
	h := b.Scale(0.5, b.Sum(b.Shift(n.LogVar, log2Pi+1), 1))
	return h, wrap("Normal.Entropy", b.Err)
}

// LogProb returns log N(x; Mean, diag(exp(LogVar))) =
// -½ Σ_d [log 2π + LogVar_d + (x_d - Mean_d)² exp(-LogVar_d)] for each
// example, a (batch,) node. x has the shape of Mean.
func (n Normal) LogProb(x *G.Node) (*G.Node, error) {
	n.check()
	checkSameShape("Normal.LogProb: x", x, "Mean", n.Mean)
	var b gx.B
	sq := b.Mul(b.Square(b.Sub(x, n.Mean)), b.Exp(b.Neg(n.LogVar)))
	lp := b.Scale(-0.5, b.Sum(b.Shift(b.Add(n.LogVar, sq), log2Pi), 1))
	return lp, wrap("Normal.LogProb", b.Err)
}

// Sample returns the reparameterised draw z = Mean + exp(LogVar/2) ⊙ eps,
// where eps is a node of standard-normal noise of the shape of Mean that the
// caller feeds (see Noise). Gradients flow to Mean and LogVar through z.
func (n Normal) Sample(eps *G.Node) (*G.Node, error) {
	n.check()
	checkSameShape("Normal.Sample: eps", eps, "Mean", n.Mean)
	var b gx.B
	z := b.Add(n.Mean, b.Mul(b.Exp(b.Scale(0.5, n.LogVar)), eps))
	return z, wrap("Normal.Sample", b.Err)
}

// Tile returns the Normal whose parameters are l stacked copies of n's,
// (l·batch, dim), copy s of example b at row s·batch+b: the layout of l
// samples per example drawn with one eps node.
func (n Normal) Tile(l int) (Normal, error) {
	n.check()
	if l < 1 {
		return Normal{}, fmt.Errorf("dist: Normal.Tile: need at least one copy, got %d", l)
	}
	var b gx.B
	t := Normal{Mean: b.Tile(n.Mean, l), LogVar: b.Tile(n.LogVar, l)}
	return t, wrap("Normal.Tile", b.Err)
}

func (n Normal) check() {
	checkSameShape("Normal.Mean", n.Mean, "Normal.LogVar", n.LogVar)
}

// KL returns the closed-form KL(q || p) between two diagonal Gaussians of the
// same shape, for each example:
//
//	½ Σ_d [exp(Δ_d) - Δ_d - 1 + (MeanQ_d - MeanP_d)² exp(-LogVarP_d)],  Δ = LogVarQ - LogVarP,
//
// which is exactly zero when q and p coincide.
func KL(q, p Normal) (*G.Node, error) {
	q.check()
	p.check()
	checkSameShape("KL: q.Mean", q.Mean, "p.Mean", p.Mean)
	var b gx.B
	diff := b.Sub(q.LogVar, p.LogVar)
	mahalanobis := b.Mul(b.Square(b.Sub(q.Mean, p.Mean)), b.Exp(b.Neg(p.LogVar)))
	kl := b.Scale(0.5, b.Sum(b.Shift(b.Sub(b.Add(b.Exp(diff), mahalanobis), diff), -1), 1))
	return kl, wrap("KL", b.Err)
}

// StdNormal is the standard normal N(0, I), the usual prior p(z). It needs
// no parameters, so it costs no nodes beyond its formulas.
type StdNormal struct{}

// KL returns the closed-form KL(q || N(0, I)) = ½ Σ_d [exp(LogVar_d) + Mean_d² - 1 - LogVar_d]
// for each example of q.
func (StdNormal) KL(q Normal) (*G.Node, error) {
	q.check()
	var b gx.B
	kl := b.Scale(0.5, b.Sum(b.Shift(b.Sub(b.Add(b.Exp(q.LogVar), b.Square(q.Mean)), q.LogVar), -1), 1))
	return kl, wrap("StdNormal.KL", b.Err)
}

// LogProb returns log N(z; 0, I) = -½ Σ_d (z_d² + log 2π) for each row of z.
func (StdNormal) LogProb(z *G.Node) (*G.Node, error) {
	checkMatrix("StdNormal.LogProb: z", z)
	var b gx.B
	lp := b.Scale(-0.5, b.Sum(b.Shift(b.Square(z), log2Pi), 1))
	return lp, wrap("StdNormal.LogProb", b.Err)
}
