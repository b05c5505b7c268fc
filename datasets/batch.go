package datasets

import (
	"fmt"
	"math/rand/v2"
)

// Float is the element type of a batch.
type Float interface{ ~float32 | ~float64 }

// Batches deals a set out in shuffled batches, epoch after epoch, filling
// buffers the caller owns: it allocates nothing per batch.
//
//	it := datasets.NewBatches[float32](train, 100, datasets.Dynamic, rng, true)
//	x, y := make([]float32, 100*train.Dim()), make([]uint8, 100)
//	for epoch := 0; epoch < epochs; epoch++ {
//		for n, ok := it.Next(x, y); ok; n, ok = it.Next(x, y) {
//			// train on x[:n*train.Dim()] and y[:n]
//		}
//		it.Reset()
//	}
//
// All its randomness (the static binarisation, the shuffles, the dynamic
// draws) comes from the rng it is given, so the same seed gives the same
// batches bit for bit. Batches is not safe for concurrent use.
type Batches[T Float] struct {
	set      *Set
	size     int
	view     Binarization
	rng      *rand.Rand
	dropLast bool
	fixed    bool    // KeepOrder: Reset deals the same order again
	order    []int32 // the images of this epoch, in the order dealt
	next     int     // index in order of the next image to deal
	scale    [256]T  // scale[x] = x/255
}

// NewBatches returns batches of size images of set, seen through view, in an
// order shuffled with rng. With dropLast, an epoch ends before a last batch
// of fewer than size images; without, that short batch is dealt too. For
// the Static view the set is binarised once, with [Set.Binarize] and a seed
// drawn from rng, and the binarised copy is held for the life of the
// Batches. NewBatches panics if set is empty, size is not positive, rng is
// nil or view is unknown.
func NewBatches[T Float](set *Set, size int, view Binarization, rng *rand.Rand, dropLast bool) *Batches[T] {
	switch {
	case set == nil || set.Len() == 0:
		panic("datasets: NewBatches of an empty set")
	case size <= 0:
		panic(fmt.Sprintf("datasets: NewBatches with batch size %d", size))
	case rng == nil:
		panic("datasets: NewBatches with a nil rng")
	case view < Grey || view > Dynamic:
		panic(fmt.Sprintf("datasets: NewBatches with unknown view %v", view))
	}
	if view != Grey {
		mustUnitInterval(set)
	}
	if view == Static {
		set = set.Binarize(rng.Uint64())
	}
	b := &Batches[T]{set: set, size: size, view: view, rng: rng, dropLast: dropLast,
		order: make([]int32, set.Len())}
	for x := range b.scale {
		b.scale[x] = T(x) / 255
	}
	b.shuffle()
	return b
}

// Len returns the number of batches in an epoch.
func (b *Batches[T]) Len() int {
	if b.dropLast {
		return len(b.order) / b.size
	}
	return (len(b.order) + b.size - 1) / b.size
}

// Next fills x with the next batch of examples, one after the other, each
// as Dim() values (in [0,1] for bytes, exactly 0 or 1 for the Static and
// Dynamic views), and labels, unless it is nil, with their labels. It
// returns the number n of examples filled; only x[:n*Dim()] and labels[:n]
// are written. At the end of the epoch it returns ok == false, and keeps
// doing so until [Batches.Reset]. Next panics if x or a non-nil labels is
// too short for a full batch, or if labels are asked of an unlabelled set.
func (b *Batches[T]) Next(x []T, labels []uint8) (n int, ok bool) {
	d := b.set.Dim()
	if len(x) < b.size*d || (labels != nil && len(labels) < b.size) {
		panic(fmt.Sprintf("datasets: Next with %d values and %d labels for a batch of %d examples of %d values",
			len(x), len(labels), b.size, d))
	}
	if labels != nil && b.set.Labels == nil {
		panic("datasets: Next asked for the labels of an unlabelled set; pass nil labels")
	}
	n = min(b.size, len(b.order)-b.next)
	if n == 0 || (b.dropLast && n < b.size) {
		return 0, false
	}
	for k, i := range b.order[b.next : b.next+n] {
		dst := x[k*d : (k+1)*d]
		switch {
		case b.set.Values != nil && b.view == Dynamic:
			drawValues(dst, b.set.Values[int(i)*d:int(i+1)*d], 1, b.rng)
		case b.set.Values != nil:
			for j, v := range b.set.Values[int(i)*d : int(i+1)*d] {
				dst[j] = T(v)
			}
		case b.view == Dynamic:
			drawLevels(dst, b.set.Pixels[int(i)*d:int(i+1)*d], 1, b.rng)
		default:
			for j, v := range b.set.Pixels[int(i)*d : int(i+1)*d] {
				dst[j] = b.scale[v]
			}
		}
		if labels != nil {
			labels[k] = b.set.Labels[i]
		}
	}
	b.next += n
	return n, true
}

// Reset starts a new epoch, in a fresh order shuffled with the rng, or in
// the same order again after [Batches.KeepOrder].
func (b *Batches[T]) Reset() {
	if !b.fixed {
		b.shuffle()
	}
	b.next = 0
}

// KeepOrder makes every later epoch deal the order drawn by NewBatches:
// the same batches, in the same order, every epoch, as Hinton's and
// Salakhutdinov's makebatches.m deals MNIST (one random permutation, cut
// into fixed batches). The order then depends on the rng's state when
// NewBatches was called, not on its state at Reset, and Reset draws
// nothing from it (the Dynamic view still draws every pixel afresh).
func (b *Batches[T]) KeepOrder() { b.fixed = true }

// Set returns the set dealt: the one given to [NewBatches], or its
// binarised copy for the Static view.
func (b *Batches[T]) Set() *Set { return b.set }

// shuffle draws a uniformly random order of the images with rng. It starts
// from the identity, not from the last epoch's order, so that an epoch's
// order depends on the state of rng alone: a run resumed from a checkpoint
// of that state deals the same batches as the run that made it.
func (b *Batches[T]) shuffle() {
	for i := range b.order {
		b.order[i] = int32(i)
	}
	b.rng.Shuffle(len(b.order), func(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] })
}

// Scale writes examples lo..hi-1 of s into x, in order, as Dim() values
// each: byte levels scaled to [0,1] (level / 255), Values as they are. It is
// the unshuffled, unbinarised view, for evaluation and plots. It panics if
// the range is not in the set or x is too short.
func Scale[T Float](x []T, s *Set, lo, hi int) {
	d := s.Dim()
	if lo < 0 || hi < lo || hi > s.Len() || len(x) < (hi-lo)*d {
		panic(fmt.Sprintf("datasets: Scale of examples [%d,%d) of %d into %d values", lo, hi, s.Len(), len(x)))
	}
	if s.Values != nil {
		for j, v := range s.Values[lo*d : hi*d] {
			x[j] = T(v)
		}
		return
	}
	for j, v := range s.Pixels[lo*d : hi*d] {
		x[j] = T(v) / 255
	}
}
