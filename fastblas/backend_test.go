package fastblas

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
)

func TestBackendTextRoundTrip(t *testing.T) {
	for _, b := range []Backend{BackendGo, BackendGonum, BackendOpenBLAS, BackendAuto} {
		text, err := b.MarshalText()
		if err != nil {
			t.Fatalf("%v: %v", b, err)
		}
		var got Backend
		if err := got.UnmarshalText(text); err != nil || got != b {
			t.Errorf("%q: got %v, %v; want %v", text, got, err, b)
		}
	}
	var b Backend
	if err := b.UnmarshalText([]byte("mkl")); err == nil || !strings.Contains(err.Error(), "use go, gonum, openblas or auto") {
		t.Errorf("unknown name: error %v", err)
	}
	if _, err := Backend(9).MarshalText(); err == nil {
		t.Error("Backend(9) marshalled")
	}
}

func TestBackendFlag(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var b Backend
	fs.TextVar(&b, "blas", BackendGo, "")
	if err := fs.Parse([]string{"-blas=gonum"}); err != nil || b != BackendGonum {
		t.Errorf("-blas=gonum: %v, %v", b, err)
	}
}

func TestSelect(t *testing.T) {
	impl, desc, err := Select(BackendGo)
	if _, ok := impl.(Implementation); !ok || err != nil || !strings.HasPrefix(desc, "go (") {
		t.Errorf("go: %T %q %v", impl, desc, err)
	}
	impl, desc, err = Select(BackendGonum)
	if _, ok := impl.(gonum.Implementation); !ok || err != nil || !strings.HasPrefix(desc, "gonum") {
		t.Errorf("gonum: %T %q %v", impl, desc, err)
	}
	_, loadErr := OpenBLAS()
	impl, desc, err = Select(BackendOpenBLAS)
	if (err == nil) != (loadErr == nil) {
		t.Errorf("openblas: error %v, but loading gives %v", err, loadErr)
	}
	if err == nil && !strings.HasPrefix(desc, "openblas (") {
		t.Errorf("openblas: %T %q", impl, desc)
	}
	impl, desc, err = Select(BackendAuto)
	if err != nil {
		t.Fatalf("auto: %v", err)
	}
	_, isC := impl.(*CBLAS)
	if isC != (loadErr == nil) || (loadErr != nil && !strings.Contains(desc, "OpenBLAS not loaded")) {
		t.Errorf("auto: %T %q with OpenBLAS error %v", impl, desc, loadErr)
	}
	if _, _, err := Select(Backend(-1)); err == nil {
		t.Error("Select(Backend(-1)) did not fail")
	}
}

// TestSelectWithoutOpenBLAS checks the fallback on a machine where the
// library does not load, whether or not this one has it.
func TestSelectWithoutOpenBLAS(t *testing.T) {
	saved := openBLAS
	defer func() { openBLAS = saved }()
	openBLAS = func() (*CBLAS, error) { return nil, errors.New("fastblas: cannot load OpenBLAS (test)") }

	if impl, _, err := Select(BackendOpenBLAS); err == nil || impl != nil {
		t.Errorf("openblas without the library: %T, %v", impl, err)
	}
	impl, desc, err := Select(BackendAuto)
	if _, ok := impl.(Implementation); !ok || err != nil || !strings.Contains(desc, "OpenBLAS not loaded") {
		t.Errorf("auto without the library: %T %q %v", impl, desc, err)
	}
}
