package optim

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// TestBurdaSchedule checks the schedule against 0.001·10^(−i/7) written out
// to 18 digits, at the first and last epoch of every stage (stage i lasts
// 3^i epochs), and the total of 3,280 epochs.
func TestBurdaSchedule(t *testing.T) {
	rates := []float64{
		0.001,
		0.000719685673001152020,
		0.000517947467923121113,
		0.000372759372031494017,
		0.000268269579527972575,
		0.000193069772888325017,
		0.000138949549437313764,
		0.0001,
	}
	// first[i] is the first epoch (counted from 0) of stage i: Σ_{j<i} 3^j.
	first := []int{0, 1, 4, 13, 40, 121, 364, 1093}
	s := BurdaSchedule()
	if got := s.Epochs(); got != 3280 {
		t.Errorf("Epochs() = %d, want 3280", got)
	}
	for i, r := range rates {
		last := s.Epochs() - 1
		if i+1 < len(first) {
			last = first[i+1] - 1
		}
		for _, e := range []int{first[i], last} {
			if got := s.Rate(e); !scalar.EqualWithinAbsOrRel(got, r, 0, 1e-15) {
				t.Errorf("Rate(%d) = %.18g, want %.18g (stage %d)", e, got, r, i)
			}
		}
	}
	if got := s.Rate(0); got != 1e-3 {
		t.Errorf("Rate(0) = %v, want exactly 0.001", got)
	}
	if got := s.Rate(10000); got != s.Rate(3279) {
		t.Errorf("Rate(10000) = %v past the end, want the last stage's %v", got, s.Rate(3279))
	}
}

// TestConstant checks that a Constant schedule ignores the epoch.
func TestConstant(t *testing.T) {
	c := Constant(3e-4)
	for _, e := range []int{0, 1, 1000} {
		if got := c.Rate(e); got != 3e-4 {
			t.Errorf("Rate(%d) = %v, want 3e-4", e, got)
		}
	}
}

// TestNewPiecewise checks a small schedule and the refusal of bad ones.
func TestNewPiecewise(t *testing.T) {
	p, err := NewPiecewise([]float64{1, 0.5}, []int{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	for e, want := range []float64{1, 1, 0.5, 0.5} {
		if got := p.Rate(e); got != want {
			t.Errorf("Rate(%d) = %v, want %v", e, got, want)
		}
	}
	if p.Epochs() != 3 {
		t.Errorf("Epochs() = %d, want 3", p.Epochs())
	}
	bad := []struct {
		rates  []float64
		epochs []int
		words  string
	}{
		{nil, nil, "at least one stage"},
		{[]float64{1}, []int{1, 2}, "one epoch count per rate"},
		{[]float64{1, 0}, []int{1, 1}, "stage 1 has rate 0"},
		{[]float64{1}, []int{0}, "stage 0 lasts 0 epochs"},
	}
	for _, b := range bad {
		if _, err := NewPiecewise(b.rates, b.epochs); err == nil || !strings.Contains(err.Error(), b.words) {
			t.Errorf("NewPiecewise(%v, %v) returned %v, want an error saying %q", b.rates, b.epochs, err, b.words)
		}
	}
}

// TestPiecewiseNegativeEpochPanics checks that a negative epoch, a
// programmer error, panics with a package-prefixed message.
func TestPiecewiseNegativeEpochPanics(t *testing.T) {
	defer func() {
		r := recover()
		if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "optim: ") {
			t.Errorf("recovered %v, want a panic message starting with \"optim: \"", r)
		}
	}()
	BurdaSchedule().Rate(-1)
}

// TestPiecewiseScale checks that Scale multiplies every rate and keeps the
// stages, that a factor of 1 changes nothing, and that a factor leaving a
// rate out of range is refused.
func TestPiecewiseScale(t *testing.T) {
	p, err := NewPiecewise([]float64{1, 0.5, 0.25}, []int{2, 1, 3})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Scale(3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Epochs() != p.Epochs() {
		t.Errorf("Epochs() = %d after Scale, want %d", s.Epochs(), p.Epochs())
	}
	for e := range p.Epochs() + 2 {
		if got, want := s.Rate(e), 3*p.Rate(e); got != want {
			t.Errorf("Rate(%d) = %v after Scale(3), want %v", e, got, want)
		}
	}
	burda := BurdaSchedule()
	if same, err := burda.Scale(1); err != nil || !reflect.DeepEqual(same, burda) {
		t.Errorf("BurdaSchedule().Scale(1) = %v, %v; want the schedule unchanged", same, err)
	}
	for _, f := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if _, err := burda.Scale(f); err == nil || !strings.Contains(err.Error(), "rates must be finite and positive") {
			t.Errorf("Scale(%v) returned %v, want an error about the rates", f, err)
		}
	}
}
