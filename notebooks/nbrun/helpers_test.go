package nbrun

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// notebook makes a notebook of the given cells: a source starting with
// "md:" is a Markdown cell, any other a code cell.
func notebook(t *testing.T, sources ...string) *Notebook {
	t.Helper()
	var cells []any
	for _, s := range sources {
		if md, ok := strings.CutPrefix(s, "md:"); ok {
			cells = append(cells, map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": md})
			continue
		}
		cells = append(cells, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": s,
			"outputs": []any{}, "execution_count": nil})
	}
	b, err := json.Marshal(map[string]any{"cells": cells, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return nb
}
