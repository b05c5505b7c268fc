package datasets

import (
	"fmt"
	"math"
)

// Standardization is the per-feature affine map x ↦ (x − Mean)/Scale that
// gives each feature of a training set mean 0 and variance 1. Fit it on the
// training set, apply the same one to the test set, and keep it with the
// model (it marshals to JSON) so that evaluation sees data as training did
// and samples can be mapped back with [Standardization.Invert].
type Standardization struct {
	Mean  []float64 `json:"mean"`  // the training mean of each feature
	Scale []float64 `json:"scale"` // its standard deviation (over n, not n−1), or 1 for a constant feature
}

// FitStandardization returns the standardisation of the features of s,
// byte levels read as level/255 (as [Scale] reads them). A feature that is
// constant in s gets scale 1, so that it standardises to 0 rather than to
// NaN. It panics if s is empty.
func FitStandardization(s *Set) Standardization {
	n, d := s.Len(), s.Dim()
	if n == 0 {
		panic("datasets: FitStandardization of an empty set")
	}
	st := Standardization{Mean: s.Sums(), Scale: make([]float64, d)}
	row := make([]float64, d)
	// Two passes, mean then squared deviations, which loses no precision
	// to cancellation as E[x²] − E[x]² can.
	for j := range st.Mean {
		st.Mean[j] /= float64(n)
	}
	for i := range n {
		Scale(row, s, i, i+1)
		for j, v := range row {
			dv := v - st.Mean[j]
			st.Scale[j] += dv * dv
		}
	}
	for j, ss := range st.Scale {
		st.Scale[j] = math.Sqrt(ss / float64(n))
		if st.Scale[j] == 0 {
			st.Scale[j] = 1
		}
	}
	return st
}

// Validate checks that st is a standardisation: as many means as scales,
// means finite, scales finite and positive. A standardisation read from a
// file should be validated before use.
func (st Standardization) Validate() error {
	if len(st.Mean) != len(st.Scale) {
		return fmt.Errorf("datasets: standardisation of %d means and %d scales", len(st.Mean), len(st.Scale))
	}
	for j := range st.Mean {
		if m, sc := st.Mean[j], st.Scale[j]; math.IsNaN(m) || math.IsInf(m, 0) || !(sc > 0) || math.IsInf(sc, 0) {
			return fmt.Errorf("datasets: standardisation of feature %d has mean %v and scale %v: need a finite mean and a finite positive scale", j, m, sc)
		}
	}
	return nil
}

// Apply returns a new set of the standardised values of s, (x − Mean)/Scale
// for each feature, held in Values; the labels are shared. It fails if s
// does not have as many features as st or st is not valid.
func (st Standardization) Apply(s *Set) (*Set, error) {
	if err := st.Validate(); err != nil {
		return nil, err
	}
	d := s.Dim()
	if d != len(st.Mean) {
		return nil, fmt.Errorf("datasets: standardising examples of %d values with the statistics of %d features: "+
			"standardise the test set with the training set's statistics, and both must have the same features", d, len(st.Mean))
	}
	out := s.like()
	out.Labels = s.Labels
	out.Values = make([]float64, s.Len()*d)
	Scale(out.Values, s, 0, s.Len())
	for i, v := range out.Values {
		j := i % d
		out.Values[i] = (v - st.Mean[j]) / st.Scale[j]
	}
	return out, nil
}

// Invert maps standardised values back to the data's scale, in place:
// x ↦ x·Scale + Mean, feature by feature, for x holding one example after
// another (model samples or reconstructions). It panics if len(x) is not a
// multiple of the number of features.
func (st Standardization) Invert(x []float64) {
	d := len(st.Mean)
	if d == 0 || len(x)%d != 0 {
		panic(fmt.Sprintf("datasets: Invert of %d values with a standardisation of %d features", len(x), d))
	}
	for i := range x {
		j := i % d
		x[i] = x[i]*st.Scale[j] + st.Mean[j]
	}
}

// Sums returns the sum over the examples of s of each feature, byte levels
// read as level/255 (as [Scale] reads them): for a binarised set, the
// number of examples with each pixel on. The levels of a feature are added
// as integers and divided by 255 once, so the sum of bytes is exact to the
// last bit.
func (s *Set) Sums() []float64 {
	d := s.Dim()
	sums := make([]float64, d)
	if s.Values != nil {
		for i, v := range s.Values {
			sums[i%d] += v
		}
		return sums
	}
	levels := make([]uint64, d)
	for i, v := range s.Pixels {
		levels[i%d] += uint64(v)
	}
	for j, l := range levels {
		sums[j] = float64(l) / 255
	}
	return sums
}
