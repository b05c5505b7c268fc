package vae

import (
	"fmt"
	"strings"

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
	// MIWAE is the mean of M = Config.Groups IWAE bounds of K samples each
	// (Rainforth et al. 2018): M·K samples per example in all.
	MIWAE
	// CIWAE is β·ELBO + (1 − β)·IWAE on the same K samples, β =
	// Config.CIWAEBeta in [0, 1] (Rainforth et al. 2018).
	CIWAE
	// PIWAE trains the encoder on MIWAE with M = Config.Groups groups of K
	// and the decoder on IWAE with all M·K samples (Rainforth et al. 2018);
	// the bound reported is the decoder's.
	PIWAE
)

var objectiveNames = []string{ELBO: "elbo", ELBOEntropy: "elbo-entropy", IWAE: "iwae", MIWAE: "miwae", CIWAE: "ciwae", PIWAE: "piwae"}

// String returns the name of o: "elbo", "elbo-entropy", "iwae", "miwae",
// "ciwae" or "piwae".
func (o Objective) String() string {
	if !o.valid() {
		return fmt.Sprintf("Objective(%d)", int(o))
	}
	return objectiveNames[o]
}

func (o Objective) valid() bool { return o >= 0 && int(o) < len(objectiveNames) }

// grouped reports whether o splits the samples of an example into
// Config.Groups groups.
func (o Objective) grouped() bool { return o == MIWAE || o == PIWAE }

// MarshalText returns the name of o.
func (o Objective) MarshalText() ([]byte, error) {
	if !o.valid() {
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
	return fmt.Errorf("vae: unknown objective %q: use %s", text, strings.Join(objectiveNames, ", "))
}

// Bound returns the member of elbo's family of bounds that c trains.
func (c Config) Bound() elbo.Objective {
	switch c.Objective {
	case ELBOEntropy:
		return elbo.ELBO{Form: elbo.ClosedEntropy}
	case IWAE:
		return elbo.IWAE{}
	case MIWAE:
		return elbo.MIWAE{Groups: c.Groups}
	case CIWAE:
		return elbo.CIWAE{Beta: c.CIWAEBeta}
	case PIWAE:
		return elbo.PIWAE{Groups: c.Groups}
	}
	return elbo.ELBO{Form: elbo.ClosedKL}
}

// draws returns the samples of z drawn per example: Samples, in each of
// the Groups groups of MIWAE and PIWAE.
func (c Config) draws() int {
	if c.Objective.grouped() {
		return c.Samples * c.Groups
	}
	return c.Samples
}
