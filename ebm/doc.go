// Package ebm holds energy-based models estimated by maximum likelihood with
// Markov chain Monte Carlo, following section 2.1 of the lecture notes on
// energy-based models; equation numbers in comments refer to them.
//
// Three layers, from the definitions to a model of MNIST:
//
//   - Boltzmann is the Boltzmann (Gibbs) distribution p(x) ∝ exp(-βE(x)) over
//     a finite state space given by its energies (2.1-2.8): probabilities,
//     log Z, free energy, internal energy and entropy; BetaForMeanEnergy
//     solves (2.6) for the β of the maximum-entropy distribution with a
//     given mean energy (Proposition 1).
//   - Parametric is a parametric Boltzmann distribution p(x;θ) ∝ exp(-E(x;θ))
//     over binary vectors (2.9), whose energy the user writes as a Gorgonia
//     graph. It gives the log-likelihood gradient (2.12) exactly, by
//     enumeration, when the state space is small, and its Monte Carlo
//     estimate (2.14) from Metropolis chains; TrainParametric ascends it.
//   - RBM is the restricted Boltzmann machine of section 2.1.3, written in
//     plain Go on gonum matrices: block Gibbs sampling, training by CD-k and
//     persistent CD, log Z exactly by enumerating the hidden layer or by
//     annealed importance sampling (Salakhutdinov & Murray, 2008).
//
// All randomness comes from a *rand.Rand the caller seeds and owns: the same
// seed gives the same numbers.
package ebm
