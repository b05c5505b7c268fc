package vae

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// copyPrefix copies the first len(dst) elements of src into dst (same dtype).
func copyPrefix(dst, src *tensor.Dense) {
	switch d := dst.Data().(type) {
	case []float32:
		copy(d, src.Data().([]float32))
	case []float64:
		copy(d, src.Data().([]float64))
	}
}

// setScalar sets a scalar tensor to v.
func setScalar(t *tensor.Dense, v float64) {
	switch t.Dtype() {
	case tensor.Float32:
		t.Set(0, float32(v))
	case tensor.Float64:
		t.Set(0, v)
	}
}

// culprit re-runs the failed batch on a copy of its graph with Gorgonia's
// NaN and Inf watches on, and returns the first node they name. The watches
// slow every operation down, so they are only switched on after a failure.
func culprit(m *Model, failed *batchGraph) string {
	bg, err := buildGraph(m, failed.objective, failed.est, failed.n, failed.samples, false, failed.beta != nil)
	if err != nil {
		return fmt.Sprintf("(unknown: rebuilding the graph failed: %v)", err)
	}
	defer bg.close()
	copyPrefix(bg.xT, failed.xT)
	copyPrefix(bg.epsT, failed.epsT)
	bg.upper.copyFrom(failed.upper)
	if failed.betaT != nil {
		bg.betaT.Set(0, failed.betaT.Get(0))
	}
	watch := G.NewTapeMachine(bg.g, G.WithNaNWatch(), G.WithInfWatch())
	defer watch.Close()
	if err := watch.RunAll(); err != nil {
		return err.Error()
	}
	return "(unknown: the re-run was finite)"
}
