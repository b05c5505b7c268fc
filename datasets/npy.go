package datasets

import (
	"bufio"
	"encoding/binary"

	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"
)

// The .npy reader is written here rather than taken from
// codeberg.org/sbinet/npyio (v0.14.0) because that one trusts its input:
// a 78-byte file whose header declares shape (20000000, 10) made it
// allocate 1.6 GB before failing on the missing data (36 s), a header
// without its final newline or with its keys in another order made it
// panic (slice bounds out of range), and a negative shape was accepted.
// This one reads only what a data set needs (2-D float32 or float64, either
// byte order, C or Fortran order), parses the header dictionary strictly,
// bounds the header, and grows the data as it arrives, as the IDX reader
// does.

// npyMagic starts every .npy file; the major and minor version follow.
const npyMagic = "\x93NUMPY"

// maxNPYHeader bounds the header dictionary. NumPy itself refuses headers
// over 10,000 bytes by default (numpy.lib.format, max_header_size).
const maxNPYHeader = 1 << 16

// ReadNPY reads a NumPy .npy file of a 2-D float32 or float64 array (either
// byte order, C or Fortran order) from r: one example a row. It returns an
// unlabelled set of Values with Rows 1 and Cols the array's columns. A file
// that is not a .npy file, holds another kind of array, holds more or less
// data than its header declares, or holds a value that is not finite gives
// a *FormatError (with the row and column for a value); Name is "npy" (see
// [OpenNPY] for the path).
func ReadNPY(r io.Reader) (*Set, error) {
	const name = "npy"
	src := bufio.NewReaderSize(r, 64<<10)
	var pre [10]byte
	if _, err := io.ReadFull(src, pre[:8]); err != nil {
		return nil, readError(err, name, "shorter than the .npy magic string and version")
	}
	if string(pre[:6]) != npyMagic {
		return nil, &FormatError{Name: name, Problem: BadMagic, Detail: fmt.Sprintf("starts with %q, not %q: not a .npy file", pre[:6], npyMagic)}
	}
	var hlen uint64
	switch major := pre[6]; major {
	case 1:
		if _, err := io.ReadFull(src, pre[8:10]); err != nil {
			return nil, readError(err, name, "shorter than the .npy preamble")
		}
		hlen = uint64(binary.LittleEndian.Uint16(pre[8:10]))
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(src, l[:]); err != nil {
			return nil, readError(err, name, "shorter than the .npy preamble")
		}
		hlen = uint64(binary.LittleEndian.Uint32(l[:]))
	default:
		return nil, &FormatError{Name: name, Problem: Unsupported, Detail: fmt.Sprintf(".npy format version %d.%d; this reader reads 1, 2 and 3", major, pre[7])}
	}
	if hlen > maxNPYHeader {
		return nil, &FormatError{Name: name, Problem: BadHeader, Detail: fmt.Sprintf("a header of %d bytes; this reader takes at most %d", hlen, maxNPYHeader)}
	}
	header := make([]byte, hlen)
	if _, err := io.ReadFull(src, header); err != nil {
		return nil, readError(err, name, fmt.Sprintf("shorter than its %d-byte header", hlen))
	}
	h, err := parseNPYHeader(header)
	if err != nil {
		return nil, &FormatError{Name: name, Problem: BadSyntax, Detail: "header " + strconv.Quote(string(header)), Err: err}
	}
	var order binary.ByteOrder = binary.LittleEndian
	size := uint64(0)
	switch h.descr {
	case "<f4", ">f4":
		size = 4
	case "<f8", ">f8":
		size = 8
	default:
		return nil, &FormatError{Name: name, Problem: Unsupported,
			Detail: fmt.Sprintf("an array of dtype %q; save it as float32 or float64 (numpy: x.astype(np.float32))", h.descr)}
	}
	if h.descr[0] == '>' {
		order = binary.BigEndian
	}
	if len(h.shape) != 2 {
		return nil, &FormatError{Name: name, Problem: Unsupported,
			Detail: fmt.Sprintf("an array of shape %v; give a 2-D array, one example a row (numpy: x.reshape(len(x), -1))", h.shape)}
	}
	rows, cols := h.shape[0], h.shape[1]
	if rows == 0 || cols == 0 {
		return nil, &FormatError{Name: name, Problem: Empty, Detail: fmt.Sprintf("an array of shape (%d, %d)", rows, cols)}
	}
	hi, n := bits.Mul64(rows, cols)
	hi2, nbytes := bits.Mul64(n, size)
	if hi != 0 || hi2 != 0 || nbytes > math.MaxInt {
		return nil, &FormatError{Name: name, Problem: BadHeader, Detail: fmt.Sprintf("an array of shape (%d, %d) does not fit in memory", rows, cols)}
	}
	raw, err := readPayload(src, nbytes, name)
	if err != nil {
		return nil, err
	}
	s := &Set{Values: make([]float64, n), Rows: 1, Cols: int(cols)}
	for k := range s.Values {
		var v float64
		if size == 4 {
			v = float64(math.Float32frombits(order.Uint32(raw[4*k:])))
		} else {
			v = math.Float64frombits(order.Uint64(raw[8*k:]))
		}
		i, j := uint64(k)/cols, uint64(k)%cols
		if h.fortran {
			i, j = uint64(k)%rows, uint64(k)/rows
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FormatError{Name: name, Row: int(i) + 1, Column: int(j) + 1, Problem: BadValue,
				Detail: fmt.Sprintf("%v is not a finite number", v)}
		}
		s.Values[i*cols+j] = v
	}
	return s, nil
}

// OpenNPY reads the .npy file at path with [ReadNPY]; a *FormatError names
// the path.
func OpenNPY(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	s, err := ReadNPY(f)
	return s, named(err, path)
}

// npyHeader is what a .npy header dictionary says.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []uint64
}

// parseNPYHeader parses a .npy header: a Python dictionary literal with
// the keys 'descr' (a string), 'fortran_order' (True or False) and 'shape'
// (a tuple of non-negative integers), each once, in any order, padded with
// spaces and ended by a newline.
func parseNPYHeader(b []byte) (npyHeader, error) {
	p := &npyParser{b: b}
	var h npyHeader
	seen := map[string]bool{}
	p.expect('{')
	for p.err == nil && !p.peek('}') {
		key := p.str()
		p.expect(':')
		if p.err == nil && seen[key] {
			p.fail("key %q twice", key)
		}
		seen[key] = true
		switch key {
		case "descr":
			h.descr = p.str()
		case "fortran_order":
			h.fortran = p.boolean()
		case "shape":
			h.shape = p.tuple()
		default:
			p.fail("unknown key %q", key)
		}
		if !p.peek('}') {
			p.expect(',')
		}
	}
	p.expect('}')
	p.space()
	if p.err == nil && p.i != len(b) {
		p.fail("%q after the dictionary", b[p.i:])
	}
	if p.err == nil && len(seen) != 3 {
		p.fail("keys %v; want descr, fortran_order and shape", seen)
	}
	return h, p.err
}

// npyParser reads a .npy header dictionary; the first error sticks.
type npyParser struct {
	b   []byte
	i   int
	err error
}

func (p *npyParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format+" at byte %d", append(args, p.i)...)
	}
}

// space skips spaces and the final newline.
func (p *npyParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\n') {
		p.i++
	}
}

// peek skips spaces and says whether c is next.
func (p *npyParser) peek(c byte) bool {
	p.space()
	return p.err == nil && p.i < len(p.b) && p.b[p.i] == c
}

func (p *npyParser) expect(c byte) {
	if !p.peek(c) {
		p.fail("want %q", c)
		return
	}
	p.i++
}

// str reads a quoted string without escapes.
func (p *npyParser) str() string {
	p.space()
	if p.err != nil || p.i >= len(p.b) || (p.b[p.i] != '\'' && p.b[p.i] != '"') {
		p.fail("want a quoted string")
		return ""
	}
	q := p.b[p.i]
	for j := p.i + 1; j < len(p.b); j++ {
		switch p.b[j] {
		case q:
			s := string(p.b[p.i+1 : j])
			p.i = j + 1
			return s
		case '\\', '\n':
			p.fail("an escape or newline in a string")
			return ""
		}
	}
	p.fail("an unterminated string")
	return ""
}

func (p *npyParser) boolean() bool {
	p.space()
	for _, w := range []string{"True", "False"} {
		if p.err == nil && len(p.b)-p.i >= len(w) && string(p.b[p.i:p.i+len(w)]) == w {
			p.i += len(w)
			return w == "True"
		}
	}
	p.fail("want True or False")
	return false
}

// tuple reads a tuple of at most 32 non-negative integers (NumPy's limit on
// dimensions is 32 or 64).
func (p *npyParser) tuple() []uint64 {
	p.expect('(')
	var t []uint64
	for p.err == nil && !p.peek(')') {
		j := p.i
		for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
			j++
		}
		v, err := strconv.ParseUint(string(p.b[p.i:j]), 10, 64)
		if err != nil {
			p.fail("want a non-negative integer")
			break
		}
		if t = append(t, v); len(t) > 32 {
			p.fail("more than 32 dimensions")
			break
		}
		p.i = j
		if !p.peek(')') {
			p.expect(',')
		}
	}
	p.expect(')')
	return t
}
