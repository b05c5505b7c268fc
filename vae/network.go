package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/gx"
)

// Encoder builds q(z|x) for a (batch, dx) batch x on x's graph, taking its
// weights from p. Build a network of your own by implementing it (or with
// EncoderFunc): ask p for every weight by a name unique in the model.
type Encoder interface {
	Encode(p *Params, x *G.Node) (dist.Normal, error)
}

// Decoder builds p(x|z) for a (n, dz) batch of latents z on z's graph,
// taking its weights from p: a dist.Bernoulli for binary or grey-level
// pixels, a dist.Normal for continuous data.
type Decoder interface {
	Decode(p *Params, z *G.Node) (dist.LogProber, error)
}

// EncoderFunc makes a function an Encoder.
type EncoderFunc func(p *Params, x *G.Node) (dist.Normal, error)

// Encode calls f.
func (f EncoderFunc) Encode(p *Params, x *G.Node) (dist.Normal, error) { return f(p, x) }

// DecoderFunc makes a function a Decoder.
type DecoderFunc func(p *Params, z *G.Node) (dist.LogProber, error)

// Decode calls f.
func (f DecoderFunc) Decode(p *Params, z *G.Node) (dist.LogProber, error) { return f(p, z) }

// Activation is the nonlinearity between the layers of an MLP.
type Activation int

// The activations.
const (
	ReLU Activation = iota
	Tanh
)

var activationNames = []string{ReLU: "relu", Tanh: "tanh"}

// String returns "relu" or "tanh".
func (a Activation) String() string {
	if a < 0 || int(a) >= len(activationNames) {
		return fmt.Sprintf("Activation(%d)", int(a))
	}
	return activationNames[a]
}

// MarshalText returns the name of a.
func (a Activation) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(activationNames) {
		return nil, fmt.Errorf("vae: unknown activation %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText sets a from "relu" or "tanh".
func (a *Activation) UnmarshalText(text []byte) error {
	for i, name := range activationNames {
		if string(text) == name {
			*a = Activation(i)
			return nil
		}
	}
	return fmt.Errorf("vae: unknown activation %q: use relu or tanh", text)
}

// act is the activation as a gx.BiasAct argument.
func (a Activation) act() gx.Act {
	if a == Tanh {
		return gx.Tanh
	}
	return gx.ReLU
}

// MLP is a multilayer perceptron: affine layers of the Hidden sizes, each
// followed by Activation, then an affine output layer. Weights are
// initialised with Glorot, biases with zeros.
type MLP struct {
	Name       string // prefix of its parameters' names
	In         int    // input width
	Hidden     []int
	Activation Activation
}

// hidden applies the hidden layers to x.
func (m MLP) hidden(p *Params, b *gx.B, x *G.Node) (*G.Node, int, error) {
	width := m.In
	h := x
	for i, size := range m.Hidden {
		var err error
		if h, err = affine(p, b, h, fmt.Sprintf("%s.h%d", m.Name, i), width, size, Zeros, m.Activation.act()); err != nil {
			return nil, 0, err
		}
		width = size
	}
	return h, width, b.Err
}

// affine returns act(x·W + b) for the parameters name.W (in, out) and
// name.b (out,).
func affine(p *Params, b *gx.B, x *G.Node, name string, in, out int, biasInit Init, act gx.Act) (*G.Node, error) {
	w, err := p.Matrix(x.Graph(), name+".W", in, out, Glorot)
	if err != nil {
		return nil, err
	}
	bias, err := p.Vector(x.Graph(), name+".b", out, biasInit)
	if err != nil {
		return nil, err
	}
	return b.BiasAct(b.MatMul(x, w), bias, act), nil
}

// MLPEncoder is the default encoder: an MLP whose output layer gives the
// mean and the log-variance of a diagonal Gaussian q(z|x) of Latent
// dimensions (two heads on the last hidden layer).
type MLPEncoder struct {
	MLP
	Latent int
}

// Encode builds q(z|x).
func (e MLPEncoder) Encode(p *Params, x *G.Node) (dist.Normal, error) {
	if x.Shape().Dims() != 2 || x.Shape()[1] != e.In {
		return dist.Normal{}, fmt.Errorf("vae: %s: input of shape %v, want (batch, %d)", e.Name, x.Shape(), e.In)
	}
	var b gx.B
	h, width, err := e.hidden(p, &b, x)
	if err != nil {
		return dist.Normal{}, fmt.Errorf("vae: %s: %w", e.Name, err)
	}
	mean, err := affine(p, &b, h, e.Name+".mean", width, e.Latent, Zeros, gx.Identity)
	if err != nil {
		return dist.Normal{}, err
	}
	logVar, err := affine(p, &b, h, e.Name+".logvar", width, e.Latent, Zeros, gx.Identity)
	if err != nil {
		return dist.Normal{}, err
	}
	if b.Err != nil {
		return dist.Normal{}, fmt.Errorf("vae: %s: %w", e.Name, b.Err)
	}
	return dist.Normal{Mean: mean, LogVar: logVar}, nil
}

// BernoulliDecoder is the default decoder: an MLP from Latent to Out logits
// of a Bernoulli p(x|z) per pixel. OutputBias, if set, initialises the
// output layer's bias (Burda et al. start it at the logit of the mean
// training image); otherwise it starts at zero.
type BernoulliDecoder struct {
	MLP
	Out        int
	OutputBias []float64
}

// Decode builds p(x|z).
func (d BernoulliDecoder) Decode(p *Params, z *G.Node) (dist.LogProber, error) {
	var b gx.B
	logits, err := d.output(p, &b, z, d.Out, d.OutputBias)
	if err != nil {
		return nil, err
	}
	return dist.Bernoulli{Logits: logits}, nil
}

// output applies the hidden layers of m to a (n, In) batch z and then an
// affine output layer of out units, name.out, whose bias starts at bias
// (nil for zeros): the decoders' network.
func (m MLP) output(p *Params, b *gx.B, z *G.Node, out int, bias []float64) (*G.Node, error) {
	if z.Shape().Dims() != 2 || z.Shape()[1] != m.In {
		return nil, fmt.Errorf("vae: %s: latent of shape %v, want (n, %d)", m.Name, z.Shape(), m.In)
	}
	h, width, err := m.hidden(p, b, z)
	if err != nil {
		return nil, fmt.Errorf("vae: %s: %w", m.Name, err)
	}
	biasInit := Zeros
	if bias != nil {
		if len(bias) != out {
			return nil, fmt.Errorf("vae: %s: %d output biases for %d outputs", m.Name, len(bias), out)
		}
		biasInit = Values(bias)
	}
	y, err := affine(p, b, h, m.Name+".out", width, out, biasInit, gx.Identity)
	if err != nil {
		return nil, err
	}
	if b.Err != nil {
		return nil, fmt.Errorf("vae: %s: %w", m.Name, b.Err)
	}
	return y, nil
}

// GaussianDecoder is an MLP from Latent to a diagonal Gaussian p(x|z) over
// Out continuous values, with a mean head and a log-variance head.
type GaussianDecoder struct {
	MLP
	Out int
}

// Decode builds p(x|z).
func (d GaussianDecoder) Decode(p *Params, z *G.Node) (dist.LogProber, error) {
	enc := MLPEncoder{MLP: d.MLP, Latent: d.Out}
	q, err := enc.Encode(p, z)
	if err != nil {
		return nil, err
	}
	return q, nil
}
