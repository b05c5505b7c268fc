package elbo

import (
	G "gorgonia.org/gorgonia"
)

// ReconKL builds the ELBO in the form (2.24),
//
//	E_q[log p(x|z)] - β·KL(q(z|x) || p(z)),
//
// the expectation estimated from the L samples and the KL in closed form.
func ReconKL(in Input) (Terms, error) {
	s, err := draw(in, "ReconKL")
	if err != nil {
		return Terms{}, err
	}
	t, err := s.reconKL(in)
	if err != nil {
		return Terms{}, err
	}
	return t, s.err("ReconKL")
}

// reconKL builds ReconKL's terms from the samples.
func (s *samples) reconKL(in Input) (Terms, error) {
	kl, err := s.klAlongChain(in)
	if err != nil {
		return Terms{}, err
	}
	t := Terms{Recon: s.mean(s.logLik), KL: kl}
	t.Bound = s.b.Sub(t.Recon, s.weighted(kl))
	return t, nil
}

// JointEntropy builds the ELBO in the form (2.23),
//
//	E_q[log p(x,z)] + H[q(z|x)] = E_q[log p(x|z)] + β·(E_q[log p(z)] + H[q(z|x)]),
//
// the expectation estimated from the L samples and the entropy in closed
// form. β weights the regulariser E_q[log p(z)] + H[q] = -KL, as in ReconKL,
// so that both forms describe the same objective for every β. The KL term
// reported is its estimate -(mean of log p(z)) - H[q].
func JointEntropy(in Input) (Terms, error) {
	s, err := draw(in, "JointEntropy")
	if err != nil {
		return Terms{}, err
	}
	t, err := s.jointEntropy(in)
	if err != nil {
		return Terms{}, err
	}
	return t, s.err("JointEntropy")
}

// jointEntropy builds JointEntropy's terms from the samples.
func (s *samples) jointEntropy(in Input) (Terms, error) {
	h, err := s.entropy(in)
	if err != nil {
		return Terms{}, err
	}
	b := &s.b
	negKL := b.Add(s.mean(s.logPz), h)
	t := Terms{Recon: s.mean(s.logLik), KL: b.Neg(negKL)}
	t.Bound = b.Add(t.Recon, s.weighted(negKL))
	return t, nil
}

// MonteCarlo builds the ELBO in its defining form (2.19),
//
//	E_q[log p(x,z) - log q(z|x)] = E_q[log p(x|z) + β·(log p(z) - log q(z|x))],
//
// every term estimated from the L samples. When q is the true posterior each
// sample's value is exactly log p(x): this form has zero variance there.
func MonteCarlo(in Input) (Terms, error) {
	s, err := draw(in, "MonteCarlo")
	if err != nil {
		return Terms{}, err
	}
	b := &s.b
	t := Terms{Recon: s.mean(s.logLik), KL: s.mean(b.Sub(s.logQ, s.logPz))}
	t.Bound = b.Sub(t.Recon, s.weighted(t.KL))
	return t, s.err("MonteCarlo")
}

// ImportanceWeighted builds the importance-weighted bound of Burda, Grosse
// and Salakhutdinov (2015) with K = L samples per example,
//
//	log (1/K) Σ_k exp(log w_k),  log w_k = log p(x|z_k) + β·(log p(z_k) - log q(z_k|x)),
//
// which equals the ELBO for K = 1, never decreases in expectation as K grows,
// and tends to log p(x). Recon and KL are the sample means of the ELBO's
// terms, for logging.
func ImportanceWeighted(in Input) (Terms, error) {
	s, err := draw(in, "ImportanceWeighted")
	if err != nil {
		return Terms{}, err
	}
	b := &s.b
	kl := b.Sub(s.logQ, s.logPz)
	t := Terms{Recon: s.mean(s.logLik), KL: s.mean(kl)}
	t.Bound = s.logMeanExp(b.Sub(s.logLik, s.weighted(kl)), 1)
	return t, s.err("ImportanceWeighted")
}

// LogWeights builds the (L, B) matrix of log importance weights
// log p(x, z_l) - log q(z_l|x), entry (l, b) for sample l of example b: the
// raw material of the importance-sampled estimate of log p(x) (see
// LogMeanExp). Beta is ignored.
func LogWeights(in Input) (*G.Node, error) {
	in.Beta = nil
	s, err := draw(in, "LogWeights")
	if err != nil {
		return nil, err
	}
	b := &s.b
	logW := b.Reshape(b.Add(s.logLik, b.Sub(s.logPz, s.logQ)), s.l, s.n)
	return logW, s.err("LogWeights")
}
