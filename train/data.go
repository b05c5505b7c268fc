package train

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/vae"
)

// SplitSeed seeds the -test-fraction split: the same for every run and
// -seed, so that runs on the same data are scored on the same examples.
const SplitSeed uint64 = 0x7465737473706c74 // "testsplt"

// DataHelp describes the forms of -data, for vae-train -h.
const DataHelp = `-data SOURCE[,TEST] says what to train on (a comma separates the training
source from the test source; paths may not contain commas). A SOURCE is

  (nothing)            MNIST, from the Go module cache
  DIR                  a folder of IDX files named as MNIST's are
                       (train-images-idx3-ubyte, t10k-... or test-..., each
                       gzipped or not): MNIST, Fashion-MNIST, KMNIST
  DIR/PREFIX           IDX files named PREFIX+train-images-idx3-ubyte and so
                       on (EMNIST: emnist/emnist-letters-; EMNIST stores its
                       images transposed, which the model does not mind but
                       the figures show)
  DIR                  a folder of PNG images of one size, grey or colour
  FILE.csv             a table of numbers, one example a row, with a header
                       row or without
  FILE.npy             a 2-D NumPy array of float32 or float64, one example
                       a row

IDX files bring their own test set. Any other source needs a TEST source of
the same kind of examples, or -test-fraction F, which holds out a fraction F
of the training source, drawn with a fixed seed (the same split for every
run), as the test set; with IDX files it holds out part of their training
set instead of using their test set.

Grey levels and binary data suit -likelihood bernoulli (values must lie in
[0,1]; -binarize draws binary data from them). Continuous data want
-likelihood gaussian (a variance per feature, learned) or gaussian:V (every
variance fixed at V), and often -standardize, which gives every feature mean
0 and variance 1 on the training set; the statistics are kept with the model
(model.ckpt, and vae.Export) and evaluation, samples and reconstructions use
them. Standardise features of a table, not grey levels: a pixel that is
almost always 0 in the training images gets a tiny scale, and blows up on
the images where it is not (on MNIST the test loss reached 1e21); train
images with -likelihood gaussian on their levels in [0,1] instead.
`

// runData is what a run trains and is scored on, before standardisation.
type runData struct {
	train, test *datasets.Set
}

// loadData reads the sources of cfg.Data, splits off the test set if
// cfg.TestFraction asks for it, and cuts the training set to cfg.Limit
// examples (Config.EvalSet cuts the test set to cfg.EvalLimit).
func loadData(cfg Config) (runData, error) {
	trainSrc, testSrc, _ := strings.Cut(cfg.Data, ",")
	trainSet, ownTest, err := readSource(trainSrc)
	if err != nil {
		return runData{}, err
	}
	var testSet *datasets.Set
	switch {
	case testSrc != "" && cfg.TestFraction > 0:
		return runData{}, fmt.Errorf("train: -data %s names a test source and -test-fraction %v asks to hold one out: give one of them", cfg.Data, cfg.TestFraction)
	case testSrc != "" && ownTest != nil:
		return runData{}, fmt.Errorf("train: -data %s: %s holds IDX files with their own test set; give it alone, or use -test-fraction", cfg.Data, sourceName(trainSrc))
	case testSrc != "":
		var more *datasets.Set
		if testSet, more, err = readSource(testSrc); err != nil {
			return runData{}, err
		}
		if more != nil {
			return runData{}, fmt.Errorf("train: -data %s: the test source %s holds IDX files of a training and a test set; give it alone", cfg.Data, testSrc)
		}
	case cfg.TestFraction > 0:
		if trainSet, testSet, err = trainSet.RandomSplit(cfg.TestFraction, SplitSeed); err != nil {
			return runData{}, fmt.Errorf("train: -test-fraction %v: %w", cfg.TestFraction, err)
		}
	case ownTest != nil:
		testSet = ownTest
	default:
		return runData{}, fmt.Errorf("train: -data %s holds no test set: give one after a comma (-data %s,TEST) or hold part of it out with -test-fraction F", cfg.Data, cfg.Data)
	}
	if err := sameKind(trainSet, testSet); err != nil {
		return runData{}, fmt.Errorf("train: -data %s: %w", cfg.Data, err)
	}
	if cfg.Limit > trainSet.Len() {
		return runData{}, fmt.Errorf("train: -limit %d: the training set has %d examples", cfg.Limit, trainSet.Len())
	}
	if cfg.EvalLimit > testSet.Len() {
		return runData{}, fmt.Errorf("train: -eval-limit %d: the test set has %d examples", cfg.EvalLimit, testSet.Len())
	}
	if cfg.Limit > 0 {
		trainSet, _ = trainSet.Split(cfg.Limit)
	}
	if cfg.Likelihood.Family == vae.Bernoulli {
		for _, s := range []struct {
			name string
			set  *datasets.Set
		}{{"training", trainSet}, {"test", testSet}} {
			var re *datasets.RangeError
			if err := s.set.CheckUnitInterval(); errors.As(err, &re) {
				return runData{}, fmt.Errorf("train: -likelihood bernoulli needs values in [0,1], but value %d of %s example %d is %v: use -likelihood gaussian (with -standardize, often)",
					re.Feature, s.name, re.Example, re.Value)
			}
		}
	}
	return runData{train: trainSet, test: testSet}, nil
}

// readSource reads one source of -data: the training set, and the test
// set too for IDX files.
func readSource(src string) (set, test *datasets.Set, err error) {
	if src == "" {
		if set, test, err = datasets.Load(""); err != nil {
			return nil, nil, fmt.Errorf("train: loading MNIST: %w", err)
		}
		return set, test, nil
	}
	switch strings.ToLower(filepath.Ext(src)) {
	case ".csv":
		set, _, err = datasets.OpenCSV(src, datasets.CSVOptions{})
		return set, nil, wrapSource(err)
	case ".npy":
		set, err = datasets.OpenNPY(src)
		return set, nil, wrapSource(err)
	}
	info, statErr := os.Stat(src)
	dir, prefix := src, ""
	if statErr != nil || !info.IsDir() {
		// DIR/PREFIX of IDX files.
		dir, prefix = filepath.Dir(src), filepath.Base(src)
	}
	if hasIDX(dir, prefix) {
		set, test, err = datasets.LoadIDX(dir, prefix)
		return set, test, wrapSource(err)
	}
	if statErr != nil {
		if errors.Is(statErr, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("train: -data %s: no such file or folder; give a folder of IDX files (MNIST's, Fashion-MNIST's) or of PNG images, a .csv or a .npy file, or no -data for MNIST from the Go module cache", src)
		}
		return nil, nil, fmt.Errorf("train: -data %s: %w", src, statErr)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("train: -data %s is neither a folder nor a .csv or .npy file", src)
	}
	set, err = datasets.OpenPNGs(src)
	return set, nil, wrapSource(err)
}

// hasIDX reports whether dir holds prefix+train-images-idx3-ubyte, gzipped
// or not.
func hasIDX(dir, prefix string) bool {
	for _, ext := range []string{".gz", ""} {
		if _, err := os.Stat(filepath.Join(dir, prefix+"train-images-idx3-ubyte"+ext)); err == nil {
			return true
		}
	}
	return false
}

// wrapSource prefixes a reader's error, which names the file.
func wrapSource(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("train: reading the data: %w", err)
}

// sourceName says what src is, for messages.
func sourceName(src string) string {
	if src == "" {
		return "MNIST"
	}
	return src
}

// sameKind reports a test set whose examples are not of the training set's
// shape.
func sameKind(trainSet, testSet *datasets.Set) error {
	if trainSet.Dim() != testSet.Dim() {
		return fmt.Errorf("training examples have %d values, test examples %d", trainSet.Dim(), testSet.Dim())
	}
	shape := func(s *datasets.Set) []int { return []int{s.Rows, s.Cols, max(s.Channels, 1)} }
	if !slices.Equal(shape(trainSet), shape(testSet)) {
		return fmt.Errorf("training examples are %s, test examples %s", describeShape(trainSet), describeShape(testSet))
	}
	return nil
}

// describeShape says what the examples of s are: "28×28 grey images",
// "32×32 colour images" or "rows of 6 features".
func describeShape(s *datasets.Set) string {
	switch {
	case !isImage(s):
		return fmt.Sprintf("rows of %d features", s.Dim())
	case s.Channels > 1:
		return fmt.Sprintf("%d×%d colour images", s.Rows, s.Cols)
	}
	return fmt.Sprintf("%d×%d grey images", s.Rows, s.Cols)
}

// isImage reports whether the examples of s are images, which the figures
// can draw, rather than rows of a table.
func isImage(s *datasets.Set) bool { return s.Rows > 1 }

// standardize applies st, if not nil, to both sets.
func (d runData) standardize(st *datasets.Standardization) (runData, error) {
	if st == nil {
		return d, nil
	}
	train, err := st.Apply(d.train)
	if err != nil {
		return d, fmt.Errorf("train: standardising the training set: %w", err)
	}
	test, err := st.Apply(d.test)
	if err != nil {
		return d, fmt.Errorf("train: standardising the test set: %w", err)
	}
	return runData{train: train, test: test}, nil
}
