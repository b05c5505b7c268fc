package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/govae/govae/ebm/rbmrun"
)

// listPresets describes every preset on w: its name, source, what it is,
// the command that runs it and the figure published for it.
func listPresets(w io.Writer) {
	for i, p := range rbmrun.Presets() {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n", p.Name)
		fmt.Fprintf(w, "  run:    go run ./cmd/ebm-train -preset %s\n", p.Name)
		for _, line := range wrap("source: "+p.Source, 76) {
			fmt.Fprintf(w, "  %s\n", line)
		}
		for _, para := range strings.Split(p.Doc, "\n\n") {
			fmt.Fprintln(w)
			for _, line := range wrap(para, 76) {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
		fmt.Fprintln(w)
		if p.Published == nil {
			fmt.Fprintln(w, "  published test log p(v): none")
		} else {
			fmt.Fprintf(w, "  published test log p(v): %.2f nats (%s)\n", p.Published.TestLogProb, p.Published.Where)
		}
	}
}

// wrap breaks text into lines of at most width characters, between words.
func wrap(text string, width int) []string {
	var lines []string
	var line strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		if n > 0 && n+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line.String())
			line.Reset()
			n = 0
		}
		if n > 0 {
			line.WriteByte(' ')
			n++
		}
		line.WriteString(word)
		n += utf8.RuneCountInString(word)
	}
	if line.Len() > 0 {
		lines = append(lines, line.String())
	}
	return lines
}
