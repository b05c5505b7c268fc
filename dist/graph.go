package dist

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
)

// log2Pi is log(2π), the constant of every Gaussian log-density.
var log2Pi = math.Log(2 * math.Pi)

// checkMatrix panics unless n is a matrix (rows are examples): a wrong shape
// is a programmer error, caught when the graph is built.
func checkMatrix(what string, n *G.Node) {
	if n == nil {
		panic(fmt.Sprintf("dist: %s is nil", what))
	}
	if n.Shape().Dims() != 2 {
		panic(fmt.Sprintf("dist: %s must be a (batch, dim) matrix, got shape %v", what, n.Shape()))
	}
}

// checkSameShape panics unless a and b are matrices of the same shape.
func checkSameShape(whatA string, a *G.Node, whatB string, b *G.Node) {
	checkMatrix(whatA, a)
	checkMatrix(whatB, b)
	if !a.Shape().Eq(b.Shape()) {
		panic(fmt.Sprintf("dist: %s has shape %v but %s has shape %v; they must match", whatA, a.Shape(), whatB, b.Shape()))
	}
}

// wrap prefixes a graph-building error with the builder that met it.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("dist: %s: %w", what, err)
}
