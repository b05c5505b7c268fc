package nbrun

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// metadataKey is the key of the notebook metadata that SetOutputs stamps.
const metadataKey = "govae"

// hashField, under metadataKey, holds the CodeHash of the code the saved
// outputs came from.
const hashField = "outputs_code_sha256"

// CodeHash returns the SHA-256, in hex, of the sources of nb's code cells:
// it changes whenever a code cell is edited, added, removed or moved, and
// not when Markdown is.
func CodeHash(nb *Notebook) string {
	h := sha256.New()
	for _, c := range nb.Cells {
		if c.Type == "code" {
			fmt.Fprintf(h, "%d\x00%s\x00", len(c.Source), c.Source)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SetOutputs replaces the outputs of nb's code cells with those of res,
// numbers the code cells in order as a kernel would, and stamps the
// notebook's metadata with the CodeHash they came from.
func (nb *Notebook) SetOutputs(res *Result) {
	n := 0
	for i, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		n++
		c.ExecutionCount = n
		c.Outputs = res.Outputs[i]
	}
	nb.Metadata()[metadataKey] = map[string]any{hashField: CodeHash(nb)}
}

// CheckSaved reports whether the outputs saved in nb could be those of a
// run that produced res (which may have used other settings, so text is not
// compared): the saved outputs must come from the notebook's current code
// (the stamp SetOutputs leaves), and every code cell must hold the same
// kinds of output as in res: standard output if res has some, standard
// error likewise, and as many pictures.
func CheckSaved(nb *Notebook, name string, res *Result) error {
	var errs []error
	stamp, _ := nb.Metadata()[metadataKey].(map[string]any)
	if h, _ := stamp[hashField].(string); h != CodeHash(nb) {
		errs = append(errs, fmt.Errorf("%s: the saved outputs are not those of the current code (stamp %q, code %s): regenerate them", name, h, CodeHash(nb)))
	}
	for i, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		want, got := kinds(res.Outputs[i]), kinds(c.Outputs)
		if want != got {
			errs = append(errs, fmt.Errorf("%s: saved outputs %s, but the cell now gives %s: regenerate them", cellFile(name, i), got, want))
		}
	}
	return errors.Join(errs...)
}

// outputKinds summarises a cell's outputs for CheckSaved.
type outputKinds struct {
	stdout, stderr  bool
	pictures, other int
}

func (k outputKinds) String() string {
	return fmt.Sprintf("(stdout %v, stderr %v, %d pictures, %d other)", k.stdout, k.stderr, k.pictures, k.other)
}

func kinds(outs []Output) outputKinds {
	var k outputKinds
	for _, o := range outs {
		switch {
		case o.Type == "stream" && o.Name == "stdout" && o.Text != "":
			k.stdout = true
		case o.Type == "stream" && o.Name == "stderr" && o.Text != "":
			k.stderr = true
		case o.Type == "display_data" && o.PNG != nil:
			k.pictures++
		case o.Type != "stream":
			k.other++
		}
	}
	return k
}

// figureKey is the key of a code cell's metadata that names a file to save
// the cell's first picture to: the figures README.md shows.
const figureKey = "govae_figure"

// Figures returns the first picture saved in each code cell whose metadata
// names a figure file (under "govae_figure"), by that name; a named cell
// without a picture maps to nil.
func (nb *Notebook) Figures() map[string][]byte {
	figs := map[string][]byte{}
	for _, c := range nb.Cells {
		meta, _ := c.raw["metadata"].(map[string]any)
		name, ok := meta[figureKey].(string)
		if !ok || c.Type != "code" {
			continue
		}
		figs[name] = nil
		for _, o := range c.Outputs {
			if o.PNG != nil {
				figs[name] = o.PNG
				break
			}
		}
	}
	return figs
}
