package dist_test

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
)

// A diagonal Gaussian over two examples: log-density of a point, entropy, KL
// to the standard normal, and a reparameterised sample from fixed noise.
func ExampleNormal() {
	g := G.NewGraph()
	matrix := func(name string, v ...float64) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(2, 2), G.WithName(name),
			G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking(v))))
	}
	q := dist.Normal{Mean: matrix("mean", 0, 0, 1, -1), LogVar: matrix("logvar", 0, 0, 0, 0)}
	eps := matrix("eps", 1, -1, 0.5, 0.5)

	logProb, _ := q.LogProb(matrix("x", 0, 0, 1, -1))
	entropy, _ := q.Entropy()
	kl, _ := dist.StdNormal{}.KL(q)
	z, _ := q.Sample(eps)

	var logProbV, entropyV, klV, zV G.Value
	G.Read(logProb, &logProbV)
	G.Read(entropy, &entropyV)
	G.Read(kl, &klV)
	G.Read(z, &zV)
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log N(x; mean, I): %.4f\n", logProbV.Data())
	fmt.Printf("entropy:           %.4f\n", entropyV.Data())
	fmt.Printf("KL(q || N(0, I)):  %.4f\n", klV.Data())
	fmt.Printf("z = mean + σ·eps:  %.2f\n", zV.Data())
	// Output:
	// log N(x; mean, I): [-1.8379 -1.8379]
	// entropy:           [2.8379 2.8379]
	// KL(q || N(0, I)):  [0.0000 1.0000]
	// z = mean + σ·eps:  [1.00 -1.00 1.50 -0.50]
}

// A Bernoulli over three pixels, parameterised by logits: the stable
// log-probability x·l - softplus(l) stays finite even for a logit of 1000.
func ExampleBernoulli() {
	g := G.NewGraph()
	logits := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 3), G.WithName("logits"),
		G.WithValue(tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{0, 2, 1000}))))
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(1, 3), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(1, 3), tensor.WithBacking([]float64{1, 0, 0}))))
	p := dist.Bernoulli{Logits: logits}
	logProb, _ := p.LogProb(x)
	mean, _ := p.Mean()

	var logProbV, meanV G.Value
	G.Read(logProb, &logProbV)
	G.Read(mean, &meanV)
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log p(x): %.4f\n", logProbV.Data())
	fmt.Printf("mean:     %.4f\n", meanV.Data())
	// Output:
	// log p(x): [-1002.8201]
	// mean:     [0.5000 0.8808 1.0000]
}
