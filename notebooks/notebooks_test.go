package notebooks_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govae/govae/notebooks/nbrun"
)

// logWriter sends the runner's progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// TestNotebooks runs every notebook with its quick settings and checks its
// saved outputs against what the cells give now, and the figures README.md
// shows against the pictures saved in the notebooks. It also checks that
// each notebook starts with the cell that points GoNB at the checkout
// (nbrun.GoNBSetup); TestNotebooksInGoNB runs them in GoNB itself.
func TestNotebooks(t *testing.T) {
	paths, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"continuous.ipynb", "ebm.ipynb", "elbo.ipynb", "encoder.ipynb", "estimators.ipynb", "hierarchy.ipynb", "latent.ipynb", "quickstart.ipynb"} {
		if !slices.Contains(paths, want) {
			t.Errorf("notebook %s is missing (found %v)", want, paths)
		}
	}
	root, err := nbrun.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(p, ".ipynb"), func(t *testing.T) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			nb, err := nbrun.Read(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !firstCodeCell(nb).IsGoNBSetup() {
				t.Errorf("%s: the first code cell is not nbrun.GoNBSetup, word for word: copy that cell from quickstart.ipynb (GoNB needs it to find this checkout)", p)
			}
			res, err := nbrun.Run(context.Background(), nb, p, nbrun.Options{
				ModuleDir: root, WorkDir: dir, Quick: true, CellTimeout: 2 * time.Minute, Log: logWriter{t},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := nbrun.CheckSaved(nb, p, res); err != nil {
				t.Errorf("%v\n(run `go run ./notebooks/cmd/regen %s` from the module root)", err, filepath.Join("notebooks", p))
			}
			for name, png := range nb.Figures() {
				if saved, err := os.ReadFile(name); err != nil || png == nil || !bytes.Equal(saved, png) {
					t.Errorf("%s is not the picture saved in %s (%v): run regen", name, p, err)
				}
			}
		})
	}
}

// firstCodeCell returns the first code cell of nb, or an empty cell.
func firstCodeCell(nb *nbrun.Notebook) *nbrun.Cell {
	for _, c := range nb.Cells {
		if c.Type == "code" {
			return c
		}
	}
	return &nbrun.Cell{}
}
