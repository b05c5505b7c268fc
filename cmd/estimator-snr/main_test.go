package main

import (
	"bytes"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/train"
)

// runTable runs the command with args and returns the lines of its table.
func runTable(t *testing.T, args ...string) []string {
	t.Helper()
	cfg, err := parseFlags(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := run(cfg, &table); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(table.String()), "\n")
}

// TestRun runs the command with few draws and checks the table (a line per
// estimator and K) and that the plot is a PNG.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "snr.png")
	lines := runTable(t, "-out", out, "-draws", "5", "-k", "1, 3")
	if len(lines) != 1+len(estimators)*2 || !strings.HasPrefix(lines[1], "reparam") || !strings.Contains(lines[2], " 3 ") {
		t.Errorf("table:\n%s", strings.Join(lines, "\n"))
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 300 {
		t.Errorf("plot of %v pixels", b)
	}
}

// TestParseFlagsRejects checks the usage errors.
func TestParseFlagsRejects(t *testing.T) {
	for _, args := range [][]string{
		{"-draws", "1"},
		{"-k", "1,0"},
		{"-k", "five"},
		{"-out", ""},
		{"-images", "0"},
		{"extra"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

// TestRunOnTrainedModel trains a tiny model with vae-train's package for
// two epochs, measures it with -run, and checks the table (a finite SNR
// for every estimator and K) and the plot; a two-layer run is measured
// with reparam only, and a folder without a run is a clear error.
func TestRunOnTrainedModel(t *testing.T) {
	tiny := func(upper string) string {
		c := train.DefaultConfig()
		c.Limit, c.EvalLimit, c.Epochs, c.Hidden, c.Latent, c.Binarize = 200, 50, 2, train.Sizes{16}, 3, datasets.Dynamic
		if err := c.Upper.UnmarshalText([]byte(upper)); err != nil {
			t.Fatal(err)
		}
		c.Out = filepath.Join(t.TempDir(), "run")
		if _, err := train.Train(c, train.Options{}); err != nil {
			t.Fatal(err)
		}
		return c.Out
	}
	for _, c := range []struct {
		upper string
		rows  int
	}{{"", len(estimators) * 2}, {"8:2", 2}} {
		out := filepath.Join(t.TempDir(), "snr.png")
		lines := runTable(t, "-run", tiny(c.upper), "-out", out, "-draws", "20", "-k", "1,5", "-images", "10")
		if len(lines) != 1+c.rows || !strings.HasPrefix(lines[1], "reparam") {
			t.Fatalf("-upper %q: table:\n%s", c.upper, strings.Join(lines, "\n"))
		}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			for _, v := range f[2:] {
				if x, err := strconv.ParseFloat(v, 64); err != nil || !(x > 0) || math.IsInf(x, 0) {
					t.Errorf("-upper %q: SNR %q in line %q", c.upper, v, l)
				}
			}
		}
		if _, err := os.Stat(out); err != nil {
			t.Error(err)
		}
	}
	cfg, err := parseFlags([]string{"-run", t.TempDir()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(cfg, io.Discard); err == nil || !strings.Contains(err.Error(), "holds no model.ckpt") {
		t.Errorf("a folder without a run: %v", err)
	}
}
