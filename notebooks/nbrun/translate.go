package nbrun

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Program is the Go program GoNB would compile to run one code cell: the
// imports and declarations of that cell and of every code cell before it,
// and the cell's main body as func main.
type Program struct {
	Cell   int    // index in Notebook.Cells of the cell whose main body runs
	Run    bool   // false for a program built only to check declarations
	Source []byte // the program, with //line comments naming cells
}

// unit is one top-level declaration of a cell, as text, with what it
// declares and the package names it refers to.
type unit struct {
	key   string   // what a later declaration of the same thing replaces
	names []string // the package-level names it declares
	text  string   // the source, preceded by a //line comment
	uses  map[string]bool
	cell  int
}

// importSpec is one import of a cell.
type importSpec struct {
	name, path string // name is the explicit name or the guessed one
	explicit   bool
	text       string
	cell       int
}

// cellCode is a code cell split into its parts.
type cellCode struct {
	index   int // in Notebook.Cells
	units   []unit
	imports []importSpec
	main    string // func main's body, with //line comments; "" if none
	hasMain bool
	uses    map[string]bool // package names the main body refers to
}

// Translate turns the code cells of nb into the programs GoNB would run,
// one per cell with a main body (after a %% or %main line, or a func main),
// plus one that only compiles when code cells without a main body end the
// notebook. name is the notebook's file name, used in //line comments so
// that compile errors and panics name the cell and line.
//
// Cells are read as GoNB reads them: declarations (imports, functions,
// types, variables, constants) carry over to later cells, and a later
// declaration of the same name replaces an earlier one; the body after %%
// becomes func main() { flag.Parse(); ... }; imports that a program does not
// use are dropped, as goimports drops them. Unlike GoNB, Translate adds no
// missing import (import every package you use) and refuses, with an error
// naming the cell and line, what it cannot reproduce: shell lines (!, !*),
// special commands other than %% and %main, arguments after %%, func init,
// and a redeclaration that overlaps an earlier group of names only in part.
// As in GoNB, a line is a command if it starts with % or !, wherever it is
// (inside a raw string literal too). The one shell cell Translate accepts is
// GoNBSetup, which it skips: it sets up GoNB's own module, and the programs
// here are built against Options.ModuleDir.
func Translate(nb *Notebook, name string) ([]Program, error) {
	var cells []cellCode
	for i, c := range nb.Cells {
		if c.Type != "code" || c.IsGoNBSetup() {
			continue
		}
		cc, err := parseCell(c.Source, i, cellFile(name, i))
		if err != nil {
			return nil, fmt.Errorf("nbrun: %w", err)
		}
		cells = append(cells, cc)
	}
	var progs []Program
	var units []unit
	var imports []importSpec
	for k, cc := range cells {
		for _, u := range cc.units {
			var err error
			if units, err = replace(units, u, name); err != nil {
				return nil, fmt.Errorf("nbrun: %w", err)
			}
		}
		for _, im := range cc.imports {
			var err error
			if imports, err = addImport(imports, im, name); err != nil {
				return nil, fmt.Errorf("nbrun: %w", err)
			}
		}
		if !cc.hasMain && k < len(cells)-1 {
			continue
		}
		progs = append(progs, Program{Cell: cc.index, Run: cc.hasMain, Source: assemble(imports, units, cc)})
	}
	return progs, nil
}

// cellFile names cell i (counted from 0) in //line comments and messages.
func cellFile(name string, i int) string {
	return fmt.Sprintf("%s cell %d", name, i+1)
}

var (
	mainLine    = regexp.MustCompile(`^(%%|%main)\s*$`)
	specialLine = regexp.MustCompile(`^(%|!)`)
)

// parseCell splits one code cell into declarations and main body.
func parseCell(src string, index int, file string) (cellCode, error) {
	cc := cellCode{index: index}
	lines := strings.Split(src, "\n")
	declEnd := len(lines)
	for i, l := range lines {
		switch {
		case mainLine.MatchString(l):
			if declEnd < len(lines) {
				return cc, fmt.Errorf("%s:%d: a second %%%% line: a cell has one main body", file, i+1)
			}
			declEnd = i
		case strings.HasPrefix(l, "%%") || strings.HasPrefix(l, "%main"):
			return cc, fmt.Errorf("%s:%d: %q: arguments after %%%% are not supported by the notebook runner", file, i+1, l)
		case specialLine.MatchString(l):
			return cc, fmt.Errorf("%s:%d: %q: shell lines and special commands other than %%%% are not supported by the notebook runner (the one shell cell it accepts, and skips, is GoNB's module setup, nbrun.GoNBSetup, word for word); put instructions in a Markdown cell", file, i+1, l)
		}
	}
	if err := cc.parseDecls(strings.Join(lines[:declEnd], "\n"), file); err != nil {
		return cc, err
	}
	if declEnd < len(lines) {
		if cc.hasMain {
			return cc, fmt.Errorf("%s:%d: the cell has both func main and a %%%% line", file, declEnd+1)
		}
		body := strings.Join(lines[declEnd+1:], "\n")
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, "package main\nfunc main() {\n"+body+"\n}\n", 0)
		if err != nil {
			return cc, shiftError(err, declEnd+1-2)
		}
		cc.hasMain = true
		cc.main = lineComment(file, declEnd+2, 1) + body
		cc.uses = selectorNames(f)
	}
	return cc, nil
}

// parseDecls reads the declarations of a cell, the text before its %% line.
func (cc *cellCode) parseDecls(src, file string) error {
	const header = "package main\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, header+src, parser.SkipObjectResolution)
	if err != nil {
		return shiftError(err, -1)
	}
	text := func(from, to token.Pos) (string, int, int) {
		p := fset.Position(from)
		return src[p.Offset-len(header) : fset.Position(to).Offset-len(header)], p.Line - 1, p.Column
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			body, line, col := text(d.Pos(), d.End())
			name := d.Name.Name
			key := "func " + name
			if d.Recv != nil {
				key = "method " + recvType(d.Recv.List[0].Type) + "." + name
			} else if name == "init" {
				return fmt.Errorf("%s:%d: func init is not supported by the notebook runner: call a function from the main body instead", file, line)
			} else if name == "main" {
				b, bline, bcol := text(d.Body.Lbrace+1, d.Body.Rbrace)
				cc.hasMain = true
				cc.main = lineComment(file, bline, bcol) + b
				cc.uses = selectorNames(d.Body)
				continue
			}
			u := unit{key: key, text: lineComment(file, line, col) + body, uses: selectorNames(d), cell: cc.index}
			if d.Recv == nil {
				u.names = []string{name}
			}
			cc.units = append(cc.units, u)
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				for _, s := range d.Specs {
					cc.imports = append(cc.imports, newImport(s.(*ast.ImportSpec), file, fset, cc.index))
				}
				continue
			}
			if d.Tok == token.CONST {
				// A const group is kept whole: splitting it would change
				// what iota and implicit repetition mean.
				body, line, col := text(d.Pos(), d.End())
				var names []string
				for _, s := range d.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						names = append(names, n.Name)
					}
				}
				cc.units = append(cc.units, unit{key: "const " + strings.Join(names, ","), names: names,
					text: lineComment(file, line, col) + body, uses: selectorNames(d), cell: cc.index})
				continue
			}
			for _, s := range d.Specs {
				body, line, col := text(s.Pos(), s.End())
				var names []string
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = []string{s.Name.Name}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				}
				cc.units = append(cc.units, unit{key: d.Tok.String() + " " + strings.Join(names, ","), names: names,
					text: d.Tok.String() + "\n" + lineComment(file, line, col) + body, uses: selectorNames(s), cell: cc.index})
			}
		}
	}
	return nil
}

// recvType names the type of a method receiver: T for T, *T, T[P] or *T[P].
func recvType(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return fmt.Sprintf("%T", e)
		}
	}
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

func newImport(s *ast.ImportSpec, file string, fset *token.FileSet, cell int) importSpec {
	p, _ := strconv.Unquote(s.Path.Value)
	im := importSpec{path: p, cell: cell}
	if s.Name != nil {
		im.name, im.explicit = s.Name.Name, true
	} else {
		// The package name is guessed from the path, as a reader would;
		// a package named otherwise needs an explicit name in the import.
		el := path.Base(p)
		if majorVersion.MatchString(el) && path.Dir(p) != "." {
			el = path.Base(path.Dir(p))
		}
		el = strings.TrimPrefix(el, "go-")
		if i := strings.IndexAny(el, ".-"); i > 0 {
			el = el[:i]
		}
		im.name = el
	}
	pos := fset.Position(s.Pos())
	im.text = lineComment(file, pos.Line-1, pos.Column)
	if im.explicit {
		im.text += im.name + " "
	}
	im.text += strconv.Quote(p)
	return im
}

// replace adds u to the declarations so far, replacing an earlier
// declaration of the same thing as GoNB does.
func replace(units []unit, u unit, name string) ([]unit, error) {
	for i, old := range units {
		if old.key == u.key {
			units[i] = u
			return units, nil
		}
		for _, n := range u.names {
			if slices.Contains(old.names, n) {
				return nil, fmt.Errorf("%s: %s redeclares %s, declared in %s together with other names (%s); GoNB would replace the whole group, the runner refuses: give it a new name",
					cellFile(name, u.cell), u.key, n, cellFile(name, old.cell), old.key)
			}
		}
	}
	return append(units, u), nil
}

func addImport(imports []importSpec, im importSpec, name string) ([]importSpec, error) {
	for _, old := range imports {
		if old.path == im.path && old.name == im.name {
			return imports, nil
		}
		if old.name == im.name && im.name != "_" && im.name != "." {
			return nil, fmt.Errorf("%s: import %q as %s, but %s imports %q under that name", cellFile(name, im.cell), im.path, im.name, cellFile(name, old.cell), old.path)
		}
	}
	return append(imports, im), nil
}

// assemble writes the program for cell cc: the imports it uses, every
// declaration so far, and its main body.
func assemble(imports []importSpec, units []unit, cc cellCode) []byte {
	used := map[string]bool{}
	for _, u := range units {
		for n := range u.uses {
			used[n] = true
		}
	}
	for n := range cc.uses {
		used[n] = true
	}
	var b bytes.Buffer
	b.WriteString("package main\n\nimport (\n\tnbrunflag \"flag\"\n")
	for _, im := range imports {
		if used[im.name] || im.name == "_" || im.name == "." {
			fmt.Fprintf(&b, "%s\n", im.text)
		}
	}
	b.WriteString(")\n\n")
	for _, u := range units {
		fmt.Fprintf(&b, "%s\n\n", u.text)
	}
	b.WriteString("func main() {\n\tnbrunflag.Parse()\n")
	if cc.hasMain {
		fmt.Fprintf(&b, "%s\n", cc.main)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// lineComment makes positions after it read as line:col of file.
func lineComment(file string, line, col int) string {
	return fmt.Sprintf("\n//line %s:%d:%d\n", file, line, col)
}

// selectorNames returns the identifiers used before a dot in n: the
// package names it may refer to.
func selectorNames(n ast.Node) map[string]bool {
	names := map[string]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok {
				names[id.Name] = true
			}
		}
		return true
	})
	return names
}

// shiftError moves the line numbers of a parse error by delta, to undo the
// lines added around a cell's text.
func shiftError(err error, delta int) error {
	var list scanner.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	var msgs []string
	for i, e := range list {
		if i == 10 {
			msgs = append(msgs, fmt.Sprintf("(and %d more errors)", len(list)-i))
			break
		}
		msgs = append(msgs, fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line+delta, e.Pos.Column, e.Msg))
	}
	return errors.New(strings.Join(msgs, "\n"))
}
