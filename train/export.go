package train

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
)

// idxImagesMagic is the magic number of an IDX file of unsigned-byte
// images (n×rows×cols).
const idxImagesMagic = 0x00000803

// WriteIDX writes the images of set as an uncompressed IDX image file, the
// format of MNIST's own files (datasets.ReadImages reads it back).
func WriteIDX(w io.Writer, set *datasets.Set) error {
	header := []uint32{idxImagesMagic, uint32(set.Len()), uint32(set.Rows), uint32(set.Cols)}
	if err := binary.Write(w, binary.BigEndian, header); err != nil {
		return fmt.Errorf("train: writing the IDX header: %w", err)
	}
	if _, err := w.Write(set.Pixels); err != nil {
		return fmt.Errorf("train: writing the IDX images: %w", err)
	}
	return nil
}

// ExportBinarizedTest writes the fixed binarised MNIST test set, the one
// runs on binarised data are evaluated on (test.Binarize(datasets.TestSeed)),
// to path as an uncompressed IDX image file whose pixels are 0 or 255, so
// that other programs (bench/pytorch_vae.py) evaluate on the same images.
// dataDir is the MNIST folder, "" for the Go module cache.
func ExportBinarizedTest(dataDir, path string) error {
	_, test, err := datasets.Load(dataDir)
	if err != nil {
		return fmt.Errorf("train: loading MNIST: %w", err)
	}
	bin := test.Binarize(datasets.TestSeed)
	if err := atomicfile.Write(path, func(w io.Writer) error { return WriteIDX(w, bin) }); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
