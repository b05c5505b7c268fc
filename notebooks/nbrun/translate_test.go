package nbrun

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestTranslateAsGoNB checks the reading of cells GoNB's way: declarations
// carry over, a later one replaces an earlier one, each main body gets a
// program of its own, unused imports are dropped.
func TestTranslateAsGoNB(t *testing.T) {
	nb := notebook(t,
		"md:# A title",
		"import (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc greet() string { return \"hello\" }\n\ntype T struct{ n int }\n\nconst (\n\tA = iota\n\tB\n)",
		"%%\nfmt.Println(greet(), B)",
		"func greet() string { return strings.ToUpper(\"bye\") }\n\nvar x, y = 1, 2\n\nfunc (t T) N() int { return t.n }\n%%\nfmt.Println(greet(), x)",
		"func main() {\n\tfmt.Println(T{3}.N())\n}",
		"var z = 3",
	)
	progs, err := Translate(nb, "demo.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if len(progs) != 4 {
		t.Fatalf("%d programs, want 4 (three main bodies and the trailing declarations)", len(progs))
	}
	for i, want := range []struct {
		cell     int
		run      bool
		has, not []string
	}{
		{2, true, []string{`"fmt"`, `return "hello"`, "A = iota", "fmt.Println(greet(), B)"}, []string{`"strings"`, "bye", "var x"}},
		{3, true, []string{`"strings"`, `ToUpper("bye")`, "x, y = 1, 2", "func (t T) N()", "fmt.Println(greet(), x)"}, []string{`"hello"`, "fmt.Println(greet(), B)"}},
		{4, true, []string{"fmt.Println(T{3}.N())", `ToUpper("bye")`}, []string{"fmt.Println(greet(), x)", "z = 3"}},
		{5, false, []string{"z = 3"}, []string{"T{3}.N()"}},
	} {
		p := progs[i]
		src := string(p.Source)
		if p.Cell != want.cell || p.Run != want.run {
			t.Errorf("program %d: cell %d, run %v; want cell %d, run %v", i, p.Cell, p.Run, want.cell, want.run)
		}
		for _, s := range want.has {
			if !strings.Contains(src, s) {
				t.Errorf("program %d lacks %q:\n%s", i, s, src)
			}
		}
		for _, s := range want.not {
			if strings.Contains(src, s) {
				t.Errorf("program %d has %q:\n%s", i, s, src)
			}
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "p.go", p.Source, 0); err != nil {
			t.Errorf("program %d does not parse: %v\n%s", i, err, src)
		}
	}
	if !strings.Contains(string(progs[1].Source), "//line demo.ipynb cell 4:7:1\nfmt.Println(greet(), x)") {
		t.Errorf("the main body of cell 4 is not placed at its line:\n%s", progs[1].Source)
	}
}

// TestTranslateRefuses checks that what the runner cannot reproduce is
// refused with a message naming the cell and line.
func TestTranslateRefuses(t *testing.T) {
	for _, c := range []struct {
		cells []string
		want  string
	}{
		{[]string{"md:x", "%%\n!ls"}, `demo.ipynb cell 2:2: "!ls": shell lines`},
		{[]string{"!*go get x"}, "cell 1:1: \"!*go get x\": shell lines"},
		{[]string{"%env A 1\n%%\n"}, "cell 1:1: \"%env A 1\": shell lines and special commands"},
		{[]string{"%% -n=3\nfmt.Println()"}, "cell 1:1: \"%% -n=3\": arguments after %%"},
		{[]string{"%%\na()\n%%\nb()"}, "cell 1:3: a second %% line"},
		{[]string{"func main() {}\n%%\nx()"}, "cell 1:2: the cell has both func main and a %% line"},
		{[]string{"\nfunc init() {}"}, "cell 1:2: func init is not supported"},
		{[]string{"const (\n\tA = 1\n\tB = 2\n)", "const A = 3"}, "cell 2: const A redeclares A, declared in demo.ipynb cell 1"},
		{[]string{"import \"math/rand\"", "import rand \"math/rand/v2\""}, "cell 2: import \"math/rand/v2\" as rand, but demo.ipynb cell 1 imports \"math/rand\""},
		{[]string{"var a = 1\n\nfunc f( {"}, "demo.ipynb cell 1:3:"},
		{[]string{"md:x", "md:y", "func f() {}\n%%\nx := 1\ny := ]"}, "demo.ipynb cell 3:4:"},
	} {
		_, err := Translate(notebook(t, c.cells...), "demo.ipynb")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("cells %q: error %v, want one containing %q", c.cells, err, c.want)
		}
	}
}

func TestImportNames(t *testing.T) {
	nb := notebook(t, "import (\n\t\"github.com/schollz/progressbar/v3\"\n\t\"gopkg.in/yaml.v3\"\n\t\"github.com/mattn/go-sqlite3\"\n\tG \"gorgonia.org/gorgonia\"\n\t_ \"image/png\"\n)\n%%\nprogressbar.X()\nyaml.Y()\nsqlite3.Z()")
	progs, err := Translate(nb, "n.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	src := string(progs[0].Source)
	for _, s := range []string{`"github.com/schollz/progressbar/v3"`, `"gopkg.in/yaml.v3"`, `"github.com/mattn/go-sqlite3"`, `_ "image/png"`} {
		if !strings.Contains(src, s) {
			t.Errorf("import %s was dropped:\n%s", s, src)
		}
	}
	if strings.Contains(src, "gorgonia") {
		t.Errorf("the unused import G was kept:\n%s", src)
	}
}

func TestTranslateErrorsArePrefixed(t *testing.T) {
	for _, cells := range [][]string{{"!ls"}, {"func f( {"}, {"%%\nx := ]"}, {"var a, b = 1, 2", "var a = 3"}, {"import \"a/x\"", "import \"b/x\""}} {
		if _, err := Translate(notebook(t, cells...), "n.ipynb"); err == nil || !strings.HasPrefix(err.Error(), "nbrun: n.ipynb cell ") {
			t.Errorf("cells %q: error %v, want one starting with the package and the cell", cells, err)
		}
	}
}
