// Command write-examples writes the small example files the tests make
// (internal/synth.Write) into a folder, for trying vae-train by hand: IDX
// files named as MNIST's, folders of grey and colour PNG images, and
// points near a plane as CSV and .npy.
//
// Usage:
//
//	go run ./internal/synth/cmd/write-examples DIR
package main

import (
	"fmt"
	"os"

	"github.com/govae/govae/internal/synth"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: write-examples DIR")
		os.Exit(2)
	}
	f, err := synth.Write(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "write-examples: %v\n", err)
		os.Exit(1)
	}
	for _, p := range []string{f.IDX, f.PNG, f.Colour, f.CSV, f.CSVTest, f.NPY} {
		fmt.Println(p)
	}
}
