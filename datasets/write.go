package datasets

import (
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteLabels writes labels to w as an uncompressed IDX label file (magic
// 0x00000801), which [ReadLabels] reads back.
func WriteLabels(w io.Writer, labels []uint8) error {
	var h [8]byte
	binary.BigEndian.PutUint32(h[0:], labelsMagic)
	binary.BigEndian.PutUint32(h[4:], uint32(len(labels)))
	if _, err := w.Write(h[:]); err != nil {
		return fmt.Errorf("datasets: writing the IDX label header: %w", err)
	}
	if _, err := w.Write(labels); err != nil {
		return fmt.Errorf("datasets: writing the IDX labels: %w", err)
	}
	return nil
}

// WriteCSV writes rows of d values each, x holding one row after the
// other, to w as CSV, under a header row of names if names is not nil.
// Values are written in the shortest form that reads back to the same
// float64 ([ReadCSV] reads them). It panics if len(x) is not a multiple of
// d or names has other than d names.
func WriteCSV(w io.Writer, x []float64, d int, names []string) error {
	if d < 1 || len(x)%d != 0 || (names != nil && len(names) != d) {
		panic(fmt.Sprintf("datasets: WriteCSV of %d values in rows of %d under %d names", len(x), d, len(names)))
	}
	cw := csv.NewWriter(w)
	if names != nil {
		if err := cw.Write(names); err != nil {
			return fmt.Errorf("datasets: writing CSV: %w", err)
		}
	}
	rec := make([]string, d)
	for i := 0; i < len(x); i += d {
		for j, v := range x[i : i+d] {
			rec[j] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("datasets: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("datasets: writing CSV: %w", err)
	}
	return nil
}

// WriteNPY writes rows of d values each, x holding one row after the
// other, to w as a NumPy .npy file (version 1.0) of a 2-D little-endian
// float64 array in C order, which numpy.load and [ReadNPY] read. It panics
// if len(x) is not a multiple of d.
func WriteNPY(w io.Writer, x []float64, d int) error {
	if d < 1 || len(x)%d != 0 {
		panic(fmt.Sprintf("datasets: WriteNPY of %d values in rows of %d", len(x), d))
	}
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", len(x)/d, d)
	// The magic, the version, the header's length, and the header padded
	// with spaces to a multiple of 64 bytes, newline last (the format's
	// rule, so that the data are aligned).
	const preamble = len(npyMagic) + 2 + 2
	pad := 64 - (preamble+len(dict)+1)%64
	if pad == 64 {
		pad = 0
	}
	header := dict + fmt.Sprintf("%*s", pad, "") + "\n"
	bw := bufio.NewWriter(w)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	var b [8]byte
	for _, v := range x {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("datasets: writing .npy: %w", err)
	}
	return nil
}
