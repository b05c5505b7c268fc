package main

import (
	"fmt"
	"io"

	"github.com/govae/govae/internal/presetdoc"
	"github.com/govae/govae/train"
)

// listPresets describes every preset on w: its name, source, what it is,
// the command that runs it and the figures published for it.
func listPresets(w io.Writer) {
	for i, p := range train.Presets() {
		if i > 0 {
			fmt.Fprintln(w)
		}
		presetdoc.Head(w, "./cmd/vae-train", p.Name, p.Source, p.Doc)
		if len(p.Published) == 0 {
			fmt.Fprintln(w, "  published log p(x): none")
		}
		for _, f := range p.Published {
			fmt.Fprintf(w, "  published log p(x): %.2f nats, -objective %v -k %d (%s, %d epochs)\n", f.LogPx, f.Objective, f.K, f.Where, f.Epochs)
		}
	}
}
