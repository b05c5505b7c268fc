package lingauss

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/gx"
)

// Estimator is a bound, the estimator of its gradient, the samples per
// example and the KL weight β.
type Estimator struct {
	Objective elbo.Objective
	Estimator elbo.Estimator
	Samples   int
	Beta      float64
}

func (e Estimator) String() string {
	return fmt.Sprintf("%v/%v/L=%d/β=%g", e.Objective, e.Estimator, e.Samples, e.Beta)
}

// Gradients is a compiled graph that draws an estimator's gradient of
// Σ_b bound_b for the rows of x, with fresh noise from a seeded dist.Noise
// at each draw. The batch may hold copies of the rows, each with its own
// noise, so that one draw averages that many independent estimates (a run
// of a small graph costs far more than its arithmetic).
type Gradients struct {
	copies, rows int
	eps          *G.Node
	epsVal       *tensor.Dense
	noise        *dist.Noise
	vm           *gx.Machine
	params, n    int // parameter nodes, their entries (q's per row)
}

// stack returns copies of a's rows one under the other.
func stack(a mat.Matrix, copies int) *mat.Dense {
	r, c := a.Dims()
	s := mat.NewDense(r*copies, c, nil)
	for k := range copies {
		s.Slice(k*r, (k+1)*r, 0, c).(*mat.Dense).Copy(a)
	}
	return s
}

// NewGradients builds e's gradient for m at the rows of x with
// q = N(qMean, e^qLogVar), the batch repeated copies times, noise seeded
// with seed.
func NewGradients(m Model, x, qMean, qLogVar mat.Matrix, copies int, e Estimator, seed uint64) (*Gradients, error) {
	if copies < 1 {
		return nil, fmt.Errorf("lingauss: %d copies of the batch; want at least 1", copies)
	}
	g := G.NewGraph()
	rows, _ := x.Dims()
	in, params, err := m.Input(g, stack(x, copies), stack(qMean, copies), stack(qLogVar, copies), e.Samples)
	if err != nil {
		return nil, err
	}
	if e.Beta != 1 {
		in.Beta = G.NewScalar(g, tensor.Float64, G.WithName("beta"), G.WithValue(e.Beta))
	}
	sur, err := elbo.Build(e.Objective, e.Estimator, in)
	if err != nil {
		return nil, err
	}
	cost, err := G.Sum(sur.Target)
	if err != nil {
		return nil, err
	}
	grads, err := G.Grad(cost, params...)
	if err != nil {
		return nil, fmt.Errorf("lingauss: differentiating %v: %w", e, err)
	}
	gr := &Gradients{copies: copies, rows: rows, eps: in.Eps, noise: dist.NewNoise(seed), params: len(params)}
	gr.epsVal = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(in.Eps.Shape()...))
	for i := range grads {
		size := params[i].Shape().TotalSize()
		if i < 2 {
			size /= copies
		}
		gr.n += size
	}
	if gr.vm, err = gx.NewMachine(g, grads...); err != nil {
		return nil, err
	}
	return gr, nil
}

// Direct reports whether the graph runs on gx.Machine's own buffers
// rather than Gorgonia's tape.
func (gr *Gradients) Direct() bool { return gr.vm.Direct() }

// Len returns the number of parameters: q's mean and log-variance (n·dz
// each), then Wᵀ (dz·dx) and b (dx).
func (gr *Gradients) Len() int { return gr.n }

// Encoder returns the number of the encoder's parameters, which come first.
func (gr *Gradients) Encoder() int {
	return 2 * gr.rows * gr.eps.Shape()[1]
}

// Draw draws fresh noise and writes the gradient, averaged over the copies,
// into dst (of length Len).
func (gr *Gradients) Draw(dst []float64) error {
	if len(dst) != gr.n {
		return fmt.Errorf("lingauss: Draw into %d values, want %d", len(dst), gr.n)
	}
	if err := gr.noise.Fill(gr.epsVal); err != nil {
		return err
	}
	if err := G.Let(gr.eps, gr.epsVal); err != nil {
		return err
	}
	if err := gr.vm.Run(); err != nil {
		return err
	}
	out := dst[:0]
	for i := range gr.params {
		v := gr.vm.Value(i)
		d, ok := v.Data().([]float64)
		if !ok {
			return fmt.Errorf("lingauss: gradient %d is %T", i, v.Data())
		}
		if i < 2 { // q's parameters: one row per example and copy
			n := len(d) / gr.copies
			for j := range n {
				var s float64
				for c := range gr.copies {
					s += d[c*n+j]
				}
				out = append(out, s/float64(gr.copies))
			}
			continue
		}
		for _, x := range d {
			out = append(out, x/float64(gr.copies))
		}
	}
	return nil
}

// Close releases the machine.
func (gr *Gradients) Close() error { return gr.vm.Close() }
