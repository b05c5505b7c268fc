package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/ebm"
	"github.com/govae/govae/ebm/rbmrun"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-hidden", "20", "-k", "1", "-estimator", "pcd", "-binarize", "dynamic"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Hidden != 20 || cfg.K != 1 || cfg.Estimator != ebm.PCD || cfg.Binarize.String() != "dynamic" || cfg.evalDir != "" {
		t.Errorf("parsed %+v", cfg)
	}
	if _, err := parseFlags([]string{"-k", "0"}); err == nil || !strings.Contains(err.Error(), "-k 0") {
		t.Errorf("-k 0: err = %v", err)
	}
	if _, err := parseFlags([]string{"-estimator", "gibbs"}); !errors.As(err, new(usageError)) {
		t.Errorf("-estimator gibbs: err = %v, want a usage error", err)
	}
	if _, err := parseFlags([]string{"stray"}); err == nil {
		t.Error("a stray argument gave no error")
	}
}

func TestParseFlagsEval(t *testing.T) {
	dir := t.TempDir()
	saved := rbmrun.DefaultConfig()
	saved.Hidden = 30
	if err := writeConfig(dir, saved); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"-eval", dir, "-ais-runs", "7"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.evalDir != dir || cfg.Hidden != 30 || cfg.AISRuns != 7 || cfg.Out != dir {
		t.Errorf("parsed %+v", cfg)
	}
	if _, err := parseFlags([]string{"-eval", dir, "-hidden", "5"}); err == nil || !strings.Contains(err.Error(), "-hidden") {
		t.Errorf("-eval with -hidden: err = %v", err)
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
