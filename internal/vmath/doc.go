// Package vmath holds the float32 elementwise kernels of govae's hot loops:
// the Bernoulli log-likelihood of logits and its gradient, and tanh.
//
// Gorgonia and github.com/chewxy/math32 evaluate these one element at a
// time with general-purpose exp, log and tanh (about 7 ns per exponential
// here), which made them the largest cost after the matrix products. On
// amd64 with AVX2 and FMA, eight lanes run at once in assembly with Cephes'
// single-precision polynomials (expf, logf, tanhf); elsewhere, and for the
// last len%8 elements, the same polynomials run in Go. The two paths agree
// to a few units in the last place, not bit for bit (the assembly fuses
// multiply-adds); each is deterministic on its own.
//
// github.com/viterin/vek has vectorised Exp and Log, but no tanh, sigmoid
// or log1p, and its Exp returns NaN for arguments in (88.38, 88.72]; the
// fused kernels here also make one pass over memory instead of several.
package vmath
