package datasets

import (
	"errors"
	"fmt"
	"image"
	"io"
	"os"
)

// Set is a labelled set of grey-level images, each held once as bytes.
//
// Bytes rather than floats: the training images take 47 MB instead of 188 MB
// (float32) or 376 MB (float64), and consumers want both float widths, so
// pixels are scaled to [0,1] as batches are filled (see [Batches] and
// [Scale]). A binarised set holds only the levels 0 and 255.
type Set struct {
	Pixels     []uint8 // Len()×Rows×Cols grey levels 0..255, image after image, row-major
	Labels     []uint8 // one label per image (the digit, for MNIST)
	Rows, Cols int     // the size of an image
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

// Dim returns the number of pixels in an image, Rows×Cols.
func (s *Set) Dim() int { return s.Rows * s.Cols }

// Image returns image i as an image.Gray that shares the set's memory.
func (s *Set) Image(i int) *image.Gray {
	d := s.Dim()
	return &image.Gray{Pix: s.Pixels[i*d : (i+1)*d : (i+1)*d], Stride: s.Cols,
		Rect: image.Rect(0, 0, s.Cols, s.Rows)}
}

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Split returns the first n images as head and the rest as tail; both share
// the set's memory. To carve a validation set from the end of the training
// set, keep head for training and use tail (train.Split(50000) leaves the
// last 10,000 of MNIST's 60,000; train.Split(59600) leaves Burda et al.'s 400).
// Split panics if n is not in [0, Len()].
func (s *Set) Split(n int) (head, tail *Set) {
	if n < 0 || n > s.Len() {
		panic(fmt.Sprintf("datasets: Split(%d) of a set of %d images", n, s.Len()))
	}
	k := n * s.Dim()
	head = &Set{Pixels: s.Pixels[:k:k], Labels: s.Labels[:n:n], Rows: s.Rows, Cols: s.Cols}
	tail = &Set{Pixels: s.Pixels[k:], Labels: s.Labels[n:], Rows: s.Rows, Cols: s.Cols}
	return head, tail
}
