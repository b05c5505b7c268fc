package datasets

import (
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

func TestParseBinarization(t *testing.T) {
	for _, b := range []Binarization{Grey, Static, Dynamic} {
		got, err := ParseBinarization(b.String())
		if err != nil || got != b {
			t.Errorf("ParseBinarization(%q) = %v, %v; want %v", b.String(), got, err, b)
		}
	}
	for _, s := range []string{"", "grey", "Static", "dynamic "} {
		if _, err := ParseBinarization(s); err == nil {
			t.Errorf("ParseBinarization(%q) gave no error", s)
		}
	}
	if _, err := Binarization(7).MarshalText(); err == nil {
		t.Error("MarshalText of Binarization(7) gave no error")
	}
}

func TestBinarizationFlag(t *testing.T) {
	fs := flag.NewFlagSet("vae-train", flag.ContinueOnError)
	var b Binarization
	fs.TextVar(&b, "binarize", Static, "none, static or dynamic")
	if b != Static {
		t.Errorf("default %v, want static", b)
	}
	if err := fs.Parse([]string{"-binarize", "dynamic"}); err != nil || b != Dynamic {
		t.Errorf("-binarize dynamic: got %v, %v", b, err)
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse([]string{"-binarize", "bernoulli"}); err == nil {
		t.Error("-binarize bernoulli gave no error")
	}
}

func TestThreshold(t *testing.T) {
	if threshold[0] != 0 || threshold[255] != 1<<53 {
		t.Errorf("threshold[0] = %d, threshold[255] = %d; want 0 and 2⁵³", threshold[0], threshold[255])
	}
	for x := 1; x < 256; x++ {
		p := float64(threshold[x]) / (1 << 53)
		if threshold[x] <= threshold[x-1] || !scalar.EqualWithinAbs(p, float64(x)/255, 1e-15) {
			t.Errorf("threshold[%d] = %d: probability %v, want %v", x, threshold[x], p, float64(x)/255)
		}
	}
}

// levels returns a one-image set of n pixels, all of grey level x.
func levels(x uint8, n int) *Set {
	s := &Set{Pixels: make([]uint8, n), Labels: []uint8{7}, Rows: 1, Cols: n}
	for i := range s.Pixels {
		s.Pixels[i] = x
	}
	return s
}

// checkFrequency checks that k ones in n Bernoulli(p) draws is within 4.5
// standard errors of p (a false alarm about once in 150,000 runs, but the
// draws are seeded, so a pass is a pass).
func checkFrequency(t *testing.T, name string, k, n int, p float64) {
	t.Helper()
	se := math.Sqrt(p * (1 - p) / float64(n))
	if f := float64(k) / float64(n); !scalar.EqualWithinAbs(f, p, 4.5*se) {
		t.Errorf("%s: frequency of ones %v, want %v ± %v", name, f, p, 4.5*se)
	}
}

func TestBinarize(t *testing.T) {
	const n = 200000
	for _, x := range []uint8{0, 1, 51, 128, 204, 254, 255} {
		b := levels(x, n).Binarize(42)
		ones := 0
		for _, v := range b.Pixels {
			switch v {
			case 255:
				ones++
			case 0:
			default:
				t.Fatalf("level %d: binarised pixel %d, want 0 or 255", x, v)
			}
		}
		p := float64(x) / 255
		switch x {
		case 0, 255:
			if ones != int(p)*n {
				t.Errorf("level %d: %d ones of %d", x, ones, n)
			}
		default:
			checkFrequency(t, "static", ones, n, p)
		}
	}
}

func TestBinarizeIsSeeded(t *testing.T) {
	s := fixture(50, 8, 8)
	a, b, c := s.Binarize(1), s.Binarize(1), s.Binarize(2)
	if !slices.Equal(a.Pixels, b.Pixels) {
		t.Error("Binarize(1) twice gave different pixels")
	}
	if slices.Equal(a.Pixels, c.Pixels) {
		t.Error("Binarize(1) and Binarize(2) gave the same pixels")
	}
	if &a.Labels[0] != &s.Labels[0] || a.Rows != 8 || a.Cols != 8 {
		t.Error("Binarize did not keep the labels and size")
	}
}

// TestDrawsMatchReference checks the two-pass, branch-free draws against
// the plain definition (0 and the top level certain, otherwise one draw per
// value compared with its cut, in order): the same values and the same
// number of draws from the stream, for every grey level and for
// probabilities at and around the edges of [0,1], in every element type.
func TestDrawsMatchReference(t *testing.T) {
	var src []uint8
	for rep := range 40 {
		for x := range 256 {
			src = append(src, uint8((x*7+rep*13)%256))
		}
	}
	vals := []float64{0, 1, 0.5, math.Nextafter(0, 1), 1.0 / (1 << 53), math.Nextafter(1, 0), 1e-300, 0.999999, 0.25}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		vals = append(vals, rng.Float64())
	}
	refLevels := func(rng *rand.Rand) []float64 {
		out := make([]float64, len(src))
		for j, x := range src {
			switch {
			case x == 255:
				out[j] = 1
			case x > 0 && rng.Uint64()>>11 < threshold[x]:
				out[j] = 1
			}
		}
		return out
	}
	refValues := func(rng *rand.Rand) []float64 {
		out := make([]float64, len(vals))
		for j, x := range vals {
			switch {
			case x == 1:
				out[j] = 1
			case x > 0 && rng.Uint64()>>11 < uint64(x*(1<<53)):
				out[j] = 1
			}
		}
		return out
	}
	check := func(name string, got []float64, gotRNG *rand.Rand, want []float64, wantNext uint64) {
		t.Helper()
		for j := range want {
			if got[j] != want[j] {
				t.Fatalf("%s: value %d is %v, want %v", name, j, got[j], want[j])
			}
		}
		if next := gotRNG.Uint64(); next != wantNext {
			t.Fatalf("%s: the stream is left in another state (next draw %x, want %x)", name, next, wantNext)
		}
	}
	newRNG := func() *rand.Rand { return rand.New(rand.NewPCG(11, 12)) }
	wantRNG := newRNG()
	wantL := refLevels(wantRNG)
	next := wantRNG.Uint64()
	// each element type, checked against the reference and the state it leaves
	checkLevels := func(name string, draw func(*rand.Rand) []float64) {
		t.Helper()
		r := newRNG()
		check(name, draw(r), r, wantL, next)
	}
	checkLevels("levels as bytes", func(r *rand.Rand) []float64 {
		b := make([]uint8, len(src))
		drawLevels(b, src, 255, r)
		return widen(b, 255)
	})
	checkLevels("levels as float32", func(r *rand.Rand) []float64 {
		f := make([]float32, len(src))
		drawLevels(f, src, 1, r)
		return widen(f, 1)
	})
	checkLevels("levels as float64", func(r *rand.Rand) []float64 {
		f := make([]float64, len(src))
		drawLevels(f, src, 1, r)
		return f
	})

	wantRNG = newRNG()
	wantV := refValues(wantRNG)
	nextV := wantRNG.Uint64()
	r := newRNG()
	b := make([]uint8, len(vals))
	drawValues(b, vals, 255, r)
	check("values as bytes", widen(b, 255), r, wantV, nextV)
	r = newRNG()
	f := make([]float32, len(vals))
	drawValues(f, vals, 1, r)
	check("values as float32", widen(f, 1), r, wantV, nextV)
}

// widen returns x/one as float64s.
func widen[T uint8 | float32](x []T, one T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) / float64(one)
	}
	return out
}
