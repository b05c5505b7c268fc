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
		for i, x := range s.Values {
			if bernoulliFloat(rng, x) {
				out.Pixels[i] = 255
			}
		}
		return out
	}
	for i, x := range s.Pixels {
		if bernoulli(rng, x) {
			out.Pixels[i] = 255
		}
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

// bernoulliFloat draws true with probability x in [0,1], as [bernoulli]
// does for x/255: 0 and 1 are certain and draw nothing; otherwise it
// compares the top 53 bits of one draw with ⌊x·2⁵³⌋, exact for every
// float64 in (0,1) at or above 2⁻⁵³.
func bernoulliFloat(rng *rand.Rand, x float64) bool {
	switch x {
	case 0:
		return false
	case 1:
		return true
	}
	return rng.Uint64()>>11 < uint64(x*(1<<53))
}

// bernoulli draws true with probability x/255. Grey levels 0 and 255 are
// certain and draw nothing, which skips most MNIST pixels. Otherwise it takes
// the top 53 bits v of one 64-bit draw, uniform on [0, 2⁵³), and returns
// v < ⌊x·2⁵³/255⌋, true with probability x/255 to within 2⁻⁵³.
func bernoulli(rng *rand.Rand, x uint8) bool {
	switch x {
	case 0:
		return false
	case 255:
		return true
	}
	return rng.Uint64()>>11 < threshold[x]
}

// threshold[x] is ⌊x·2⁵³/255⌋, the cut of [bernoulli].
var threshold = func() (t [256]uint64) {
	for x := range t {
		t[x] = uint64(x) << 53 / 255
	}
	return t
}()
