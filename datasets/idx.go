package datasets

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
)

// The IDX reader is written here rather than taken from GoMNIST because
// GoMNIST's reader is gzip-only and takes a file name, not an io.Reader; it
// trusts the header's count (a corrupt header allocates without bound or
// panics), reports a short or corrupt file as os.ErrInvalid or a bare EOF, does
// not notice trailing data, and allocates once per image and reads labels one
// binary.Read at a time. This one reads the payload into one slice.

// IDX magic numbers: two zero bytes, the element type (0x08, unsigned byte),
// and the number of dimensions.
const (
	imagesMagic = 0x00000803
	labelsMagic = 0x00000801
)

// maxPrealloc is the most a reader allocates on the header's word alone; past
// it the payload grows as data actually arrives, so a corrupt header cannot
// make a short file allocate gigabytes. It is above the 47,040,000 bytes of
// the MNIST training images, which are read into one exact allocation.
const maxPrealloc = 64 << 20

// ReadImages reads an IDX image file (magic 0x00000803: unsigned bytes,
// n×rows×cols) from r, gzip-compressed or plain (told apart by the gzip magic
// bytes). It returns the n images row-major, one after the other. A file
// that is not valid IDX, or holds more or less data than its header
// declares, gives a *FormatError.
func ReadImages(r io.Reader) (pixels []uint8, rows, cols int, err error) {
	const name = "images"
	src, err := decompress(r, name)
	if err != nil {
		return nil, 0, 0, err
	}
	var h [16]byte
	if err := readHeader(src, h[:], imagesMagic, name); err != nil {
		return nil, 0, 0, err
	}
	n := binary.BigEndian.Uint32(h[4:])
	rows32 := binary.BigEndian.Uint32(h[8:])
	cols32 := binary.BigEndian.Uint32(h[12:])
	if rows32 == 0 || cols32 == 0 {
		return nil, 0, 0, &FormatError{Name: name, Problem: BadHeader,
			Detail: fmt.Sprintf("images of %d×%d pixels", rows32, cols32)}
	}
	size, err := payloadSize(name, n, rows32, cols32)
	if err != nil {
		return nil, 0, 0, err
	}
	pixels, err = readPayload(src, size, name)
	if err != nil {
		return nil, 0, 0, err
	}
	return pixels, int(rows32), int(cols32), nil
}

// ReadLabels reads an IDX label file (magic 0x00000801: n unsigned bytes)
// from r, gzip-compressed or plain. A file that is not valid IDX, or holds
// more or less data than its header declares, gives a *FormatError.
func ReadLabels(r io.Reader) ([]uint8, error) {
	const name = "labels"
	src, err := decompress(r, name)
	if err != nil {
		return nil, err
	}
	var h [8]byte
	if err := readHeader(src, h[:], labelsMagic, name); err != nil {
		return nil, err
	}
	return readPayload(src, uint64(binary.BigEndian.Uint32(h[4:])), name)
}

// WriteImages writes the images of s to w as an uncompressed IDX image file
// (magic 0x00000803: unsigned bytes, n×rows×cols), the format of MNIST's own
// files, which [ReadImages] reads back.
func WriteImages(w io.Writer, s *Set) error {
	var h [16]byte
	binary.BigEndian.PutUint32(h[0:], imagesMagic)
	binary.BigEndian.PutUint32(h[4:], uint32(s.Len()))
	binary.BigEndian.PutUint32(h[8:], uint32(s.Rows))
	binary.BigEndian.PutUint32(h[12:], uint32(s.Cols))
	if _, err := w.Write(h[:]); err != nil {
		return fmt.Errorf("datasets: writing the IDX header: %w", err)
	}
	if _, err := w.Write(s.Pixels); err != nil {
		return fmt.Errorf("datasets: writing the IDX images: %w", err)
	}
	return nil
}

// decompress returns a reader of r's IDX bytes: r itself, buffered, or a
// gzip reader over it when r starts with the gzip magic bytes 1f 8b (an IDX
// file starts with two zero bytes, so the two cannot be confused).
func decompress(r io.Reader, name string) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("datasets: reading %s: %w", name, err)
	}
	if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, readError(err, name, "gzip header")
	}
	return zr, nil
}

// readHeader fills h, the magic number and the sizes, from src, and checks
// the magic number before reading the sizes.
func readHeader(src io.Reader, h []byte, magic uint32, name string) error {
	if _, err := io.ReadFull(src, h[:4]); err != nil {
		return readError(err, name, "shorter than a magic number")
	}
	if m := binary.BigEndian.Uint32(h); m != magic {
		return &FormatError{Name: name, Problem: BadMagic,
			Detail: fmt.Sprintf("got %#08x, want %#08x (IDX, unsigned bytes, %d dimensions)", m, magic, magic&0xff)}
	}
	if _, err := io.ReadFull(src, h[4:]); err != nil {
		return readError(err, name, fmt.Sprintf("shorter than the %d-byte header", len(h)))
	}
	return nil
}

// payloadSize returns n·rows·cols, or a *FormatError when it does not fit in
// an int.
func payloadSize(name string, n, rows, cols uint32) (uint64, error) {
	hi, lo := bits.Mul64(uint64(n), uint64(rows)*uint64(cols))
	if hi != 0 || lo > math.MaxInt {
		return 0, &FormatError{Name: name, Problem: BadHeader,
			Detail: fmt.Sprintf("%d images of %d×%d pixels do not fit in memory", n, rows, cols)}
	}
	return lo, nil
}

// readPayload reads exactly size bytes from src and checks that nothing
// follows them. Up to maxPrealloc bytes are allocated at once; beyond that the
// slice grows with the data read.
func readPayload(src io.Reader, size uint64, name string) ([]byte, error) {
	buf := make([]byte, 0, min(size, maxPrealloc))
	for uint64(len(buf)) < size {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // let append pick the growth
			buf = buf[:len(buf):min(uint64(cap(buf)), size)]
		}
		k, err := io.ReadFull(src, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			return nil, readError(err, name,
				fmt.Sprintf("the header declares %d data bytes, the file holds %d", size, len(buf)))
		}
	}
	var one [1]byte
	switch k, err := io.ReadFull(src, one[:]); {
	case k > 0:
		return nil, &FormatError{Name: name, Problem: TrailingData,
			Detail: fmt.Sprintf("more than the %d data bytes the header declares", size)}
	case !errors.Is(err, io.EOF):
		// A gzip stream checks its CRC and length at its end, so this
		// read is where a corrupt stream, or one cut short after the
		// data, shows.
		return nil, readError(err, name, "at the end of the gzip stream")
	}
	return buf, nil
}

// readError turns an error met while reading into a *FormatError when it
// is about the data (end of file, corrupt gzip), and wraps it otherwise
// (an I/O error of the underlying reader).
func readError(err error, name, detail string) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &FormatError{Name: name, Problem: Truncated, Detail: detail}
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &corrupt):
		return &FormatError{Name: name, Problem: BadGzip, Detail: detail, Err: err}
	}
	return fmt.Errorf("datasets: reading %s: %w", name, err)
}
