package optim_test

import (
	"fmt"
	"log"

	"github.com/govae/govae/optim"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Minimise Σ (w − 3)² from w = 0 with Adam and a learning rate of 0.1.
func Example() {
	g := G.NewGraph()
	w := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0, 0}))))
	three := G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("three"),
		G.WithValue(tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{3, 3}))))
	cost := G.Must(G.Sum(G.Must(G.Square(G.Must(G.Sub(w, three))))))
	params := []*G.Node{w}
	if _, err := G.Grad(cost, params...); err != nil {
		log.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(params...))
	defer vm.Close()

	cfg := optim.DefaultConfig()
	cfg.Schedule = optim.Constant(0.1)
	adam, err := optim.NewAdam(cfg)
	if err != nil {
		log.Fatal(err)
	}
	for range 500 {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		if err := adam.Step(params, 0); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("after %d steps w = %.3f\n", adam.Steps(), w.Value().Data())
	// Output:
	// after 500 steps w = [3.000 3.000]
}

// The schedule of Burda et al.: 3^i epochs at 0.001·10^(−i/7), i = 0..7.
func ExampleBurdaSchedule() {
	s := optim.BurdaSchedule()
	fmt.Println("epochs:", s.Epochs())
	for _, epoch := range []int{0, 1, 3, 4, 1093, 3279} {
		fmt.Printf("epoch %4d: %.6g\n", epoch, s.Rate(epoch))
	}
	// Output:
	// epochs: 3280
	// epoch    0: 0.001
	// epoch    1: 0.000719686
	// epoch    3: 0.000719686
	// epoch    4: 0.000517947
	// epoch 1093: 0.0001
	// epoch 3279: 0.0001
}
