package vae

import (
	"fmt"

	"github.com/govae/govae/elbo"
)

// Objective is the bound a model is trained to maximise.
type Objective int

// The objectives.
const (
	// ELBO is the evidence lower bound in the form (2.24),
	// E_q[log p(x|z)] - KL(q || p(z)), with the KL in closed form.
	ELBO Objective = iota
	// ELBOEntropy is the same bound in the form (2.23),
	// E_q[log p(x,z)] + H[q], with the entropy in closed form.
	ELBOEntropy
	// IWAE is the importance-weighted bound of Burda et al. (2015) with K
	// samples.
	IWAE
)

var objectiveNames = []string{ELBO: "elbo", ELBOEntropy: "elbo-entropy", IWAE: "iwae"}

// String returns "elbo", "elbo-entropy" or "iwae".
func (o Objective) String() string {
	if o < 0 || int(o) >= len(objectiveNames) {
		return fmt.Sprintf("Objective(%d)", int(o))
	}
	return objectiveNames[o]
}

// MarshalText returns the name of o.
func (o Objective) MarshalText() ([]byte, error) {
	if o < 0 || int(o) >= len(objectiveNames) {
		return nil, fmt.Errorf("vae: unknown objective %d", int(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText sets o from its name.
func (o *Objective) UnmarshalText(text []byte) error {
	for i, name := range objectiveNames {
		if string(text) == name {
			*o = Objective(i)
			return nil
		}
	}
	return fmt.Errorf("vae: unknown objective %q: use elbo, elbo-entropy or iwae", text)
}

// bound returns the graph builder of o.
func (o Objective) bound() func(elbo.Input) (elbo.Terms, error) {
	switch o {
	case ELBOEntropy:
		return elbo.JointEntropy
	case IWAE:
		return elbo.ImportanceWeighted
	}
	return elbo.ReconKL
}
