package optim

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchShapes are the weights of a 784-400-20 encoder layer pair.
var benchShapes = [][]int{{784, 400}, {400, 20}}

// benchProbe returns a probe over benchShapes whose machine has run once, so
// that every parameter has a gradient.
func benchProbe(b *testing.B, dt tensor.Dtype) *probe {
	rng := rand.New(rand.NewPCG(9, 10))
	var init, grads [][]float64
	for _, sh := range benchShapes {
		init = append(init, normals(rng, tensor.Shape(sh).TotalSize(), 0.05, dt))
		grads = append(grads, normals(rng, tensor.Shape(sh).TotalSize(), 1, dt))
	}
	p := newProbe(b, dt, benchShapes, init)
	p.run(b, grads)
	return p
}

// BenchmarkAdamStep times one Step over 784×400 + 400×20 parameters, after
// a first Step has allocated the moments.
func BenchmarkAdamStep(b *testing.B) {
	for _, dt := range dtypes {
		b.Run(dt.String(), func(b *testing.B) {
			p := benchProbe(b, dt)
			a, err := NewAdam(DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			if err := a.Step(p.params, 0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := a.Step(p.params, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGorgoniaAdamSolver times Gorgonia's AdamSolver on the same
// parameters, for comparison.
func BenchmarkGorgoniaAdamSolver(b *testing.B) {
	for _, dt := range dtypes {
		b.Run(dt.String(), func(b *testing.B) {
			p := benchProbe(b, dt)
			s := G.NewAdamSolver(G.WithLearnRate(1e-3))
			vg := G.NodesToValueGrads(p.params)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Step(vg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
