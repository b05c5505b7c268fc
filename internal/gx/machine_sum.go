package gx

import (
	"reflect"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/vmath"
)

// Gorgonia's sum has no UsePreallocDo: every run allocates its result (a
// fifth of what a Burda IWAE step allocated once the other operations
// wrote in place). A Machine sums a dense float matrix or vector into the
// first run's value itself, in the order Gorgonia's tensor package adds
// (TestMachineSumMatchesGorgonia): along axis 0, the first row copied and
// each next row added to it; along the last axis, or over everything, a
// running total from zero left to right.

// sumAxes returns the axes a sum operation reduces: Gorgonia keeps them in
// an unexported field, read here by reflection (a field it could rename;
// then ok is false and the sum allocates as before).
func sumAxes(op G.Op) (along []int, ok bool) {
	f := reflect.ValueOf(op).FieldByName("along")
	if !f.IsValid() || f.Kind() != reflect.Slice {
		return nil, false
	}
	for i := range f.Len() {
		along = append(along, int(f.Index(i).Int()))
	}
	return along, true
}

// sumInto writes the sum of in along the axes into out, the value of an
// earlier run, and reports whether it could (a dense float32 or float64
// vector or matrix in row-major order, not a view).
func sumInto(out, in G.Value, along []int) bool {
	a, ok := in.(*tensor.Dense)
	if !ok || a.IsView() || !a.DataOrder().IsRowMajor() || a.Dims() < 1 || a.Dims() > 2 {
		return false
	}
	all := len(along) == 0 || len(along) == a.Dims()
	if !all && (len(along) != 1 || a.Dims() != 2) {
		return false
	}
	switch x := a.Data().(type) {
	case []float32:
		return sumF(out, x, a.Shape(), along, all)
	case []float64:
		return sumF(out, x, a.Shape(), along, all)
	}
	return false
}

func sumF[T float32 | float64](out G.Value, x []T, shape tensor.Shape, along []int, all bool) bool {
	if all {
		var s T
		for _, v := range x {
			s += v
		}
		switch o := out.(type) {
		case *G.F32:
			*o = G.F32(s)
		case *G.F64:
			*o = G.F64(s)
		default:
			return false
		}
		return true
	}
	o, ok := out.(*tensor.Dense)
	if !ok {
		return false
	}
	dst, ok := o.Data().([]T)
	rows, cols := shape[0], shape[1]
	switch {
	case !ok || o.IsView():
		return false
	case along[0] == 0 && len(dst) == cols:
		copy(dst, x[:cols])
		dst32, _ := any(dst).([]float32)
		for r := 1; r < rows; r++ {
			row := x[r*cols : (r+1)*cols]
			if dst32 != nil { // the same additions, eight columns at a time
				vmath.Add(dst32, dst32, any(row).([]float32))
				continue
			}
			for j, v := range row {
				dst[j] += v
			}
		}
	case along[0] == 1 && len(dst) == rows:
		for r := range rows {
			var s T
			for _, v := range x[r*cols : (r+1)*cols] {
				s += v
			}
			dst[r] = s
		}
	default:
		return false
	}
	return true
}
