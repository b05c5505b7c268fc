package datasets

import (
	"fmt"
	"io/fs"
	"strings"
)

// Problem says what is wrong with a file that is not a valid IDX file (or
// not valid MNIST).
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
	}
	return fmt.Sprintf("Problem(%d)", int(p))
}

// FormatError reports a file that is not a valid IDX file, or not valid
// MNIST. Readers return it as *FormatError.
type FormatError struct {
	Name    string  // the file ("images", "labels", or its path)
	Problem Problem // what kind of problem
	Detail  string  // what was found, for people
	Err     error   // the underlying cause, if any
}

// Error returns the message, prefixed with the package name.
func (e *FormatError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "datasets: %s: %v", e.Name, e.Problem)
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

// NotFoundError reports that the MNIST files are not in the folder tried.
// It matches fs.ErrNotExist under errors.Is.
type NotFoundError struct {
	Dir     string // the folder tried
	Missing string // the first file not found there (without .gz)
}

// Error names the folder tried and says how to fetch the files.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("datasets: MNIST not found: no %s[.gz] in %s: "+
		"fetch it with `go mod download %s`, or give the folder that holds the four IDX files (vae-train -data DIR)",
		e.Missing, e.Dir, ModulePath)
}

// Unwrap returns fs.ErrNotExist.
func (e *NotFoundError) Unwrap() error { return fs.ErrNotExist }
