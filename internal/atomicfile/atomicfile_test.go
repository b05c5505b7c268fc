package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// checkOnly checks that dir holds only the file name, with content want.
func checkOnly(t *testing.T, dir, name, want string) {
	t.Helper()
	if got := entries(t, dir); len(got) != 1 || got[0] != name {
		t.Errorf("directory holds %v, want only %s (no temporary file left)", got, name)
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("content is %q, want %q", got, want)
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.gob")
	if err := Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "first")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, dir, "ckpt.gob", "first")

	// Large enough to need several flushes of the buffer.
	big := strings.Repeat("0123456789", 20000)
	if err := WriteFile(path, []byte(big)); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, dir, "ckpt.gob", big)
}

func TestCallbackErrorLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.csv")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("encoder failed")
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new content")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want an error wrapping the callback's", err)
	}
	if !strings.HasPrefix(err.Error(), "atomicfile: ") || !strings.Contains(err.Error(), "untouched") {
		t.Errorf("error %q should start with \"atomicfile: \" and say the old file is untouched", err)
	}
	checkOnly(t, dir, "metrics.csv", "old")
}

func TestCallbackPanicLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "bug" {
				t.Errorf("recovered %v, want the callback's panic", r)
			}
		}()
		Write(path, func(w io.Writer) error { panic("bug") })
	}()
	checkOnly(t, dir, "f", "old")
}

func TestMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no-such-dir")
	path := filepath.Join(dir, "f")
	err := WriteFile(path, []byte("x"))
	if err == nil {
		t.Fatal("WriteFile into a missing directory returned nil error")
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "directory "+dir+" does not exist") {
		t.Errorf("error %q should wrap fs.ErrNotExist and say that %s does not exist", err, dir)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing directory was created: %v", err)
	}
}

func TestDirectoryTarget(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "sub"), dir + string(filepath.Separator)} {
		if err := WriteFile(p, []byte("x")); err == nil || !strings.Contains(err.Error(), "directory") {
			t.Errorf("WriteFile(%q) returned %v, want an error about a directory", p, err)
		}
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Errorf("directory holds %v, want only sub", got)
	}
}

func TestMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits are not kept on Windows")
	}
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh")
	if err := WriteFile(fresh, []byte("x")); err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(dir, "private")
	if err := os.WriteFile(private, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(private, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(private, []byte("new")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{fresh: 0o644, private: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", filepath.Base(p), fi.Mode().Perm(), want)
		}
	}
}

func TestRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := WriteFile("rel.txt", []byte("here")); err != nil {
		t.Fatal(err)
	}
	checkOnly(t, dir, "rel.txt", "here")
}
