package nbutil

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// The environment variables the notebooks and the runner agree on.
const (
	// QuickEnv set to "1" asks the notebooks for their quick settings:
	// a few hundred images and a single epoch, enough to prove that
	// every cell compiles and runs.
	QuickEnv = "GOVAE_NOTEBOOK_QUICK"
	// CacheEnv names the folder CachePath uses; the runner sets it to a
	// fresh folder for each run of a notebook.
	CacheEnv = "GOVAE_NOTEBOOK_CACHE"
	// DisplayEnv names the folder Show writes pictures to for the runner.
	DisplayEnv = "GOVAE_NOTEBOOK_DISPLAY"
)

// DisplayMarker starts the line Show prints on standard output, under the
// runner, for each picture: the marker, then the picture's file name in the
// DisplayEnv folder.
const DisplayMarker = "\x1egovae-notebook-display "

// Quick reports whether the notebooks should use their quick settings:
// QuickEnv is "1".
func Quick() bool { return os.Getenv(QuickEnv) == "1" }

// Pick returns quick when Quick reports true and full otherwise.
func Pick[T any](full, quick T) T {
	if Quick() {
		return quick
	}
	return full
}

var cacheName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// CachePath returns the path of a file called name in the notebooks' cache
// folder, creating the folder if needed. key describes what the file
// depends on (the settings a model was trained with, say): the hash of its
// %#v form goes into the file name, so that changed settings do not find a
// stale file. key should hold values, not pointers, whose addresses would
// change from run to run.
//
// The folder is CacheEnv if set, else govae-notebooks in the user's cache
// folder (os.UserCacheDir), else in the temporary folder. Delete it to
// force the notebooks to retrain.
func CachePath(name string, key any) (string, error) {
	if !cacheName.MatchString(name) {
		return "", fmt.Errorf("nbutil: cache name %q: use letters, digits, dots, dashes and underscores only", name)
	}
	dir := os.Getenv(CacheEnv)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "govae-notebooks")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("nbutil: cannot create the cache folder: %w", err)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%#v", key))
	ext := filepath.Ext(name)
	stem := name[:len(name)-len(ext)]
	return filepath.Join(dir, stem+"-"+hex.EncodeToString(sum[:6])+ext), nil
}
