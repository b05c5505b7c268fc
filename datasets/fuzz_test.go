package datasets

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"
)

// fuzzSeeds adds good and bad files of both kinds to f's corpus, plain and
// gzip-compressed.
func fuzzSeeds(f *testing.F) {
	s := fixture(3, 2, 2)
	for _, file := range [][]byte{
		encodeImages(3, 2, 2, s.Pixels),
		encodeImages(0, 28, 28, nil),
		encodeImages(4, 2, 2, s.Pixels),
		encodeImages(1<<31, 28, 28, s.Pixels[:5]),
		encodeLabels(3, s.Labels),
		encodeLabels(1, s.Labels),
		{0, 0, 8, 3},
	} {
		f.Add(file)
		f.Add(gzipped(f, file))
	}
}

// plain returns data gunzipped if it starts with the gzip magic bytes.
func plain(t *testing.T, data []byte) []byte {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("accepted a gzip file gzip refuses: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("accepted a gzip file gzip refuses: %v", err)
	}
	return out
}

// checkFuzzError checks that an error from reading in-memory data is a
// *FormatError and that nothing was returned with it.
func checkFuzzError(t *testing.T, err error, got int) {
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("reading bytes gave %v, want a *FormatError", err)
	}
	if got != 0 {
		t.Fatalf("returned %d values with the error %v", got, err)
	}
}

// FuzzReadImages checks that ReadImages never panics, fails only with a
// *FormatError, and accepts only files that its result encodes back to
// exactly (no data dropped, none made up).
func FuzzReadImages(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		pixels, rows, cols, err := ReadImages(bytes.NewReader(data))
		if err != nil {
			checkFuzzError(t, err, len(pixels))
			return
		}
		if rows <= 0 || cols <= 0 || len(pixels)%(rows*cols) != 0 {
			t.Fatalf("%d pixels of %d×%d images", len(pixels), rows, cols)
		}
		if again := encodeImages(len(pixels)/(rows*cols), rows, cols, pixels); !bytes.Equal(again, plain(t, data)) {
			t.Fatalf("accepted %x, which reads as %d images of %d×%d", data, len(pixels)/(rows*cols), rows, cols)
		}
	})
}

// FuzzReadLabels checks ReadLabels as FuzzReadImages checks ReadImages.
func FuzzReadLabels(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		labels, err := ReadLabels(bytes.NewReader(data))
		if err != nil {
			checkFuzzError(t, err, len(labels))
			return
		}
		if again := encodeLabels(len(labels), labels); !bytes.Equal(again, plain(t, data)) {
			t.Fatalf("accepted %x, which reads as %d labels", data, len(labels))
		}
	})
}
