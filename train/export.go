package train

import (
	"fmt"
	"io"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
)

// ExportBinarizedTest writes the fixed binarised MNIST test set, the one
// runs on binarised data are evaluated on (test.Binarize(datasets.TestSeed)),
// to path as an uncompressed IDX image file whose pixels are 0 or 255, so
// that other programs (bench/pytorch_vae.py) evaluate on the same images.
// dataDir is the MNIST folder, "" for the Go module cache.
func ExportBinarizedTest(dataDir, path string) error {
	test, err := datasets.LoadTest(dataDir)
	if err != nil {
		return fmt.Errorf("train: loading MNIST: %w", err)
	}
	bin := test.Binarize(datasets.TestSeed)
	if err := atomicfile.Write(path, func(w io.Writer) error { return datasets.WriteImages(w, bin) }); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
