package datasets

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// checkRowColumn checks that err is a *FormatError of problem p at row and
// column (0 for none), with a message naming name, the row and the column.
func checkRowColumn(t *testing.T, what string, err error, p Problem, name string, row, col int) {
	t.Helper()
	checkFormatError(t, what, err, p)
	var fe *FormatError
	if !errors.As(err, &fe) {
		return
	}
	if fe.Row != row || fe.Column != col {
		t.Errorf("%s: %v: at row %d, column %d; want row %d, column %d", what, err, fe.Row, fe.Column, row, col)
	}
	msg := err.Error()
	if !strings.Contains(msg, name) || (row > 0 && !strings.Contains(msg, "row "+strconv.Itoa(row))) || (col > 0 && !strings.Contains(msg, "column "+strconv.Itoa(col))) {
		t.Errorf("%s: message %q does not name %s, row %d and column %d", what, msg, name, row, col)
	}
}

func TestReadCSV(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		opts       CSVOptions
		names      []string
	}{
		{"header", "x,y,z\n1,2,3\n4.5,-6e-1, 7\n", CSVOptions{}, []string{"x", "y", "z"}},
		{"no header", "1,2,3\n4.5,-6e-1, 7\n", CSVOptions{}, nil},
		{"said header", "1,2,3\n1,2,3\n4.5,-6e-1, 7\n", CSVOptions{Header: WithHeader}, []string{"1", "2", "3"}},
		{"semicolons", "1;2;3\r\n4.5;-6e-1; 7\r\n", CSVOptions{Comma: ';', Header: NoHeader}, nil},
	} {
		s, names, err := ReadCSV(strings.NewReader(tc.file), tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := []float64{1, 2, 3, 4.5, -0.6, 7}
		if tc.name == "said header" {
			want = append([]float64{1, 2, 3}, want[3:]...)
		}
		if !slices.Equal(s.Values, want) || s.Len() != 2 || s.Dim() != 3 || s.Labels != nil || !slices.Equal(names, tc.names) {
			t.Errorf("%s: got %v (%d×%d), names %q; want %v, names %q", tc.name, s.Values, s.Len(), s.Dim(), names, want, tc.names)
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		opts       CSVOptions
		p          Problem
		row, col   int
	}{
		{"word in data", "a,b\n1,2\n3,x\n", CSVOptions{}, BadValue, 3, 2},
		{"NaN", "1,2\nNaN,2\n", CSVOptions{}, BadValue, 2, 1},
		{"Inf", "1,2\n3,-Inf\n", CSVOptions{}, BadValue, 2, 2},
		{"empty field", "1,2\n3,\n", CSVOptions{}, BadValue, 2, 2},
		{"mixed first row", "1,b\n1,2\n", CSVOptions{}, BadValue, 1, 2},
		{"header said absent", "a,b\n1,2\n", CSVOptions{Header: NoHeader}, BadValue, 1, 1},
		{"ragged", "1,2\n3,4\n5\n", CSVOptions{}, SizeMismatch, 3, 0},
		{"bare quote", "1,2\n3,4\"\n", CSVOptions{}, BadSyntax, 2, 0},
		{"empty", "", CSVOptions{}, Empty, 0, 0},
		{"header only", "a,b\n", CSVOptions{}, Empty, 0, 0},
	} {
		_, _, err := ReadCSV(strings.NewReader(tc.file), tc.opts)
		checkRowColumn(t, tc.name, err, tc.p, "csv", tc.row, tc.col)
	}
	path := filepath.Join(t.TempDir(), "bad.csv")
	writeFile(t, filepath.Dir(path), "bad.csv", []byte("1,2\n3,x\n"))
	_, _, err := OpenCSV(path, CSVOptions{})
	checkRowColumn(t, "OpenCSV", err, BadValue, path, 2, 2)
}

// pngFile encodes img as a PNG.
func pngFile(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// greyImage returns a w×h grey image whose pixel (x, y) is base + 10y + x.
func greyImage(w, h int, base uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			g.SetGray(x, y, color.Gray{base + uint8(10*y+x)})
		}
	}
	return g
}

func TestReadPNGsGrey(t *testing.T) {
	g16 := image.NewGray16(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		g16.SetGray16(i%3, i/3, color.Gray16{uint16(i)<<8 | 0x7f})
	}
	fsys := fstest.MapFS{
		"b.png":      {Data: pngFile(t, greyImage(3, 2, 100))},
		"a.PNG":      {Data: pngFile(t, greyImage(3, 2, 0))},
		"c.png":      {Data: pngFile(t, g16)},
		"notes.txt":  {Data: []byte("not an image")},
		"sub/d.png":  {Data: pngFile(t, greyImage(5, 5, 0))},
		"sub2/e.png": {Data: []byte("ignored: not in the root")},
	}
	s, err := ReadPNGs(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112, 0, 1, 2, 3, 4, 5}
	if s.Len() != 3 || s.Rows != 2 || s.Cols != 3 || s.Dim() != 6 || !slices.Equal(s.Pixels, want) || s.Labels != nil {
		t.Errorf("got %d images of %d×%d×%d %v, want 3 of 2×3 grey %v", s.Len(), s.Rows, s.Cols, s.Channels, s.Pixels, want)
	}
}

func TestReadPNGsColour(t *testing.T) {
	c := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	c.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 255})
	c.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 255})
	s, err := ReadPNGs(fstest.MapFS{"1.png": {Data: pngFile(t, greyImage(2, 1, 7))}, "2.png": {Data: pngFile(t, c)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{7, 7, 7, 8, 8, 8, 10, 20, 30, 200, 100, 50}
	if s.Channels != 3 || s.Dim() != 6 || !slices.Equal(s.Pixels, want) {
		t.Errorf("got %d channels %v, want 3 channels %v (grey as three equal channels)", s.Channels, s.Pixels, want)
	}
	// A colour set is transposed pixel by pixel, channels kept together.
	tr := s.Transpose()
	if tr.Rows != 2 || tr.Cols != 1 || !slices.Equal(tr.Pixels, want) {
		t.Errorf("the transpose of 1×2 colour images is %d×%d %v", tr.Rows, tr.Cols, tr.Pixels)
	}
}

func TestReadPNGsErrors(t *testing.T) {
	good := pngFile(t, greyImage(3, 2, 0))
	cut := good[:len(good)-20]
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		p    Problem
		file string
	}{
		{"other size", fstest.MapFS{"a.png": {Data: good}, "b.png": {Data: good}, "c.png": {Data: pngFile(t, greyImage(2, 3, 0))}, "d.png": {Data: pngFile(t, greyImage(4, 4, 0))}}, SizeMismatch, "c.png"},
		{"not a PNG", fstest.MapFS{"a.png": {Data: good}, "b.png": {Data: []byte("GIF89a: a GIF, not a PNG")}}, BadSyntax, "b.png"},
		{"truncated", fstest.MapFS{"a.png": {Data: good}, "b.png": {Data: cut}}, Truncated, "b.png"},
		{"empty folder", fstest.MapFS{"a.txt": {Data: good}}, Empty, "."},
	} {
		_, err := ReadPNGs(tc.fsys)
		checkFormatError(t, tc.name, err, tc.p)
		var fe *FormatError
		if errors.As(err, &fe) && fe.Name != tc.file {
			t.Errorf("%s: the error %v names %q, want %q", tc.name, err, fe.Name, tc.file)
		}
	}
	_, err := ReadPNGs(fstest.MapFS{"a.png": {Data: good}, "c.png": {Data: pngFile(t, greyImage(2, 3, 0))}})
	if msg := err.Error(); !strings.Contains(msg, "2×3") || !strings.Contains(msg, "a.png") || !strings.Contains(msg, "3×2") {
		t.Errorf("message %q does not give both sizes and name the first image", msg)
	}
	dir := t.TempDir()
	writeFile(t, dir, "a.png", good)
	writeFile(t, dir, "b.png", pngFile(t, greyImage(1, 1, 0)))
	_, err = OpenPNGs(dir)
	if msg := err.Error(); !strings.Contains(msg, filepath.Join(dir, "b.png")) {
		t.Errorf("OpenPNGs: message %q does not give the path of the file", msg)
	}
	if s, err := OpenPNGs(filepath.Join(dir, "none")); err == nil || s != nil {
		t.Errorf("OpenPNGs of a missing folder gave %v, %v", s, err)
	}
}

func TestReadPNGsHugeHeader(t *testing.T) {
	// A PNG that declares 40,000×40,000 pixels in a 60-byte file fails from
	// its header, before anything is allocated for it.
	file := pngFile(t, greyImage(1, 1, 0))
	binary.BigEndian.PutUint32(file[16:], 40000)
	binary.BigEndian.PutUint32(file[20:], 40000)
	binary.BigEndian.PutUint32(file[29:], crc32.ChecksumIEEE(file[12:29])) // the IHDR chunk's CRC
	_, err := ReadPNGs(fstest.MapFS{"a.png": {Data: file}})
	checkFormatError(t, "40000×40000", err, Unsupported)
}

// npyFile returns a .npy file (version 1.0) of the given header dictionary
// and data, padded as NumPy pads it.
func npyFile(dict string, data []byte) []byte {
	hdr := dict + strings.Repeat(" ", 63-(10+len(dict))%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	b.Write(data)
	return b.Bytes()
}

// f64s returns the little-endian bytes of v.
func f64s(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

// Files written by NumPy 1.24.2, as hex:
//
//	b = io.BytesIO(); np.save(b, np.array([[1.5, -2], [0.25, 3e10], [7, 8]], dtype=DT))
//	np.save(b, np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype="<f8")))
const (
	numpyF4      = "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000c03f000000c00000803e7684df500000e04000000041"
	numpyF8      = "934e554d5059010076007b276465736372273a20273e6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3ff8000000000000c0000000000000003fd0000000000000421bf08eb0000000401c0000000000004020000000000000"
	numpyFortran = "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f03f00000000000010400000000000000040000000000000144000000000000008400000000000001840"
)

func TestReadNPY(t *testing.T) {
	for _, tc := range []struct {
		name, hex  string
		want       []float64
		rows, cols int
	}{
		{"float32 little-endian", numpyF4, []float64{1.5, -2, 0.25, float64(float32(3e10)), 7, 8}, 3, 2},
		{"float64 big-endian", numpyF8, []float64{1.5, -2, 0.25, 3e10, 7, 8}, 3, 2},
		{"Fortran order", numpyFortran, []float64{1, 2, 3, 4, 5, 6}, 2, 3},
	} {
		data, _ := hex.DecodeString(tc.hex)
		s, err := ReadNPY(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(s.Values, tc.want) || s.Len() != tc.rows || s.Dim() != tc.cols || s.Labels != nil {
			t.Errorf("%s: got %v (%d×%d), want %v (%d×%d)", tc.name, s.Values, s.Len(), s.Dim(), tc.want, tc.rows, tc.cols)
		}
	}
	// Keys in any order, a 3.0 header, a 1-tuple's comma.
	dict := "{'shape': (1, 2,), 'descr': '<f8', 'fortran_order': False}"
	file := npyFile(dict, f64s(1, 2))
	v3 := append([]byte("\x93NUMPY\x03\x00"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(v3[8:], uint32(len(file)-10-16))
	v3 = append(v3, file[10:]...)
	for name, f := range map[string][]byte{"keys reordered": file, "version 3": v3} {
		if s, err := ReadNPY(bytes.NewReader(f)); err != nil || !slices.Equal(s.Values, []float64{1, 2}) {
			t.Errorf("%s: got %v, %v", name, s, err)
		}
	}
}

func TestReadNPYErrors(t *testing.T) {
	hdr := func(descr, shape string) string {
		return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	}
	for _, tc := range []struct {
		name string
		file []byte
		p    Problem
		row  int
		col  int
	}{
		{"not npy", []byte("PK\x03\x04 a zip, say .npz"), BadMagic, 0, 0},
		{"ints", npyFile(hdr("<i8", "(1, 1)"), f64s(1)), Unsupported, 0, 0},
		{"1-D", npyFile(hdr("<f8", "(2,)"), f64s(1, 2)), Unsupported, 0, 0},
		{"3-D", npyFile(hdr("<f8", "(1, 1, 2)"), f64s(1, 2)), Unsupported, 0, 0},
		{"no rows", npyFile(hdr("<f8", "(0, 3)"), nil), Empty, 0, 0},
		{"negative", npyFile(hdr("<f8", "(-1, 3)"), nil), BadSyntax, 0, 0},
		{"short", npyFile(hdr("<f8", "(2, 2)"), f64s(1, 2, 3)), Truncated, 0, 0},
		{"long", npyFile(hdr("<f8", "(1, 2)"), f64s(1, 2, 3)), TrailingData, 0, 0},
		{"huge shape", npyFile(hdr("<f8", "(20000000, 10)"), nil), Truncated, 0, 0},
		{"overflow", npyFile(hdr("<f8", "(4294967296, 4294967296)"), nil), BadHeader, 0, 0},
		{"NaN", npyFile(hdr("<f8", "(2, 2)"), f64s(1, 2, 3, math.NaN())), BadValue, 2, 2},
		{"unknown key", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), 'x': 1}", f64s(1)), BadSyntax, 0, 0},
		{"missing key", npyFile("{'descr': '<f8', 'shape': (1, 1)}", f64s(1)), BadSyntax, 0, 0},
		{"twice", npyFile("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1, 1)}", f64s(1)), BadSyntax, 0, 0},
		{"version 9", []byte("\x93NUMPY\x09\x00\x00\x00"), Unsupported, 0, 0},
		{"huge header", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), BadHeader, 0, 0},
		{"cut header", []byte("\x93NUMPY\x01\x00\x40\x00{'descr'"), Truncated, 0, 0},
	} {
		_, err := ReadNPY(bytes.NewReader(tc.file))
		checkRowColumn(t, tc.name, err, tc.p, "npy", tc.row, tc.col)
	}
	// Fortran order: the row and column of a bad value are the array's.
	f := npyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f64s(1, 2, 3, math.Inf(1), 5, 6))
	_, err := ReadNPY(bytes.NewReader(f))
	checkRowColumn(t, "Fortran Inf", err, BadValue, "npy", 2, 2)

	dir := t.TempDir()
	writeFile(t, dir, "x.npy", f)
	_, err = OpenNPY(filepath.Join(dir, "x.npy"))
	checkRowColumn(t, "OpenNPY", err, BadValue, filepath.Join(dir, "x.npy"), 2, 2)
}

func TestLoadIDX(t *testing.T) {
	// Fashion-MNIST and KMNIST use MNIST's names; EMNIST a prefix and
	// "test" for "t10k". Any counts and sizes, any byte labels.
	dir := t.TempDir()
	train := writeMNISTLike(t, dir, 7, 3, 4, "emnist-letters-train-images-idx3-ubyte", "emnist-letters-train-labels-idx1-ubyte")
	train.Labels[0] = 26
	writeFile(t, dir, "emnist-letters-train-labels-idx1-ubyte", encodeLabels(7, train.Labels))
	test := fixture(2, 3, 4)
	writeFile(t, dir, "emnist-letters-test-images-idx3-ubyte.gz", gzipped(t, encodeImages(2, 3, 4, test.Pixels)))
	writeFile(t, dir, "emnist-letters-test-labels-idx1-ubyte", encodeLabels(2, test.Labels))
	gotTrain, gotTest, err := LoadIDX(dir, "emnist-letters-")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotTrain.Pixels, train.Pixels) || !slices.Equal(gotTrain.Labels, train.Labels) || gotTrain.Rows != 3 || gotTrain.Cols != 4 ||
		!slices.Equal(gotTest.Pixels, test.Pixels) || gotTest.Len() != 2 {
		t.Errorf("LoadIDX read other sets than written")
	}
	// EMNIST stores images transposed.
	tr := gotTest.Transpose()
	if tr.Rows != 4 || tr.Cols != 3 || tr.Image(1).GrayAt(2, 1) != gotTest.Image(1).GrayAt(1, 2) || !slices.Equal(tr.Transpose().Pixels, gotTest.Pixels) {
		t.Errorf("Transpose does not swap rows and columns")
	}

	fashion := t.TempDir()
	writeMNISTLike(t, fashion, 5, 2, 2, trainImages, trainLabels)
	writeMNISTLike(t, fashion, 3, 2, 3, testImages, testLabels)
	_, _, err = LoadIDX(fashion, "")
	checkFormatError(t, "test of another size", err, SizeMismatch)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(fashion, testImages)) {
		t.Errorf("the error %v does not name the test images", err)
	}
	_, _, err = LoadIDX(fashion, "kmnist-")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, os.ErrNotExist) || strings.Contains(err.Error(), "MNIST not found") {
		t.Errorf("missing files: %v, want a *NotFoundError about IDX files", err)
	}
}
