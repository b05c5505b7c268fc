package datasets

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Header says whether the first row of a CSV file names its columns.
type Header int

// The header choices.
const (
	// AutoHeader takes the first row as a header when none of its fields
	// is a number, and as data when all are; a first row of both is an
	// error that asks to choose.
	AutoHeader Header = iota
	WithHeader        // the first row names the columns
	NoHeader          // the first row is data
)

// CSVOptions says how to read a CSV file. The zero value reads
// comma-separated numbers under an optional header.
type CSVOptions struct {
	Header Header
	Comma  rune // the field separator; 0 for ','
}

// ReadCSV reads a CSV file of numbers from r: one example a row, every row
// of the same number of columns, every field a finite number as
// strconv.ParseFloat reads it (surrounding spaces allowed). It returns an
// unlabelled set of Values with Rows 1 and Cols the number of columns, and
// the column names (nil without a header). A field that is not a finite
// number, a row of another length or a CSV syntax error gives a
// *FormatError with the row (the file's line) and column; Name is "csv"
// (see [OpenCSV] for the path).
func ReadCSV(r io.Reader, opts CSVOptions) (*Set, []string, error) {
	const name = "csv"
	cr := csv.NewReader(r)
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	cr.ReuseRecord = true
	var (
		set    *Set
		names  []string
		header = opts.Header
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err, name, len(rec), cr.FieldsPerRecord)
		}
		line, _ := cr.FieldPos(0)
		if set == nil { // the first row
			if header == AutoHeader {
				if header, err = detectHeader(rec, name, line); err != nil {
					return nil, nil, err
				}
			}
			set = &Set{Values: []float64{}, Rows: 1, Cols: len(rec)}
			if header == WithHeader {
				names = append([]string(nil), rec...)
				continue
			}
		}
		for j, field := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				line, _ := cr.FieldPos(j)
				return nil, nil, &FormatError{Name: name, Row: line, Column: j + 1, Problem: BadValue,
					Detail: fmt.Sprintf("%q is not a finite number; every column must be numeric", field)}
			}
			set.Values = append(set.Values, v)
		}
	}
	if set == nil || len(set.Values) == 0 {
		return nil, nil, &FormatError{Name: name, Problem: Empty, Detail: "no rows of data"}
	}
	return set, names, nil
}

// detectHeader says whether rec, the first row, is a header: yes when no
// field is a number, no when all are.
func detectHeader(rec []string, name string, line int) (Header, error) {
	numbers, first := 0, -1
	for j, field := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(field), 64); err == nil {
			numbers++
		} else if first < 0 {
			first = j
		}
	}
	switch numbers {
	case len(rec):
		return NoHeader, nil
	case 0:
		return WithHeader, nil
	}
	return 0, &FormatError{Name: name, Row: line, Column: first + 1, Problem: BadValue,
		Detail: fmt.Sprintf("the first row holds numbers and %q, which is not one: it is neither a header nor data; "+
			"fix the field, or say whether the file has a header", rec[first])}
}

// csvError turns an error of encoding/csv into a *FormatError; got and
// want are the lengths of the row read and of the first row.
func csvError(err error, name string, got, want int) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("datasets: reading %s: %w", name, err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return &FormatError{Name: name, Row: pe.Line, Problem: SizeMismatch,
			Detail: fmt.Sprintf("%d fields, but the first row has %d", got, want)}
	}
	return &FormatError{Name: name, Row: pe.Line, Problem: BadSyntax,
		Detail: fmt.Sprintf("at character %d", pe.Column), Err: pe.Err}
}

// OpenCSV reads the CSV file at path with [ReadCSV]; a *FormatError names
// the path.
func OpenCSV(path string, opts CSVOptions) (*Set, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	s, names, err := ReadCSV(f, opts)
	return s, names, named(err, path)
}

// named sets the Name of a *FormatError in err to path, and returns err.
func named(err error, path string) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		fe.Name = path
	}
	return err
}
