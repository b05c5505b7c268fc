// Package dist builds probability distributions as Gorgonia expression
// graphs: a diagonal Gaussian (Normal, StdNormal) and a Bernoulli
// parameterised by logits.
//
// Every builder works on batches: rows are examples, columns are dimensions,
// and per-example quantities (log-densities, entropies, KL divergences) are
// vectors with one entry per row, summed over the dimensions. Graphs may be
// float32 or float64; constants take the dtype of the nodes they meet.
//
// Importance-sampled bounds draw K samples per example, row l·n+b for sample
// l of example b. Normal.SampleRepeated and Normal.LogProbOfSamples draw and
// score them, and Bernoulli.LogProbRepeated scores the data against their
// decodings, without building K stacked copies of the parameters or the
// data.
//
// Each formula also has a plain-Go twin on float64 slices (LogProbNormal,
// EntropyBernoulli, ...), used by the tests to check the graphs and by
// evaluators that work outside a graph. Noise draws the standard-normal ε of
// the reparameterisation trick from a seeded source; nothing in this package
// reads the clock.
package dist
