package train

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/govae/govae/internal/atomicfile"
)

// digitColors are the ten colours of the latent scatter plot, one per
// digit (matplotlib's "tab10", made to be told apart).
var digitColors = [10]color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
}

// lossPlot draws the train and test loss of every epoch.
func lossPlot(history []Metrics) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Loss per epoch"
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "negative bound (nats per image)"
	train, test := make(plotter.XYs, len(history)), make(plotter.XYs, len(history))
	for i, m := range history {
		train[i] = plotter.XY{X: float64(m.Epoch), Y: m.TrainLoss}
		test[i] = plotter.XY{X: float64(m.Epoch), Y: m.TestLoss}
	}
	for i, s := range []struct {
		name string
		xys  plotter.XYs
	}{{"train", train}, {"test", test}} {
		line, points, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return nil, fmt.Errorf("train: loss plot: %w", err)
		}
		line.Color = digitColors[i]
		points.Color = digitColors[i]
		points.Shape = draw.CircleGlyph{}
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p, nil
}

// latentPlot draws 2-D latents z (pairs, one per example) coloured by the
// example's label (the colours repeat after ten), or all in one colour
// when labels is nil (unlabelled data).
func latentPlot(z []float64, labels []uint8) (*plot.Plot, error) {
	var byLabel [256]plotter.XYs
	for i := range len(z) / 2 {
		var l uint8
		if labels != nil {
			l = labels[i]
		}
		byLabel[l] = append(byLabel[l], plotter.XY{X: z[2*i], Y: z[2*i+1]})
	}
	p := plot.New()
	p.Title.Text = "Test set in latent space (posterior means)"
	p.X.Label.Text = "z₁"
	p.Y.Label.Text = "z₂"
	for l, xys := range byLabel {
		if len(xys) == 0 {
			continue
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("train: latent plot: %w", err)
		}
		s.Color = digitColors[l%len(digitColors)]
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(1)
		p.Add(s)
		if labels == nil {
			continue
		}
		// The legend shows a larger dot than the plot, to be read.
		key := *s
		key.Radius = vg.Points(3)
		p.Legend.Add(fmt.Sprint(l), &key)
	}
	p.Legend.Left = false
	p.Legend.Top = true
	return p, nil
}

// savePlot writes p as a w×h PNG to path atomically.
func savePlot(path string, p *plot.Plot, w, h vg.Length) error {
	wt, err := p.WriterTo(w, h, "png")
	if err != nil {
		return fmt.Errorf("train: drawing %s: %w", path, err)
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}
