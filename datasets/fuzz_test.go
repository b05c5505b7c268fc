package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"io"
	"math"
	"runtime"
	"testing"
	"testing/fstest"
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

// maxAlloc bounds what reading a file of n bytes may allocate: the
// preallocation a header may ask for ([maxPrealloc] for IDX and .npy data,
// [maxImageValues] for a PNG's pixels), buffers, and a multiple of n for
// what the data decodes to (a PNG's zlib stream expands at most 1,032
// times; the set holds the pixels once more as they are appended).
func maxAlloc(n int) uint64 { return 2*maxPrealloc + 2*maxImageValues + 4<<20 + 3000*uint64(n) }

// checkBoundedAlloc runs read and fails if it allocated more than
// maxAlloc(n) bytes.
func checkBoundedAlloc(t *testing.T, n int, read func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	read()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > maxAlloc(n) {
		t.Fatalf("reading %d bytes allocated %d bytes, over the bound %d", n, got, maxAlloc(n))
	}
}

// checkValues checks that a set read from a file is consistent: one or more
// examples, every value finite.
func checkValues(t *testing.T, s *Set) {
	if s.Len() == 0 || s.Len()*s.Dim() != max(len(s.Values), len(s.Pixels)) {
		t.Fatalf("a set of %d examples of %d values holding %d values and %d bytes", s.Len(), s.Dim(), len(s.Values), len(s.Pixels))
	}
	for _, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("a value %v read", v)
		}
	}
}

// FuzzReadCSV checks that ReadCSV never panics, fails only with a
// *FormatError, and returns only consistent sets of finite values.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n3,4\n", "1,2\n3\n", "1;2\n", "\"1\",2\n", "x\n", "1e308,2e308\n", "NaN\n", ""} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, semicolon bool) {
		opts := CSVOptions{}
		if semicolon {
			opts.Comma = ';'
		}
		var s *Set
		var err error
		checkBoundedAlloc(t, len(data), func() { s, _, err = ReadCSV(bytes.NewReader(data), opts) })
		if err != nil {
			checkFuzzError(t, err, 0)
			return
		}
		checkValues(t, s)
	})
}

// FuzzReadNPY checks that ReadNPY never panics or allocates beyond
// maxAlloc, fails only with a *FormatError, and returns only consistent
// sets of finite values, no more of them than the file holds.
func FuzzReadNPY(f *testing.F) {
	for _, h := range []string{numpyF4, numpyF8, numpyFortran} {
		data, _ := hex.DecodeString(h)
		f.Add(data)
	}
	f.Add(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (20000000, 10), }", nil))
	f.Add(npyFile("{'shape': (1, 2,), 'descr': '<f4', 'fortran_order': True}", []byte{0, 0, 0, 0, 0, 0, 0, 0}))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'descr': '<f4'}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s *Set
		var err error
		checkBoundedAlloc(t, len(data), func() { s, err = ReadNPY(bytes.NewReader(data)) })
		if err != nil {
			checkFuzzError(t, err, 0)
			return
		}
		checkValues(t, s)
		if 4*len(s.Values) > len(data) {
			t.Fatalf("%d values read from %d bytes", len(s.Values), len(data))
		}
	})
}

// FuzzReadPNGs checks that ReadPNGs never panics or allocates beyond
// maxAlloc, and fails only with a *FormatError, on a folder of a fuzzed
// file and a valid 3×2 grey PNG.
func FuzzReadPNGs(f *testing.F) {
	good := pngFile(f, greyImage(3, 2, 0))
	f.Add(good)
	f.Add(pngFile(f, greyImage(2, 3, 0)))
	c := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	c.SetNRGBA(1, 1, color.NRGBA{1, 2, 3, 4})
	f.Add(pngFile(f, c))
	f.Add(pngFile(f, image.NewGray16(image.Rect(0, 0, 3, 2))))
	f.Add(pngFile(f, image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Gray{1}, color.RGBA{1, 2, 3, 255}})))
	f.Add(good[:40])
	f.Fuzz(func(t *testing.T, data []byte) {
		var s *Set
		var err error
		checkBoundedAlloc(t, len(data)+len(good), func() {
			s, err = ReadPNGs(fstest.MapFS{"a.png": {Data: data}, "b.png": {Data: good}})
		})
		if err != nil {
			checkFuzzError(t, err, 0)
			return
		}
		checkValues(t, s)
		if s.Len() != 2 || s.Rows != 2 || s.Cols != 3 || (s.Channels != 1 && s.Channels != 3) {
			t.Fatalf("read %d images of %d×%d×%d", s.Len(), s.Rows, s.Cols, s.Channels)
		}
	})
}
