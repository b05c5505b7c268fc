// Package runenv records what a run ran on, for the results files of
// vae-train and ebm-train.
package runenv

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Environment is what a run ran on: the govae build and the machine.
type Environment struct {
	Module  string `json:"module"`  // the main module of the binary (github.com/govae/govae for vae-train and ebm-train)
	Version string `json:"version"` // its version: "(devel)" for a build inside the repository

	// The version-control stamp of the build. Go writes it only when it
	// builds a main package inside a repository with VCS stamping on: the
	// fields are empty under -buildvcs=false, which go run and GOFLAGS may
	// imply. Run GOFLAGS=-buildvcs=true go run ./cmd/vae-train ... to
	// record them.
	VCSRevision string `json:"vcs_revision,omitempty"`
	VCSTime     string `json:"vcs_time,omitempty"`
	VCSModified string `json:"vcs_modified,omitempty"` // "true" if the working tree had changes
	VCSNote     string `json:"vcs_note,omitempty"`     // says how to stamp the revision when it is missing

	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPU        string `json:"cpu"`        // the "model name" of /proc/cpuinfo; "" where there is none
	Cores      int    `json:"cores"`      // logical CPUs (runtime.NumCPU)
	GOMAXPROCS int    `json:"gomaxprocs"` // CPUs Go ran on at once
}

// Current describes the running binary and machine.
func Current() Environment {
	e := Environment{
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		CPU:        cpuModel(),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		e.Module, e.Version = bi.Main.Path, bi.Main.Version
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				e.VCSRevision = s.Value
			case "vcs.time":
				e.VCSTime = s.Value
			case "vcs.modified":
				e.VCSModified = s.Value
			}
		}
	}
	if e.VCSRevision == "" {
		e.VCSNote = "the build carries no VCS revision; rerun with GOFLAGS=-buildvcs=true to record it"
	}
	return e
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "" where
// the file does not exist (systems other than Linux) or has none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
