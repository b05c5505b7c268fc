package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// The tests write their IDX fixtures themselves, with these helpers.

// encodeImages returns an IDX image file of the images in pixels, each
// rows×cols, with the header declaring n images.
func encodeImages(n, rows, cols int, pixels []uint8) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [4]uint32{imagesMagic, uint32(n), uint32(rows), uint32(cols)})
	b.Write(pixels)
	return b.Bytes()
}

// encodeLabels returns an IDX label file of labels, the header declaring n.
func encodeLabels(n int, labels []uint8) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{labelsMagic, uint32(n)})
	b.Write(labels)
	return b.Bytes()
}

// gzipped returns data gzip-compressed.
func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fixture returns a set of n images of rows×cols whose pixels are
// (7·i + 3·j) mod 256 for image i, pixel j, and whose label i is i mod 10:
// every image differs from the others in its first pixels, and every grey
// level appears.
func fixture(n, rows, cols int) *Set {
	d := rows * cols
	s := &Set{Pixels: make([]uint8, n*d), Labels: make([]uint8, n), Rows: rows, Cols: cols}
	for i := range n {
		for j := range d {
			s.Pixels[i*d+j] = uint8(7*i + 3*j)
		}
		s.Labels[i] = uint8(i % 10)
	}
	return s
}

// writeFile writes data to dir/name.
func writeFile(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
