package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model joins an encoder q(z|x), a decoder p(x|z) and the prior p(z) =
// N(0, I) over Latent dimensions, with the parameters both networks draw
// their weights from.
type Model struct {
	Encoder Encoder
	Decoder Decoder
	Input   int // dimension of x
	Latent  int // dimension of z
	Params  *Params
}

// Arch describes the default MLP model: encoder and decoder with the same
// hidden sizes (the decoder's in reverse), a Gaussian q(z|x) and a
// Bernoulli p(x|z).
type Arch struct {
	Input      int        `json:"input"`
	Hidden     []int      `json:"hidden"`
	Latent     int        `json:"latent"`
	Activation Activation `json:"activation"`
	Dtype      string     `json:"dtype"` // "float32" or "float64"
	OutputBias []float64  `json:"-"`     // initial decoder output bias; nil for zeros
	Seed       uint64     `json:"seed"`  // seeds the initial weights
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
	if _, err := parseDtype(a.Dtype); err != nil {
		return err
	}
	return nil
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
	rev := make([]int, len(a.Hidden))
	for i, h := range a.Hidden {
		rev[len(a.Hidden)-1-i] = h
	}
	return &Model{
		Encoder: MLPEncoder{MLP: MLP{Name: "encoder", In: a.Input, Hidden: a.Hidden, Activation: a.Activation}, Latent: a.Latent},
		Decoder: BernoulliDecoder{MLP: MLP{Name: "decoder", In: a.Latent, Hidden: rev, Activation: a.Activation}, Out: a.Input, OutputBias: a.OutputBias},
		Input:   a.Input,
		Latent:  a.Latent,
		Params:  p,
	}, nil
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

// materialize builds the encoder and decoder once on a scratch graph, so
// that every parameter exists (networks create their weights when first
// built), then drops the graph.
func (m *Model) materialize() error {
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
	return nil
}
