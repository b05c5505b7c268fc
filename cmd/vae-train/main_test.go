package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/train"
)

// runArgs runs the command and returns its status, stdout and stderr.
func runArgs(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs 0"},
		{[]string{"-epochs", "ten"}, `invalid value "ten" for flag -epochs`},
		{[]string{"-batch", "-3"}, "-batch -3"},
		{[]string{"-lr", "0"}, "-lr 0"},
		{[]string{"-lr", "NaN"}, "-lr NaN"},
		{[]string{"-adam-beta1", "1"}, "-adam-beta1 1"},
		{[]string{"-adam-beta2", "2"}, "-adam-beta2 2"},
		{[]string{"-adam-eps", "-1e-8"}, "-adam-eps"},
		{[]string{"-seed", "-1"}, "-seed"},
		{[]string{"-latent", "0"}, "-latent 0"},
		{[]string{"-hidden", "200,0"}, "positive integers"},
		{[]string{"-hidden", "big"}, "positive integers"},
		{[]string{"-activation", "sigmoid"}, "sigmoid"},
		{[]string{"-objective", "elbo2"}, "elbo2"},
		{[]string{"-binarize", "yes"}, "yes"},
		{[]string{"-dtype", "float16"}, "float16"},
		{[]string{"-blas", "mkl"}, `unknown BLAS backend "mkl"`},
		{[]string{"-k", "0"}, "-k 0"},
		{[]string{"-beta", "-1"}, "-beta -1"},
		{[]string{"-warmup", "-2"}, "-warmup -2"},
		{[]string{"-limit", "-1"}, "-limit -1"},
		{[]string{"-limit", "60001"}, "-limit 60001"},
		{[]string{"-eval-limit", "10001"}, "-eval-limit 10001"},
		{[]string{"-eval-k", "-1"}, "-eval-k -1"},
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag"},
		{[]string{"-epochs", "2", "extra"}, `unexpected argument "extra"`},
		{[]string{"-estimator", "rws"}, `unknown estimator "rws"`},
		{[]string{"-objective", "miwae"}, "give -m"},
		{[]string{"-m", "2"}, "-m 2: the groups are for -objective miwae and piwae only"},
		{[]string{"-objective", "ciwae", "-ciwae-beta", "2"}, "-ciwae-beta 2: must lie in [0, 1]"},
		{[]string{"-ciwae-beta", "0.5"}, "in -objective ciwae only"},
		{[]string{"-objective", "ciwae", "-estimator", "dreg"}, "reparam estimator only"},
		{[]string{"-estimator", "stl", "-upper", "8:2"}, "2 stochastic layers"},
		{[]string{"-objective", "piwae", "-m", "2", "-upper", "8:2"}, "2 stochastic layers"},
	} {
		code, stdout, stderr := runArgs(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
		if stdout != "" {
			t.Errorf("%v: wrote %q to stdout", c.args, stdout)
		}
	}
}

func TestHelp(t *testing.T) {
	code, _, stderr := runArgs("-h")
	if code != 0 {
		t.Errorf("-h: exit %d", code)
	}
	for _, want := range []string{"Usage:", "-resume folder", "-eval-k", "-binarize pixels", "(default 128)", "elbo-entropy", "vae-train -latent 100 -hidden 200,200 -upper 100,100:50", "-upper layers", "-estimator gradient", "but biased for K > 1", "-m groups", "-ciwae-beta β", "miwae", "piwae"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-h output lacks %q:\n%s", want, stderr)
		}
	}
}

func TestBadFiles(t *testing.T) {
	tmp := t.TempDir()
	noCkpt := filepath.Join(tmp, "empty")
	corrupt := filepath.Join(tmp, "corrupt")
	for _, d := range []string{noCkpt, corrupt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(corrupt, train.CheckpointFile), []byte("govae checkpoint\n\x01not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "nowhere")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-data", missing, "-out", filepath.Join(tmp, "out")}, "MNIST"},
		{[]string{"-resume", missing}, "is not a folder"},
		{[]string{"-resume", noCkpt}, "holds no model.ckpt"},
		{[]string{"-resume", corrupt}, "checkpoint"},
	} {
		code, _, stderr := runArgs(c.args...)
		if code != 1 || !strings.Contains(stderr, c.want) || !strings.HasPrefix(stderr, "vae-train: ") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
	// The -data error names the folder tried.
	if _, _, stderr := runArgs("-data", missing, "-out", filepath.Join(tmp, "out")); !strings.Contains(stderr, missing) {
		t.Errorf("-data error %q does not name %s", stderr, missing)
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
	}
	return n
}

// With no -out the run gets the first free runs/ folder; -resume continues
// it, refusing flags that would change the run.
func TestDefaultFolderAndResume(t *testing.T) {
	t.Chdir(t.TempDir())
	small := []string{"-limit", "200", "-eval-limit", "50", "-hidden", "64", "-epochs", "1"}
	code, stdout, stderr := runArgs(small...)
	dir := filepath.Join("runs", "vae-elbo-seed1-1")
	if code != 0 || !strings.Contains(stdout, "output folder: "+dir) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "epoch 1/1: train loss ") || !strings.Contains(stderr, "epoch 1/1: 100% (2/2)") {
		t.Errorf("no epoch line or progress: stdout %q, stderr %q", stdout, stderr)
	}
	if code, stdout, _ := runArgs(small...); code != 0 || !strings.Contains(stdout, "vae-elbo-seed1-2") {
		t.Errorf("second run: exit %d, stdout %q", code, stdout)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr", "0.01"}, "-lr 0.01 conflicts with the run's -lr 0.001"},
		{[]string{"-hidden", "400"}, "-hidden 400 conflicts with the run's -hidden 64"},
		{[]string{"-binarize", "static", "-seed", "3"}, "-seed 3 conflicts"},
		{[]string{"-out", "elsewhere"}, "-out elsewhere"},
		{[]string{"-preset", "burda-vae"}, "-preset burda-vae conflicts with the run's -preset "},
		{[]string{"-export-test", "x.idx"}, "-resume: only -export-test, -data may be given here"},
		{[]string{"-epochs", "0"}, "-epochs 0"},
		{[]string{"-eval-k", "-1"}, "-eval-k -1"},
	} {
		code, _, stderr := runArgs(append([]string{"-resume", dir}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("-resume %v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}

	// Flags equal to the run's are accepted beside the ones a resumed run
	// may change.
	code, stdout, stderr = runArgs("-resume", dir, "-epochs", "2", "-eval-k", "5", "-hidden", "64", "-limit", "200")
	if code != 0 || !strings.Contains(stdout, "epoch 2/2") || !strings.Contains(stdout, "log p(x) ≈") {
		t.Fatalf("resume: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if n := countLines(t, filepath.Join(dir, train.MetricsFile)); n != 2 {
		t.Errorf("metrics.jsonl has %d lines after resuming to epoch 2", n)
	}
	b, err := os.ReadFile(filepath.Join(dir, train.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var res train.Results
	if err := json.Unmarshal(b, &res); err != nil || res.Epochs.Run != 2 || res.Test.EvalK != 5 || res.Test.LogPx == nil {
		t.Errorf("results after resume: %+v, %v", res, err)
	}
	if code, _, stderr := runArgs("-resume", dir, "-epochs", "1"); code != 2 || !strings.Contains(stderr, "trained 2 epochs already") {
		t.Errorf("-epochs below those done: exit %d, stderr %q", code, stderr)
	}
}

// untimed returns the fields of results.json but its timing, each as the
// bytes the file holds.
func untimed(t *testing.T, dir string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, train.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", train.ResultsFile, err)
	}
	if _, ok := raw["timing"]; !ok {
		t.Fatalf("%s has no timing", train.ResultsFile)
	}
	delete(raw, "timing")
	return raw
}

// The same preset and seed run twice give results.json files that are
// equal byte for byte but for their timing; another seed gives other
// numbers.
func TestPresetIsReproducible(t *testing.T) {
	tmp := t.TempDir()
	args := []string{"-preset", "burda-iwae", "-k", "2", "-limit", "200", "-budget", "1", "-eval-k", "5", "-eval-limit", "50"}
	var runs []map[string]json.RawMessage
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(tmp, name)
		code, stdout, stderr := runArgs(append(args, "-out", dir)...)
		if code != 0 {
			t.Fatalf("run %s: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
		runs = append(runs, untimed(t, dir))
	}
	if len(runs[0]) != len(runs[1]) {
		t.Fatalf("results.json of the two runs have %d and %d fields", len(runs[0]), len(runs[1]))
	}
	for k, v := range runs[0] {
		if !bytes.Equal(v, runs[1][k]) {
			t.Errorf("results.json field %q differs:\n%s\n%s", k, v, runs[1][k])
		}
	}
	var res train.Results
	b, _ := json.Marshal(runs[0])
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Preset != "burda-iwae" || res.Config.K != 2 || res.Test.LogPx == nil || res.Test.EvalK != 5 || res.Test.N != 50 ||
		res.Epochs.Run != 1 || res.Epochs.Protocol != 3280 || res.Environment.Cores < 1 || res.Config.Seed != 1 {
		t.Errorf("results %+v", res)
	}
	want := "go run ./cmd/vae-train -preset burda-iwae -budget 1 -k 2 -limit 200 -eval-limit 50 -eval-k 5"
	if res.Command != want {
		t.Errorf("command %q, want %q", res.Command, want)
	}

	other := filepath.Join(tmp, "seed2")
	if code, _, stderr := runArgs(append(args, "-seed", "2", "-out", other)...); code != 0 {
		t.Fatalf("seed 2: exit %d, %s", code, stderr)
	}
	if bytes.Equal(untimed(t, other)["test"], runs[0]["test"]) {
		t.Error("seeds 1 and 2 gave the same test results")
	}
}

// The command recorded in results.json, run again, gives the same
// configuration.
func TestCommandRoundTrip(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "first")
	args := []string{"-preset", "burda-vae", "-hidden", "30", "-latent", "4", "-limit", "100", "-budget", "1", "-eval-k", "2", "-eval-limit", "20", "-lr", "0.002", "-out", dir}
	if code, _, stderr := runArgs(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	first := untimed(t, dir)
	var cmd string
	if err := json.Unmarshal(first["command"], &cmd); err != nil {
		t.Fatal(err)
	}
	again := strings.Fields(strings.TrimPrefix(cmd, "go run ./cmd/vae-train "))
	dir2 := filepath.Join(tmp, "again")
	if code, _, stderr := runArgs(append(again, "-out", dir2)...); code != 0 {
		t.Fatalf("%v: exit %d: %s", again, code, stderr)
	}
	if second := untimed(t, dir2); !bytes.Equal(first["config"], second["config"]) || !bytes.Equal(first["test"], second["test"]) {
		t.Errorf("rerunning %q gave another run:\n%s\n%s", cmd, first["config"], second["config"])
	}
	md, err := os.ReadFile(filepath.Join(dir, train.TableFile))
	if err != nil || !strings.Contains(string(md), "| 1 of the protocol's 3,280 epochs (-budget 1) |") || !strings.Contains(string(md), cmd) {
		t.Errorf("%s: %v\n%s", train.TableFile, err, md)
	}
}

// A two-layer run from the flags of a stack: its command, run again, gives
// the same run, and its results report the active units of each layer.
func TestTwoLayerCommand(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "first")
	args := []string{"-preset", "burda2-iwae", "-k", "2", "-hidden", "20", "-latent", "6", "-upper", "10:3", "-limit", "60", "-budget", "1", "-eval-k", "4", "-eval-limit", "20", "-out", dir}
	if code, _, stderr := runArgs(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	first := untimed(t, dir)
	var cmd string
	if err := json.Unmarshal(first["command"], &cmd); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cmd, "-upper 10:3") {
		t.Errorf("command %q does not give the stack", cmd)
	}
	again := strings.Fields(strings.TrimPrefix(cmd, "go run ./cmd/vae-train "))
	dir2 := filepath.Join(tmp, "again")
	if code, _, stderr := runArgs(append(again, "-out", dir2)...); code != 0 {
		t.Fatalf("%v: exit %d: %s", again, code, stderr)
	}
	if second := untimed(t, dir2); !bytes.Equal(first["config"], second["config"]) || !bytes.Equal(first["test"], second["test"]) {
		t.Errorf("rerunning %q gave another run:\n%s\n%s", cmd, first["config"], second["config"])
	}
	var test struct {
		ByLayer   []int     `json:"active_units_by_layer"`
		Variances []float64 `json:"latent_variances"`
		LogPx     *float64  `json:"log_px"`
	}
	if err := json.Unmarshal(first["test"], &test); err != nil {
		t.Fatal(err)
	}
	if len(test.ByLayer) != 2 || len(test.Variances) != 9 || test.LogPx == nil {
		t.Errorf("test results %s: want active units of 2 layers, 9 variances and log p(x)", first["test"])
	}
	md, err := os.ReadFile(filepath.Join(dir, train.TableFile))
	if err != nil || !strings.Contains(string(md), " of 6, h2 ") {
		t.Errorf("%s: %v\n%s", train.TableFile, err, md)
	}
}

func TestPresetFlags(t *testing.T) {
	code, stdout, _ := runArgs("-preset", "list")
	if code != 0 {
		t.Fatalf("-preset list: exit %d", code)
	}
	for _, want := range []string{"pytorch-example\n", "burda-vae\n", "burda-iwae\n", "-85.54", "-84.78", "-86.76", "go run ./cmd/vae-train -preset burda-iwae",
		"burda2-vae\n", "burda2-iwae\n", "-85.33", "-83.89", "-82.90", "two stochastic layers"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-preset list lacks %q:\n%s", want, stdout)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-preset", "burda"}, `-preset "burda": no such preset`},
		{[]string{"-preset", "list", "-k", "5"}, "-k: only -preset may be given here"},
		{[]string{"-preset", "burda-iwae", "-budget", "4000"}, "-budget 4000"},
		{[]string{"-schedule", "cosine"}, "cosine"},
		{[]string{"-output-bias", "mean"}, "mean"},
		{[]string{"-upper", "50"}, "HIDDEN:UNITS"},
		{[]string{"-upper", "100:0"}, "HIDDEN:UNITS"},
		{[]string{"-export-test", "x.idx", "-k", "3"}, "-k: only -export-test, -data may be given here"},
	} {
		code, _, stderr := runArgs(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func TestExportTest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test-binarized.idx")
	code, stdout, stderr := runArgs("-export-test", path)
	if code != 0 || !strings.Contains(stdout, path) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pixels, rows, cols, err := datasets.ReadImages(f)
	if err != nil {
		t.Fatal(err)
	}
	_, test, err := datasets.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if rows != 28 || cols != 28 || !bytes.Equal(pixels, test.Binarize(datasets.TestSeed).Pixels) {
		t.Errorf("exported %d bytes of %d×%d images, not the fixed binarised test set", len(pixels), rows, cols)
	}
}

// TestEstimatorRun trains a tiny MIWAE with DReG, finds the estimator and
// the groups in results.json and the checkpoint's configuration, and
// refuses to resume it with another estimator or number of groups.
func TestEstimatorRun(t *testing.T) {
	t.Chdir(t.TempDir())
	args := []string{"-limit", "100", "-eval-limit", "20", "-hidden", "16", "-latent", "3", "-epochs", "1",
		"-objective", "miwae", "-m", "2", "-k", "2", "-estimator", "dreg"}
	code, stdout, stderr := runArgs(args...)
	dir := filepath.Join("runs", "vae-miwae-dreg-seed1-1")
	if code != 0 || !strings.Contains(stdout, "output folder: "+dir) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, train.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var res train.Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if c := res.Config; c.Estimator.String() != "dreg" || c.M != 2 || c.K != 2 || c.Objective.String() != "miwae" {
		t.Errorf("results.json records %+v", c)
	}
	if !strings.Contains(res.Command, "-estimator dreg") || !strings.Contains(res.Command, "-m 2") {
		t.Errorf("command %q lacks the estimator or the groups", res.Command)
	}
	saved, err := train.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c := saved.Checkpoint.Config; c.Estimator.String() != "dreg" || c.Groups != 2 {
		t.Errorf("the checkpoint records %+v", c)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-estimator", "stl"}, "-estimator stl conflicts with the run's -estimator dreg"},
		{[]string{"-m", "1"}, "-m 1 conflicts with the run's -m 2"},
	} {
		code, _, stderr := runArgs(append([]string{"-resume", dir, "-epochs", "2"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("-resume %v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, stdout, stderr := runArgs("-resume", dir, "-epochs", "2"); code != 0 || !strings.Contains(stdout, "epoch 2/2") {
		t.Errorf("resume: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
