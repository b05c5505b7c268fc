package nbrun

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// GoNBSetup is the first code cell of every govae notebook. GoNB builds the
// cells in a Go module of its own, in a temporary folder; this cell points
// that module at the govae checkout the notebook sits in, so that the
// notebook uses the library as it is there. It relies on GoNB setting
// $GONB_DIR to the folder the kernel runs in, and on Jupyter (the notebook
// server, JupyterLab, nbconvert) starting the kernel in the notebook's
// folder; it walks up from there to the nearest go.mod of govae, so the
// notebook may sit in any folder of the checkout. The cell prints the folder
// it found, or says on standard error that there is none.
//
// The runner builds against Options.ModuleDir instead and has no module of
// its own to set up, so Translate skips a cell with exactly this source and
// refuses every other shell line.
const GoNBSetup = `// GoNB builds the cells in a Go module of its own: this points it at the govae
// checkout the notebook sits in. It looks for govae's go.mod in $GONB_DIR, the
// folder the kernel runs in (Jupyter starts it in the notebook's folder), and
// in the folders above it, then adds a replace and a require to GoNB's go.mod.
!*d="$GONB_DIR"; \
while [ "$d" != / ] && ! grep -qsx 'module github.com/govae/govae' "$d/go.mod"; do d=$(dirname "$d"); done; \
if [ "$d" = / ]; then echo "no govae checkout in $GONB_DIR or above it: open the notebook inside a checkout" >&2; exit 1; fi; \
go mod edit -replace "github.com/govae/govae=$d" -require github.com/govae/govae@v0.0.0-00010101000000-000000000000 && \
echo "GoNB builds against github.com/govae/govae in $d"`

// IsGoNBSetup reports whether c is the GoNB setup cell (GoNBSetup).
func (c *Cell) IsGoNBSetup() bool {
	return c.Type == "code" && strings.TrimRight(c.Source, "\n") == GoNBSetup
}

// CheckKernelRun checks ran, the notebook saved as nb after GoNB ran all its
// cells (under `jupyter nbconvert --execute --allow-errors`), against nb,
// the notebook as saved with the runner's outputs. It reports, naming the
// notebook and the cell (counted from 1 over all cells, as the runner
// does), every code cell that did not run, that has an error output, that
// writes to standard error, whose output says "failed to run" (GoNB's
// message when go get or go build fails) or "panic: ", or that shows
// another number of pictures than nb saved for it; and a notebook that shows
// no picture at all. The cells of the two notebooks must match one for one.
func CheckKernelRun(nb, ran *Notebook, name string) error {
	if len(ran.Cells) != len(nb.Cells) {
		return fmt.Errorf("nbrun: %s has %d cells after GoNB ran it, %d before", name, len(ran.Cells), len(nb.Cells))
	}
	var errs []error
	pictures := 0
	for i, c := range ran.Cells {
		if c.Type != "code" {
			continue
		}
		cell := cellFile(name, i)
		if c.ExecutionCount == 0 {
			errs = append(errs, fmt.Errorf("%s did not run in GoNB", cell))
			continue
		}
		for _, o := range c.Outputs {
			text := outputText(o)
			switch {
			case o.Type == "error":
				errs = append(errs, fmt.Errorf("%s: error in GoNB: %s", cell, text))
			case o.Type == "stream" && o.Name == "stderr":
				errs = append(errs, fmt.Errorf("%s writes to standard error in GoNB: %s", cell, text))
			case strings.Contains(text, "failed to run"), strings.Contains(text, "panic: "):
				errs = append(errs, fmt.Errorf("%s: GoNB says: %s", cell, text))
			}
		}
		k := kinds(c.Outputs)
		pictures += k.pictures
		if want := kinds(nb.Cells[i].Outputs).pictures; k.pictures != want {
			errs = append(errs, fmt.Errorf("%s shows %d pictures in GoNB, %d in the saved notebook", cell, k.pictures, want))
		}
	}
	if pictures == 0 {
		errs = append(errs, fmt.Errorf("%s shows no picture in GoNB", name))
	}
	if len(errs) > 0 {
		return fmt.Errorf("nbrun: %w", errors.Join(errs...))
	}
	return nil
}

// outputText returns the text of an output, for CheckKernelRun's messages:
// a stream's text, an error's name, value and traceback, or the text/plain
// and text/html data of a display (GoNB shows build errors as HTML).
func outputText(o Output) string {
	if o.Type == "stream" {
		return tail(o.Text)
	}
	var parts []string
	for _, k := range []string{"ename", "evalue"} {
		if s, ok := o.raw[k].(string); ok {
			parts = append(parts, s)
		}
	}
	if tb, err := joinText(o.raw["traceback"]); err == nil && tb != "" {
		parts = append(parts, tb)
	}
	data, _ := o.raw["data"].(map[string]any)
	if s, err := joinText(data["text/plain"]); err == nil && s != "" {
		parts = append(parts, s)
	}
	if s, err := joinText(data["text/html"]); err == nil && s != "" {
		parts = append(parts, html.UnescapeString(markup.ReplaceAllString(s, "")))
	}
	return tail(strings.Join(parts, "\n"))
}

// markup matches the style sheets and tags of an HTML output.
var markup = regexp.MustCompile(`(?s)<style>.*?</style>|<[^>]*>`)
