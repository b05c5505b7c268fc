package ebm

import (
	"fmt"
	"image"
	"image/color"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// FilterImage draws the weights of each hidden unit, the column W[:, j]
// seen as a rows×cols image, in a grid of gridCols tiles per line. Each
// filter is scaled on its own from its minimum (black) to its maximum
// (white), as is usual for RBM filters.
func FilterImage(r *RBM, rows, cols, gridCols int) *image.Gray {
	return tiles(mat.DenseCopyOf(r.W.T()), rows, cols, gridCols, func(x []float64) (float64, float64) {
		return floats.Min(x), floats.Max(x)
	})
}

// SampleImage draws each row of v, values in [0, 1] (states or
// probabilities), as a rows×cols image in a grid of gridCols tiles per
// line, 0 black and 1 white.
func SampleImage(v *mat.Dense, rows, cols, gridCols int) *image.Gray {
	return tiles(v, rows, cols, gridCols, func([]float64) (float64, float64) { return 0, 1 })
}

// tiles lays out the rows of m as rows×cols images with a one-pixel grey
// border, each mapped linearly from [lo, hi] = span(row) to black..white.
func tiles(m *mat.Dense, rows, cols, gridCols int, span func([]float64) (lo, hi float64)) *image.Gray {
	n, d := m.Dims()
	if d != rows*cols || gridCols < 1 {
		panic(fmt.Sprintf("ebm: cannot tile images of %d values as %d×%d in %d columns", d, rows, cols, gridCols))
	}
	gridCols = min(gridCols, n)
	gridRows := (n + gridCols - 1) / gridCols
	img := image.NewGray(image.Rect(0, 0, gridCols*(cols+1)+1, gridRows*(rows+1)+1))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	for k := range n {
		x := m.RawRowView(k)
		lo, hi := span(x)
		x0, y0 := 1+(k%gridCols)*(cols+1), 1+(k/gridCols)*(rows+1)
		for i := range rows {
			for j := range cols {
				g := 0.0
				if hi > lo {
					g = (x[i*cols+j] - lo) / (hi - lo)
				}
				img.SetGray(x0+j, y0+i, color.Gray{Y: uint8(255*min(max(g, 0), 1) + 0.5)})
			}
		}
	}
	return img
}
