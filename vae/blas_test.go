package vae_test

import (
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/vae"
)

// useBLAS switches Gorgonia's matrix products to backend for the rest of
// the test or benchmark, and back to gonum's after it. Gorgonia's BLAS is
// global: callers must not run in parallel.
func useBLAS(tb testing.TB, backend fastblas.Backend) {
	tb.Helper()
	impl, desc, err := fastblas.Select(backend)
	if err != nil {
		tb.Skip(err)
	}
	tb.Logf("BLAS: %s", desc)
	G.Use(impl)
	tb.Cleanup(func() { G.Use(gonum.Implementation{}) })
}

// TestBLASBackendsAgree trains the same model for two epochs with gonum's
// BLAS, the package's pure-Go GEMM and (where installed) OpenBLAS, and
// requires the same losses to float32 tolerance: the backends differ only
// in the order of the sums in a matrix product.
func TestBLASBackendsAgree(t *testing.T) {
	train, _ := mnist(t, 200, 1)
	arch, cfg := smallArch("float32"), smallConfig(vae.ELBO, 1)
	var ref []vae.EpochStats
	for _, b := range []fastblas.Backend{fastblas.BackendGonum, fastblas.BackendGo, fastblas.BackendOpenBLAS} {
		t.Run(b.String(), func(t *testing.T) {
			useBLAS(t, b)
			got := trainEpochs(t, newTrainer(t, arch, cfg, train), 2)
			if ref == nil {
				ref = got
				return
			}
			for i := range got {
				if !scalar.EqualWithinRel(got[i].Loss, ref[i].Loss, 1e-4) || !scalar.EqualWithinRel(got[i].KL, ref[i].KL, 1e-3) {
					t.Errorf("epoch %d: loss %.6f KL %.6f, with gonum %.6f and %.6f", i, got[i].Loss, got[i].KL, ref[i].Loss, ref[i].KL)
				}
			}
		})
	}
}
