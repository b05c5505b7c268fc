package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model joins an encoder q(z|x), a decoder p(x|z) and the prior p(z) =
// N(0, I) over Latent dimensions, with the parameters both networks draw
// their weights from.
//
// A hierarchical model with L stochastic layers h1, …, hL adds the layers
// above the first in Upper: then z is h1, Encoder gives q(h1|x), Decoder
// p(x|h1), each Layer the conditionals q(h_l|h_l−1) and p(h_l−1|h_l), and
// the prior N(0, I) is over the top layer hL. A model without Upper layers
// is the one-layer VAE.
type Model struct {
	Encoder Encoder
	Decoder Decoder
	Input   int // dimension of x
	Latent  int // dimension of z (of h1 in a hierarchical model)
	Upper   []Layer
	Params  *Params
}

// Layer is stochastic layer l ≥ 2 of a hierarchical model: two networks
// that each give a diagonal Gaussian, built like an Encoder (MLPEncoder, or
// a network of your own).
type Layer struct {
	Infer    Encoder // q(h_l | h_l−1), from the layer below
	Generate Encoder // p(h_l−1 | h_l), over the layer below, from this one
	Latent   int     // dimension of h_l
}

// Latents returns the dimensions of the stochastic layers, h1 first.
func (m *Model) Latents() []int {
	d := []int{m.Latent}
	for _, l := range m.Upper {
		d = append(d, l.Latent)
	}
	return d
}

// check reports a model that cannot be built.
func (m *Model) check() error {
	if m == nil || m.Encoder == nil || m.Decoder == nil || m.Params == nil {
		return fmt.Errorf("vae: the model needs an encoder, a decoder and parameters")
	}
	for i, l := range m.Upper {
		if l.Infer == nil || l.Generate == nil || l.Latent < 1 {
			return fmt.Errorf("vae: stochastic layer %d needs Infer and Generate networks and a positive Latent dimension", i+2)
		}
	}
	return nil
}

// Arch describes the default MLP model: encoder and decoder with the same
// hidden sizes (the decoder's in reverse), a Gaussian q(z|x) and p(x|z) of
// the Likelihood (a Bernoulli unless said otherwise).
type Arch struct {
	Input      int        `json:"input"`
	Hidden     []int      `json:"hidden"`
	Latent     int        `json:"latent"`
	Activation Activation `json:"activation"`
	Dtype      string     `json:"dtype"`               // "float32" or "float64"
	OutputBias []float64  `json:"-"`                   // initial decoder output bias; nil for zeros
	Likelihood Likelihood `json:"likelihood,omitzero"` // p(x|z); the zero value, left out of the JSON, is the Bernoulli
	Seed       uint64     `json:"seed"`                // seeds the initial weights
	// Upper are the stochastic layers above the first, bottom up, for a
	// hierarchical model; none for the one-layer VAE.
	Upper []LayerArch `json:"upper,omitempty"`
}

// LayerArch describes stochastic layer l ≥ 2 of the default MLP model:
// q(h_l|h_l−1) is an MLP of the Hidden sizes from h_l−1 with a mean head and
// a log-variance head, and p(h_l−1|h_l) mirrors it (the Hidden sizes in
// reverse), with the Activation of the model. Burda et al.'s two-layer
// model has Latent 100 and Upper {Hidden: [100, 100], Latent: 50}.
type LayerArch struct {
	Hidden []int `json:"hidden"`
	Latent int   `json:"latent"`
}

// Validate reports the first field of a that is out of range.
func (a Arch) Validate() error {
	switch {
	case a.Input < 1:
		return fmt.Errorf("vae: input dimension %d: must be positive", a.Input)
	case a.Latent < 1:
		return fmt.Errorf("vae: latent dimension %d: must be positive", a.Latent)
	case a.Activation != ReLU && a.Activation != Tanh:
		return fmt.Errorf("vae: unknown activation %v", a.Activation)
	}
	for _, h := range a.Hidden {
		if h < 1 {
			return fmt.Errorf("vae: hidden layer of %d units: sizes must be positive", h)
		}
	}
	for i, l := range a.Upper {
		if l.Latent < 1 {
			return fmt.Errorf("vae: stochastic layer %d: latent dimension %d: must be positive", i+2, l.Latent)
		}
		for _, h := range l.Hidden {
			if h < 1 {
				return fmt.Errorf("vae: stochastic layer %d: hidden layer of %d units: sizes must be positive", i+2, h)
			}
		}
	}
	if _, err := parseDtype(a.Dtype); err != nil {
		return err
	}
	return a.Likelihood.Validate()
}

// NewMLP returns the default model described by a, its weights drawn from
// a.Seed.
func NewMLP(a Arch) (*Model, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	dt, _ := parseDtype(a.Dtype)
	p, err := NewParams(dt, a.Seed)
	if err != nil {
		return nil, err
	}
	m := &Model{
		Encoder: MLPEncoder{MLP: MLP{Name: "encoder", In: a.Input, Hidden: a.Hidden, Activation: a.Activation}, Latent: a.Latent},
		Decoder: a.Likelihood.decoder(a.Latent, reversed(a.Hidden), a.Activation, a.Input, a.OutputBias),
		Input:   a.Input,
		Latent:  a.Latent,
		Params:  p,
	}
	below := a.Latent
	for i, l := range a.Upper {
		// Layer l's networks are named encoder<l> and decoder<l>; those of
		// the first layer keep the names of the one-layer model.
		m.Upper = append(m.Upper, Layer{
			Infer:    MLPEncoder{MLP: MLP{Name: fmt.Sprintf("encoder%d", i+2), In: below, Hidden: l.Hidden, Activation: a.Activation}, Latent: l.Latent},
			Generate: MLPEncoder{MLP: MLP{Name: fmt.Sprintf("decoder%d", i+2), In: l.Latent, Hidden: reversed(l.Hidden), Activation: a.Activation}, Latent: below},
			Latent:   l.Latent,
		})
		below = l.Latent
	}
	return m, nil
}

// reversed returns the sizes in reverse order, in a new slice.
func reversed(sizes []int) []int {
	rev := make([]int, len(sizes))
	for i, h := range sizes {
		rev[len(sizes)-1-i] = h
	}
	return rev
}

func parseDtype(s string) (tensor.Dtype, error) {
	switch s {
	case "float32":
		return tensor.Float32, nil
	case "float64":
		return tensor.Float64, nil
	}
	return tensor.Dtype{}, fmt.Errorf("vae: dtype %q: use float32 or float64", s)
}

// materialize builds the encoder and decoder (and the networks of the
// layers above the first) once on a scratch graph, so that every parameter
// exists (networks create their weights when first built) in the order a
// training graph creates them, then drops the graph.
func (m *Model) materialize() error {
	if err := m.check(); err != nil {
		return err
	}
	if len(m.Params.order) > 0 {
		return nil
	}
	g := G.NewGraph()
	defer m.Params.forget(g)
	dt := m.Params.Dtype()
	x := G.NewMatrix(g, dt, G.WithShape(1, m.Input), G.WithName("x"))
	if _, err := m.Encoder.Encode(m.Params, x); err != nil {
		return fmt.Errorf("vae: building the encoder: %w", err)
	}
	z := G.NewMatrix(g, dt, G.WithShape(1, m.Latent), G.WithName("z"))
	if _, err := m.Decoder.Decode(m.Params, z); err != nil {
		return fmt.Errorf("vae: building the decoder: %w", err)
	}
	below := m.Latent
	for i, l := range m.Upper {
		h := G.NewMatrix(g, dt, G.WithShape(1, below), G.WithName(fmt.Sprintf("h%d", i+1)))
		if _, err := l.Infer.Encode(m.Params, h); err != nil {
			return fmt.Errorf("vae: building q(h%d|h%d): %w", i+2, i+1, err)
		}
		above := G.NewMatrix(g, dt, G.WithShape(1, l.Latent), G.WithName(fmt.Sprintf("h%d", i+2)))
		if _, err := l.Generate.Encode(m.Params, above); err != nil {
			return fmt.Errorf("vae: building p(h%d|h%d): %w", i+1, i+2, err)
		}
		below = l.Latent
	}
	return nil
}
