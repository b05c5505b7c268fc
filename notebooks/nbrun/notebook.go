package nbrun

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"strings"
)

// Notebook is a Jupyter notebook in nbformat 4. Only what the runner needs
// is typed; every other field is kept as read and written back unchanged.
type Notebook struct {
	Cells []*Cell
	raw   map[string]any
}

// Cell is one cell of a notebook.
type Cell struct {
	Type           string // "code", "markdown" or "raw"
	Source         string
	Outputs        []Output // code cells only
	ExecutionCount int      // code cells only; 0 when never run
	raw            map[string]any
}

// Output is one output of a code cell: a stream of text or a picture.
// Outputs of other kinds (HTML, errors) are kept as read, with Type set
// and the other fields empty.
type Output struct {
	Type string // "stream" or "display_data" for the kinds the runner makes
	Name string // the stream: "stdout" or "stderr"
	Text string // the stream's text
	PNG  []byte // the picture of a display_data output
	raw  map[string]any
}

// Read decodes a notebook. It checks the format version and the shape of
// the fields the runner uses.
func Read(r io.Reader) (*Notebook, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("nbrun: not a notebook (JSON): %w", err)
	}
	if v, _ := raw["nbformat"].(json.Number); v.String() != "4" {
		return nil, fmt.Errorf("nbrun: nbformat %v: only version 4 notebooks are supported", raw["nbformat"])
	}
	cells, ok := raw["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("nbrun: the notebook has no list of cells")
	}
	nb := &Notebook{raw: raw}
	delete(raw, "cells")
	for i, c := range cells {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("nbrun: cell %d is not an object", i+1)
		}
		cell, err := readCell(m)
		if err != nil {
			return nil, fmt.Errorf("nbrun: cell %d: %w", i+1, err)
		}
		nb.Cells = append(nb.Cells, cell)
	}
	return nb, nil
}

func readCell(m map[string]any) (*Cell, error) {
	c := &Cell{raw: m}
	c.Type, _ = m["cell_type"].(string)
	src, err := joinText(m["source"])
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	c.Source = src
	delete(m, "cell_type")
	delete(m, "source")
	if c.Type != "code" {
		return c, nil
	}
	if n, ok := m["execution_count"].(json.Number); ok {
		v, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("execution_count %v is not an integer", n)
		}
		c.ExecutionCount = int(v)
	}
	outs, _ := m["outputs"].([]any)
	for j, o := range outs {
		om, ok := o.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("output %d is not an object", j+1)
		}
		out, err := readOutput(om)
		if err != nil {
			return nil, fmt.Errorf("output %d: %w", j+1, err)
		}
		c.Outputs = append(c.Outputs, out)
	}
	delete(m, "execution_count")
	delete(m, "outputs")
	return c, nil
}

func readOutput(m map[string]any) (Output, error) {
	o := Output{raw: m}
	o.Type, _ = m["output_type"].(string)
	switch o.Type {
	case "stream":
		o.Name, _ = m["name"].(string)
		text, err := joinText(m["text"])
		if err != nil {
			return o, fmt.Errorf("text: %w", err)
		}
		o.Text = text
	case "display_data":
		data, _ := m["data"].(map[string]any)
		if s, ok := data["image/png"].(string); ok {
			png, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "\n", ""))
			if err != nil {
				return o, fmt.Errorf("image/png is not base64: %w", err)
			}
			o.PNG = png
		}
	}
	return o, nil
}

// joinText reads a multi-line string of nbformat: one string, or a list of
// strings (the lines with their line ends) to concatenate.
func joinText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []any:
		var b strings.Builder
		for _, s := range v {
			str, ok := s.(string)
			if !ok {
				return "", fmt.Errorf("a line is not a string: %v", s)
			}
			b.WriteString(str)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("neither a string nor a list of strings: %T", v)
}

// splitLines gives the list-of-lines form nbformat writes: each line keeps
// its line end.
func splitLines(s string) []string {
	lines := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// Write encodes nb as Jupyter does: keys sorted, one space of indentation,
// multi-line strings as lists of lines, and a final newline.
func (nb *Notebook) Write(w io.Writer) error {
	top := maps.Clone(nb.raw)
	cells := make([]any, len(nb.Cells))
	for i, c := range nb.Cells {
		cells[i] = c.encode()
	}
	top["cells"] = cells
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(top); err != nil {
		return fmt.Errorf("nbrun: cannot encode the notebook: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (c *Cell) encode() map[string]any {
	m := maps.Clone(c.raw)
	if m == nil {
		m = map[string]any{}
	}
	if _, ok := m["metadata"]; !ok {
		m["metadata"] = map[string]any{}
	}
	m["cell_type"] = c.Type
	m["source"] = splitLines(c.Source)
	if c.Type != "code" {
		return m
	}
	if c.ExecutionCount > 0 {
		m["execution_count"] = c.ExecutionCount
	} else {
		m["execution_count"] = nil
	}
	outs := make([]any, len(c.Outputs))
	for i, o := range c.Outputs {
		outs[i] = o.encode()
	}
	m["outputs"] = outs
	return m
}

func (o Output) encode() map[string]any {
	if o.raw != nil {
		return o.raw
	}
	switch {
	case o.Type == "stream":
		return map[string]any{"output_type": "stream", "name": o.Name, "text": splitLines(o.Text)}
	case o.PNG != nil:
		return map[string]any{
			"output_type": "display_data",
			"data":        map[string]any{"image/png": base64.StdEncoding.EncodeToString(o.PNG)},
			"metadata":    map[string]any{},
		}
	}
	return map[string]any{"output_type": o.Type}
}

// Metadata returns the notebook's metadata object, creating it if absent.
func (nb *Notebook) Metadata() map[string]any {
	m, ok := nb.raw["metadata"].(map[string]any)
	if !ok {
		m = map[string]any{}
		nb.raw["metadata"] = m
	}
	return m
}
