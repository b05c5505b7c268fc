package vae

import (
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/govae/govae/datasets"
)

// batcher deals batches of a set into a tensor of either dtype.
type batcher interface {
	next(x *tensor.Dense) (n int, ok bool)
	reset()
	len() int
}

type typedBatches[T datasets.Float] struct{ b *datasets.Batches[T] }

func (t typedBatches[T]) next(x *tensor.Dense) (int, bool) { return t.b.Next(x.Data().([]T), nil) }
func (t typedBatches[T]) reset()                           { t.b.Reset() }
func (t typedBatches[T]) len() int                         { return t.b.Len() }

func newBatcher(dt tensor.Dtype, set *datasets.Set, size int, view datasets.Binarization, rng *rand.Rand) batcher {
	if dt == tensor.Float32 {
		return typedBatches[float32]{datasets.NewBatches[float32](set, size, view, rng, false)}
	}
	return typedBatches[float64]{datasets.NewBatches[float64](set, size, view, rng, false)}
}

// scaleInto writes images lo..hi-1 of s, as grey levels in [0,1], into x.
func scaleInto(x *tensor.Dense, s *datasets.Set, lo, hi int) {
	switch d := x.Data().(type) {
	case []float32:
		datasets.Scale(d, s, lo, hi)
	case []float64:
		datasets.Scale(d, s, lo, hi)
	}
}
