//go:build (linux || darwin) && (amd64 || arm64)

package fastblas

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ebitengine/purego"
)

// loadOpenBLAS opens the first of openBLASNames that loads and binds its
// functions. purego calls C without cgo; with CGO_ENABLED=0 it links its own
// small replacement of the cgo runtime (internal/fakecgo), which makes the
// program dynamically linked against the C library, as a cgo program is.
func loadOpenBLAS() (*CBLAS, error) {
	var errs []string
	for _, name := range openBLASNames {
		lib, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		cb := &CBLAS{lib: name}
		for _, f := range []struct {
			fptr any
			sym  string
		}{
			{&cb.sgemm, "cblas_sgemm"},
			{&cb.dgemm, "cblas_dgemm"},
			{&cb.setThreads, "openblas_set_num_threads"},
			{&cb.getThreads, "openblas_get_num_threads"},
			{&cb.config, "openblas_get_config"},
		} {
			sym, err := purego.Dlsym(lib, f.sym)
			if err != nil {
				return nil, fmt.Errorf("fastblas: %s has no %s (is it OpenBLAS?): %w", name, f.sym, err)
			}
			purego.RegisterFunc(f.fptr, sym)
		}
		return cb, nil
	}
	return nil, errors.New("fastblas: cannot load OpenBLAS (" + strings.Join(errs, "; ") +
		"): install it (Debian/Ubuntu: apt-get install libopenblas0-pthread) or use the pure-Go backend")
}
