package datasets

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadImagesPlainAndGzip(t *testing.T) {
	want := fixture(5, 3, 4)
	file := encodeImages(5, 3, 4, want.Pixels)
	for name, data := range map[string][]byte{"plain": file, "gzip": gzipped(t, file)} {
		pixels, rows, cols, err := ReadImages(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rows != 3 || cols != 4 || !bytes.Equal(pixels, want.Pixels) {
			t.Errorf("%s: got %d×%d %v, want 3×4 %v", name, rows, cols, pixels, want.Pixels)
		}
	}
}

func TestReadImagesOneByteReads(t *testing.T) {
	want := fixture(3, 2, 2)
	file := encodeImages(3, 2, 2, want.Pixels)
	for name, data := range map[string][]byte{"plain": file, "gzip": gzipped(t, file)} {
		pixels, _, _, err := ReadImages(iotest.OneByteReader(bytes.NewReader(data)))
		if err != nil || !bytes.Equal(pixels, want.Pixels) {
			t.Errorf("%s: got %v, %v; want %v", name, pixels, err, want.Pixels)
		}
	}
}

func TestReadImagesEmptySet(t *testing.T) {
	pixels, rows, cols, err := ReadImages(bytes.NewReader(encodeImages(0, 28, 28, nil)))
	if err != nil || len(pixels) != 0 || rows != 28 || cols != 28 {
		t.Errorf("got %d pixels of %d×%d, %v; want 0 of 28×28", len(pixels), rows, cols, err)
	}
}

func TestReadLabelsPlainAndGzip(t *testing.T) {
	want := []uint8{3, 1, 4, 1, 5, 9, 2, 6}
	file := encodeLabels(len(want), want)
	for name, data := range map[string][]byte{"plain": file, "gzip": gzipped(t, file)} {
		got, err := ReadLabels(bytes.NewReader(data))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: got %v, %v; want %v", name, got, err, want)
		}
	}
}

// corruptCRC returns a gzip file whose CRC-32 (the 4 bytes before the last
// 4) is wrong.
func corruptCRC(gz []byte) []byte {
	out := slices.Clone(gz)
	out[len(out)-8] ^= 0xff
	return out
}

func TestReadImagesBadFiles(t *testing.T) {
	s := fixture(4, 2, 3)
	good := encodeImages(4, 2, 3, s.Pixels)
	gz := gzipped(t, good)
	tests := []struct {
		name string
		data []byte
		want Problem
	}{
		{"empty", nil, Truncated},
		{"short header", good[:10], Truncated},
		{"label file", encodeLabels(4, s.Labels), BadMagic},
		{"float images", append([]byte{0, 0, 0x0d, 3}, good[4:]...), BadMagic},
		{"zero rows", encodeImages(4, 0, 3, nil), BadHeader},
		{"zero cols", encodeImages(4, 2, 0, nil), BadHeader},
		{"size overflows", encodeImages(1<<32-1, 1<<32-1, 1<<32-1, nil), BadHeader},
		{"short data", good[:len(good)-1], Truncated},
		{"header only", good[:16], Truncated},
		{"huge count, little data", encodeImages(1<<31, 28, 28, s.Pixels), Truncated},
		{"trailing byte", append(slices.Clone(good), 0), TrailingData},
		{"one image too many", encodeImages(3, 2, 3, s.Pixels), TrailingData},
		{"gzip cut short", gz[:len(gz)-5], Truncated},
		{"gzip cut in the middle", gz[:len(gz)/2], Truncated},
		{"gzip bad CRC", corruptCRC(gz), BadGzip},
		{"gzip bad header", []byte{0x1f, 0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 0}, BadGzip},
		{"gzip of a trailing byte", gzipped(t, append(slices.Clone(good), 0)), TrailingData},
		{"gzip then garbage", append(slices.Clone(gz), "not a gzip member"...), BadGzip},
	}
	for _, tt := range tests {
		pixels, _, _, err := ReadImages(bytes.NewReader(tt.data))
		checkFormatError(t, tt.name, err, tt.want)
		if pixels != nil {
			t.Errorf("%s: got %d pixels with the error", tt.name, len(pixels))
		}
	}
}

func TestReadLabelsBadFiles(t *testing.T) {
	good := encodeLabels(3, []uint8{1, 2, 3})
	gz := gzipped(t, good)
	tests := []struct {
		name string
		data []byte
		want Problem
	}{
		{"empty", nil, Truncated},
		{"short header", good[:5], Truncated},
		{"image file", encodeImages(1, 1, 1, []uint8{1}), BadMagic},
		{"short data", good[:len(good)-1], Truncated},
		{"huge count", encodeLabels(1<<32-1, []uint8{1, 2, 3}), Truncated},
		{"trailing byte", append(slices.Clone(good), 4), TrailingData},
		{"gzip cut short", gz[:len(gz)-3], Truncated},
		{"gzip bad CRC", corruptCRC(gz), BadGzip},
	}
	for _, tt := range tests {
		labels, err := ReadLabels(bytes.NewReader(tt.data))
		checkFormatError(t, tt.name, err, tt.want)
		if labels != nil {
			t.Errorf("%s: got %d labels with the error", tt.name, len(labels))
		}
	}
}

// checkFormatError checks that err is a *FormatError of the problem want,
// with a message prefixed by the package name.
func checkFormatError(t *testing.T, name string, err error, want Problem) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("%s: got error %v, want a *FormatError (%v)", name, err, want)
		return
	}
	if fe.Problem != want {
		t.Errorf("%s: got %v (%v), want %v", name, fe.Problem, err, want)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "datasets: ") || !strings.Contains(msg, want.String()) {
		t.Errorf("%s: message %q does not start with the package or name the problem", name, msg)
	}
}

func TestReadImagesIOError(t *testing.T) {
	s := fixture(2, 2, 2)
	file := encodeImages(2, 2, 2, s.Pixels)
	boom := errors.New("disk on fire")
	for name, data := range map[string][]byte{"plain": file, "gzip": gzipped(t, file)} {
		r := io.MultiReader(bytes.NewReader(data[:len(data)-2]), iotest.ErrReader(boom))
		_, _, _, err := ReadImages(r)
		var fe *FormatError
		if !errors.Is(err, boom) || errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "datasets: ") {
			t.Errorf("%s: got %v, want a wrapped I/O error that is not a *FormatError", name, err)
		}
	}
}

func TestReadSetCountMismatch(t *testing.T) {
	s := fixture(4, 2, 2)
	images := encodeImages(4, 2, 2, s.Pixels)
	labels := encodeLabels(3, s.Labels[:3])
	_, err := ReadSet(bytes.NewReader(images), bytes.NewReader(labels))
	checkFormatError(t, "4 images, 3 labels", err, CountMismatch)

	got, err := ReadSet(bytes.NewReader(images), bytes.NewReader(encodeLabels(4, s.Labels)))
	if err != nil || !bytes.Equal(got.Pixels, s.Pixels) || !bytes.Equal(got.Labels, s.Labels) || got.Rows != 2 || got.Cols != 2 {
		t.Errorf("got %+v, %v; want %+v", got, err, s)
	}
}

// The exported binarised test set reads back as the set it was made from,
// and is written byte for byte as the test fixtures are.
func TestWriteImages(t *testing.T) {
	set := &Set{Pixels: []uint8{0, 10, 200, 255, 128, 1}, Labels: []uint8{3, 4, 5}, Rows: 1, Cols: 2}
	bin := set.Binarize(TestSeed)
	var buf bytes.Buffer
	if err := WriteImages(&buf, bin); err != nil {
		t.Fatal(err)
	}
	if want := encodeImages(3, 1, 2, bin.Pixels); !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("wrote % x, want % x", buf.Bytes(), want)
	}
	pixels, rows, cols, err := ReadImages(&buf)
	if err != nil || rows != 1 || cols != 2 || !bytes.Equal(pixels, bin.Pixels) {
		t.Errorf("read back %v (%d×%d), %v; want %v", pixels, rows, cols, err, bin.Pixels)
	}
	for _, v := range pixels {
		if v != 0 && v != 255 {
			t.Errorf("pixel %d is not binary", v)
		}
	}
}
