package datasets

import (
	"errors"
	"fmt"
	"image"
	"io"
	"os"
)

// Set is a data set of examples of one fixed length, Dim() values each: a
// labelled set of images, or rows of continuous features.
//
// Its values are held in one of two ways. Images of 8-bit grey or colour
// levels are held once as bytes, in Pixels, and scaled to [0,1] (level/255)
// as batches are filled: the MNIST training images take 47 MB instead of
// 188 MB (float32) or 376 MB (float64), and consumers want both float widths
// (see [Batches] and [Scale]). Any other data (a CSV table, a NumPy array,
// standardised values) is held in Values, as float64, and converted to the
// batch's width as batches are filled. Exactly one of Pixels and Values is
// set; everything that reads a Set reads both, so a trainer or an evaluator
// takes either. A binarised set holds only the levels 0 and 255, in Pixels.
//
// Images are stored row-major, example after example; a colour image holds
// Channels values per pixel, one after the other (R, G, B for each pixel,
// as in a PNG or a NumPy (rows, cols, 3) array). Tabular data has Rows 1 and
// Cols the number of features.
type Set struct {
	Pixels     []uint8   // Len()×Dim() levels 0..255, example after example; nil when Values holds the data
	Values     []float64 // Len()×Dim() values, example after example; nil when Pixels holds the data
	Labels     []uint8   // one label per example (the digit, for MNIST), or nil for unlabelled data
	Rows, Cols int       // the size of an image; 1 and the number of features for tabular data
	Channels   int       // values per pixel: 3 for colour; 0 or 1 for grey levels and tabular data
}

// ReadSet reads an IDX image file and its IDX label file (each gzip or
// plain), and checks that they hold as many images as labels.
func ReadSet(images, labels io.Reader) (*Set, error) {
	pixels, rows, cols, err := ReadImages(images)
	if err != nil {
		return nil, err
	}
	lab, err := ReadLabels(labels)
	if err != nil {
		return nil, err
	}
	if n := len(pixels) / (rows * cols); n != len(lab) {
		return nil, &FormatError{Name: "images and labels", Problem: CountMismatch,
			Detail: fmt.Sprintf("%d images but %d labels", n, len(lab))}
	}
	return &Set{Pixels: pixels, Labels: lab, Rows: rows, Cols: cols}, nil
}

// Open reads the set in the IDX image file and IDX label file at the given
// paths: a thin convenience over [ReadSet]. A *FormatError from it carries
// the path of the file at fault.
func Open(imagesPath, labelsPath string) (*Set, error) {
	fi, err := os.Open(imagesPath)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer fi.Close()
	fl, err := os.Open(labelsPath)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer fl.Close()
	s, err := ReadSet(fi, fl)
	var fe *FormatError
	if errors.As(err, &fe) {
		switch fe.Name {
		case "images":
			fe.Name = imagesPath
		case "labels":
			fe.Name = labelsPath
		default:
			fe.Name = imagesPath + " and " + labelsPath
		}
	}
	return s, err
}

// Dim returns the number of values in an example: Rows×Cols×Channels (Channels
// 0 counting as 1).
func (s *Set) Dim() int { return s.Rows * s.Cols * max(s.Channels, 1) }

// Image returns image i of a set of grey-level bytes as an image.Gray that
// shares the set's memory. It panics for a set of colour images or of
// Values, which are not grey-level bytes.
func (s *Set) Image(i int) *image.Gray {
	if s.Pixels == nil || s.Channels > 1 {
		panic(fmt.Sprintf("datasets: Image of a set of %d channels held as %s; only grey-level bytes are images", max(s.Channels, 1), s.holding()))
	}
	d := s.Dim()
	return &image.Gray{Pix: s.Pixels[i*d : (i+1)*d : (i+1)*d], Stride: s.Cols,
		Rect: image.Rect(0, 0, s.Cols, s.Rows)}
}

// holding names the field that holds s's data, for messages.
func (s *Set) holding() string {
	if s.Values != nil {
		return "float values"
	}
	return "bytes"
}

// Len returns the number of examples.
func (s *Set) Len() int {
	d := s.Dim()
	if d == 0 {
		return 0
	}
	if s.Values != nil {
		return len(s.Values) / d
	}
	return len(s.Pixels) / d
}

// Split returns the first n examples as head and the rest as tail; both share
// the set's memory. To carve a validation set from the end of the training
// set, keep head for training and use tail (train.Split(50000) leaves the
// last 10,000 of MNIST's 60,000; train.Split(59600) leaves Burda et al.'s 400).
// Split panics if n is not in [0, Len()].
func (s *Set) Split(n int) (head, tail *Set) {
	if n < 0 || n > s.Len() {
		panic(fmt.Sprintf("datasets: Split(%d) of a set of %d examples", n, s.Len()))
	}
	head, tail = s.like(), s.like()
	k := n * s.Dim()
	if s.Values != nil {
		head.Values, tail.Values = s.Values[:k:k], s.Values[k:]
	} else {
		head.Pixels, tail.Pixels = s.Pixels[:k:k], s.Pixels[k:]
	}
	if s.Labels != nil {
		head.Labels, tail.Labels = s.Labels[:n:n], s.Labels[n:]
	}
	return head, tail
}

// like returns an empty set of s's shape.
func (s *Set) like() *Set {
	return &Set{Rows: s.Rows, Cols: s.Cols, Channels: s.Channels}
}

// Subset returns a new set of the examples of s at the indices idx, in
// that order, copied. It panics if an index is out of range.
func (s *Set) Subset(idx []int) *Set {
	out, d := s.like(), s.Dim()
	if s.Values != nil {
		out.Values = make([]float64, 0, len(idx)*d)
	} else {
		out.Pixels = make([]uint8, 0, len(idx)*d)
	}
	if s.Labels != nil {
		out.Labels = make([]uint8, 0, len(idx))
	}
	n := s.Len()
	for _, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("datasets: Subset with index %d of a set of %d examples", i, n))
		}
		if s.Values != nil {
			out.Values = append(out.Values, s.Values[i*d:(i+1)*d]...)
		} else {
			out.Pixels = append(out.Pixels, s.Pixels[i*d:(i+1)*d]...)
		}
		if s.Labels != nil {
			out.Labels = append(out.Labels, s.Labels[i])
		}
	}
	return out
}
