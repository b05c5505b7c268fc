package vae

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/gx"
)

// Family is the kind of distribution p(x|z) of the default MLP model.
type Family int

// The families.
const (
	// Bernoulli is a Bernoulli per value, for binary data or grey levels
	// in [0,1].
	Bernoulli Family = iota
	// Gaussian is a diagonal Gaussian, for continuous data.
	Gaussian
)

// Likelihood is p(x|z) of the default MLP model: a Bernoulli per value, or
// a diagonal Gaussian whose mean the decoder gives and whose variance is
// one number per feature, the same for every z: learned (Variance 0) or
// fixed at Variance. The zero value is the Bernoulli.
//
// Its text forms, for flags and JSON, are "bernoulli", "gaussian" (a
// learned variance per feature) and "gaussian:V" (every variance fixed at
// V, for instance gaussian:0.1).
type Likelihood struct {
	Family   Family
	Variance float64 // Gaussian only: the fixed variance of every feature, or 0 to learn one per feature
}

// String returns the text form of l.
func (l Likelihood) String() string {
	switch {
	case l.Family == Bernoulli && l.Variance == 0:
		return "bernoulli"
	case l.Family == Gaussian && l.Variance == 0:
		return "gaussian"
	case l.Family == Gaussian:
		return "gaussian:" + strconv.FormatFloat(l.Variance, 'g', -1, 64)
	}
	return fmt.Sprintf("Likelihood(%d, %v)", int(l.Family), l.Variance)
}

// Validate reports a likelihood that is not one of the text forms.
func (l Likelihood) Validate() error {
	switch {
	case l.Family == Bernoulli && l.Variance == 0:
		return nil
	case l.Family == Gaussian && l.Variance == 0:
		return nil
	case l.Family == Gaussian && l.Variance > 0 && !math.IsInf(l.Variance, 0):
		return nil
	case l.Family == Gaussian:
		return fmt.Errorf("vae: Gaussian likelihood with variance %v: a fixed variance must be a finite number > 0", l.Variance)
	}
	return fmt.Errorf("vae: unknown likelihood %v: use bernoulli, gaussian or gaussian:VARIANCE", l)
}

// MarshalText returns the text form of l.
func (l Likelihood) MarshalText() ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return []byte(l.String()), nil
}

// UnmarshalText sets l from "bernoulli", "gaussian" or "gaussian:V".
func (l *Likelihood) UnmarshalText(text []byte) error {
	s := string(text)
	var v Likelihood
	switch {
	case s == "bernoulli":
	case s == "gaussian":
		v.Family = Gaussian
	case strings.HasPrefix(s, "gaussian:"):
		f, err := strconv.ParseFloat(strings.TrimPrefix(s, "gaussian:"), 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return fmt.Errorf("vae: likelihood %q: the fixed variance after gaussian: must be a finite number > 0, like gaussian:0.1", s)
		}
		v = Likelihood{Family: Gaussian, Variance: f}
	default:
		return fmt.Errorf("vae: unknown likelihood %q: use bernoulli, gaussian (a learned variance per feature) or gaussian:VARIANCE (fixed)", s)
	}
	*l = v
	return nil
}

// decoder returns the default decoder of l: an MLP named "decoder" from in
// latents through hidden to out values.
func (l Likelihood) decoder(in int, hidden []int, act Activation, out int, outputBias []float64) Decoder {
	mlp := MLP{Name: "decoder", In: in, Hidden: hidden, Activation: act}
	if l.Family == Gaussian {
		return NormalDecoder{MLP: mlp, Out: out, Variance: l.Variance, OutputBias: outputBias}
	}
	return BernoulliDecoder{MLP: mlp, Out: out, OutputBias: outputBias}
}

// NormalDecoder is the default decoder for continuous data: an MLP from
// Latent to the means of a diagonal Gaussian p(x|z) over Out values, whose
// variance is one per feature and does not depend on z. With Variance 0 the
// log-variances are the parameter name.logvar (Out values, starting at 0, a
// variance of 1, which suits standardised data); otherwise every variance
// is fixed at Variance. OutputBias, if set, initialises the mean's bias (the
// mean of the training data, for instance).
//
// A linear NormalDecoder (no Hidden layers) with a learned variance is
// probabilistic PCA with a diagonal noise: factor analysis.
type NormalDecoder struct {
	MLP
	Out        int
	Variance   float64
	OutputBias []float64
}

// Decode builds p(x|z).
func (d NormalDecoder) Decode(p *Params, z *G.Node) (dist.LogProber, error) {
	if d.Variance < 0 || math.IsNaN(d.Variance) || math.IsInf(d.Variance, 0) {
		return nil, fmt.Errorf("vae: %s: variance %v: give 0 (learned) or a finite number > 0", d.Name, d.Variance)
	}
	var b gx.B
	mean, err := d.output(p, &b, z, d.Out, d.OutputBias)
	if err != nil {
		return nil, err
	}
	// The log-variance is a (n, Out) node, as dist.Normal wants: the
	// per-feature values added to every row of 0·mean (whose gradient with
	// respect to the mean is zero).
	zero := b.Scale(0, mean)
	var logVar *G.Node
	if d.Variance > 0 {
		logVar = b.Shift(zero, math.Log(d.Variance))
	} else {
		v, err := p.Vector(z.Graph(), d.Name+".logvar", d.Out, Zeros)
		if err != nil {
			return nil, err
		}
		logVar = b.AddRow(zero, v)
	}
	if b.Err != nil {
		return nil, fmt.Errorf("vae: %s: %w", d.Name, b.Err)
	}
	return dist.Normal{Mean: mean, LogVar: logVar}, nil
}
