package fastblas

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
)

// BLAS is the set of routines a BLAS implementation provides; it is the same
// interface as gorgonia.BLAS, so its values can be given to gorgonia.Use.
type BLAS interface {
	blas.Float32
	blas.Float64
	blas.Complex64
	blas.Complex128
}

// Backend names a BLAS implementation. Its zero value is BackendGo. It implements
// encoding.TextUnmarshaler, so it can be a flag:
//
//	var b fastblas.Backend
//	flag.TextVar(&b, "blas", fastblas.BackendGo, "matrix products: go, gonum, openblas or auto")
type Backend int

const (
	// BackendGo is Implementation: pure Go with assembly kernels, no cgo.
	BackendGo Backend = iota
	// BackendGonum is gonum's pure-Go BLAS, gorgonia's default.
	BackendGonum
	// BackendOpenBLAS is the system's OpenBLAS, loaded at run time (see CBLAS).
	BackendOpenBLAS
	// BackendAuto is BackendOpenBLAS when the library loads, else BackendGo.
	BackendAuto
)

var backendNames = [...]string{BackendGo: "go", BackendGonum: "gonum", BackendOpenBLAS: "openblas", BackendAuto: "auto"}

// String returns the backend's name as ParseBackend reads it.
func (b Backend) String() string {
	if b < 0 || int(b) >= len(backendNames) {
		return fmt.Sprintf("Backend(%d)", int(b))
	}
	return backendNames[b]
}

// MarshalText returns the backend's name.
func (b Backend) MarshalText() ([]byte, error) {
	if b < 0 || int(b) >= len(backendNames) {
		return nil, fmt.Errorf("fastblas: unknown backend %d", int(b))
	}
	return []byte(b.String()), nil
}

// UnmarshalText sets b from its name, as ParseBackend does.
func (b *Backend) UnmarshalText(text []byte) error {
	v, err := ParseBackend(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// ParseBackend returns the backend named "go", "gonum", "openblas" or "auto".
func ParseBackend(name string) (Backend, error) {
	for b, s := range backendNames {
		if s == name {
			return Backend(b), nil
		}
	}
	return 0, fmt.Errorf("fastblas: unknown BLAS backend %q: use go, gonum, openblas or auto", name)
}

// Select returns the implementation of backend b and a one-line description
// of what was chosen, for logs. It fails only for BackendOpenBLAS when the
// library cannot be loaded (the error says how to install it); BackendAuto then
// falls back to BackendGo and says so in the description.
func Select(b Backend) (BLAS, string, error) {
	switch b {
	case BackendGo:
		return Implementation{}, describeGo(), nil
	case BackendGonum:
		return Implementation{}.Implementation, "gonum (pure Go)", nil
	case BackendOpenBLAS:
		cb, err := OpenBLAS()
		if err != nil {
			return nil, "", err
		}
		return cb, describeOpenBLAS(cb), nil
	case BackendAuto:
		cb, err := OpenBLAS()
		if err != nil {
			return Implementation{}, describeGo() + "; OpenBLAS not loaded: " + err.Error(), nil
		}
		return cb, describeOpenBLAS(cb), nil
	}
	return nil, "", fmt.Errorf("fastblas: unknown backend %d", int(b))
}

func describeGo() string {
	if haveWide {
		return "go (packed GEMM, AVX2+FMA and AVX-512 kernels)"
	}
	if haveKernels {
		return "go (packed GEMM, AVX2+FMA kernels)"
	}
	return "go (no AVX2+FMA on this processor: gonum's GEMM)"
}

func describeOpenBLAS(cb *CBLAS) string {
	return fmt.Sprintf("openblas (%s, threads: %d, %s)", cb.Library(), cb.Threads(), cb.Config())
}
