package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/internal/synth"
	"github.com/govae/govae/train"
	"github.com/govae/govae/vae"
)

// trainOwn trains a small model on the example files of synth with the
// given flags and returns its folder.
func trainOwn(t *testing.T, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "run")
	args = append([]string{"-epochs", "2", "-batch", "20", "-hidden", "16", "-latent", "2", "-lr", "3e-3", "-out", out}, args...)
	if code, stdout, stderr := runArgs(args...); code != 0 {
		t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
	}
	return out
}

// readJSON decodes the JSON file at path into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readCSV reads a CSV file the command wrote.
func readCSV(t *testing.T, path string) (*datasets.Set, []string) {
	t.Helper()
	s, names, err := datasets.OpenCSV(path, datasets.CSVOptions{Header: datasets.WithHeader})
	if err != nil {
		t.Fatal(err)
	}
	return s, names
}

// TestTrainOwnDataFlags: -data, -test-fraction, -likelihood and
// -standardize train on files of each kind.
func TestTrainOwnDataFlags(t *testing.T) {
	f, err := synth.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-data", f.IDX, "-binarize", "dynamic"},
		{"-data", f.Colour, "-test-fraction", "0.25"},
		{"-data", f.CSV + "," + f.CSVTest, "-likelihood", "gaussian", "-standardize"},
		{"-data", f.NPY, "-test-fraction", "0.2", "-likelihood", "gaussian:0.1"},
	} {
		dir := trainOwn(t, args...)
		var res train.Results
		readJSON(t, filepath.Join(dir, train.ResultsFile), &res)
		// results.json's command runs the same configuration.
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") && !strings.Contains(res.Command, a) {
				t.Errorf("%v: results.json's command %q lacks %s", args, res.Command, a)
			}
		}
		if strings.Contains(res.Command, "-standardize ") {
			t.Errorf("the command %q gives -standardize a separate value, which the flag package would take for an argument", res.Command)
		}
	}
}

// TestEval scores a run again and uses it: every file asked for is
// written, of the size asked, in the data's own scale.
func TestEval(t *testing.T) {
	f, err := synth.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	images := trainOwn(t, "-data", f.PNG, "-test-fraction", "0.25")
	z := filepath.Join(t.TempDir(), "z.csv")
	model := filepath.Join(t.TempDir(), "model.safetensors")
	code, stdout, stderr := runArgs("-eval", images, "-eval-k", "20", "-sample", "12", "-reconstruct", "-encode", z, "-interpolate", "0,5", "-export", model)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"scored " + images + " after epoch 2", "log p(x) ≈", "wrote " + z, "wrote " + model} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	var ev train.Evaluation
	readJSON(t, filepath.Join(images, train.EvalFile), &ev)
	if ev.Test.N != 30 || ev.Test.EvalK != 20 || ev.Test.LogPx == nil || !(*ev.Test.LogPx <= ev.Test.ELBO+1) || ev.Epochs != 2 {
		t.Errorf("eval.json: %+v", ev)
	}
	// The ELBO is the one the run ended with (same model, same seed).
	var res train.Results
	readJSON(t, filepath.Join(images, train.ResultsFile), &res)
	if ev.Test.ELBO != res.Test.ELBO {
		t.Errorf("-eval's ELBO %v, the run's %v", ev.Test.ELBO, res.Test.ELBO)
	}
	samples, names := readCSV(t, filepath.Join(images, train.SampleCSVFile))
	if samples.Len() != 12 || samples.Dim() != 64 || names[0] != "x1" {
		t.Errorf("sample.csv: %d rows of %d, header %v", samples.Len(), samples.Dim(), names[:1])
	}
	recon, _ := readCSV(t, filepath.Join(images, train.ReconstructCSVFile))
	if recon.Len() != 30 || recon.Dim() != 64 {
		t.Errorf("reconstruction.csv: %d rows of %d", recon.Len(), recon.Dim())
	}
	for _, v := range append(samples.Values, recon.Values...) {
		if !(v >= 0 && v <= 1) {
			t.Fatalf("a Bernoulli mean %v outside [0,1]", v)
		}
	}
	latents, names := readCSV(t, z)
	if latents.Len() != 30 || latents.Dim() != 2 || names[1] != "z2" {
		t.Errorf("z.csv: %d rows of %d, header %v", latents.Len(), latents.Dim(), names)
	}
	for name, size := range map[string][2]int{
		train.SamplePNGFile:      {10*10 + 2, 2*10 + 2}, // 12 samples, 10 a row
		train.ReconstructPNGFile: {8*10 + 2, 2*10 + 2},
		train.InterpolateFile:    {12*10 + 2, 10 + 2}, // two test images and 10 decoded latents
	} {
		fh, err := os.Open(filepath.Join(images, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != size[0] || b.Dy() != size[1] {
			t.Errorf("%s is %v, want %d×%d", name, b, size[0], size[1])
		}
	}
	// -decode on the posterior means gives the logits whose sigmoids are
	// the reconstructions (float32: to 1e-6).
	if code, stdout, stderr := runArgs("-eval", images, "-decode", z); code != 0 {
		t.Fatalf("-decode: exit %d\n%s%s", code, stdout, stderr)
	}
	logits, _ := readCSV(t, filepath.Join(images, train.DecodedFile))
	if logits.Len() != 30 || logits.Dim() != 64 {
		t.Fatalf("decoded.csv: %d rows of %d", logits.Len(), logits.Dim())
	}
	for i, l := range logits.Values {
		if p := 1 / (1 + math.Exp(-l)); math.Abs(p-recon.Values[i]) > 1e-6 {
			t.Fatalf("value %d: sigmoid of the logit %v is %v, the reconstruction %v", i, l, p, recon.Values[i])
		}
	}
	mb, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	m, arch, st, err := vae.Import(bytes.NewReader(mb))
	if err != nil || arch.Input != 64 || arch.Latent != 2 || st != nil || m == nil {
		t.Errorf("the exported model: %+v, %v, %v", arch, st, err)
	}
}

// TestEvalStandardized: a Gaussian model of standardised data gives
// samples and reconstructions in the data's scale, and exports its
// standardisation.
func TestEvalStandardized(t *testing.T) {
	f, err := synth.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := trainOwn(t, "-data", f.CSV+","+f.CSVTest, "-likelihood", "gaussian", "-standardize")
	model := filepath.Join(t.TempDir(), "m.safetensors")
	if code, stdout, stderr := runArgs("-eval", dir, "-reconstruct", "-sample", "500", "-export", model); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	test, _ := readCSV(t, f.CSVTest)
	recon, _ := readCSV(t, filepath.Join(dir, train.ReconstructCSVFile))
	samples, _ := readCSV(t, filepath.Join(dir, train.SampleCSVFile))
	st := datasets.FitStandardization(test)
	// Every feature's mean over the reconstructions and over 500 samples
	// is near the test set's, in the data's units (the standardised
	// values would be near 0); the tolerance is a third of a standard
	// deviation, far from the means' distance to 0 in these data.
	for _, s := range []struct {
		name string
		set  *datasets.Set
	}{{"reconstructions", recon}, {"samples", samples}} {
		got := datasets.FitStandardization(s.set)
		for j := range got.Mean {
			if d := got.Mean[j] - st.Mean[j]; d*d > st.Scale[j]*st.Scale[j]/9 {
				t.Errorf("%s: feature %d has mean %.3f, the test set %.3f (sd %.3f)", s.name, j, got.Mean[j], st.Mean[j], st.Scale[j])
			}
		}
	}
	mb, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	_, arch, est, err := vae.Import(bytes.NewReader(mb))
	if err != nil || est == nil || len(est.Mean) != f.Dim || arch.Likelihood.Family != vae.Gaussian {
		t.Errorf("the exported model: %+v, %+v, %v", arch, est, err)
	}
}

// TestEvalRefuses: -eval's flags fail with usage errors when misused.
func TestEvalRefuses(t *testing.T) {
	f, err := synth.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	points := trainOwn(t, "-data", f.NPY, "-test-fraction", "0.2", "-likelihood", "gaussian")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-sample", "4"}, 2, "-sample uses a trained run: name its folder with -eval DIR"},
		{[]string{"-eval", points, "-epochs", "3"}, 2, "-epochs: only"},
		{[]string{"-eval", points, "-sample", "-1"}, 2, "-sample -1"},
		{[]string{"-eval", points, "-interpolate", "1"}, 2, "I,J"},
		{[]string{"-eval", points, "-interpolate", "1,2"}, 1, "-interpolate draws images, but the data are rows of 5 features"},
		{[]string{"-eval", points, "-likelihood", "bernoulli"}, 2, "-likelihood: only"},
		{[]string{"-eval", points, "-data", f.CSV + "," + f.CSVTest}, 1, "give one of them"},
		{[]string{"-eval", points, "-data", f.CSV + "," + f.CSVTest, "-test-fraction", "0"}, 0, ""},
		{[]string{"-eval", points, "-data", f.PNG + "," + f.PNG, "-test-fraction", "0"}, 1, "trained on examples of 5 values, but the data (-data) have 64"},
		{[]string{"-eval", filepath.Join(points, "nowhere")}, 1, "is not a folder"},
	} {
		code, _, stderr := runArgs(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
