package nbutil

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Show displays img in the notebook (see the package documentation for
// where it goes outside one).
func Show(img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("nbutil: cannot encode the picture as PNG: %w", err)
	}
	return ShowPNG(buf.Bytes())
}

// ShowPlot draws p at width w and height h (at 96 dots per inch) and
// displays it as Show does.
func ShowPlot(p *plot.Plot, w, h vg.Length) error {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(96))}
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("nbutil: cannot render the plot: %w", err)
	}
	return ShowPNG(buf.Bytes())
}

// ShowPNG displays an image already encoded as PNG.
func ShowPNG(data []byte) error {
	if dir := os.Getenv(DisplayEnv); dir != "" {
		return toRunner(dir, data)
	}
	if pipe := os.Getenv(gonbPipeEnv); pipe != "" {
		return toGoNB(pipe, data)
	}
	f, err := os.CreateTemp("", "govae-*.png")
	if err != nil {
		return fmt.Errorf("nbutil: cannot save the picture: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("nbutil: cannot save the picture: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("nbutil: cannot save the picture: %w", err)
	}
	fmt.Println("picture saved to", f.Name())
	return nil
}

// toRunner writes the picture into dir and prints the marker line that
// places it among the cell's output.
func toRunner(dir string, data []byte) error {
	f, err := os.CreateTemp(dir, "display-*.png")
	if err != nil {
		return fmt.Errorf("nbutil: cannot write the picture for the notebook runner: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("nbutil: cannot write the picture for the notebook runner: %w", err)
	}
	_, err = fmt.Fprintf(os.Stdout, "%s%s\n", DisplayMarker, filepath.Base(f.Name()))
	return err
}

// GoNB's display protocol, written here rather than imported: the gonb
// module would add a dependency tree (klog, its kernel) to a library that
// only needs to send one kind of message. A program GoNB runs finds a named
// pipe in $GONB_PIPE and writes gob-encoded protocol.DisplayData values to it
// (github.com/janpfeifer/gonb/gonbui/protocol); gob matches struct fields by
// name, so a struct with the same fields decodes there.
const gonbPipeEnv = "GONB_PIPE"

// gonbDisplayData has the fields of GoNB's protocol.DisplayData.
type gonbDisplayData struct {
	Data      map[string]any // MIME type to content
	Metadata  map[string]any
	DisplayID string
}

// gonb is the open display pipe: one gob stream for the whole process, as
// GoNB reads it with one decoder.
var gonb struct {
	sync.Mutex
	enc *gob.Encoder
	err error
}

func toGoNB(pipe string, data []byte) error {
	gonb.Lock()
	defer gonb.Unlock()
	if gonb.enc == nil && gonb.err == nil {
		f, err := os.OpenFile(pipe, os.O_WRONLY, 0)
		if err != nil {
			gonb.err = fmt.Errorf("nbutil: cannot open GoNB's display pipe: %w", err)
		} else {
			gonb.enc = gob.NewEncoder(f)
		}
	}
	if gonb.err != nil {
		return gonb.err
	}
	return encodePNG(gonb.enc, data)
}

// encodePNG sends one picture as GoNB's display message.
func encodePNG(enc *gob.Encoder, data []byte) error {
	if err := enc.Encode(gonbDisplayData{Data: map[string]any{"image/png": data}}); err != nil {
		return fmt.Errorf("nbutil: cannot send the picture to GoNB: %w", err)
	}
	return nil
}
