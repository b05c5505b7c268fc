package fastblas

import (
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

// loadOrSkip returns OpenBLAS, or skips the test when it is not installed.
func loadOrSkip(t *testing.T) *CBLAS {
	t.Helper()
	cb, err := OpenBLAS()
	if err != nil {
		t.Skipf("OpenBLAS not installed (%v); on Debian/Ubuntu: apt-get install libopenblas0-pthread", err)
	}
	return cb
}

func TestOpenBLASSgemmMatchesGonum(t *testing.T) {
	cb := loadOrSkip(t)
	t.Logf("%s, threads: %d, %s", cb.Library(), cb.Threads(), cb.Config())
	testGemm(t, cb.Sgemm, gonum.Implementation{}.Sgemm, eps32)
}

func TestOpenBLASDgemmMatchesGonum(t *testing.T) {
	cb := loadOrSkip(t)
	testGemm(t, cb.Dgemm, gonum.Implementation{}.Dgemm, eps64)
}

func TestOpenBLASSetThreads(t *testing.T) {
	cb := loadOrSkip(t)
	prev := cb.Threads()
	defer cb.SetThreads(prev)
	cb.SetThreads(1)
	if got := cb.Threads(); got != 1 {
		t.Errorf("after SetThreads(1), Threads() = %d", got)
	}
	if v := panicValue(func() { cb.SetThreads(0) }); v == nil {
		t.Error("SetThreads(0) did not panic")
	}
}

func TestOpenBLASMissingLibraryError(t *testing.T) {
	saved := openBLASNames
	defer func() { openBLASNames = saved }()
	openBLASNames = []string{"libopenblas-not-there.so.0"}
	cb, err := loadOpenBLAS()
	if err == nil {
		t.Fatalf("loaded %s from a name that does not exist", cb.Library())
	}
	for _, want := range []string{"fastblas:", "libopenblas-not-there.so.0", "install"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
