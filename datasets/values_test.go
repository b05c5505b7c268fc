package datasets

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// valuesFixture returns an unlabelled set of n rows of d features whose
// value j of row i is (i·d + j + 1)/(n·d + 1), all in (0,1) and distinct.
func valuesFixture(n, d int) *Set {
	s := &Set{Values: make([]float64, n*d), Rows: 1, Cols: d}
	for i := range s.Values {
		s.Values[i] = float64(i+1) / float64(n*d+1)
	}
	return s
}

func TestValuesSetBatches(t *testing.T) {
	s := valuesFixture(7, 3)
	if s.Len() != 7 || s.Dim() != 3 {
		t.Fatalf("Len %d Dim %d, want 7 and 3", s.Len(), s.Dim())
	}
	it := NewBatches[float64](s, 3, Grey, newRand(1), false)
	xs, _ := epochs(it, 3, 3, 1)
	got := slices.Clone(xs)
	slices.Sort(got)
	if !slices.Equal(got, s.Values) {
		t.Fatalf("an epoch of Values dealt %v, want a permutation of %v", xs, s.Values)
	}
	x32 := make([]float32, 2*3)
	Scale(x32, s, 2, 4)
	for j, v := range x32 {
		if v != float32(s.Values[6+j]) {
			t.Fatalf("Scale value %d = %v, want %v", j, v, float32(s.Values[6+j]))
		}
	}
}

func TestValuesDynamicBinarization(t *testing.T) {
	// Each value is drawn as a Bernoulli of its own probability: over many
	// epochs the mean of the draws of value p is p within 4 standard errors.
	s := &Set{Values: []float64{0, 0.1, 0.5, 0.9, 1}, Rows: 1, Cols: 5}
	const epochsN = 4000
	it := NewBatches[float32](s, 1, Dynamic, newRand(2), false)
	xs, _ := epochs(it, 5, 1, epochsN)
	for j, p := range s.Values {
		var sum float64
		for i := j; i < len(xs); i += 5 {
			if xs[i] != 0 && xs[i] != 1 {
				t.Fatalf("draw %v is not 0 or 1", xs[i])
			}
			sum += float64(xs[i])
		}
		mean, se := sum/epochsN, math.Sqrt(p*(1-p)/epochsN)
		if math.Abs(mean-p) > 4*se {
			t.Errorf("value %v drawn 1 with frequency %v, want within %v", p, mean, 4*se)
		}
	}
	bin := s.Binarize(3)
	if bin.Values != nil || len(bin.Pixels) != 5 || bin.Pixels[0] != 0 || bin.Pixels[4] != 255 {
		t.Errorf("Binarize of values gave %+v, want bytes with 0 for p=0 and 255 for p=1", bin)
	}
	if again := s.Binarize(3); !slices.Equal(again.Pixels, bin.Pixels) {
		t.Errorf("Binarize(3) is not repeatable")
	}
}

func TestBinarizeOutOfRange(t *testing.T) {
	s := &Set{Values: []float64{0, 0.5, 1, 0.25, 1.5, 0}, Rows: 1, Cols: 3}
	var re *RangeError
	if err := s.CheckUnitInterval(); !errors.As(err, &re) || re.Example != 1 || re.Feature != 1 || re.Value != 1.5 {
		t.Fatalf("CheckUnitInterval = %v, want a *RangeError at example 1, feature 1, value 1.5", err)
	}
	if err := (&Set{Values: []float64{math.NaN()}, Rows: 1, Cols: 1}).CheckUnitInterval(); !errors.As(err, &re) {
		t.Errorf("NaN passed CheckUnitInterval")
	}
	if err := valuesFixture(3, 2).CheckUnitInterval(); err != nil {
		t.Errorf("values in (0,1) fail CheckUnitInterval: %v", err)
	}
	for name, f := range map[string]func(){
		"Binarize":           func() { s.Binarize(1) },
		"NewBatches static":  func() { NewBatches[float32](s, 1, Static, newRand(1), false) },
		"NewBatches dynamic": func() { NewBatches[float32](s, 1, Dynamic, newRand(1), false) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s of values outside [0,1] did not panic", name)
				}
			}()
			f()
		}()
	}
	NewBatches[float32](s, 1, Grey, newRand(1), false) // no binarisation: any values
}

func TestRandomSplit(t *testing.T) {
	s := fixture(50, 2, 2)
	train, test, err := s.RandomSplit(0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 40 || test.Len() != 10 || len(train.Labels) != 40 || len(test.Labels) != 10 {
		t.Fatalf("split 0.2 of 50 into %d and %d, want 40 and 10", train.Len(), test.Len())
	}
	// Every image is in exactly one part (image i is known by its first
	// pixel 7i mod 256), each part in the order of s.
	index := map[uint8]int{}
	for k := range s.Len() {
		index[s.Pixels[k*4]] = k
	}
	seen := map[uint8]int{}
	for _, part := range []*Set{train, test} {
		last := -1
		for i := range part.Len() {
			first := part.Pixels[i*4]
			k := index[first]
			if k <= last || !slices.Equal(part.Pixels[i*4:i*4+4], s.Pixels[k*4:k*4+4]) || part.Labels[i] != s.Labels[k] {
				t.Fatalf("image %d of a part is not image %d of the set, in order", i, k)
			}
			last = k
			seen[first]++
		}
	}
	if len(seen) != 50 {
		t.Fatalf("the parts hold %d distinct images of 50", len(seen))
	}
	_, again, _ := s.RandomSplit(0.2, 7)
	_, other, _ := s.RandomSplit(0.2, 8)
	if !slices.Equal(again.Pixels, test.Pixels) {
		t.Errorf("the same seed gave another split")
	}
	if slices.Equal(other.Pixels, test.Pixels) {
		t.Errorf("seeds 7 and 8 gave the same split")
	}
	// Seeded Monte Carlo: each example is in the test part with probability
	// 0.2; over 400 seeds, example 0's count is within 4 standard errors.
	in := 0
	for seed := range uint64(400) {
		_, tt, _ := s.RandomSplit(0.2, seed)
		if tt.Pixels[0] == 0 && tt.Labels[0] == 0 {
			in++
		}
	}
	if se := math.Sqrt(400 * 0.2 * 0.8); math.Abs(float64(in)-80) > 4*se {
		t.Errorf("example 0 was in the test part %d times of 400, want 80 ± %.0f", in, 4*se)
	}
	for _, f := range []float64{0, 1, -0.1, math.NaN(), 0.001, 0.999} {
		if _, _, err := s.RandomSplit(f, 1); err == nil {
			t.Errorf("RandomSplit(%v) of 50 examples did not fail", f)
		}
	}
	vtrain, vtest, err := valuesFixture(10, 3).RandomSplit(0.3, 1)
	if err != nil || vtrain.Len() != 7 || vtest.Len() != 3 || vtrain.Labels != nil {
		t.Errorf("split of unlabelled values: %v, %v, %v", vtrain, vtest, err)
	}
}

func TestStandardization(t *testing.T) {
	// Feature 0 takes 1, 2, 3, 6 (mean 3, variance (4+1+0+9)/4 = 3.5);
	// feature 1 is constant.
	s := &Set{Values: []float64{1, 5, 2, 5, 3, 5, 6, 5}, Rows: 1, Cols: 2, Labels: []uint8{1, 2, 3, 4}}
	st := FitStandardization(s)
	if st.Mean[0] != 3 || st.Mean[1] != 5 || math.Abs(st.Scale[0]-math.Sqrt(3.5)) > 1e-15 || st.Scale[1] != 1 {
		t.Fatalf("statistics %+v, want mean (3, 5), scale (√3.5, 1)", st)
	}
	z, err := st.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	if z.Values[1] != 0 || math.Abs(z.Values[6]-3/math.Sqrt(3.5)) > 1e-15 || &z.Labels[0] != &s.Labels[0] {
		t.Errorf("standardised %v", z.Values)
	}
	back := slices.Clone(z.Values)
	st.Invert(back)
	for i := range back {
		if math.Abs(back[i]-s.Values[i]) > 1e-14 {
			t.Fatalf("Invert gave %v, want %v", back, s.Values)
		}
	}
	// Bytes are standardised as level/255.
	b := &Set{Pixels: []uint8{0, 255}, Rows: 1, Cols: 1}
	if st := FitStandardization(b); st.Mean[0] != 0.5 || st.Scale[0] != 0.5 {
		t.Errorf("bytes 0, 255: statistics %+v, want mean 0.5, scale 0.5", st)
	}
	if _, err := st.Apply(valuesFixture(2, 3)); err == nil {
		t.Errorf("standardised 3 features with statistics of 2")
	}
	bad := Standardization{Mean: []float64{0}, Scale: []float64{0}}
	if _, err := bad.Apply(&Set{Values: []float64{1}, Rows: 1, Cols: 1}); err == nil {
		t.Errorf("applied a standardisation of scale 0")
	}
}

func TestSplitAndSubsetOfValues(t *testing.T) {
	s := valuesFixture(5, 2)
	head, tail := s.Split(2)
	if head.Len() != 2 || tail.Len() != 3 || head.Labels != nil || tail.Values[0] != s.Values[4] {
		t.Errorf("Split(2) of values: %+v, %+v", head, tail)
	}
	sub := s.Subset([]int{4, 0})
	if !slices.Equal(sub.Values, append(slices.Clone(s.Values[8:10]), s.Values[0:2]...)) {
		t.Errorf("Subset(4, 0) = %v", sub.Values)
	}
}

// TestSums: bytes are summed exactly (as integers, divided by 255 once),
// values as they are.
func TestSums(t *testing.T) {
	b := &Set{Pixels: []uint8{255, 1, 0, 255, 2, 7}, Rows: 1, Cols: 3}
	if got, want := b.Sums(), []float64{2, 3.0 / 255, 7.0 / 255}; !slices.Equal(got, want) {
		t.Errorf("byte sums %v, want %v", got, want)
	}
	v := &Set{Values: []float64{1.5, -2, 0.25, 4}, Rows: 1, Cols: 2}
	if got, want := v.Sums(), []float64{1.75, 2}; !slices.Equal(got, want) {
		t.Errorf("value sums %v, want %v", got, want)
	}
}
