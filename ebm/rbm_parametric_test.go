package ebm

import (
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// newRBMParametric returns the free energy of an RBM with the given sizes
// as a Parametric, weights and biases ~ N(0, s²).
func newRBMParametric(t *testing.T, visible, hidden int, s float64, rng *rand.Rand) *Parametric {
	t.Helper()
	normal := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = s * rng.NormFloat64()
		}
		return x
	}
	m, err := NewParametric(visible, RBMFreeEnergy,
		tensor.New(tensor.WithShape(visible, hidden), tensor.WithBacking(normal(visible*hidden))),
		tensor.New(tensor.WithShape(visible), tensor.WithBacking(normal(visible))),
		tensor.New(tensor.WithShape(hidden), tensor.WithBacking(normal(hidden))))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
