package datasets

import (
	"fmt"
	"io/fs"
	"strings"
)

// Problem says what is wrong with a data file: an IDX, CSV, PNG or .npy
// file that cannot be read, or files that are not valid MNIST.
type Problem int

// The problems a [FormatError] can report.
const (
	BadGzip       Problem = iota + 1 // the gzip stream is corrupt
	BadMagic                         // the magic number is not the one expected
	BadHeader                        // the header declares a zero or too large size
	Truncated                        // the data ends before the size the header declares
	TrailingData                     // data follows the size the header declares
	CountMismatch                    // the image and label files hold different counts
	BadLabel                         // a label is not a digit 0..9
	BadShape                         // the images or counts are not those of MNIST
	BadValue                         // a value is not a finite number
	SizeMismatch                     // an image or row is not the size of the first
	Unsupported                      // a valid file of a kind this package does not read (a .npy of ints, say)
	BadSyntax                        // the file does not parse (a CSV quote, a PNG chunk, a .npy header)
	Empty                            // the file or folder holds no data
)

// String returns a short description of the problem.
func (p Problem) String() string {
	switch p {
	case BadGzip:
		return "corrupt gzip stream"
	case BadMagic:
		return "wrong magic number"
	case BadHeader:
		return "bad header"
	case Truncated:
		return "truncated"
	case TrailingData:
		return "trailing data"
	case CountMismatch:
		return "image/label count mismatch"
	case BadLabel:
		return "bad label"
	case BadShape:
		return "not MNIST"
	case BadValue:
		return "bad value"
	case SizeMismatch:
		return "size mismatch"
	case Unsupported:
		return "unsupported"
	case BadSyntax:
		return "syntax error"
	case Empty:
		return "no data"
	}
	return fmt.Sprintf("Problem(%d)", int(p))
}

// FormatError reports a data file that cannot be read: not a valid IDX,
// CSV, PNG or .npy file, or not valid MNIST. Readers return it as
// *FormatError.
type FormatError struct {
	Name    string  // the file ("images", "labels", or its path)
	Row     int     // the row at fault, counted from 1 (a CSV line, a .npy row); 0 when the problem is not one row's
	Column  int     // the column at fault, counted from 1; 0 when the problem is not one value's
	Problem Problem // what kind of problem
	Detail  string  // what was found, for people
	Err     error   // the underlying cause, if any
}

// Error returns the message, prefixed with the package name.
func (e *FormatError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: %s: ", e.Name)
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, "column %d: ", e.Column)
	}
	fmt.Fprintf(&b, "%v", e.Problem)
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *FormatError) Unwrap() error { return e.Err }

// NotFoundError reports that the files of a data set are not in the folder
// tried. It matches fs.ErrNotExist under errors.Is.
type NotFoundError struct {
	Dir     string // the folder tried
	Missing string // the first file not found there (without .gz)
	IDX     bool   // looked for by [LoadIDX], not [Load]: any IDX data set, not MNIST
}

// Error names the folder tried and says how to fetch or give the files.
func (e *NotFoundError) Error() string {
	if e.IDX {
		return fmt.Sprintf("datasets: no %s[.gz] in %s: give the folder that holds the IDX files "+
			"(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k- or test-images-idx3-ubyte, t10k- or test-labels-idx1-ubyte, each with the same prefix)",
			e.Missing, e.Dir)
	}
	return fmt.Sprintf("datasets: MNIST not found: no %s[.gz] in %s: "+
		"fetch it with `go mod download %s`, or give the folder that holds the four IDX files (vae-train -data DIR)",
		e.Missing, e.Dir, ModulePath)
}

// Unwrap returns fs.ErrNotExist.
func (e *NotFoundError) Unwrap() error { return fs.ErrNotExist }
