package datasets

import (
	"bytes"
	"slices"
	"testing"
)

// TestWritersRoundTrip: what WriteCSV, WriteNPY and WriteLabels write,
// ReadCSV, ReadNPY and ReadLabels read back exactly.
func TestWritersRoundTrip(t *testing.T) {
	x := []float64{0.1, -2.5e-7, 3, 1e300, -0, 1.0 / 3}
	var b bytes.Buffer
	if err := WriteCSV(&b, x, 3, []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	s, names, err := ReadCSV(bytes.NewReader(b.Bytes()), CSVOptions{})
	if err != nil || !slices.Equal(s.Values, x) || !slices.Equal(names, []string{"a", "b", "c"}) || s.Cols != 3 {
		t.Errorf("CSV: %v %v %v\n%s", s, names, err, b.String())
	}
	for d := 1; d <= 6; d++ {
		if len(x)%d != 0 {
			continue
		}
		b.Reset()
		if err := WriteNPY(&b, x, d); err != nil {
			t.Fatal(err)
		}
		if b.Len()%64 != len(x)*8%64 {
			t.Errorf("npy with rows of %d: the data start at byte %d, not on a 64-byte boundary", d, b.Len()-len(x)*8)
		}
		s, err := ReadNPY(bytes.NewReader(b.Bytes()))
		if err != nil || !slices.Equal(s.Values, x) || s.Cols != d {
			t.Errorf("npy with rows of %d: %v, %v", d, s, err)
		}
	}
	b.Reset()
	labels := []uint8{3, 0, 255}
	if err := WriteLabels(&b, labels); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadLabels(bytes.NewReader(b.Bytes())); err != nil || !slices.Equal(got, labels) {
		t.Errorf("labels: %v, %v", got, err)
	}
}
