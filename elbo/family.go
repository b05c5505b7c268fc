package elbo

import "fmt"

// Objective is a bound of the importance-weighted family of Rainforth et
// al. (2018), "Tighter variational bounds are not necessarily better", built
// by Build from the L samples per example of an Input: ELBO, IWAE, MIWAE,
// CIWAE or PIWAE. The samples of an example are split into M groups of
// K = L/M: sample l belongs to group l mod M (the samples are independent,
// so any split is as good, and this one needs no transposition).
type Objective interface {
	// groups returns M for L samples per example, or why L does not fit.
	groups(samples int) (int, error)
	String() string
}

// ELBO is the evidence lower bound, in the Form that says how its value
// and its reparameterised gradient are computed; the zero value is the
// sampled form (2.19), (1/L) Σ_l log w_l: MIWAE with L groups of one
// sample. The other estimators are defined on the sampled form: with
// them a closed Form changes the value reported (Terms), not the gradient.
type ELBO struct{ Form Form }

// Form is how the ELBO is computed from the L samples per example.
type Form int

// The forms of the ELBO.
const (
	// Sampled is the form (2.19), every term sampled: as MonteCarlo.
	Sampled Form = iota
	// ClosedKL is the form (2.24), E_q[log p(x|z)] − β·KL(q(z|x) || p(z)),
	// the KL in closed form: as ReconKL.
	ClosedKL
	// ClosedEntropy is the form (2.23), E_q[log p(x|z)] + β·(E_q[log p(z)]
	// + H[q(z|x)]), the entropy in closed form: as JointEntropy.
	ClosedEntropy
)

// IWAE is the importance-weighted bound of Burda et al. (2015) with all
// K = L samples in one group, log (1/K) Σ_k w_k.
type IWAE struct{}

// MIWAE is the mean of Groups importance-weighted bounds of K = L/Groups
// samples each, (1/M) Σ_m log (1/K) Σ_k w_mk. Groups must divide L.
type MIWAE struct{ Groups int }

// CIWAE is the convex combination β·ELBO + (1 − β)·IWAE of the two bounds
// on the same K = L samples, 0 ≤ β ≤ 1. Beta here is the mixing weight of
// Rainforth et al., not Input.Beta (the KL weight inside log w).
type CIWAE struct{ Beta float64 }

// PIWAE trains the encoder on MIWAE with Groups groups and the decoder on
// IWAE with all L samples, the same samples for both. Its Bound is the
// decoder's, the IWAE of the L samples.
type PIWAE struct{ Groups int }

func (o ELBO) groups(l int) (int, error) {
	if o.Form < Sampled || o.Form > ClosedEntropy {
		return 0, fmt.Errorf("elbo: unknown form %d of the ELBO", int(o.Form))
	}
	return l, nil
}
func (IWAE) groups(int) (int, error) { return 1, nil }
func (o MIWAE) groups(l int) (int, error) {
	return divide(o, o.Groups, l)
}
func (o PIWAE) groups(l int) (int, error) {
	return divide(o, o.Groups, l)
}
func (o CIWAE) groups(int) (int, error) {
	if !(o.Beta >= 0 && o.Beta <= 1) {
		return 0, fmt.Errorf("elbo: %v: β must lie in [0, 1]", o)
	}
	return 1, nil
}

func divide(o Objective, m, l int) (int, error) {
	if m < 1 || l%m != 0 {
		return 0, fmt.Errorf("elbo: %v: %d groups do not divide %d samples per example: choose samples = groups × samples per group", o, m, l)
	}
	return m, nil
}

func (o ELBO) String() string {
	switch o.Form {
	case ClosedKL:
		return "elbo(closed KL)"
	case ClosedEntropy:
		return "elbo(closed entropy)"
	}
	return "elbo"
}
func (IWAE) String() string    { return "iwae" }
func (o MIWAE) String() string { return fmt.Sprintf("miwae(M=%d)", o.Groups) }
func (o CIWAE) String() string { return fmt.Sprintf("ciwae(β=%g)", o.Beta) }
func (o PIWAE) String() string { return fmt.Sprintf("piwae(M=%d)", o.Groups) }

// Check reports whether est can train obj: every estimator applies to
// ELBO, IWAE and MIWAE (a mean of IWAE bounds, each estimated as IWAE
// is); CIWAE and PIWAE are defined by Rainforth et al. with the
// reparameterised gradient, and only Reparam is built for them.
func Check(obj Objective, est Estimator) error {
	if obj == nil {
		return fmt.Errorf("elbo: no objective given: use ELBO{}, IWAE{}, MIWAE{}, CIWAE{} or PIWAE{}")
	}
	if !est.valid() {
		return fmt.Errorf("elbo: unknown estimator %d", int(est))
	}
	switch o := obj.(type) {
	case ELBO:
		_, err := o.groups(1)
		return err
	case IWAE, MIWAE:
		return nil
	case CIWAE, PIWAE:
		if est != Reparam {
			return fmt.Errorf("elbo: %v is built with the reparam estimator only, not %v: use -estimator reparam, or miwae/iwae with %v", obj, est, est)
		}
		return nil
	}
	return fmt.Errorf("elbo: unknown objective %T", obj)
}

// CheckModel reports whether est can train obj on a model whose posterior
// has the given number of stochastic layers: Check, Estimator.CheckLayers,
// and PIWAE, which is built for one layer. Build calls it; a trainer can
// call it before it builds anything.
func CheckModel(obj Objective, est Estimator, layers int) error {
	if err := Check(obj, est); err != nil {
		return err
	}
	// Every estimator but Reparam, and PIWAE's split of the decoder's and
	// the encoder's weights, acts on the samples of h1 alone (drawVia):
	// with Upper layers the rest of the chain would escape it.
	if err := est.CheckLayers(layers); err != nil {
		return err
	}
	if _, piwae := obj.(PIWAE); piwae && layers > 1 {
		return fmt.Errorf("elbo: the %v bound is implemented for a single-layer posterior q(z|x); this model has %d stochastic layers: use elbo, iwae, miwae or ciwae", obj, layers)
	}
	return nil
}
