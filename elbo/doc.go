// Package elbo builds evidence lower bounds on log p(x) as Gorgonia graphs,
// in the forms of the lecture notes, and estimates log p(x) itself by
// importance sampling.
//
// For a batch of B observations x with approximate posterior q(z|x) (a
// diagonal Gaussian), a decoder giving p(x|z) and a prior p(z), each builder
// draws L reparameterised samples per example, z = μ + σ·ε, from a noise node
// ε of shape (L·B, dz) that the caller feeds (sample l of example b is row
// l·B+b), and returns per-example Terms:
//
//   - ReconKL, (2.24): E_q[log p(x|z)] - KL(q(z|x) || p(z)), the KL in closed form;
//   - JointEntropy, (2.23): E_q[log p(x,z)] + H[q(z|x)], the entropy in closed form;
//   - MonteCarlo, (2.19): E_q[log p(x,z) - log q(z|x)], every term sampled;
//   - ImportanceWeighted: Burda et al.'s bound log (1/L) Σ_l p(x,z_l)/q(z_l|x),
//     which tightens toward log p(x) as L grows.
//
// A hierarchical model with L stochastic layers, q(h1|x) q(h2|h1) …
// q(hL|hL−1) and p(hL) p(hL−1|hL) … p(x|h1), is the same Input with the
// layers above the first in Input.Upper (each a pair of networks giving
// diagonal Gaussians, and its noise); the one-layer model is the case of no
// Upper layers. Then log w = log p(x|h1) + Σ log p(h_l|h_l+1) + log p(hL)
// − Σ log q(h_l|h_l−1); ReconKL takes the top layer's KL(q(hL|hL−1) ||
// p(hL)) in closed form and the rest of the chain's KL from the samples,
// JointEntropy the entropy Σ_l E_q[H[q(h_l|h_l−1)]] with each term in
// closed form given the sample below it.
//
// All four are the same ELBO for L → ∞ (the first three for any L in
// expectation); they differ in variance and in what they cost.
//
// Build trains a bound of the family of Rainforth et al. (2018) (ELBO,
// IWAE, MIWAE, CIWAE, PIWAE: the Objective values) with a gradient
// Estimator (Reparam, STL, DReG, Score): it returns the bound and one
// surrogate node whose single backward pass gives the encoder and the
// decoder each the gradient the estimator prescribes. The ELBO's Form
// chooses among (2.19), (2.23) and (2.24) for its value and its reparam
// gradient; with reparam the two closed forms are ReconKL's and
// JointEntropy's graphs exactly, which is how a trainer follows all of
// them through Build alone.
package elbo
