package vae

import (
	"testing"

	"github.com/govae/govae/datasets"
)

// TestCloseReleasesGraphs checks that closing an Evaluator drops the
// parameter nodes of every graph it built, so that a closed evaluator's
// graphs are not kept reachable through the model's Params.
func TestCloseReleasesGraphs(t *testing.T) {
	m, err := NewMLP(Arch{Input: 4, Hidden: []int{3}, Latent: 2, Activation: Tanh, Dtype: "float64", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	set := &datasets.Set{Pixels: []uint8{0, 50, 100, 150, 200, 250, 30, 60, 90, 120, 180, 240}, Labels: []uint8{0, 1, 2}, Rows: 2, Cols: 2}
	e, err := NewEvaluator(m, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ELBO(set, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.LogLikelihood(set, 3, 2, 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reconstruct(set, 0, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sample(2, 1); err != nil {
		t.Fatal(err)
	}
	if len(m.Params.nodes) == 0 {
		t.Fatal("an evaluator that has run holds no graphs: the test checks nothing")
	}
	e.Close()
	if n := len(m.Params.nodes); n != 0 {
		t.Errorf("after Close the parameters still hold the nodes of %d graphs, want 0", n)
	}
}
