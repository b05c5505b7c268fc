package elbo

import "fmt"

// Estimator is the gradient a trainer follows for a bound. Notation: for
// the samples z_i = μ + σ·ε_i of one group, w_i = p(x, z_i)/q(z_i|x),
// w̃_i = w_i / Σ_j w_j, and q̄ is q with its parameters held constant while
// z_i keeps its path to them. θ are the decoder's (and a learned prior's)
// parameters, φ the encoder's. Every estimator gives θ the standard
// gradient Σ_i w̃_i ∇_θ log p(x, z_i); they differ for φ.
type Estimator int

// The estimators.
const (
	// Reparam differentiates the bound as it stands, through the
	// reparameterised samples (Kingma & Welling 2014; Burda et al. 2015):
	// φ follows Σ_i w̃_i ∇_φ log w_i, score term ∇_φ log q(z)|_z included.
	// Unbiased.
	Reparam Estimator = iota
	// STL, "sticking the landing" (Roeder, Wu & Duvenaud 2017): φ follows
	// Σ_i w̃_i ∇_φ [log p(x, z_i) − log q̄(z_i|x)], the reparameterised
	// gradient without its score term. For one sample per group (the
	// ELBO) the dropped term has mean zero, so STL is unbiased; for K > 1
	// samples per group it is biased: E[Σ_i w̃_i ∇_φ log q(z_i)|_z] is not zero, since w̃_i
	// depends on z_i (Tucker et al. 2019). Measured on this package's
	// linear-Gaussian test model with K = 5 (go test -run STLBiased -v
	// ./elbo): the mean encoder gradient is off by 60 standard errors, the
	// error 1.9 times as long as the exact gradient. With β = 1, STL and
	// DReG give a zero encoder gradient, for every draw, when q is the
	// true posterior (log p(x, z) − log q̄(z|x) = log p(x) for every z);
	// Reparam's keeps the score term's noise there.
	STL
	// DReG, doubly reparameterised (Tucker, Lawson, Gu & Maddison 2019):
	// φ follows Σ_i w̃_i² ∇_φ [log p(x, z_i) − log q̄(z_i|x)], the score
	// term rewritten as a path term by reparameterising it once more.
	// Unbiased for IWAE and MIWAE.
	// With a KL weight β ≠ 1 (Input.Beta), log w = log p(x|z) +
	// β(log p(z) − log q(z|x)) and the same derivation gives the weights
	// w̃_i(1 − β + β·w̃_i), which this package uses.
	DReG
	// Score is the score-function (REINFORCE) estimator: z is not
	// differentiated through; φ follows (L̂_m − b_m) Σ_k ∇_φ log q(z_mk|x) +
	// ∇_φ L̂_m|_z for each group m, with L̂_m the group's bound and the
	// baseline b_m the mean of the other groups' bounds of the same example
	// (independent of group m's samples, hence unbiased). With a single
	// group there is no baseline: plain REINFORCE. Unbiased, and the noisy
	// textbook contrast to the others.
	Score
)

var estimatorNames = []string{Reparam: "reparam", STL: "stl", DReG: "dreg", Score: "score"}

// String returns "reparam", "stl", "dreg" or "score".
func (e Estimator) String() string {
	if !e.valid() {
		return fmt.Sprintf("Estimator(%d)", int(e))
	}
	return estimatorNames[e]
}

func (e Estimator) valid() bool { return e >= 0 && int(e) < len(estimatorNames) }

// MarshalText returns the name of e.
func (e Estimator) MarshalText() ([]byte, error) {
	if !e.valid() {
		return nil, fmt.Errorf("elbo: unknown estimator %d", int(e))
	}
	return []byte(e.String()), nil
}

// UnmarshalText sets e from its name.
func (e *Estimator) UnmarshalText(text []byte) error {
	for i, name := range estimatorNames {
		if string(text) == name {
			*e = Estimator(i)
			return nil
		}
	}
	return fmt.Errorf("elbo: unknown estimator %q: use reparam, stl, dreg or score", text)
}

// CheckLayers reports whether e can train a model whose posterior has the
// given number of stochastic layers. Every estimator but Reparam holds the
// posterior's parameters constant (STL, DReG) or its samples (Score) while
// keeping the rest of the chain live; with a chain q(h1|x) q(h2|h1) … that
// means evaluating each conditional's network a second time, which the
// builders here do not do (Bauer & Mnih 2021 extend DReG to this case).
func (e Estimator) CheckLayers(layers int) error {
	switch {
	case !e.valid():
		return fmt.Errorf("elbo: unknown estimator %d", int(e))
	case layers < 1:
		return fmt.Errorf("elbo: a model needs at least one stochastic layer, got %d", layers)
	case layers > 1 && e != Reparam:
		return fmt.Errorf("elbo: the %v estimator is implemented for a single-layer posterior q(z|x); this model has %d stochastic layers, whose posterior it would have to re-evaluate with its parameters or samples held constant (Bauer & Mnih 2021 do this for DReG): use -estimator reparam", e, layers)
	}
	return nil
}
