package dist

import (
	"fmt"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// Noise is a seeded source of standard-normal noise for the
// reparameterisation trick. The same seed gives the same numbers, on every
// machine, in float32 and float64 alike (float32 values are the float64 draws
// rounded). It reads no clock. A Noise is not safe for concurrent use.
type Noise struct {
	src *rand.PCG
	rng *rand.Rand
}

// NewNoise returns a Noise seeded with seed.
func NewNoise(seed uint64) *Noise {
	src := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &Noise{src: src, rng: rand.New(src)}
}

// Fill overwrites every element of t, a dense float32 or float64 tensor, with
// independent standard-normal draws.
func (n *Noise) Fill(t tensor.Tensor) error {
	switch data := t.Data().(type) {
	case []float64:
		for i := range data {
			data[i] = n.rng.NormFloat64()
		}
	case []float32:
		for i := range data {
			data[i] = float32(n.rng.NormFloat64())
		}
	default:
		return fmt.Errorf("dist: Noise.Fill: tensor of dtype %v; only float32 and float64 are supported", t.Dtype())
	}
	return nil
}

// MarshalBinary returns the state of the source, so that a checkpointed run
// can continue the same stream.
func (n *Noise) MarshalBinary() ([]byte, error) {
	return n.src.MarshalBinary()
}

// UnmarshalBinary restores a state returned by MarshalBinary.
func (n *Noise) UnmarshalBinary(state []byte) error {
	if n.src == nil {
		*n = *NewNoise(0)
	}
	if err := n.src.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("dist: Noise: cannot restore state (%v); was it written by Noise.MarshalBinary?", err)
	}
	return nil
}

// Rand returns the underlying generator, for draws other than standard
// normals (Bernoulli binarisation, shuffles) that must follow the same
// seeded stream.
func (n *Noise) Rand() *rand.Rand {
	return n.rng
}
