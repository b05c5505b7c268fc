package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
)

// upperNoise is the noise of the stochastic layers above the first on one
// graph: an input of (rows, d_l) for each layer l ≥ 2.
type upperNoise struct {
	nodes []*G.Node
	vals  []*tensor.Dense
}

// newUpperNoise adds the noise inputs of m's upper layers, rows rows each,
// to g.
func newUpperNoise(g *G.ExprGraph, m *Model, rows int) upperNoise {
	dt := m.Params.Dtype()
	var u upperNoise
	for i, l := range m.Upper {
		v := tensor.New(tensor.Of(dt), tensor.WithShape(rows, l.Latent))
		u.vals = append(u.vals, v)
		u.nodes = append(u.nodes, G.NewMatrix(g, dt, G.WithShape(rows, l.Latent), G.WithName(fmt.Sprintf("eps%d", i+2)), G.WithValue(v)))
	}
	return u
}

// fill draws first into eps, the noise of h1, then into each upper layer's
// noise, bottom up: a one-layer model draws exactly what it always drew.
func (u upperNoise) fill(noise *dist.Noise, eps *tensor.Dense) error {
	if err := noise.Fill(eps); err != nil {
		return err
	}
	for _, v := range u.vals {
		if err := noise.Fill(v); err != nil {
			return err
		}
	}
	return nil
}

// zero sets eps and every upper layer's noise to 0: each sample is then
// the mean of its conditional, and the chain is followed through means.
func (u upperNoise) zero(eps *tensor.Dense) {
	eps.Zero()
	for _, v := range u.vals {
		v.Zero()
	}
}

// copyFrom copies the values of v's noise into u's (same shapes).
func (u upperNoise) copyFrom(v upperNoise) {
	for i := range u.vals {
		copyPrefix(u.vals[i], v.vals[i])
	}
}

// input returns the elbo.Input of m for the batch x, q(h1|x) = q and the
// noise eps of h1 and upper of the layers above. The networks of the
// layers above are built when the bound is; qs, of one element per upper
// layer, receives their q(h_l|h_l−1) then.
func (m *Model) input(x *G.Node, q dist.Normal, eps *G.Node, upper upperNoise, qs []dist.Normal) elbo.Input {
	in := elbo.Input{
		X: x, Q: q, Eps: eps,
		Decode: func(z *G.Node) (dist.LogProber, error) { return m.Decoder.Decode(m.Params, z) },
	}
	for i, l := range m.Upper {
		in.Upper = append(in.Upper, elbo.Layer{
			Infer: func(below *G.Node) (dist.Normal, error) {
				q, err := l.Infer.Encode(m.Params, below)
				if err != nil {
					return q, fmt.Errorf("q(h%d|h%d): %w", i+2, i+1, err)
				}
				qs[i] = q
				return q, nil
			},
			Generate: func(h *G.Node) (dist.Normal, error) {
				p, err := l.Generate.Encode(m.Params, h)
				if err != nil {
					return p, fmt.Errorf("p(h%d|h%d): %w", i+1, i+2, err)
				}
				return p, nil
			},
			Eps: upper.nodes[i],
		})
	}
	return in
}
