package dist

import (
	"math"
	"testing"
)

// TestLog32 compares the float32 log with float64's over [2^-20, 2^20],
// normal numbers on both sides of 1.
func TestLog32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 200000; i++ {
		x := float32(math.Pow(2, -20+40*float64(i)/200000))
		got, want := float64(log32(x)), math.Log(float64(float32(x)))
		err := math.Abs(got - want)
		if want != 0 {
			err /= math.Max(math.Abs(want), 1)
		}
		worst = math.Max(worst, err)
	}
	if worst > 3e-7 {
		t.Errorf("log32: worst error %.3g (relative, absolute below 1), want at most 3e-7", worst)
	}
	t.Logf("log32: worst error %.3g", worst)
}
