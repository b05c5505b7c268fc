// Command regen runs the govae notebooks with their full settings and saves
// what every cell prints and shows into the notebook, so that what readers
// see is what the code gives now.
//
// Usage, from anywhere in the module:
//
//	go run ./notebooks/cmd/regen [-timeout 10m] [notebook.ipynb ...]
//
// Without arguments it regenerates every .ipynb in the module's notebooks
// folder. A notebook is rewritten only when all its cells ran; a failing
// cell leaves the file as it was and makes regen exit with status 1. A code
// cell whose metadata names a file under "govae_figure" has its first
// picture saved to that file too, next to the notebook: the pictures
// README.md shows.
// The test in package notebooks fails until regen has been run after a
// code cell changed.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/govae/govae/internal/atomicfile"
	"github.com/govae/govae/notebooks/nbrun"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("regen: ")
	timeout := flag.Duration("timeout", 0, "bound on each cell's run (0: none)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: regen [-timeout d] [notebook.ipynb ...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	root, err := nbrun.ModuleRoot(".")
	if err != nil {
		log.Fatal(err)
	}
	paths := flag.Args()
	if len(paths) == 0 {
		paths, err = filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
		if err != nil || len(paths) == 0 {
			log.Fatalf("no notebooks in %s (%v)", filepath.Join(root, "notebooks"), err)
		}
	}
	failed := false
	for _, p := range paths {
		if err := regen(p, root, *timeout); err != nil {
			log.Print(err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// regen runs the notebook at path and rewrites it with its outputs.
func regen(path, root string, timeout time.Duration) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	nb, err := nbrun.Read(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	res, err := nbrun.Run(context.Background(), nb, filepath.Base(path), nbrun.Options{
		ModuleDir: root, WorkDir: dir, CellTimeout: timeout, Log: os.Stderr,
	})
	if err != nil {
		return err
	}
	nb.SetOutputs(res)
	for name, png := range nb.Figures() {
		if png == nil {
			return fmt.Errorf("%s: the cell that names figure %s shows no picture", path, name)
		}
		fig := filepath.Join(filepath.Dir(path), name)
		if err := atomicfile.WriteFile(fig, png); err != nil {
			return err
		}
		log.Printf("wrote %s", fig)
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return nb.Write(w) }); err != nil {
		return err
	}
	log.Printf("wrote %s", path)
	return nil
}
