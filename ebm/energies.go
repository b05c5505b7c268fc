package ebm

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/gx"
)

// FullyVisible returns the energy of a fully visible Boltzmann machine (an
// Ising model on {0,1}^dim),
//
//	E(x; W, b) = -Σ_{i<j} W_ij x_i x_j - Σ_i b_i x_i,
//
// with parameters theta = [W (dim×dim), b (dim)]. Only the strict upper
// triangle of W enters the energy (the rest is masked out and gets zero
// gradient), so every parameter that matters is identifiable.
func FullyVisible(dim int) EnergyFunc {
	mask := make([]float64, dim*dim)
	for i := range dim {
		for j := i + 1; j < dim; j++ {
			mask[i*dim+j] = 1
		}
	}
	return func(x *G.Node, theta []*G.Node) (*G.Node, error) {
		if len(theta) != 2 {
			return nil, fmt.Errorf("ebm: FullyVisible takes parameters [W, b], got %d", len(theta))
		}
		w, bias := theta[0], theta[1]
		m := G.NewMatrix(x.Graph(), tensor.Float64, G.WithShape(dim, dim), G.WithName("upper"),
			G.WithValue(tensor.New(tensor.WithShape(dim, dim), tensor.WithBacking(append([]float64(nil), mask...)))))
		var b gx.B
		pair := b.Sum(b.Mul(b.MatMul(x, b.Mul(w, m)), x), 1)
		lin := b.MatMul(x, bias)
		return b.Neg(b.Add(pair, lin)), b.Err
	}
}

// RBMFreeEnergy returns the free energy of a restricted Boltzmann machine
// as an energy over its visible units (the hidden units summed out),
//
//	F(v; W, b, c) = -Σ_i b_i v_i - Σ_j softplus(c_j + Σ_i v_i W_ij),
//
// with parameters theta = [W (visible×hidden), b (visible), c (hidden)].
// It is the graph twin of RBM.FreeEnergy: the tests check the RBM's
// closed-form gradients against Gorgonia's differentiation of this graph.
// Gorgonia's softplus returns its argument above 16, an absolute error
// below 1.2e-7 per hidden unit there.
func RBMFreeEnergy(x *G.Node, theta []*G.Node) (*G.Node, error) {
	if len(theta) != 3 {
		return nil, fmt.Errorf("ebm: RBMFreeEnergy takes parameters [W, b, c], got %d", len(theta))
	}
	w, vb, hb := theta[0], theta[1], theta[2]
	var b gx.B
	hidden := b.Sum(b.Softplus(b.AddRow(b.MatMul(x, w), hb)), 1)
	return b.Neg(b.Add(b.MatMul(x, vb), hidden)), b.Err
}
