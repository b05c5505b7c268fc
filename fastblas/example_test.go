package fastblas_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/fastblas"
)

// Sgemm with row-major storage: C = A·Bᵀ for A 2×3 and B 2×3.
func ExampleImplementation_Sgemm() {
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{1, 0, 1, 0, 1, 0}
	c := make([]float32, 4)
	fastblas.Implementation{}.Sgemm(blas.NoTrans, blas.Trans, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

// Select a backend by name (as from a -blas flag) and make Gorgonia use it.
func ExampleSelect() {
	backend, err := fastblas.ParseBackend("go")
	if err != nil {
		fmt.Println(err)
		return
	}
	impl, _, err := fastblas.Select(backend)
	if err != nil {
		fmt.Println(err)
		return
	}
	G.Use(impl)
	defer G.Use(fastblas.Implementation{}.Implementation) // gonum's, Gorgonia's default

	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(1, 2), G.WithValue(tensor.New(tensor.WithShape(1, 2), tensor.WithBacking([]float32{1, 2}))))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 2), G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))))
	y, err := G.Mul(x, w)
	if err != nil {
		fmt.Println(err)
		return
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(y.Value().Data())
	// Output: [7 10]
}
