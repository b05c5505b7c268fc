package vae

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/nlpodyssey/safetensors"

	"github.com/govae/govae/datasets"
)

// The metadata keys of an exported model.
const (
	exportFormatKey = "format"
	exportFormat    = "govae-mlp-vae/1"
	exportArchKey   = "arch"
	exportStdKey    = "standardization"
)

// Export writes the weights of m, a model made by NewMLP(a), to w as a
// safetensors file that Python loads without executing code
// (safetensors.torch.load_file): one tensor per parameter, under govae's
// names ("encoder.h0.W", "decoder.out.b", ...), in the model's dtype, each
// weight W of shape (in, out), so that a layer computes x·W + b (PyTorch's
// nn.Linear holds W transposed). The metadata holds "format"
// ("govae-mlp-vae/1"), "arch" (a as JSON: input, hidden, latent,
// activation, dtype, likelihood for a Gaussian p(x|z) (whose learned
// log-variances are "decoder.logvar"), and upper for a hierarchical model,
// whose layers' networks are named encoder2, decoder2, ...) and, when st is
// not nil, "standardization" (st as JSON), the statistics the data were
// standardised with.
func Export(w io.Writer, m *Model, a Arch, st *datasets.Standardization) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := m.materialize(); err != nil {
		return err
	}
	if n, ok := a.paramCount(); !ok || n != uint64(m.Params.Count()) {
		return fmt.Errorf("vae: Export: the model has %d parameters, not those of the architecture %+v; export the model NewMLP made from it", m.Params.Count(), a)
	}
	dt := safetensors.F64
	if a.Dtype == "float32" {
		dt = safetensors.F32
	}
	snap := m.Params.Snapshot()
	tensors := make(map[string]safetensors.TensorView, len(snap.Names))
	for i, name := range snap.Names {
		tv, err := tensorOf(dt, snap.Shapes[i], snap.Values[i])
		if err != nil {
			return err
		}
		tensors[name] = tv
	}
	arch, err := json.Marshal(a)
	if err != nil {
		return err
	}
	meta := map[string]string{exportFormatKey: exportFormat, exportArchKey: string(arch)}
	if st != nil {
		if err := st.Validate(); err != nil {
			return err
		}
		if len(st.Mean) != a.Input {
			return fmt.Errorf("vae: Export: a standardisation of %d features for a model of %d inputs", len(st.Mean), a.Input)
		}
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		meta[exportStdKey] = string(b)
	}
	if err := safetensors.SerializeToWriter(tensors, meta, w); err != nil {
		return fmt.Errorf("vae: Export: %w", err)
	}
	return nil
}

// ImportError reports a model file that cannot be imported.
type ImportError struct {
	Reason string
}

func (e *ImportError) Error() string { return "vae: import: " + e.Reason }

// Import reads a model written by [Export] (or by another program writing
// the same format) from r: the model NewMLP makes from the file's architecture,
// with the file's weights (F32 or F64, converted to the architecture's
// dtype), the architecture, and the standardisation if the file has one.
// Model files may come from strangers: anything that is not such a file
// gives an *ImportError, and the architecture's parameter count is checked
// against the file's tensors before the model is built, so that a small
// file cannot make Import allocate a large model.
func Import(r io.Reader) (*Model, Arch, *datasets.Standardization, error) {
	fail := func(format string, args ...any) (*Model, Arch, *datasets.Standardization, error) {
		return nil, Arch{}, nil, &ImportError{Reason: fmt.Sprintf(format, args...)}
	}
	buf, err := io.ReadAll(r)
	if err != nil {
		return fail("cannot read: %v", err)
	}
	tensors, meta, err := openSafetensors(buf)
	if err != nil {
		return fail("not a safetensors file: %v", err)
	}
	if f := meta[exportFormatKey]; f != exportFormat {
		return fail("format %q, want %q: give a file written by govae's Export", f, exportFormat)
	}
	var a Arch
	dec := json.NewDecoder(bytes.NewReader([]byte(meta[exportArchKey])))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return fail("architecture: %v", err)
	}
	if err := a.Validate(); err != nil {
		return fail("architecture: %v", err)
	}
	var elems uint64
	for _, t := range tensors.Tensors() {
		elems += uint64(len(t.TensorView.Data())) / t.TensorView.DType().Size()
	}
	if n, ok := a.paramCount(); !ok || n != elems {
		return fail("the architecture %+v needs %d parameters, the file holds %d", a, n, elems)
	}
	var st *datasets.Standardization
	if s, ok := meta[exportStdKey]; ok {
		st = new(datasets.Standardization)
		if err := json.Unmarshal([]byte(s), st); err != nil {
			return fail("standardization: %v", err)
		}
		if err := st.Validate(); err != nil {
			return fail("standardization: %v", err)
		}
		if len(st.Mean) != a.Input {
			return fail("a standardisation of %d features for a model of %d inputs", len(st.Mean), a.Input)
		}
	}
	m, err := NewMLP(a)
	if err != nil {
		return fail("%v", err)
	}
	if err := m.materialize(); err != nil {
		return fail("%v", err)
	}
	snap := Snapshot{Names: m.Params.Names()}
	for _, name := range snap.Names {
		vals, shape, err := readTensor(tensors, name)
		if err != nil {
			return fail("%v", err)
		}
		snap.Shapes = append(snap.Shapes, shape)
		snap.Values = append(snap.Values, vals)
	}
	if err := m.Params.Restore(snap); err != nil {
		return fail("%v", err)
	}
	return m, a, st, nil
}

// paramCount returns the number of parameters of the MLP model a
// describes, and false if it overflows 2⁵³ (more than any file holds).
func (a Arch) paramCount() (uint64, bool) {
	var n uint64
	ok := true
	layer := func(in, out int) {
		hi, w := bits.Mul64(uint64(in), uint64(out))
		n += w + uint64(out)
		ok = ok && hi == 0 && w < 1<<53 && n < 1<<53
	}
	// gaussian counts an MLP from in through hidden to a mean and a
	// log-variance of out units each (MLPEncoder).
	gaussian := func(in int, hidden []int, out int) {
		for _, h := range hidden {
			layer(in, h)
			in = h
		}
		layer(in, out) // mean
		layer(in, out) // log-variance
	}
	gaussian(a.Input, a.Hidden, a.Latent)
	in := a.Latent
	for i := len(a.Hidden) - 1; i >= 0; i-- {
		layer(in, a.Hidden[i])
		in = a.Hidden[i]
	}
	layer(in, a.Input)
	if a.Likelihood.Family == Gaussian && a.Likelihood.Variance == 0 {
		n += uint64(a.Input) // the decoder's log-variance per feature
	}
	// Each layer above the first: q(h_l|h_l−1) and p(h_l−1|h_l), the
	// latter through the hidden sizes reversed (NewMLP).
	below := a.Latent
	for _, l := range a.Upper {
		gaussian(below, l.Hidden, l.Latent)
		gaussian(l.Latent, reversed(l.Hidden), below)
		below = l.Latent
	}
	return n, ok && n <= math.MaxInt
}
