package nbrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/govae/govae/notebooks/nbutil"
)

// Options say how Run builds and runs a notebook.
type Options struct {
	// ModuleDir is the folder of the go.mod the programs are built
	// against: the notebooks use the library as it is there.
	ModuleDir string
	// WorkDir is the cells' working folder; GoNB runs cells in the
	// notebook's folder.
	WorkDir string
	// Quick asks the notebooks for their quick settings (nbutil.QuickEnv).
	Quick bool
	// CellTimeout bounds each cell's run; 0 means no bound.
	CellTimeout time.Duration
	// Log, if not nil, receives a line per build and per cell run.
	Log io.Writer
}

// Result is what a run of a notebook produced.
type Result struct {
	// Outputs holds, by index in Notebook.Cells, the outputs of every
	// cell that ran, in the order they were made; a cell that printed
	// nothing has an empty list.
	Outputs map[int][]Output
}

// Run translates nb (see Translate), builds its programs with the go
// command found in PATH, and runs them in order, each in a process of its
// own, as GoNB runs cells. The cells of one run share a fresh cache folder
// (nbutil.CacheEnv), so that a model one cell saves is there for the next.
// name is the notebook's file name, for messages.
//
// A cell that fails to compile, exits with an error or panics stops the
// run; the error gives the go command's or the cell's standard error, whose
// file names and lines point into the notebook's cells.
func Run(ctx context.Context, nb *Notebook, name string, opt Options) (*Result, error) {
	progs, err := Translate(nb, name)
	if err != nil {
		return nil, err
	}
	for i, c := range nb.Cells {
		if c.IsGoNBSetup() && opt.Log != nil {
			fmt.Fprintf(opt.Log, "%s: GoNB's module setup (GoNBSetup), skipped: the cells are built against %s\n", cellFile(name, i), opt.ModuleDir)
		}
	}
	tmp, err := os.MkdirTemp("", "nbrun-*")
	if err != nil {
		return nil, fmt.Errorf("nbrun: %w", err)
	}
	defer os.RemoveAll(tmp)
	bins, err := build(ctx, progs, name, opt, tmp)
	if err != nil {
		return nil, err
	}
	cache := filepath.Join(tmp, "cache")
	if err := os.Mkdir(cache, 0o755); err != nil {
		return nil, fmt.Errorf("nbrun: %w", err)
	}
	res := &Result{Outputs: map[int][]Output{}}
	for i, p := range progs {
		if !p.Run {
			continue
		}
		display := filepath.Join(tmp, fmt.Sprintf("display-%d", p.Cell+1))
		if err := os.Mkdir(display, 0o755); err != nil {
			return nil, fmt.Errorf("nbrun: %w", err)
		}
		start := time.Now()
		outs, err := runCell(ctx, bins[i], cellFile(name, p.Cell), opt, cellEnv(opt.Quick, cache, display))
		if err != nil {
			return nil, err
		}
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "%s: ran in %.1fs\n", cellFile(name, p.Cell), time.Since(start).Seconds())
		}
		res.Outputs[p.Cell] = outs
	}
	return res, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// build compiles every program with one go command, each as a package of
// its own in a folder of the module that exists only in the command's
// overlay (go help build), so that nothing is written into the module.
func build(ctx context.Context, progs []Program, name string, opt Options, tmp string) ([]string, error) {
	stem := unsafeChars.ReplaceAllString(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)), "_")
	overlay := map[string]string{}
	args := []string{"build", "-o", filepath.Join(tmp, "bin") + string(filepath.Separator)}
	var bins []string
	for _, p := range progs {
		pkg := fmt.Sprintf("cell%d", p.Cell+1)
		src := filepath.Join(tmp, pkg+".go")
		if err := os.WriteFile(src, p.Source, 0o644); err != nil {
			return nil, fmt.Errorf("nbrun: %w", err)
		}
		overlay[filepath.Join(opt.ModuleDir, "_nbrun", stem, pkg, "main.go")] = src
		args = append(args, "./"+filepath.ToSlash(filepath.Join("_nbrun", stem, pkg)))
		bins = append(bins, filepath.Join(tmp, "bin", pkg))
	}
	o, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		return nil, fmt.Errorf("nbrun: %w", err)
	}
	ov := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ov, o, 0o644); err != nil {
		return nil, fmt.Errorf("nbrun: %w", err)
	}
	args = append(args[:1], append([]string{"-overlay", ov}, args[1:]...)...)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = opt.ModuleDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("nbrun: %s does not build (%v):\n%s", name, err, out)
	}
	if opt.Log != nil {
		fmt.Fprintf(opt.Log, "%s: built %d programs in %.1fs\n", name, len(progs), time.Since(start).Seconds())
	}
	return bins, nil
}

// cellEnv is the environment of a cell: the runner's, less GoNB's and the
// notebook variables, plus the notebook variables of this run.
func cellEnv(quick bool, cache, display string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GONB_") || k == nbutil.QuickEnv || k == nbutil.CacheEnv || k == nbutil.DisplayEnv {
			continue
		}
		env = append(env, kv)
	}
	q := "0"
	if quick {
		q = "1"
	}
	return append(env, nbutil.QuickEnv+"="+q, nbutil.CacheEnv+"="+cache, nbutil.DisplayEnv+"="+display)
}

// runCell runs one cell's program and collects its outputs.
func runCell(ctx context.Context, bin, file string, opt Options, env []string) ([]Output, error) {
	if opt.CellTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opt.CellTimeout)
		defer cancel()
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = opt.WorkDir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return nil, fmt.Errorf("nbrun: %s failed: %v\nstdout:\n%s\nstderr:\n%s", file, err, tail(stdout.String()), tail(stderr.String()))
	}
	display := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, nbutil.DisplayEnv+"="); ok {
			display = v
		}
	}
	outs, err := collect(stdout.String(), display)
	if err != nil {
		return nil, fmt.Errorf("nbrun: %s: %w", file, err)
	}
	if stderr.Len() > 0 {
		outs = append(outs, Output{Type: "stream", Name: "stderr", Text: stderr.String()})
	}
	return outs, nil
}

// tail keeps the end of a long output for an error message.
func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

// collect splits a cell's standard output at the pictures' marker lines
// (nbutil.DisplayMarker) into text and pictures, read from dir.
func collect(stdout, dir string) ([]Output, error) {
	var outs []Output
	for {
		i := strings.Index(stdout, nbutil.DisplayMarker)
		if i < 0 {
			break
		}
		if i > 0 {
			outs = append(outs, Output{Type: "stream", Name: "stdout", Text: stdout[:i]})
		}
		rest := stdout[i+len(nbutil.DisplayMarker):]
		file, after, ok := strings.Cut(rest, "\n")
		if !ok || file == "" || filepath.Base(file) != file {
			return nil, fmt.Errorf("a picture marker names no file: %q", rest)
		}
		png, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, fmt.Errorf("the picture the cell showed is missing: %w", err)
		}
		outs = append(outs, Output{Type: "display_data", PNG: png})
		stdout = after
	}
	if stdout != "" {
		outs = append(outs, Output{Type: "stream", Name: "stdout", Text: stdout})
	}
	return outs, nil
}

// ModuleRoot returns the nearest folder at or above dir that holds a
// go.mod: the ModuleDir for notebooks kept inside the module.
func ModuleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("nbrun: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("nbrun: no go.mod in %s or above it: run from inside the module", dir)
		}
		d = parent
	}
}
