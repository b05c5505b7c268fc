package dist

import (
	"math"
	"testing"
)

// TestLog1p32 compares the float32 log1p with float64's over (0, 1], the
// range softplus32 calls it on, and at the tiny values where 1+t rounds to 1.
func TestLog1p32(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 100000; i++ {
		x := float32(math.Pow(2, -30*float64(i)/100000)) // 1 down to 2^-30
		got, want := float64(log1p32(x)), math.Log1p(float64(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 4e-7 {
		t.Errorf("log1p32: worst relative error %.3g over (2^-30, 1], want at most 4e-7", worst)
	}
	t.Logf("log1p32: worst relative error %.3g", worst)
}

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
