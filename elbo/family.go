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

// ELBO is the evidence lower bound in its sampled form (2.19),
// (1/L) Σ_l log w_l: MIWAE with L groups of one sample.
type ELBO struct{}

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

func (ELBO) groups(l int) (int, error) { return l, nil }
func (IWAE) groups(int) (int, error)   { return 1, nil }
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

func (ELBO) String() string    { return "elbo" }
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
	switch obj.(type) {
	case ELBO, IWAE, MIWAE:
		return nil
	case CIWAE, PIWAE:
		if est != Reparam {
			return fmt.Errorf("elbo: %v is built with the reparam estimator only, not %v: use -estimator reparam, or miwae/iwae with %v", obj, est, est)
		}
		return nil
	}
	return fmt.Errorf("elbo: unknown objective %T", obj)
}
