package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/ebm"
	"github.com/govae/govae/ebm/rbmrun"
)

func TestParseFlags(t *testing.T) {
	c, err := parse([]string{"-hidden", "20", "-k", "1", "-estimator", "pcd", "-binarize", "dynamic"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hidden != 20 || c.K != 1 || c.Estimator != ebm.PCD || c.Binarize.String() != "dynamic" || c.evalDir != "" {
		t.Errorf("parsed %+v", c)
	}
	if want := "ebm-train -binarize dynamic -estimator pcd -hidden 20 -k 1"; c.command != want {
		t.Errorf("command %q, want %q", c.command, want)
	}
	if _, err := parse([]string{"-k", "0"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-k 0") {
		t.Errorf("-k 0: err = %v", err)
	}
	if _, err := parse([]string{"-estimator", "gibbs"}, io.Discard); !errors.As(err, new(usageError)) {
		t.Errorf("-estimator gibbs: err = %v, want a usage error", err)
	}
	if _, err := parse([]string{"stray"}, io.Discard); err == nil {
		t.Error("a stray argument gave no error")
	}
}

// -preset starts from the protocol, flags override it, and the command
// records the overrides only.
func TestParsePreset(t *testing.T) {
	c, err := parse([]string{"-estimator", "pcd", "-preset", "sm-cd25"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Epochs != 250 || c.AnnealEvery != 10 || c.InitialMomentum != 0.5 || c.MomentumEpochs != 5 || c.VisibleInit != rbmrun.VisibleZero ||
		c.Binarize != datasets.Dynamic || c.Estimator != ebm.PCD || c.AISRuns != 1000 {
		t.Errorf("preset with -estimator pcd: %+v", c.Config)
	}
	if want := "ebm-train -preset sm-cd25 -estimator pcd"; c.command != want {
		t.Errorf("command %q, want %q", c.command, want)
	}
	if _, err := parse([]string{"-preset", "nope"}, io.Discard); err == nil || !strings.Contains(err.Error(), "sm-cd25") {
		t.Errorf("unknown preset: err = %v", err)
	}
	var out bytes.Buffer
	if status := run([]string{"-preset", "list"}, &out, io.Discard); status != 0 || !strings.Contains(out.String(), "-86.34") {
		t.Errorf("-preset list: status %d, output:\n%s", status, out.String())
	}
}

func TestUsage(t *testing.T) {
	var errOut bytes.Buffer
	if status := run([]string{"-h"}, io.Discard, &errOut); status != 0 {
		t.Errorf("-h: status %d", status)
	}
	for _, want := range []string{"Examples:", "-resume DIR", "-preset sm-cd25 -estimator pcd", "-anneal-every"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, errOut.String())
		}
	}
	if status := run([]string{"-k", "0"}, io.Discard, io.Discard); status != 2 {
		t.Errorf("-k 0: status %d, want 2", status)
	}
}

func TestParseFlagsEvalAndResume(t *testing.T) {
	dir := t.TempDir()
	saved := rbmrun.DefaultConfig()
	saved.Hidden = 30
	if err := writeConfig(dir, saved); err != nil {
		t.Fatal(err)
	}
	c, err := parse([]string{"-eval", dir, "-ais-runs", "7", "-ais-refine", "4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.evalDir != dir || c.Hidden != 30 || c.AISRuns != 7 || c.AISRefine != 4 || c.Out != dir {
		t.Errorf("parsed %+v", c)
	}
	if _, err := parse([]string{"-eval", dir, "-hidden", "5"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-hidden") {
		t.Errorf("-eval with -hidden: err = %v", err)
	}
	c, err = parse([]string{"-resume", dir, "-epochs", "40"}, io.Discard)
	if err != nil || c.resumeDir != dir || c.Epochs != 40 || c.Hidden != 30 {
		t.Errorf("-resume: %+v, %v", c, err)
	}
	if _, err := parse([]string{"-resume", dir, "-lr", "1"}, io.Discard); err == nil || !strings.Contains(err.Error(), "-lr") {
		t.Errorf("-resume with -lr: err = %v", err)
	}
	if _, err := parse([]string{"-resume", dir, "-eval", dir}, io.Discard); err == nil {
		t.Error("-resume with -eval gave no error")
	}
}

// writeConfig writes cfg as the config.json of a run in dir.
func writeConfig(dir string, cfg rbmrun.Config) error {
	f, err := os.Create(filepath.Join(dir, "config.json"))
	if err != nil {
		return err
	}
	defer f.Close()
	return json.NewEncoder(f).Encode(cfg)
}
