package dist_test

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/graphtest"
)

type matrix = graphtest.Matrix

var (
	randMatrix = graphtest.RandMatrix
	floats     = graphtest.Floats
	allFinite  = graphtest.AllFinite
)

// evalGraph runs graphtest.Run and fails the test on error.
func evalGraph(t *testing.T, dt tensor.Dtype, inputs []matrix, w []float64, build func(in []*G.Node) (*G.Node, error)) (out []float64, grads [][]float64) {
	t.Helper()
	out, grads, err := graphtest.Run(dt, inputs, w, build)
	if err != nil {
		t.Fatal(err)
	}
	return out, grads
}
