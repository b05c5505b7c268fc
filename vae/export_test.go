package vae

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"

	"github.com/govae/govae/datasets"
)

func tinyArch(dtype string) Arch {
	return Arch{Input: 5, Hidden: []int{4, 3}, Latent: 2, Activation: Tanh, Dtype: dtype, Seed: 9}
}

func TestExportImport(t *testing.T) {
	for _, dtype := range []string{"float32", "float64"} {
		a := tinyArch(dtype)
		m, err := NewMLP(a)
		if err != nil {
			t.Fatal(err)
		}
		st := &datasets.Standardization{Mean: []float64{1, 2, 3, 4, 5}, Scale: []float64{0.5, 1, 1, 2, 0.1}}
		var b bytes.Buffer
		if err := Export(&b, m, a, st); err != nil {
			t.Fatal(err)
		}
		// The file is plain safetensors: govae's names, W as (in, out).
		tensors, meta, err := openSafetensors(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if meta["format"] != exportFormat || !strings.Contains(meta["arch"], `"hidden":[4,3]`) || !strings.Contains(meta["standardization"], `"scale":[0.5,1,1,2,0.1]`) {
			t.Errorf("%s: metadata %v", dtype, meta)
		}
		shapes := map[string][]uint64{}
		for _, tv := range tensors.Tensors() {
			shapes[tv.Name] = tv.TensorView.Shape()
		}
		want := map[string][]uint64{
			"encoder.h0.W": {5, 4}, "encoder.h0.b": {4}, "encoder.h1.W": {4, 3}, "encoder.h1.b": {3},
			"encoder.mean.W": {3, 2}, "encoder.mean.b": {2}, "encoder.logvar.W": {3, 2}, "encoder.logvar.b": {2},
			"decoder.h0.W": {2, 3}, "decoder.h0.b": {3}, "decoder.h1.W": {3, 4}, "decoder.h1.b": {4},
			"decoder.out.W": {4, 5}, "decoder.out.b": {5},
		}
		if fmt.Sprint(shapes) != fmt.Sprint(want) {
			t.Errorf("%s: tensors %v, want %v", dtype, shapes, want)
		}
		got, ga, gst, err := Import(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		s0, s1 := m.Params.Snapshot(), got.Params.Snapshot()
		if !slices.Equal(s0.Names, s1.Names) || !slices.EqualFunc(s0.Values, s1.Values, slices.Equal) {
			t.Errorf("%s: imported weights differ from the exported ones", dtype)
		}
		if fmt.Sprint(ga) != fmt.Sprint(a) || fmt.Sprint(*gst) != fmt.Sprint(*st) || got.Params.Dtype() != m.Params.Dtype() {
			t.Errorf("%s: imported %+v %+v, want %+v %+v", dtype, ga, gst, a, st)
		}
	}
}

// exportBytes returns the export of the tiny model, without standardisation.
func exportBytes(t testing.TB) []byte {
	m, err := NewMLP(tinyArch("float32"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Export(&b, m, tinyArch("float32"), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportCrafted(t *testing.T) {
	// A small file whose architecture declares a huge model fails before the
	// model is built.
	hdr := `{"__metadata__":{"format":"govae-mlp-vae/1","arch":"{\"input\":1000000000,\"hidden\":[100000],\"latent\":100,\"activation\":\"tanh\",\"dtype\":\"float32\"}"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`
	huge := append(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))), hdr...)
	huge = append(huge, 0, 0, 0, 0)
	good := exportBytes(t)
	for name, file := range map[string][]byte{
		"huge architecture": huge,
		"not safetensors":   []byte("PK\x03\x04"),
		"truncated":         good[:len(good)-4],
		"other format":      bytes.Replace(good, []byte("govae-mlp-vae/1"), []byte("govae-mlp-vae/9"), 1),
		"renamed tensor":    bytes.Replace(good, []byte("decoder.out.b"), []byte("decoder.out.c"), 1),
	} {
		_, _, _, err := Import(bytes.NewReader(file))
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Errorf("%s: got %v, want an *ImportError", name, err)
		}
	}
}

// FuzzImport checks that Import never panics and fails only with an
// *ImportError.
func FuzzImport(f *testing.F) {
	f.Add(exportBytes(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _, err := Import(bytes.NewReader(data))
		var ie *ImportError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("got %v, want an *ImportError", err)
		}
	})
}

// TestExportImportTwoLayers exports a two-layer model and imports it: the
// layer above the first travels as encoder2.* and decoder2.* (p(h1|h2) a
// Gaussian MLP back down to h1's 2 units), every weight comes back to the
// bit, and the architecture with it; the parameter count Import checks
// includes the upper layer, so a file whose arch drops it is refused.
func TestExportImportTwoLayers(t *testing.T) {
	a := tinyArch("float64")
	a.Upper = []LayerArch{{Hidden: []int{6}, Latent: 1}}
	m, b, tensors, meta := exportArch(t, a)
	shapes := map[string][]uint64{}
	for _, tv := range tensors.Tensors() {
		if strings.HasSuffix(strings.SplitN(tv.Name, ".", 2)[0], "2") {
			shapes[tv.Name] = tv.TensorView.Shape()
		}
	}
	want := map[string][]uint64{
		"encoder2.h0.W": {2, 6}, "encoder2.h0.b": {6},
		"encoder2.mean.W": {6, 1}, "encoder2.mean.b": {1}, "encoder2.logvar.W": {6, 1}, "encoder2.logvar.b": {1},
		"decoder2.h0.W": {1, 6}, "decoder2.h0.b": {6},
		"decoder2.mean.W": {6, 2}, "decoder2.mean.b": {2}, "decoder2.logvar.W": {6, 2}, "decoder2.logvar.b": {2},
	}
	if fmt.Sprint(shapes) != fmt.Sprint(want) {
		t.Errorf("upper tensors %v, want %v", shapes, want)
	}
	if !strings.Contains(meta["arch"], `"upper":[{"hidden":[6],"latent":1}]`) {
		t.Errorf("arch %s does not describe the upper layer", meta["arch"])
	}
	got, ga, _, err := Import(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := m.Params.Snapshot(), got.Params.Snapshot()
	if len(s0.Names) != len(tensors.Tensors()) || !slices.Equal(s0.Names, s1.Names) || !slices.EqualFunc(s0.Values, s1.Values, slices.Equal) {
		t.Errorf("imported weights differ from the exported ones (%d names, %d tensors)", len(s0.Names), len(tensors.Tensors()))
	}
	if fmt.Sprint(ga) != fmt.Sprint(a) || len(got.Upper) != 1 || got.Upper[0].Latent != 1 {
		t.Errorf("imported %+v with %d upper layers, want %+v", ga, len(got.Upper), a)
	}
	// The parameter count covers the upper layer: the same tensors under
	// the architecture without it are refused before any model is built.
	if n, ok := a.paramCount(); !ok || n != uint64(m.Params.Count()) {
		t.Errorf("paramCount %d, the model has %d", n, m.Params.Count())
	}
	views := map[string]safetensors.TensorView{}
	for _, tv := range tensors.Tensors() {
		views[tv.Name] = tv.TensorView
	}
	meta[exportArchKey] = strings.Replace(meta[exportArchKey], `,"upper":[{"hidden":[6],"latent":1}]`, "", 1)
	var dropped bytes.Buffer
	if err := safetensors.SerializeToWriter(views, meta, &dropped); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = Import(&dropped)
	if ie := (*ImportError)(nil); !errors.As(err, &ie) || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("two-layer tensors under a one-layer architecture: got %v, want an *ImportError about the parameter count", err)
	}
	small, err := NewMLP(tinyArch("float64"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Export(io.Discard, small, a, nil); err == nil {
		t.Error("a one-layer model exported as a two-layer architecture")
	}
}

// TestExportImportGaussian: a model with a Gaussian p(x|z) round-trips,
// its likelihood in the architecture and its learned log-variances in
// "decoder.logvar"; a fixed variance adds no tensor.
func TestExportImportGaussian(t *testing.T) {
	for _, lik := range []Likelihood{{Family: Gaussian}, {Family: Gaussian, Variance: 0.25}} {
		a := tinyArch("float64")
		a.Likelihood = lik
		m, b, tensors, meta := exportArch(t, a)
		if want := `"likelihood":"` + lik.String() + `"`; !strings.Contains(meta["arch"], want) {
			t.Errorf("%v: arch %s lacks %s", lik, meta["arch"], want)
		}
		_, hasLogVar := tensors.Tensor("decoder.logvar")
		if hasLogVar != (lik.Variance == 0) {
			t.Errorf("%v: decoder.logvar in the file: %v", lik, hasLogVar)
		}
		got, ga, _, err := Import(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if ga.Likelihood != lik {
			t.Errorf("imported likelihood %v, want %v", ga.Likelihood, lik)
		}
		s0, s1 := m.Params.Snapshot(), got.Params.Snapshot()
		if !slices.Equal(s0.Names, s1.Names) || !slices.EqualFunc(s0.Values, s1.Values, slices.Equal) {
			t.Errorf("%v: the imported parameters differ", lik)
		}
	}
	// A Bernoulli model's architecture has no likelihood key, as before.
	if _, _, _, meta := exportArch(t, tinyArch("float32")); strings.Contains(meta["arch"], "likelihood") {
		t.Errorf("a Bernoulli model's arch names its likelihood: %s", meta["arch"])
	}
}

// exportArch makes the model of a, exports it without a standardisation,
// and returns the model, the file and the file read back.
func exportArch(t *testing.T, a Arch) (*Model, *bytes.Buffer, safetensors.SafeTensors, map[string]string) {
	t.Helper()
	m, err := NewMLP(a)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Export(&b, m, a, nil); err != nil {
		t.Fatal(err)
	}
	tensors, meta, err := openSafetensors(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return m, &b, tensors, meta
}

func TestLikelihoodText(t *testing.T) {
	for _, c := range []struct {
		text string
		want Likelihood
	}{
		{"bernoulli", Likelihood{}},
		{"gaussian", Likelihood{Family: Gaussian}},
		{"gaussian:0.1", Likelihood{Family: Gaussian, Variance: 0.1}},
		{"gaussian:2e-3", Likelihood{Family: Gaussian, Variance: 2e-3}},
	} {
		var l Likelihood
		if err := l.UnmarshalText([]byte(c.text)); err != nil || l != c.want {
			t.Errorf("%q: %v, %v; want %v", c.text, l, err, c.want)
		}
		back, err := l.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var again Likelihood
		if err := again.UnmarshalText(back); err != nil || again != l {
			t.Errorf("%q: text %q reads back as %v, %v", c.text, back, again, err)
		}
	}
	for _, bad := range []string{"", "normal", "gaussian:", "gaussian:0", "gaussian:-1", "gaussian:NaN", "gaussian:Inf", "bernoulli:0.1"} {
		var l Likelihood
		if err := l.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if err := (Likelihood{Family: Bernoulli, Variance: 1}).Validate(); err == nil {
		t.Error("a Bernoulli with a variance validates")
	}
}
