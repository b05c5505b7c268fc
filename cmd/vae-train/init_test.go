package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/internal/synth"
	"github.com/govae/govae/train"
)

// TestInit: a model exported to safetensors and read back with -init
// -epochs 0 scores exactly as the run that wrote it (the same weights and
// standardisation, the same evaluation seeds), -eval and -resume use the
// run it makes, and -init refuses a file of another architecture.
func TestInit(t *testing.T) {
	f, err := synth.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []string{"-data", f.CSV + "," + f.CSVTest, "-likelihood", "gaussian", "-standardize", "-eval-k", "20"}
	dir := trainOwn(t, data...)
	model := filepath.Join(t.TempDir(), "m.safetensors")
	if code, stdout, stderr := runArgs("-eval", dir, "-eval-k", "20", "-export", model); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var want train.Evaluation
	readJSON(t, filepath.Join(dir, train.EvalFile), &want)

	imported := trainOwn(t, append(data, "-init", model, "-epochs", "0", "-seed", "7")...)
	var res train.Results
	readJSON(t, filepath.Join(imported, train.ResultsFile), &res)
	if !strings.Contains(res.Epochs.Note, "no epochs: the model of -init") {
		t.Errorf("-init -epochs 0: results.json says %q", res.Epochs.Note)
	}
	if res.Epochs.Run != 0 || res.Test.ELBO != want.Test.ELBO || res.Test.LogPx == nil || *res.Test.LogPx != *want.Test.LogPx {
		t.Errorf("-init -epochs 0: %d epochs, ELBO %v, log p(x) %v; the exported run's ELBO %v, log p(x) %v",
			res.Epochs.Run, res.Test.ELBO, res.Test.LogPx, want.Test.ELBO, *want.Test.LogPx)
	}
	if code, stdout, stderr := runArgs("-eval", imported, "-eval-k", "20"); code != 0 {
		t.Fatalf("-eval of the imported run: exit %d\n%s%s", code, stdout, stderr)
	}
	var ev train.Evaluation
	readJSON(t, filepath.Join(imported, train.EvalFile), &ev)
	if ev.Epochs != 0 || ev.Test.ELBO != want.Test.ELBO || *ev.Test.LogPx != *want.Test.LogPx {
		t.Errorf("-eval of the imported run: epoch %d, ELBO %v, log p(x) %v; want epoch 0, %v, %v",
			ev.Epochs, ev.Test.ELBO, *ev.Test.LogPx, want.Test.ELBO, *want.Test.LogPx)
	}
	// Fine-tuning: the imported run resumes for an epoch.
	if code, stdout, stderr := runArgs("-resume", imported, "-epochs", "1"); code != 0 {
		t.Fatalf("-resume of the imported run: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := countLines(t, filepath.Join(imported, train.MetricsFile)); n != 1 {
		t.Errorf("the resumed imported run has %d lines of metrics, want 1", n)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-init", model, "-latent", "3"}, 1, "give the file's architecture"},
		{[]string{"-init", model, "-standardize=false"}, 1, "give -standardize=true"},
		{[]string{"-init", filepath.Join(dir, train.ConfigFile)}, 1, "not a safetensors file"},
		{[]string{"-epochs", "0"}, 2, "0 only with -init"},
	} {
		args := append(append([]string{"-out", filepath.Join(t.TempDir(), "r"), "-hidden", "16", "-latent", "2"}, data...), c.args...)
		code, _, stderr := runArgs(args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
}
