package fastblas

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// stepLayer is one affine layer of a VAE step: rows examples (batch, or
// batch·K in an IWAE's decoder) from in to out units.
type stepLayer struct{ rows, in, out int }

// vaeStepLayers lists the affine layers of one training step of an MLP VAE
// with the given hidden sizes, latent size, batch and samples per example:
// the encoder, the two heads (mean and log-variance), the decoder.
func vaeStepLayers(input int, hidden []int, latent, batch, samples int) []stepLayer {
	var ls []stepLayer
	prev := input
	for _, h := range hidden {
		ls = append(ls, stepLayer{batch, prev, h})
		prev = h
	}
	ls = append(ls, stepLayer{batch, prev, latent}, stepLayer{batch, prev, latent})
	prev = latent
	for i := len(hidden) - 1; i >= 0; i-- {
		ls = append(ls, stepLayer{batch * samples, prev, hidden[i]})
		prev = hidden[i]
	}
	return append(ls, stepLayer{batch * samples, prev, input})
}

// BenchmarkStepProducts runs just the matrix products of one training step
// of each preset through Sgemm, in the order and shapes the trainer's
// graph has them: the forward product of every layer, the gradient of its
// weights, and the gradient of its input for every layer but the first
// (nothing needs the gradient for x). Its time is the floor a step cannot
// go below with these products; it reports their GFLOP and GFLOP/s.
func BenchmarkStepProducts(b *testing.B) {
	for _, p := range []struct {
		name   string
		layers []stepLayer
	}{
		{"pytorch-example", vaeStepLayers(784, []int{400}, 20, 128, 1)},
		{"burda-vae", vaeStepLayers(784, []int{200, 200}, 50, 20, 1)},
		{"burda-iwae-k5", vaeStepLayers(784, []int{200, 200}, 50, 20, 5)},
	} {
		b.Run(p.name, func(b *testing.B) {
			rnd := rand.New(rand.NewPCG(1, 2))
			type bufs struct{ x, w, y, dy, dw, dx []float32 }
			all := make([]bufs, len(p.layers))
			var flop float64
			for i, l := range p.layers {
				all[i] = bufs{
					x: randomMatrix[float32](l.rows, l.in, l.in, rnd), w: randomMatrix[float32](l.in, l.out, l.out, rnd),
					y: make([]float32, l.rows*l.out), dy: randomMatrix[float32](l.rows, l.out, l.out, rnd),
					dw: make([]float32, l.in*l.out), dx: make([]float32, l.rows*l.in),
				}
				flop += 2 * float64(l.rows*l.in*l.out) * 2
				if i > 0 {
					flop += 2 * float64(l.rows*l.in*l.out)
				}
			}
			impl := Implementation{}
			for b.Loop() {
				for i, l := range p.layers { // forward
					m := all[i]
					impl.Sgemm(blas.NoTrans, blas.NoTrans, l.rows, l.out, l.in, 1, m.x, l.in, m.w, l.out, 0, m.y, l.out)
				}
				for i := len(p.layers) - 1; i >= 0; i-- { // backward
					l, m := p.layers[i], all[i]
					impl.Sgemm(blas.Trans, blas.NoTrans, l.in, l.out, l.rows, 1, m.x, l.in, m.dy, l.out, 0, m.dw, l.out)
					if i > 0 {
						impl.Sgemm(blas.NoTrans, blas.Trans, l.rows, l.in, l.out, 1, m.dy, l.out, m.w, l.out, 0, m.dx, l.in)
					}
				}
			}
			b.ReportMetric(flop/1e9, "GFLOP/step")
			b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
