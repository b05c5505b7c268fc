package datasets

import (
	"fmt"
	"math/rand/v2"
)

// Binarization is the view of the pixels a model trains on.
type Binarization int

// The three views. Their text forms, for flags, are "none", "static" and
// "dynamic".
const (
	// Grey trains on the grey levels x/255 in [0,1] (as pytorch/examples
	// does).
	Grey Binarization = iota
	// Static trains on one Bernoulli draw per pixel, with probability
	// x/255, made once (see [Set.Binarize]).
	Static
	// Dynamic trains on a fresh Bernoulli draw per pixel each time an
	// image is put in a batch, that is once an epoch (as Burda et al.
	// train).
	Dynamic
)

// TestSeed is the seed of the fixed binarised test set:
// test.Binarize(TestSeed) is the same on every machine and run, so test
// numbers of models trained on binarised data compare across runs.
const TestSeed uint64 = 0x6d6e6973745f7465 // "mnist_te"

// binarizeStream is the PCG stream (its second seed word) of [Set.Binarize].
const binarizeStream uint64 = 0x62696e6172697a65 // "binarize"

// ParseBinarization returns the view named "none", "static" or "dynamic".
func ParseBinarization(s string) (Binarization, error) {
	for b := Grey; b <= Dynamic; b++ {
		if s == b.String() {
			return b, nil
		}
	}
	return 0, fmt.Errorf(`datasets: unknown binarisation %q: use "none", "static" or "dynamic"`, s)
}

// MarshalText returns the text form of b, so that b can be a flag
// (flag.TextVar) or a field of a JSON or TOML config.
func (b Binarization) MarshalText() ([]byte, error) {
	if b < Grey || b > Dynamic {
		return nil, fmt.Errorf("datasets: invalid binarisation %d", int(b))
	}
	return []byte(b.String()), nil
}

// String returns "none", "static" or "dynamic".
func (b Binarization) String() string {
	switch b {
	case Grey:
		return "none"
	case Static:
		return "static"
	case Dynamic:
		return "dynamic"
	}
	return fmt.Sprintf("Binarization(%d)", int(b))
}

// UnmarshalText sets b from its text form, as [ParseBinarization] does.
func (b *Binarization) UnmarshalText(text []byte) error {
	v, err := ParseBinarization(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Binarize returns a new set of bytes whose values are drawn once, each 255
// with probability p and 0 otherwise, where p is x/255 for a level x of
// Pixels and the value itself for Values, from a PCG generator seeded with
// seed. The labels are shared with s. The same seed gives the same set, bit
// for bit, on every machine: the draw is written here from raw 64-bit PCG
// output, which math/rand/v2 specifies, rather than from Float64, whose
// algorithm it does not promise to keep.
//
// Only values in [0,1] are probabilities: Binarize panics on a set with
// others. Check data that comes from a file with [Set.CheckUnitInterval]
// first.
func (s *Set) Binarize(seed uint64) *Set {
	mustUnitInterval(s)
	rng := rand.New(rand.NewPCG(seed, binarizeStream))
	out := &Set{Pixels: make([]uint8, max(len(s.Pixels), len(s.Values))), Labels: s.Labels,
		Rows: s.Rows, Cols: s.Cols, Channels: s.Channels}
	if s.Values != nil {
		drawValues(out.Pixels, s.Values, 255, rng)
	} else {
		drawLevels(out.Pixels, s.Pixels, 255, rng)
	}
	return out
}

// RangeError reports a value outside [0,1] in a set to be binarised.
type RangeError struct {
	Example, Feature int // counted from 0
	Value            float64
}

// Error says which value is out of range and what to do.
func (e *RangeError) Error() string {
	return fmt.Sprintf("datasets: value %v of example %d, feature %d, is outside [0,1]: "+
		"only data in [0,1] can be binarised; train on it without binarisation (-binarize none) and a Gaussian likelihood",
		e.Value, e.Example, e.Feature)
}

// CheckUnitInterval returns a *RangeError naming the first value of s that is
// not in [0,1] (NaN included), or nil if s can be binarised. Byte levels are
// always in range.
func (s *Set) CheckUnitInterval() error {
	d := s.Dim()
	for i, x := range s.Values {
		if !(x >= 0 && x <= 1) {
			return &RangeError{Example: i / d, Feature: i % d, Value: x}
		}
	}
	return nil
}

// mustUnitInterval panics if s holds a value outside [0,1].
func mustUnitInterval(s *Set) {
	if err := s.CheckUnitInterval(); err != nil {
		panic(err.Error())
	}
}

// drawn is the element type binarised draws are written as: bytes (0 or
// 255, [Set.Binarize]) or floats (0 or 1, [Batches]).
type drawn interface{ ~uint8 | ~float32 | ~float64 }

// drawLevels writes one Bernoulli draw per grey level x of src into dst, as
// one with probability x/255 and zero otherwise, from rng. Levels 0 and 255
// are certain and draw nothing, which skips most MNIST pixels. Each other
// level takes the top 53 bits v of one 64-bit draw, uniform on [0, 2⁵³),
// and gives one when v < threshold[x] = ⌊x·2⁵³/255⌋, probability x/255 to
// within 2⁻⁵³. The draws are made in the order of src, so the stream, and
// every batch and binarised set made from it, is fixed by the seed.
//
// It runs in two passes, the certain levels and then the draws, and reads
// the comparison off the sign bit of v − threshold[x] (both below 2⁵³)
// instead of branching on it: MNIST's pixels alternate between certain and
// drawn, and the draws are coin flips, so branches mispredict. Timed over
// the 60,000 training images in one sitting, three versions with the same
// bits: 189–195 ms with a branch per pixel and per draw, 112–117 ms with
// the draw branch-free, 83–88 ms in two passes.
func drawLevels[T drawn](dst []T, src []uint8, one T, rng *rand.Rand) {
	dst = dst[:len(src)]
	for j, x := range src {
		dst[j] = one * T(x/255) // one for 255, zero otherwise
	}
	for j, x := range src {
		if x-1 < 254 { // 0 < x < 255
			dst[j] = one * T((rng.Uint64()>>11-threshold[x])>>63)
		}
	}
}

// drawValues does what [drawLevels] does for probabilities x in [0,1]: 0
// and 1 are certain and draw nothing; otherwise it gives one when the top 53
// bits of one draw are below ⌊x·2⁵³⌋, exact for every float64 in (0,1) at or
// above 2⁻⁵³.
func drawValues[T drawn](dst []T, src []float64, one T, rng *rand.Rand) {
	dst = dst[:len(src)]
	for j, x := range src {
		dst[j] = 0
		if x == 1 {
			dst[j] = one
		}
	}
	for j, x := range src {
		if x != 0 && x != 1 {
			dst[j] = one * T((rng.Uint64()>>11-uint64(x*(1<<53)))>>63)
		}
	}
}

// threshold[x] is ⌊x·2⁵³/255⌋, the cut of [drawLevels].
var threshold = func() (t [256]uint64) {
	for x := range t {
		t[x] = uint64(x) << 53 / 255
	}
	return t
}()
