package rbmrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/atomicfile"
)

// RunsDir is the folder under which runs without -out get a folder of
// their own.
const RunsDir = "runs"

// newRunDir creates the output folder of a run: cfg.Out, which must not
// hold a run already, or the first free
// runs/ebm-<estimator><k>-h<hidden>-seed<seed>-<n>, counting n from 1.
func newRunDir(cfg Config) (string, error) {
	if cfg.Out != "" {
		if _, err := os.Stat(filepath.Join(cfg.Out, "model.ckpt")); err == nil {
			return "", fmt.Errorf("rbmrun: %s already holds a run (it has a model.ckpt): choose another -out", cfg.Out)
		}
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return "", fmt.Errorf("rbmrun: creating the output folder: %w", err)
		}
		return cfg.Out, nil
	}
	if err := os.MkdirAll(RunsDir, 0o755); err != nil {
		return "", fmt.Errorf("rbmrun: creating the runs folder: %w (give an output folder with -out)", err)
	}
	for n := 1; ; n++ {
		dir := filepath.Join(RunsDir, fmt.Sprintf("ebm-%v%d-h%d-seed%d-%d", cfg.Estimator, cfg.K, cfg.Hidden, cfg.Seed, n))
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("rbmrun: creating the output folder: %w (give an output folder with -out)", err)
		}
	}
}

// writeJSON writes v, indented, to path atomically.
func writeJSON(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// writePNG writes img to path atomically.
func writePNG(path string, img image.Image) error {
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// toMatrix returns the images of s as rows with values in [0, 1].
func toMatrix(s *datasets.Set) *mat.Dense {
	m := mat.NewDense(s.Len(), s.Dim(), nil)
	datasets.Scale(m.RawMatrix().Data, s, 0, s.Len())
	return m
}

// finite returns &x, or nil when x is infinite or NaN (JSON has neither).
func finite(x float64) *float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return nil
	}
	return &x
}
