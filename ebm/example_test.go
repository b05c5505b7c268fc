package ebm_test

import (
	"fmt"

	"github.com/govae/govae/ebm"
)

// The Boltzmann distribution on a small energy landscape at several
// inverse temperatures: uniform at β = 0, piled on the two minima as β
// grows, with H = β(E[E] - F) throughout.
func ExampleBoltzmann() {
	energy := []float64{0, 1, 2, 0, 3}
	for _, beta := range []float64{0, 0.5, 2, 20} {
		b := ebm.Boltzmann{Energy: energy, Beta: beta}
		p := b.Probs(nil)
		fmt.Printf("β=%-4v p=[%.3f %.3f %.3f %.3f %.3f]  H=%.4f  E[E]=%.4f\n",
			beta, p[0], p[1], p[2], p[3], p[4], b.Entropy(), b.InternalEnergy())
	}
	// Output:
	// β=0    p=[0.200 0.200 0.200 0.200 0.200]  H=1.6094  E[E]=1.2000
	// β=0.5  p=[0.313 0.190 0.115 0.313 0.070]  H=1.4769  E[E]=0.6291
	// β=2    p=[0.464 0.063 0.008 0.464 0.001]  H=0.9347  E[E]=0.0832
	// β=20   p=[0.500 0.000 0.000 0.500 0.000]  H=0.6931  E[E]=0.0000
}

// The β whose Boltzmann distribution has a given mean energy (2.6), and
// what happens outside the attainable range.
func ExampleBetaForMeanEnergy() {
	energy := []float64{0, 1, 2, 0, 3}
	beta, err := ebm.BetaForMeanEnergy(energy, 0.5)
	fmt.Printf("β = %.6f, err = %v\n", beta, err)
	fmt.Printf("check: E[E] = %.6f\n", ebm.Boltzmann{Energy: energy, Beta: beta}.InternalEnergy())
	_, err = ebm.BetaForMeanEnergy(energy, 3.5)
	fmt.Println(err)
	// Output:
	// β = 0.662058, err = <nil>
	// check: E[E] = 0.500000
	// ebm: mean energy 3.5 is outside the attainable range (0, 3): no distribution over these states has that mean energy
}
