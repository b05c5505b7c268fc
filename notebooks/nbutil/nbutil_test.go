package nbutil

import (
	"bytes"
	"encoding/gob"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func TestPick(t *testing.T) {
	for _, c := range []struct {
		env  string
		want int
	}{{"1", 2}, {"", 1}, {"0", 1}, {"true", 1}} {
		t.Setenv(QuickEnv, c.env)
		if got := Pick(1, 2); got != c.want || Quick() != (c.want == 2) {
			t.Errorf("%s=%q: Pick(1, 2) = %d, Quick() = %v; want %d", QuickEnv, c.env, got, Quick(), c.want)
		}
	}
}

func TestCachePath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(CacheEnv, dir)
	type settings struct {
		Epochs int
		Hidden []int
	}
	a, err := CachePath("model.ckpt", settings{2, []int{200}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CachePath("model.ckpt", settings{2, []int{200}})
	c, _ := CachePath("model.ckpt", settings{3, []int{200}})
	if a != b || a == c {
		t.Errorf("same settings gave %s and %s; other settings gave %s", a, b, c)
	}
	if filepath.Dir(a) != dir || !strings.HasPrefix(filepath.Base(a), "model-") || filepath.Ext(a) != ".ckpt" {
		t.Errorf("path %s is not model-<hash>.ckpt in %s", a, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Errorf("cache folder not created: %v", err)
	}
	for _, bad := range []string{"", "../x", "a/b", "a b"} {
		if _, err := CachePath(bad, nil); err == nil {
			t.Errorf("name %q was accepted", bad)
		}
	}
}

func TestTiles(t *testing.T) {
	// Three 2×3 images, two per row, each pixel drawn 2×2.
	px := make([]float64, 18)
	px[0] = 1     // image 0, top left: white
	px[6+5] = 0.5 // image 1, bottom right: mid grey
	px[12+1] = 7  // image 2, clipped to white
	img := Tiles(px, 2, 3, 2, 2)
	// Width (2 images × (3+1) + 1) × 2 = 18, height (2 rows × (2+1) + 1) × 2 = 14.
	if b := img.Bounds(); b.Dx() != 18 || b.Dy() != 14 {
		t.Fatalf("size %v, want 18×14", b)
	}
	for _, c := range []struct {
		x, y int
		want uint8
	}{
		{0, 0, 64}, {1, 1, 64}, // the frame
		{2, 2, 255}, {3, 3, 255}, // image 0 pixel (0,0)
		{4, 2, 0},                          // image 0 pixel (0,1)
		{8, 2, 64},                         // the line between images 0 and 1
		{10 + 4, 2 + 2, 128}, {15, 5, 128}, // image 1 pixel (1,2)
		{2 + 2, 8, 255}, // image 2 pixel (0,1)
		{10, 8, 64},     // no fourth image
	} {
		if got := img.GrayAt(c.x, c.y).Y; got != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, got, c.want)
		}
	}
	for _, bad := range []func(){
		func() { Tiles(make([]float64, 5), 2, 3, 2, 1) },
		func() { Tiles(nil, 2, 3, 2, 1) },
		func() { Tiles(make([]float64, 6), 2, 3, 0, 1) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "nbutil: ") {
					t.Errorf("want a panic prefixed nbutil:, got %v", r)
				}
			}()
			bad()
		}()
	}
}

// captureStdout runs f with os.Stdout redirected and returns what it wrote.
func captureStdout(t *testing.T, f func() error) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	ferr := f()
	os.Stdout = saved
	w.Close()
	out := <-done
	if ferr != nil {
		t.Fatal(ferr)
	}
	return string(out)
}

// TestShowForRunner checks the runner protocol: a file in the display
// folder and a marker line naming it.
func TestShowForRunner(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(DisplayEnv, dir)
	t.Setenv(gonbPipeEnv, filepath.Join(dir, "not-used"))
	p := plot.New()
	line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(line)
	out := captureStdout(t, func() error {
		if err := Show(image.NewGray(image.Rect(0, 0, 5, 3))); err != nil {
			return err
		}
		return ShowPlot(p, 4*vg.Inch, 2*vg.Inch)
	})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout %q: want two marker lines", out)
	}
	wantSize := [][2]int{{5, 3}, {384, 192}} // 4 and 2 inches at 96 dpi
	for i, l := range lines {
		name, ok := strings.CutPrefix(l, DisplayMarker)
		if !ok {
			t.Fatalf("line %q does not start with the marker", l)
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != wantSize[i][0] || cfg.Height != wantSize[i][1] {
			t.Errorf("picture %d: %dx%d (%v), want %v", i, cfg.Width, cfg.Height, err, wantSize[i])
		}
	}
}

// gonbMIMEType and gonbProtocolDisplayData copy GoNB's protocol types
// (gonbui/protocol): what GoNB decodes the display pipe into.
type gonbMIMEType string

type gonbProtocolDisplayData struct {
	Data      map[gonbMIMEType]any
	Metadata  map[string]any
	DisplayID string
}

// TestShowForGoNB writes two pictures through the GoNB path (to a plain
// file standing for the pipe) and decodes them as GoNB does: one decoder
// over the whole stream, into GoNB's own type.
func TestShowForGoNB(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "pipe")
	if err := os.WriteFile(pipe, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(DisplayEnv, "")
	t.Setenv(gonbPipeEnv, pipe)
	pics := [][]byte{{0x89, 'P', 'N', 'G', 1}, {0x89, 'P', 'N', 'G', 2, 3}}
	for _, p := range pics {
		if err := ShowPNG(p); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(pipe)
	if err != nil {
		t.Fatal(err)
	}
	dec := gob.NewDecoder(bytes.NewReader(b))
	for i, want := range pics {
		var got gonbProtocolDisplayData
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if data, ok := got.Data["image/png"].([]byte); !ok || !bytes.Equal(data, want) || len(got.Data) != 1 {
			t.Errorf("message %d: %#v, want image/png %v", i, got.Data, want)
		}
	}
}

func TestShowElsewhere(t *testing.T) {
	t.Setenv(DisplayEnv, "")
	t.Setenv(gonbPipeEnv, "")
	t.Setenv("TMPDIR", t.TempDir())
	out := captureStdout(t, func() error { return ShowPNG([]byte("png")) })
	path, ok := strings.CutPrefix(strings.TrimSpace(out), "picture saved to ")
	if !ok {
		t.Fatalf("stdout %q does not say where the picture went", out)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "png" {
		t.Errorf("saved file %s: %q, %v", path, b, err)
	}
}
