package vae

import (
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/optim"
)

// TestRewindMatchesReset trains two copies of a model side by side on the
// same batches and noise, one restarting its machine with rewind.Rewind
// (registers kept) and one with Gorgonia's Reset (registers freed), and
// requires the same bounds and parameters, bit for bit, after every step:
// reusing registers must change nothing but the allocations.
func TestRewindMatchesReset(t *testing.T) {
	for _, obj := range []Objective{ELBO, ELBOEntropy, IWAE} {
		var graphs [2]*batchGraph
		var models [2]*Model
		var adams [2]*optim.Adam
		for i := range graphs {
			m, err := NewMLP(Arch{Input: 12, Hidden: []int{7, 5}, Latent: 3, Activation: Tanh, Dtype: "float64", Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			models[i] = m
			if graphs[i], err = buildGraph(m, obj, 6, 3, true, true); err != nil {
				t.Fatal(err)
			}
			if adams[i], err = optim.NewAdam(optim.DefaultConfig()); err != nil {
				t.Fatal(err)
			}
		}
		xs, eps := dist.NewNoise(1), dist.NewNoise(2)
		for step := range 20 {
			if err := xs.Fill(graphs[0].xT); err != nil {
				t.Fatal(err)
			}
			if err := eps.Fill(graphs[0].epsT); err != nil {
				t.Fatal(err)
			}
			setScalar(graphs[0].betaT, 0.1*float64(step%5))
			copyPrefix(graphs[1].xT, graphs[0].xT)
			copyPrefix(graphs[1].epsT, graphs[0].epsT)
			setScalar(graphs[1].betaT, 0.1*float64(step%5))
			if err := graphs[0].run(); err != nil {
				t.Fatal(err)
			}
			graphs[1].vm.Reset()
			if err := graphs[1].vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			b0, b1 := floatsOf(graphs[0].bound.(tensor.Tensor)), floatsOf(graphs[1].bound.(tensor.Tensor))
			if !slices.Equal(b0, b1) {
				t.Fatalf("%v step %d: bounds %v and %v", obj, step, b0, b1)
			}
			for i := range adams {
				if err := adams[i].Step(graphs[i].params, 0); err != nil {
					t.Fatal(err)
				}
			}
			s0, s1 := models[0].Params.Snapshot(), models[1].Params.Snapshot()
			for i := range s0.Values {
				if !slices.Equal(s0.Values[i], s1.Values[i]) {
					t.Fatalf("%v step %d: parameter %s differs", obj, step, s0.Names[i])
				}
			}
		}
	}
}
