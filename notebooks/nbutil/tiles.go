package nbutil

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Tiles lays out images of rows×cols grey levels in [0,1] (1 is white),
// given one after the other in pixels, in a grid perRow images wide, each
// pixel drawn as a scale×scale square and the images separated by a dark
// grey line one square wide. Values outside [0,1] are clipped, and NaN is
// drawn black. It panics if
// pixels does not hold a whole number of images or a size is not positive.
func Tiles(pixels []float64, rows, cols, perRow, scale int) *image.Gray {
	if rows <= 0 || cols <= 0 || perRow <= 0 || scale <= 0 {
		panic(fmt.Sprintf("nbutil: Tiles sizes must be positive, got rows %d, cols %d, perRow %d, scale %d", rows, cols, perRow, scale))
	}
	if len(pixels)%(rows*cols) != 0 || len(pixels) == 0 {
		panic(fmt.Sprintf("nbutil: Tiles got %d values, not a whole number of %d×%d images", len(pixels), rows, cols))
	}
	n := len(pixels) / (rows * cols)
	across := min(n, perRow)
	down := (n + perRow - 1) / perRow
	const gap = 1
	w := (across*(cols+gap) + gap) * scale
	h := (down*(rows+gap) + gap) * scale
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 64
	}
	for k := range n {
		x0 := (gap + (k%perRow)*(cols+gap)) * scale
		y0 := (gap + (k/perRow)*(rows+gap)) * scale
		for r := range rows {
			for c := range cols {
				v := pixels[k*rows*cols+r*cols+c]
				if math.IsNaN(v) {
					v = 0
				}
				g := color.Gray{Y: uint8(math.Round(255 * math.Max(0, math.Min(1, v))))}
				for dy := range scale {
					for dx := range scale {
						img.SetGray(x0+c*scale+dx, y0+r*scale+dy, g)
					}
				}
			}
		}
	}
	return img
}
