// Package presetdoc writes the description of a preset for the -preset list
// of vae-train and ebm-train.
package presetdoc

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Head writes a preset's name, the command that runs it, its source and
// its documentation (paragraphs separated by blank lines), wrapped at 76
// characters and indented by two spaces, then a blank line; the caller
// writes the published figures after it.
func Head(w io.Writer, command, name, source, doc string) {
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  run:    go run %s -preset %s\n", command, name)
	for _, line := range wrap("source: "+source, 76) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	for _, para := range strings.Split(doc, "\n\n") {
		fmt.Fprintln(w)
		for _, line := range wrap(para, 76) {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	fmt.Fprintln(w)
}

// wrap breaks text into lines of at most width characters, between words.
func wrap(text string, width int) []string {
	var lines []string
	var line strings.Builder
	n := 0 // characters in line
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
