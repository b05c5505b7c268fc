package datasets

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0)) }

// epochs deals e epochs of it and returns every batch and label batch,
// copied, one after the other (no labels for an unlabelled set).
func epochs[T Float](it *Batches[T], dim, size, e int) (xs []T, ys []uint8) {
	x, y := make([]T, size*dim), make([]uint8, size)
	if it.Set().Labels == nil {
		y = nil
	}
	for range e {
		for n, ok := it.Next(x, y); ok; n, ok = it.Next(x, y) {
			xs = append(xs, x[:n*dim]...)
			if y != nil {
				ys = append(ys, y[:n]...)
			}
		}
		it.Reset()
	}
	return xs, ys
}

func TestBatchesCoverEachEpoch(t *testing.T) {
	s := fixture(23, 2, 3)
	d := s.Dim()
	want := make([]float32, len(s.Pixels))
	Scale(want, s, 0, s.Len())
	first := map[float32]int{} // image i is the only one whose first pixel is (7i mod 256)/255
	for i := range s.Len() {
		first[want[i*d]] = i
	}
	for _, dropLast := range []bool{false, true} {
		it := NewBatches[float32](s, 5, Grey, newRand(1), dropLast)
		wantSizes, wantLen := []int{5, 5, 5, 5, 3}, 5
		if dropLast {
			wantSizes, wantLen = []int{5, 5, 5, 5}, 4
		}
		if it.Len() != wantLen {
			t.Errorf("dropLast %v: Len() = %d, want %d", dropLast, it.Len(), wantLen)
		}
		x, y := make([]float32, 5*d), make([]uint8, 5)
		var orders [][]int
		for epoch := range 3 {
			var sizes, order []int
			for n, ok := it.Next(x, y); ok; n, ok = it.Next(x, y) {
				sizes = append(sizes, n)
				for k := range n {
					i, found := first[x[k*d]]
					if !found || !slices.Equal(x[k*d:(k+1)*d], want[i*d:(i+1)*d]) || y[k] != s.Labels[i] {
						t.Fatalf("epoch %d: batch image %d is no image of the set with its label", epoch, k)
					}
					order = append(order, i)
				}
			}
			if !slices.Equal(sizes, wantSizes) {
				t.Errorf("dropLast %v, epoch %d: batch sizes %v, want %v", dropLast, epoch, sizes, wantSizes)
			}
			if _, ok := it.Next(x, y); ok {
				t.Errorf("epoch %d: Next after the end of the epoch gave a batch", epoch)
			}
			seen := slices.Sorted(slices.Values(order))
			if !dropLast && !slices.Equal(seen, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22}) {
				t.Errorf("epoch %d: images dealt %v, want each of 0..22 once", epoch, seen)
			}
			if len(slices.Compact(seen)) != len(order) {
				t.Errorf("epoch %d: an image was dealt twice: %v", epoch, order)
			}
			orders = append(orders, order)
			it.Reset()
		}
		if slices.Equal(orders[0], orders[1]) || slices.Equal(orders[1], orders[2]) {
			t.Errorf("dropLast %v: an epoch repeated the order of the one before: %v", dropLast, orders)
		}
	}
}

func TestBatchesSameSeedSameBatches(t *testing.T) {
	s := fixture(37, 4, 4)
	for _, view := range []Binarization{Grey, Static, Dynamic} {
		t.Run(view.String(), func(t *testing.T) {
			a, la := epochs(NewBatches[float32](s, 8, view, newRand(7), false), s.Dim(), 8, 3)
			b, lb := epochs(NewBatches[float32](s, 8, view, newRand(7), false), s.Dim(), 8, 3)
			c, _ := epochs(NewBatches[float32](s, 8, view, newRand(8), false), s.Dim(), 8, 3)
			if !slices.Equal(a, b) || !slices.Equal(la, lb) {
				t.Error("seed 7 twice gave different batches")
			}
			if slices.Equal(a, c) {
				t.Error("seeds 7 and 8 gave the same batches")
			}
			d, ld := epochs(NewBatches[float64](s, 8, view, newRand(7), false), s.Dim(), 8, 3)
			if !slices.Equal(la, ld) {
				t.Error("float64 batches dealt other images than float32 ones")
			}
			for i := range a {
				if float64(a[i]) != float64(float32(d[i])) {
					t.Fatalf("value %d: float32 %v, float64 %v", i, a[i], d[i])
				}
			}
		})
	}
}

// imagesByLabel returns the dealt images grouped by label (unique labels
// make this by image).
func imagesByLabel[T Float](xs []T, ys []uint8, dim int) map[uint8][][]T {
	m := map[uint8][][]T{}
	for k, l := range ys {
		m[l] = append(m[l], xs[k*dim:(k+1)*dim])
	}
	return m
}

// uniqueLabels returns n images of dim pixels of grey level x, labelled 0..n-1.
func uniqueLabels(n, dim int, x uint8) *Set {
	s := &Set{Pixels: make([]uint8, n*dim), Labels: make([]uint8, n), Rows: 1, Cols: dim}
	for i := range s.Pixels {
		s.Pixels[i] = x
	}
	for i := range s.Labels {
		s.Labels[i] = uint8(i)
	}
	return s
}

func TestBatchesStaticAndDynamic(t *testing.T) {
	const n, dim, size, e = 10, 100, 4, 2000
	p := 77.0 / 255
	s := uniqueLabels(n, dim, 77)
	for _, view := range []Binarization{Static, Dynamic} {
		xs, ys := epochs(NewBatches[float64](s, size, view, newRand(3), false), dim, size, e)
		ones := 0
		for _, v := range xs {
			if v != 0 && v != 1 {
				t.Fatalf("%v: value %v, want 0 or 1", view, v)
			}
			ones += int(v)
		}
		byImage := imagesByLabel(xs, ys, dim)
		for l, seen := range byImage {
			if len(seen) != e {
				t.Fatalf("%v: image %d dealt %d times in %d epochs", view, l, len(seen), e)
			}
			same := slices.Equal(seen[0], seen[1])
			if view == Static && !same {
				t.Errorf("static: image %d binarised differently in epochs 1 and 2", l)
			}
			if view == Dynamic && same {
				t.Errorf("dynamic: image %d binarised the same in epochs 1 and 2", l)
			}
		}
		switch view {
		case Static:
			// One draw per pixel: n·dim draws.
			checkFrequency(t, "static", ones/e, n*dim, p)
		case Dynamic:
			checkFrequency(t, "dynamic", ones, len(xs), p)
		}
	}
	// Levels 0 and 255 are 0 and 1 in every view.
	for _, x := range []uint8{0, 255} {
		for _, view := range []Binarization{Grey, Static, Dynamic} {
			xs, _ := epochs(NewBatches[float32](uniqueLabels(3, 5, x), 2, view, newRand(1), false), 5, 2, 2)
			for _, v := range xs {
				if v != float32(x)/255 {
					t.Fatalf("%v: level %d gave %v", view, x, v)
				}
			}
		}
	}
}

func TestBatchesStaticSet(t *testing.T) {
	s := fixture(9, 3, 3)
	it := NewBatches[float32](s, 9, Static, newRand(5), true)
	b := it.Set()
	if b == s || b.Len() != s.Len() {
		t.Fatal("Static view did not deal a binarised copy")
	}
	for _, v := range b.Pixels {
		if v != 0 && v != 255 {
			t.Fatalf("Static view deals pixel level %d", v)
		}
	}
	if NewBatches[float32](s, 9, Grey, newRand(5), true).Set() != s {
		t.Error("Grey view does not deal the set itself")
	}
}

func TestBatchesAllocateNothing(t *testing.T) {
	s := fixture(64, 5, 5)
	for _, view := range []Binarization{Grey, Static, Dynamic} {
		it := NewBatches[float32](s, 10, view, newRand(1), true)
		x, y := make([]float32, 10*s.Dim()), make([]uint8, 10)
		allocs := testing.AllocsPerRun(100, func() {
			if _, ok := it.Next(x, y); !ok {
				it.Reset()
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per batch, want 0", view, allocs)
		}
	}
}

func TestBatchesNilLabels(t *testing.T) {
	s := fixture(6, 2, 2)
	a, _ := epochs(NewBatches[float32](s, 4, Grey, newRand(2), false), 4, 4, 1)
	it := NewBatches[float32](s, 4, Grey, newRand(2), false)
	x := make([]float32, 16)
	var b []float32
	for n, ok := it.Next(x, nil); ok; n, ok = it.Next(x, nil) {
		b = append(b, x[:n*4]...)
	}
	if !slices.Equal(a, b) {
		t.Error("batches without labels differ from batches with")
	}
}

func TestBatchesPanics(t *testing.T) {
	s := fixture(6, 2, 2)
	it := NewBatches[float32](s, 4, Grey, newRand(1), false)
	tests := map[string]func(){
		"empty set":    func() { NewBatches[float32](&Set{Rows: 2, Cols: 2}, 4, Grey, newRand(1), false) },
		"nil set":      func() { NewBatches[float32](nil, 4, Grey, newRand(1), false) },
		"size 0":       func() { NewBatches[float32](s, 0, Grey, newRand(1), false) },
		"nil rng":      func() { NewBatches[float32](s, 4, Grey, nil, false) },
		"unknown view": func() { NewBatches[float32](s, 4, Binarization(9), newRand(1), false) },
		"short x":      func() { it.Next(make([]float32, 15), make([]uint8, 4)) },
		"short labels": func() { it.Next(make([]float32, 16), make([]uint8, 3)) },
		"scale range":  func() { Scale(make([]float32, 100), s, 2, 7) },
		"scale short":  func() { Scale(make([]float32, 7), s, 0, 2) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg := fmt.Sprint(r); r == nil || msg[:10] != "datasets: " {
					t.Errorf("got panic %v, want one prefixed with the package", r)
				}
			}()
			f()
		})
	}
}

func TestScale(t *testing.T) {
	s := fixture(4, 16, 16) // every level 0..255 appears
	x := make([]float64, 2*s.Dim()+1)
	x[len(x)-1] = -1
	Scale(x, s, 1, 3)
	for j, v := range s.Pixels[s.Dim() : 3*s.Dim()] {
		if x[j] != float64(v)/255 {
			t.Fatalf("pixel %d: %v, want %d/255", j, x[j], v)
		}
	}
	if x[len(x)-1] != -1 {
		t.Error("Scale wrote past the images asked for")
	}
}

func TestSplit(t *testing.T) {
	s := fixture(10, 2, 2)
	for _, n := range []int{0, 3, 10} {
		head, tail := s.Split(n)
		if head.Len() != n || tail.Len() != 10-n ||
			!slices.Equal(head.Pixels, s.Pixels[:4*n]) || !slices.Equal(tail.Pixels, s.Pixels[4*n:]) ||
			!slices.Equal(head.Labels, s.Labels[:n]) || !slices.Equal(tail.Labels, s.Labels[n:]) {
			t.Errorf("Split(%d): %d + %d images, not the set's", n, head.Len(), tail.Len())
		}
	}
	head, tail := s.Split(6)
	before := slices.Clone(tail.Pixels)
	_ = append(head.Pixels, 99, 99, 99, 99)
	_ = append(head.Labels, 99)
	if !slices.Equal(tail.Pixels, before) || tail.Labels[0] != s.Labels[6] {
		t.Error("appending to the head overwrote the tail")
	}
	for _, n := range []int{-1, 11} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Split(%d) of 10 did not panic", n)
				}
			}()
			s.Split(n)
		}()
	}
}

func TestImage(t *testing.T) {
	s := fixture(3, 2, 3)
	img := s.Image(2)
	if b := img.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
		t.Fatalf("bounds %v, want 3×2", b)
	}
	for y := range 2 {
		for x := range 3 {
			if got, want := img.GrayAt(x, y).Y, s.Pixels[2*6+y*3+x]; got != want {
				t.Errorf("(%d,%d): %d, want %d", x, y, got, want)
			}
		}
	}
}

// BenchmarkEpoch deals one epoch of the MNIST training set in batches of
// 128 float32 images, per view.
func BenchmarkEpoch(b *testing.B) {
	train, _ := realMNIST(b)
	for _, view := range []Binarization{Grey, Static, Dynamic} {
		b.Run(view.String(), func(b *testing.B) {
			it := NewBatches[float32](train, 128, view, newRand(1), true)
			x, y := make([]float32, 128*train.Dim()), make([]uint8, 128)
			b.ReportAllocs()
			for b.Loop() {
				for _, ok := it.Next(x, y); ok; _, ok = it.Next(x, y) {
				}
				it.Reset()
			}
		})
	}
}

// TestBatchesOrderDependsOnRNGStateOnly checks what resuming from a
// checkpoint relies on: after Reset, the order dealt depends only on the
// state of the rng, not on the orders of earlier epochs.
func TestBatchesOrderDependsOnRNGStateOnly(t *testing.T) {
	set := fixture(37, 2, 3)
	srcA := rand.NewPCG(5, 6)
	a := NewBatches[float32](set, 8, Dynamic, rand.New(srcA), false)
	x := make([]float32, 8*set.Dim())
	for epoch := 0; epoch < 3; epoch++ {
		for _, ok := a.Next(x, nil); ok; _, ok = a.Next(x, nil) {
		}
		a.Reset()
	}
	// A fresh Batches whose rng is given the state a's had before its last Reset.
	srcB := rand.NewPCG(5, 6)
	b := NewBatches[float32](set, 8, Dynamic, rand.New(srcB), false)
	for _, ok := b.Next(x, nil); ok; _, ok = b.Next(x, nil) {
	}
	state, err := srcA.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Replay: one more epoch on a, and the same from the saved state on b.
	la, lb := make([]uint8, 8), make([]uint8, 8)
	if err := srcB.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	a.Reset()
	b.Reset()
	xa, xb := make([]float32, 8*set.Dim()), make([]float32, 8*set.Dim())
	for {
		na, oka := a.Next(xa, la)
		nb, okb := b.Next(xb, lb)
		if na != nb || oka != okb {
			t.Fatalf("batches differ in size: %d/%v vs %d/%v", na, oka, nb, okb)
		}
		if !oka {
			break
		}
		if !slices.Equal(xa, xb) || !slices.Equal(la, lb) {
			t.Fatal("same rng state, different batches")
		}
	}
}

// TestBatchesKeepOrder checks that after KeepOrder every epoch deals the
// images of NewBatches's order in that order, that Reset then draws
// nothing from the rng, and that the dynamic view still draws every pixel
// afresh.
func TestBatchesKeepOrder(t *testing.T) {
	const n, size = 23, 5
	set := uniqueLabels(n, 4, 128)
	for _, view := range []Binarization{Grey, Dynamic} {
		t.Run(view.String(), func(t *testing.T) {
			shuffled := NewBatches[float32](set, size, view, newRand(3), true)
			kept := NewBatches[float32](set, size, view, newRand(3), true)
			kept.KeepOrder()
			xs, ys := epochs(kept, set.Dim(), size, 3)
			per := len(ys) / 3
			if per != n/size*size {
				t.Fatalf("%d images per epoch, want %d", per, n/size*size)
			}
			_, first := epochs(shuffled, set.Dim(), size, 1)
			for e := range 3 {
				if got := ys[e*per : (e+1)*per]; !slices.Equal(got, first) {
					t.Fatalf("epoch %d dealt images %v, want the first epoch's %v", e+1, got, first)
				}
			}
			_, again := epochs(shuffled, set.Dim(), size, 1)
			if slices.Equal(again, first) {
				t.Fatal("without KeepOrder the second epoch repeated the first's order (the test cannot tell the two apart)")
			}
			d := per * set.Dim()
			sameValues := slices.Equal(xs[:d], xs[d:2*d])
			if view == Dynamic && sameValues {
				t.Error("Dynamic view with KeepOrder drew the same pixels in two epochs")
			}
			if view == Grey && !sameValues {
				t.Error("Grey view with KeepOrder dealt other values in the second epoch")
			}
		})
	}
	// Reset draws nothing: after three kept epochs of the grey view, the rng
	// is where NewBatches left it.
	rng := newRand(4)
	b := NewBatches[float32](set, size, Grey, rng, true)
	b.KeepOrder()
	epochs(b, set.Dim(), size, 3)
	ref := newRand(4)
	NewBatches[float32](set, size, Grey, ref, true)
	if rng.Uint64() != ref.Uint64() {
		t.Error("Reset drew from the rng after KeepOrder")
	}
}
