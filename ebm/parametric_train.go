package ebm

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// ParametricTrainConfig sets up maximum-likelihood training of a Parametric
// by stochastic gradient ascent on (2.14) with persistent Metropolis chains.
type ParametricTrainConfig struct {
	// Steps is the number of gradient steps.
	Steps int
	// LearningRate is the step size η in θ ← θ + η ∇̂L.
	LearningRate float64
	// Chains is the number ñ of persistent chains whose states are the
	// model samples of (2.14).
	Chains int
	// Sweeps is the number of Metropolis sweeps the chains take before each
	// step.
	Sweeps int
	// BatchSize is the number of data rows drawn (without replacement) for
	// each step's data term; 0 uses every row.
	BatchSize int
}

func (c ParametricTrainConfig) validate(rows int) error {
	switch {
	case c.Steps < 1:
		return fmt.Errorf("ebm: ParametricTrainConfig.Steps = %d, want at least 1", c.Steps)
	case !(c.LearningRate > 0):
		return fmt.Errorf("ebm: ParametricTrainConfig.LearningRate = %v, want a positive step size", c.LearningRate)
	case c.Chains < 1:
		return fmt.Errorf("ebm: ParametricTrainConfig.Chains = %d, want at least 1", c.Chains)
	case c.Sweeps < 1:
		return fmt.Errorf("ebm: ParametricTrainConfig.Sweeps = %d, want at least 1", c.Sweeps)
	case c.BatchSize < 0 || c.BatchSize > rows:
		return fmt.Errorf("ebm: ParametricTrainConfig.BatchSize = %d, want 0 (all rows) up to the %d data rows", c.BatchSize, rows)
	}
	return nil
}

// TrainParametric fits m.Params to the rows of data by maximum likelihood:
// each step moves the persistent chains by cfg.Sweeps Metropolis sweeps and
// takes θ ← θ + η·(mean ∇θE over the chains - mean ∇θE over the data), the
// estimate (2.14) of the gradient (2.12) of the average log-likelihood. The
// chains start from uniformly random states drawn from rng. Training stops
// with an error if a parameter becomes NaN or infinite.
func TrainParametric(m *Parametric, data *mat.Dense, cfg ParametricTrainConfig, rng *rand.Rand) error {
	rows := m.rows(data, "TrainParametric")
	if err := cfg.validate(rows); err != nil {
		return err
	}
	chains := mat.NewDense(cfg.Chains, m.Dim, nil)
	for i := range cfg.Chains {
		for j := range m.Dim {
			chains.Set(i, j, float64(rng.IntN(2)))
		}
	}
	batch := data
	var perm []int
	if cfg.BatchSize > 0 && cfg.BatchSize < rows {
		batch = mat.NewDense(cfg.BatchSize, m.Dim, nil)
		perm = make([]int, rows)
		for i := range perm {
			perm[i] = i
		}
	}
	for step := range cfg.Steps {
		if perm != nil {
			// A partial Fisher-Yates shuffle picks BatchSize distinct rows.
			for i := range cfg.BatchSize {
				k := i + rng.IntN(rows-i)
				perm[i], perm[k] = perm[k], perm[i]
				batch.SetRow(i, data.RawRowView(perm[i]))
			}
		}
		if _, err := m.Metropolis(chains, cfg.Sweeps, rng); err != nil {
			return err
		}
		grad, err := m.LogLikGrad(batch, chains)
		if err != nil {
			return err
		}
		for k, p := range m.Params {
			floats.AddScaled(p.Data().([]float64), cfg.LearningRate, grad[k])
		}
		if err := m.checkFinite(); err != nil {
			return fmt.Errorf("%w (step %d, learning rate %v)", err, step, cfg.LearningRate)
		}
	}
	return nil
}
