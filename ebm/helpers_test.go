package ebm

import (
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
)

// near fails the test unless got and want agree within tol, absolute or
// relative, as gonum's scalar.EqualWithinAbsOrRel measures it.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !scalar.EqualWithinAbsOrRel(got, want, tol, tol) {
		t.Errorf("%s = %.12g, want %.12g (tolerance %g)", what, got, want, tol)
	}
}
