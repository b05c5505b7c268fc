package nbrun

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"
	"time"
)

func runOptions(t *testing.T) Options {
	t.Helper()
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return Options{ModuleDir: root, WorkDir: t.TempDir(), Quick: true, CellTimeout: time.Minute}
}

const demoImports = `import (
	"fmt"
	"image"
	"os"

	"github.com/govae/govae/notebooks/nbutil"
)

func greet() string { return "hello" }
`

// demo is a notebook whose cells print, show a picture, write to standard
// error, and pass a file from one cell to the next through the cache.
func demo(t *testing.T) *Notebook {
	return notebook(t,
		"md:# Demo",
		demoImports+`
%%
fmt.Println(greet())
fmt.Print("quick=", nbutil.Quick(), " ")
if err := nbutil.Show(image.NewGray(image.Rect(0, 0, 5, 3))); err != nil {
	panic(err)
}
fmt.Fprintln(os.Stderr, "to stderr")
path, err := nbutil.CachePath("state.txt", nil)
if err != nil {
	panic(err)
}
if err := os.WriteFile(path, []byte("from cell 2"), 0o644); err != nil {
	panic(err)
}
fmt.Println("after")`,
		"md:Text between.",
		`%%
path, _ := nbutil.CachePath("state.txt", nil)
b, err := os.ReadFile(path)
fmt.Println(string(b), err, os.Getenv("GONB_PIPE") == "")`,
		"var unused = 1",
	)
}

func TestRunCollectsOutputs(t *testing.T) {
	t.Setenv("GONB_PIPE", "/nonexistent/pipe")
	nb := demo(t)
	nb.Cells[1].raw["metadata"] = map[string]any{"govae_figure": "demo.png"}
	nb.Cells[3].raw["metadata"] = map[string]any{"govae_figure": "none.png"}
	res, err := Run(context.Background(), nb, "demo.ipynb", runOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outputs) != 2 {
		t.Fatalf("outputs for %d cells, want 2: %+v", len(res.Outputs), res.Outputs)
	}
	o := res.Outputs[1]
	if len(o) != 4 || o[0].Text != "hello\nquick=true " || o[1].Type != "display_data" ||
		o[2].Name != "stdout" || o[2].Text != "after\n" || o[3].Name != "stderr" || o[3].Text != "to stderr\n" {
		t.Fatalf("cell 2 outputs %+v", o)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(o[1].PNG)); err != nil || cfg.Width != 5 || cfg.Height != 3 {
		t.Errorf("picture: %+v, %v; want a 5×3 PNG", cfg, err)
	}
	if o := res.Outputs[3]; len(o) != 1 || o[0].Text != "from cell 2 <nil> true\n" {
		t.Errorf("cell 4 outputs %+v: want the file cell 2 cached, and no GoNB pipe", o)
	}

	// Saved, written and read back, the outputs pass CheckSaved.
	nb.SetOutputs(res)
	var buf bytes.Buffer
	if err := nb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	saved, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSaved(saved, "demo.ipynb", res); err != nil {
		t.Errorf("freshly saved outputs: %v", err)
	}
	if c := saved.Cells[3]; c.ExecutionCount != 2 || len(c.Outputs) != 1 || c.Outputs[0].Text != "from cell 2 <nil> true\n" {
		t.Errorf("cell 4 read back: count %d, outputs %+v", c.ExecutionCount, c.Outputs)
	}
	if !bytes.Equal(saved.Cells[1].Outputs[1].PNG, o[1].PNG) {
		t.Error("the picture did not survive writing and reading")
	}
	if figs := saved.Figures(); len(figs) != 2 || !bytes.Equal(figs["demo.png"], o[1].PNG) || figs["none.png"] != nil {
		t.Errorf("figures %v: want demo.png, the picture of cell 2, and none.png without one", figs)
	}

	// A missing picture, or edited code, fails CheckSaved.
	saved.Cells[1].Outputs = saved.Cells[1].Outputs[:1]
	if err := CheckSaved(saved, "demo.ipynb", res); err == nil || !strings.Contains(err.Error(), "demo.ipynb cell 2: saved outputs") {
		t.Errorf("a missing picture: %v", err)
	}
	saved, _ = Read(bytes.NewReader(buf.Bytes()))
	saved.Cells[4].Source += "\nvar more = 2"
	if err := CheckSaved(saved, "demo.ipynb", res); err == nil || !strings.Contains(err.Error(), "not those of the current code") {
		t.Errorf("edited code: %v", err)
	}
	saved, _ = Read(bytes.NewReader(buf.Bytes()))
	saved.Cells[2].Source = "Markdown edited."
	if err := CheckSaved(saved, "demo.ipynb", res); err != nil {
		t.Errorf("edited Markdown: %v", err)
	}
}

// TestRunReportsFailures checks that compile errors and panics fail the run
// and point at the cell and line.
func TestRunReportsFailures(t *testing.T) {
	for _, c := range []struct {
		cells []string
		want  []string
	}{
		{[]string{"md:x", "%%\nfmt.Println(nosuch)"}, []string{"demo.ipynb does not build", "demo.ipynb cell 2:2:13: undefined: nosuch"}},
		{[]string{"import \"fmt\"\n%%\nfmt.Println(1)", "%%\nfmt.Println(\"before\")\nvar s []int\n_ = s[2]"},
			[]string{"demo.ipynb cell 2 failed: exit status 2", "before", "index out of range", "demo.ipynb cell 2:4"}},
	} {
		_, err := Run(context.Background(), notebook(t, c.cells...), "demo.ipynb", runOptions(t))
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("cells %q: error %v, want one containing %q", c.cells, err, w)
			}
		}
	}
}

// TestWriteKeepsTheFile reads a notebook in Jupyter's own layout, with
// fields the runner does not know, and writes it back byte for byte.
func TestWriteKeepsTheFile(t *testing.T) {
	const file = `{
 "cells": [
  {
   "cell_type": "markdown",
   "id": "a1",
   "metadata": {
    "tags": [
     "intro"
    ]
   },
   "source": [
    "# Title <with> & \"quotes\"\n",
    "é"
   ]
  },
  {
   "cell_type": "code",
   "execution_count": 7,
   "id": "b2",
   "metadata": {},
   "outputs": [
    {
     "data": {
      "text/html": [
       "<b>x</b>"
      ]
     },
     "metadata": {},
     "output_type": "display_data"
    },
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "1\n",
      "2\n"
     ]
    }
   ],
   "source": [
    "%%\n",
    "fmt.Println(1)"
   ]
  }
 ],
 "metadata": {
  "kernelspec": {
   "display_name": "Go (gonb)",
   "language": "go",
   "name": "gonb"
  }
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`
	nb, err := Read(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if c := nb.Cells[1]; c.ExecutionCount != 7 || c.Source != "%%\nfmt.Println(1)" || len(c.Outputs) != 2 || c.Outputs[1].Text != "1\n2\n" || c.Outputs[0].Type != "display_data" {
		t.Errorf("code cell read as %+v", c)
	}
	var buf bytes.Buffer
	if err := nb.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != file {
		t.Errorf("written back as\n%s", buf.String())
	}
	for _, bad := range []string{`{"nbformat": 3, "cells": []}`, `{"nbformat": 4}`, `[]`, `{"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}`} {
		if _, err := Read(strings.NewReader(bad)); err == nil || !strings.HasPrefix(err.Error(), "nbrun: ") {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}
