// Package lingauss builds the linear-Gaussian latent model
//
//	z ~ N(0, I),  x|z ~ N(Wz + b, σ²I)
//
// as Gorgonia graphs for package elbo, and draws gradient estimates from
// them: the model on which everything is exact (p(x) and p(z|x) are
// Gaussians), used to test the estimators and to measure their
// signal-to-noise ratio.
package lingauss

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
)

// Model is the linear-Gaussian model: W is dx × dz, B has length dx, and
// the observation noise has variance e^LogVar.
type Model struct {
	W      *mat.Dense
	B      []float64
	LogVar float64
}

// Dims returns dx and dz.
func (m Model) Dims() (dx, dz int) { return m.W.Dims() }

// dense returns a float64 tensor holding a copy of the rows of a.
func dense(a mat.Matrix) *tensor.Dense {
	r, c := a.Dims()
	data := make([]float64, 0, r*c)
	for i := range r {
		for j := range c {
			data = append(data, a.At(i, j))
		}
	}
	return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(data))
}

// Input builds, in g, the float64 elbo.Input of m at the rows of x
// (n × dx), with q = N(qMean, e^qLogVar) (n × dz each) and an (l·n, dz)
// noise node. It returns the input and the parameter leaves: q's mean and
// log-variance (the encoder's parameters), then Wᵀ and b (the decoder's).
func (m Model) Input(g *G.ExprGraph, x, qMean, qLogVar mat.Matrix, l int) (elbo.Input, []*G.Node, error) {
	dx, dz := m.Dims()
	n, xc := x.Dims()
	if r, c := qMean.Dims(); xc != dx || r != n || c != dz {
		return elbo.Input{}, nil, fmt.Errorf("lingauss: x %d×%d and q's mean %d×%d for a model of dx %d, dz %d", n, xc, r, c, dx, dz)
	}
	if r, c := qLogVar.Dims(); r != n || c != dz {
		return elbo.Input{}, nil, fmt.Errorf("lingauss: q's log-variance is %d×%d, want %d×%d", r, c, n, dz)
	}
	if len(m.B) != dx || l < 1 {
		return elbo.Input{}, nil, fmt.Errorf("lingauss: bias of length %d for dx %d, %d samples", len(m.B), dx, l)
	}
	dt := tensor.Float64
	leaf := func(name string, v mat.Matrix) *G.Node {
		r, c := v.Dims()
		return G.NewMatrix(g, dt, G.WithShape(r, c), G.WithName(name), G.WithValue(dense(v)))
	}
	wT := leaf("Wt", m.W.T())
	bias := G.NewVector(g, dt, G.WithShape(dx), G.WithName("b"), G.WithValue(tensor.New(tensor.WithBacking(append([]float64(nil), m.B...)))))
	q := dist.Normal{Mean: leaf("qmean", qMean), LogVar: leaf("qlogvar", qLogVar)}
	in := elbo.Input{
		X:   leaf("x", x),
		Q:   q,
		Eps: G.NewMatrix(g, dt, G.WithShape(l*n, dz), G.WithName("eps")),
		Decode: func(z *G.Node) (dist.LogProber, error) {
			zw, err := G.Mul(z, wT)
			if err != nil {
				return nil, err
			}
			mean, err := G.BroadcastAdd(zw, bias, nil, []byte{0})
			if err != nil {
				return nil, err
			}
			rows := z.Shape()[0]
			lv := mat.NewDense(rows, dx, nil)
			for i := range rows {
				for j := range dx {
					lv.Set(i, j, m.LogVar)
				}
			}
			return dist.Normal{Mean: mean, LogVar: leaf("logvar", lv)}, nil
		},
	}
	return in, []*G.Node{q.Mean, q.LogVar, wT, bias}, nil
}
