package vae

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
)

// Gradients draws, again and again with fresh noise, the gradient a
// trainer would follow on one fixed batch: what measuring an estimator's
// signal-to-noise ratio on a trained model takes (elbo.SNR). Each draw is
// the gradient of the batch's mean negative bound with respect to every
// parameter, as the optimiser receives it, from the same graph a Trainer
// builds (with β = 1).
type Gradients struct {
	model *Model
	bg    *batchGraph
	noise *dist.Noise
	n     int
}

// NewGradients prepares to draw the gradient of cfg's bound, estimated as
// cfg.Estimator says (only Objective, Estimator, Samples, Groups and
// CIWAEBeta are read), for m on all the images of set, scaled to [0, 1]
// (binarise set first for a model of binary images), with noise seeded by
// seed.
func NewGradients(m *Model, cfg Config, set *datasets.Set, seed uint64) (*Gradients, error) {
	if err := cfg.validateBound(); err != nil {
		return nil, err
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	if set == nil || set.Len() == 0 || set.Dim() != m.Input {
		return nil, fmt.Errorf("vae: gradients: need a non-empty set of images of %d pixels", m.Input)
	}
	if err := elbo.CheckModel(cfg.Bound(), cfg.Estimator, len(m.Upper)+1); err != nil {
		return nil, fmt.Errorf("vae: %w", err)
	}
	bg, err := buildGraph(m, cfg.Bound(), cfg.Estimator, set.Len(), cfg.draws(), true, false)
	if err != nil {
		return nil, err
	}
	scaleInto(bg.xT, set, 0, set.Len())
	gr := &Gradients{model: m, bg: bg, noise: dist.NewNoise(seed)}
	for _, p := range bg.params {
		gr.n += p.Shape().TotalSize()
	}
	return gr, nil
}

// Len returns the number of values a draw writes: every parameter's
// entries, in the order of Names.
func (gr *Gradients) Len() int { return gr.n }

// Names returns the parameters' names and sizes, in the order of a draw.
func (gr *Gradients) Names() (names []string, sizes []int) {
	for _, p := range gr.bg.params {
		names = append(names, p.Name())
		sizes = append(sizes, p.Shape().TotalSize())
	}
	return names, sizes
}

// Draw draws fresh noise and writes the gradient into dst, of length Len.
func (gr *Gradients) Draw(dst []float64) error {
	if len(dst) != gr.n {
		return fmt.Errorf("vae: Gradients.Draw into %d values, want %d", len(dst), gr.n)
	}
	if err := gr.bg.fillNoise(gr.noise); err != nil {
		return err
	}
	if err := gr.bg.run(); err != nil {
		return err
	}
	off := 0
	for _, g := range gr.bg.gradients() {
		t, ok := g.(tensor.Tensor)
		if !ok {
			return fmt.Errorf("vae: a gradient of type %T", g)
		}
		n := t.Shape().TotalSize()
		floatsInto(dst[off:off+n], t)
		off += n
	}
	return nil
}

// Close releases the graph.
func (gr *Gradients) Close() { gr.bg.close() }
