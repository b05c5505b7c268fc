package train

import (
	"fmt"
	"io"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/govae/govae/elbo"
)

// WriteSNRPlot writes, as a PNG, the encoder's and the decoder's
// signal-to-noise ratio against K (vae.MeasureSNR, estimator-snr), side by
// side on log-log axes, one line per estimator in the order they first
// appear in points.
func WriteSNRPlot(w io.Writer, points []elbo.SNRPoint) error {
	var ests []elbo.Estimator
	for _, pt := range points {
		if !slices.Contains(ests, pt.Estimator) {
			ests = append(ests, pt.Estimator)
		}
	}
	panels := make([]*plot.Plot, 2)
	for i, part := range []string{"encoder", "decoder"} {
		p := plot.New()
		p.Title.Text = part + " gradient, IWAE"
		p.X.Label.Text = "K (samples)"
		p.Y.Label.Text = "mean SNR |mean|/sd"
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
		p.Legend.Top = true
		var lines []any
		for _, est := range ests {
			var xy plotter.XYs
			for _, pt := range points {
				if pt.Estimator == est {
					v := pt.Encoder
					if i == 1 {
						v = pt.Decoder
					}
					xy = append(xy, plotter.XY{X: float64(pt.K), Y: v})
				}
			}
			lines = append(lines, est.String(), xy)
		}
		if err := plotutil.AddLinePoints(p, lines...); err != nil {
			return fmt.Errorf("train: SNR plot: %w", err)
		}
		panels[i] = p
	}
	img := vgimg.New(vg.Points(900), vg.Points(400))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{panels}, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[0][i])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}
