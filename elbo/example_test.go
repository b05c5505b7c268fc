package elbo_test

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
)

// The ELBO (2.24) of one binary observation under a one-layer linear
// decoder, with q(z|x) = N(0.5, e^-1) and two samples of z.
func ExampleReconKL() {
	g := G.NewGraph()
	matrix := func(name string, rows, cols int, v ...float64) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(rows, cols), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(v))))
	}
	weights := matrix("W", 1, 3, 2, -1, 0.5)
	terms, err := elbo.ReconKL(elbo.Input{
		X:   matrix("x", 1, 3, 1, 0, 1),
		Q:   dist.Normal{Mean: matrix("mean", 1, 1, 0.5), LogVar: matrix("logvar", 1, 1, -1)},
		Eps: matrix("eps", 2, 1, 0.3, -1.2),
		Decode: func(z *G.Node) (dist.LogProber, error) {
			logits, err := G.Mul(z, weights)
			return dist.Bernoulli{Logits: logits}, err
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Read values through G.Read: an intermediate node's Value may be
	// overwritten by a later in-place operation.
	var recon, kl, bound G.Value
	G.Read(terms.Recon, &recon)
	G.Read(terms.KL, &kl)
	G.Read(terms.Bound, &bound)
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("E_q[log p(x|z)] ≈ %.4f\n", recon.Data().([]float64)[0])
	fmt.Printf("KL(q || p(z))   = %.4f\n", kl.Data().([]float64)[0])
	fmt.Printf("ELBO            ≈ %.4f\n", bound.Data().([]float64)[0])
	// Output:
	// E_q[log p(x|z)] ≈ -1.8430
	// KL(q || p(z))   = 0.3089
	// ELBO            ≈ -2.1519
}
