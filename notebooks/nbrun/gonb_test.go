package nbrun

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// TestTranslateSkipsGoNBSetup checks that the setup cell, word for word,
// gives no program, and that any other shell line is still refused.
func TestTranslateSkipsGoNBSetup(t *testing.T) {
	nb := notebook(t, "md:# Title", GoNBSetup+"\n", "import \"fmt\"\n%%\nfmt.Println(1)")
	if !nb.Cells[1].IsGoNBSetup() || nb.Cells[2].IsGoNBSetup() || nb.Cells[0].IsGoNBSetup() {
		t.Fatalf("IsGoNBSetup: %v %v %v, want false true false", nb.Cells[0].IsGoNBSetup(), nb.Cells[1].IsGoNBSetup(), nb.Cells[2].IsGoNBSetup())
	}
	progs, err := Translate(nb, "n.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(progs) != 1 || progs[0].Cell != 2 || strings.Contains(string(progs[0].Source), "go mod edit") {
		t.Fatalf("want one program, for cell 3, without the setup: %+v", progs)
	}
	for _, src := range []string{
		strings.Replace(GoNBSetup, "github.com/govae/govae=$d", "github.com/govae/govae=$GONB_DIR/..", 1),
		GoNBSetup + "\n!*go get example.com/x",
		"// a comment\n" + GoNBSetup,
	} {
		if _, err := Translate(notebook(t, src), "n.ipynb"); err == nil || !strings.Contains(err.Error(), "n.ipynb cell 1:") || !strings.Contains(err.Error(), "GoNBSetup") {
			t.Errorf("a changed setup cell: error %v, want a refusal naming cell 1 and GoNBSetup", err)
		}
	}
}

// executed makes a notebook from cells given as their JSON: a string is a
// Markdown cell, a []any the outputs of a code cell that ran, and nil a code
// cell that did not run.
func executed(t *testing.T, cells ...any) *Notebook {
	t.Helper()
	var list []any
	for i, c := range cells {
		switch c := c.(type) {
		case string:
			list = append(list, map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": c})
		case []any:
			list = append(list, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": "%%",
				"outputs": c, "execution_count": i + 1})
		case nil:
			list = append(list, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": "%%",
				"outputs": []any{}, "execution_count": nil})
		default:
			t.Fatalf("cell %d: %T", i+1, c)
		}
	}
	b, err := json.Marshal(map[string]any{"cells": list, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

func stream(name, text string) map[string]any {
	return map[string]any{"output_type": "stream", "name": name, "text": text}
}

func picture() map[string]any {
	return map[string]any{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"image/png": base64.StdEncoding.EncodeToString([]byte("\x89PNG not really"))}}
}

// TestCheckKernelRun checks that every kind of failure GoNB shows is
// reported with the notebook and the cell, and that a clean run passes.
func TestCheckKernelRun(t *testing.T) {
	saved := executed(t, "# Title", []any{}, []any{stream("stdout", "text\n"), picture()}, "prose", []any{picture(), picture()})
	clean := executed(t, "# Title", []any{stream("stdout", "GoNB builds against …\n")}, []any{stream("stdout", "other text\n"), picture()}, "prose", []any{picture(), stream("stdout", "x"), picture()})
	if err := CheckKernelRun(saved, clean, "n.ipynb"); err != nil {
		t.Errorf("a clean run: %v", err)
	}
	gonbError := map[string]any{"output_type": "error", "ename": "ERROR", "evalue": "exit status 2", "traceback": []any{"exit status 2"}}
	buildFailed := map[string]any{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"text/html": []any{"<style>\n.x { a: b; }\n</style>\n", "<div>failed to run &#34;/usr/local/go/bin/go get&#34;: exit status 1</div>\n"}}}
	for _, c := range []struct {
		what string
		ran  *Notebook
		want []string
	}{
		{"an error output", executed(t, "# Title", []any{}, []any{picture(), gonbError}, "prose", []any{picture(), picture()}),
			[]string{"n.ipynb cell 3: error in GoNB: ERROR\nexit status 2\nexit status 2"}},
		{"standard error", executed(t, "# Title", []any{stream("stderr", "exit status 1\n")}, []any{picture()}, "prose", []any{picture(), picture()}),
			[]string{"n.ipynb cell 2 writes to standard error in GoNB: exit status 1"}},
		{"a build failure shown as HTML", executed(t, "# Title", []any{}, []any{buildFailed, picture()}, "prose", []any{picture(), picture()}),
			[]string{"n.ipynb cell 3: GoNB says: \nfailed to run \"/usr/local/go/bin/go get\": exit status 1"}},
		{"a panic on standard output", executed(t, "# Title", []any{}, []any{stream("stdout", "panic: boom\n"), picture()}, "prose", []any{picture(), picture()}),
			[]string{"n.ipynb cell 3: GoNB says: panic: boom"}},
		{"a cell that did not run", executed(t, "# Title", []any{}, []any{picture()}, "prose", nil),
			[]string{"n.ipynb cell 5 did not run in GoNB"}},
		{"a missing picture", executed(t, "# Title", []any{}, []any{picture()}, "prose", []any{picture()}),
			[]string{"n.ipynb cell 5 shows 1 pictures in GoNB, 2 in the saved notebook"}},
		{"no picture at all", executed(t, "# Title", []any{}, []any{}, "prose", []any{}),
			[]string{"cell 3 shows 0 pictures in GoNB, 1 in", "cell 5 shows 0 pictures", "n.ipynb shows no picture in GoNB"}},
		{"other cells", executed(t, "# Title", []any{}, []any{picture()}),
			[]string{"n.ipynb has 3 cells after GoNB ran it, 5 before"}},
	} {
		err := CheckKernelRun(saved, c.ran, "n.ipynb")
		if err == nil {
			t.Errorf("%s: no error", c.what)
			continue
		}
		if !strings.HasPrefix(err.Error(), "nbrun: ") {
			t.Errorf("%s: %q does not start with the package name", c.what, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not contain %q", c.what, err, w)
			}
		}
	}
}
