package main

import (
	"bytes"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun runs the command with few draws and checks the table (a line per
// estimator and K) and that the plot is a PNG.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "snr.png")
	cfg, err := parseFlags([]string{"-out", out, "-draws", "5", "-k", "1, 3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := run(cfg, &table); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 1+len(estimators)*2 || !strings.HasPrefix(lines[1], "reparam") || !strings.Contains(lines[2], " 3 ") {
		t.Errorf("table:\n%s", table.String())
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
		{"extra"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
