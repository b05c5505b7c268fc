package main

import (
	"fmt"
	"io"

	"github.com/govae/govae/ebm/rbmrun"
	"github.com/govae/govae/internal/presetdoc"
)

// listPresets describes every preset on w: its name, source, what it is,
// the command that runs it and the figure published for it.
func listPresets(w io.Writer) {
	for i, p := range rbmrun.Presets() {
		if i > 0 {
			fmt.Fprintln(w)
		}
		presetdoc.Head(w, "./cmd/ebm-train", p.Name, p.Source, p.Doc)
		if p.Published == nil {
			fmt.Fprintln(w, "  published test log p(v): none")
		} else {
			fmt.Fprintf(w, "  published test log p(v): %.2f nats (%s)\n", p.Published.TestLogProb, p.Published.Where)
		}
	}
}
