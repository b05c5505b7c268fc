package ebm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Metropolis advances every row of chains, a state of {0,1}^Dim each, by
// the given number of systematic-scan sweeps of single-site Metropolis:
// for each unit j in turn, every chain proposes to flip x_j and accepts
// with probability min(1, exp(E(x;θ) - E(x';θ))). Each such update is
// reversible with respect to p(x;θ), so the chains converge to it from any
// start; persistent chains carry over between calls. All chains move at
// once, so a sweep costs Dim evaluations of the energy graph on a batch of
// len(chains) states. It returns the fraction of proposals accepted.
func (m *Parametric) Metropolis(chains *mat.Dense, sweeps int, rng *rand.Rand) (float64, error) {
	n := m.rows(chains, "Metropolis")
	if sweeps < 0 {
		panic(fmt.Sprintf("ebm: Parametric.Metropolis: %d sweeps", sweeps))
	}
	e, err := m.Energies(chains)
	if err != nil {
		return 0, err
	}
	ev, err := m.eval(n, false)
	if err != nil {
		return 0, err
	}
	prop := mat.DenseCopyOf(chains)
	accepted := 0
	for range sweeps {
		for j := range m.Dim {
			for i := range n {
				prop.Set(i, j, 1-chains.At(i, j))
			}
			if err := ev.run(m, prop, nil); err != nil {
				return 0, err
			}
			eProp := ev.energies() // the evaluator's own, valid until its next run
			for i := range n {
				if d := e[i] - eProp[i]; d >= 0 || rng.Float64() < math.Exp(d) {
					chains.Set(i, j, prop.At(i, j))
					e[i] = eProp[i]
					accepted++
				} else {
					prop.Set(i, j, chains.At(i, j))
				}
			}
		}
	}
	if sweeps == 0 {
		return 0, nil
	}
	return float64(accepted) / float64(sweeps*m.Dim*n), nil
}
