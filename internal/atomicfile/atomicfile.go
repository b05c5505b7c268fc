// Package atomicfile writes files so that a reader, or the file system
// after a crash, sees either the old content or the new, never a mix.
//
// The standard library has no such call, and the project's rule is that
// every file it writes (checkpoints, metrics) is written this way, so the
// few steps live here once.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// newFileMode is the mode of a file that did not exist before.
const newFileMode fs.FileMode = 0o644

// Write replaces the file at path with what write writes.
//
// It creates a temporary file in the directory of path, hands write a
// buffered writer on it, flushes, syncs and closes it, renames it over path
// and syncs the directory. If any step fails, or write returns an error or
// panics, the temporary file is removed and the file at path is left as it
// was; write's error is wrapped in the returned one. A file that existed
// keeps its permission bits; a new file gets 0644. A symbolic link at path
// is replaced by a regular file.
func Write(path string, write func(io.Writer) error) error {
	if _, base := filepath.Split(path); base == "" {
		return fmt.Errorf("atomicfile: %q names a directory, not a file: give a file name", path)
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	mode, err := targetMode(path)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("atomicfile: cannot write %s: directory %s does not exist; create it first: %w", path, dir, err)
		}
		return fmt.Errorf("atomicfile: cannot create a temporary file next to %s: %w", path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close() // The error, if any, is already reported or moot.
			os.Remove(tmp)
		}
	}()

	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("atomicfile: cannot set the mode of %s: %w", tmp, err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("atomicfile: writing %s failed, the old file is untouched: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: writing %s failed, the old file is untouched: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: cannot sync %s to disk: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: cannot close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: cannot rename %s to %s: %w", tmp, path, err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: %s was replaced but syncing its directory failed, so the change may not survive a crash: %w", path, err)
	}
	return nil
}

// WriteFile replaces the file at path with data, as Write does.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// targetMode returns the permission bits the new file at path should have.
func targetMode(path string) (fs.FileMode, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newFileMode, nil
	case err != nil:
		return 0, fmt.Errorf("atomicfile: cannot inspect %s: %w", path, err)
	case fi.IsDir():
		return 0, fmt.Errorf("atomicfile: %s is a directory: give a file name", path)
	case fi.Mode().IsRegular():
		return fi.Mode().Perm(), nil
	}
	return newFileMode, nil
}

// syncDir makes a rename in dir durable. On Windows a directory cannot be
// opened for syncing, so there the rename is left to the file system.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
