package dist

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/internal/gx"
	"github.com/govae/govae/internal/vmath"
)

// SampleRepeated returns the reparameterised draws z = Mean + exp(LogVar/2)
// ⊙ eps for eps with copies times as many rows as Mean: row r of eps and
// of z belongs to example r mod n (the layout of Tile and of elbo.Input's
// Eps, sample l of example b at row l·n+b). It is Tile(copies) then
// Sample, as one operation: the importance-sampled bounds draw thousands of
// samples per example, and the composed form made six passes over the
// (copies·n, dim) matrices, two of them copies of the parameters.
func (n Normal) SampleRepeated(eps *G.Node) (*G.Node, error) {
	if _, err := n.copiesIn("Normal.SampleRepeated", eps); err != nil {
		return nil, err
	}
	z, err := G.ApplyOp(normalSampleOp{}, n.Mean, n.LogVar, eps)
	return z, wrap("Normal.SampleRepeated", err)
}

// LogProbOfSamples returns log q(z) for the draws z = Mean + exp(LogVar/2)
// ⊙ eps of SampleRepeated, one per row of eps: at such z the Gaussian has
// (z−μ)²/σ² = ε², so log q(z) = −½ Σ_d (log 2π + LogVar_d + ε_d²), the same
// function of (μ, log σ², ε), gradients included, with fewer passes over
// memory than LogProb(z).
func (n Normal) LogProbOfSamples(eps *G.Node) (*G.Node, error) {
	copies, err := n.copiesIn("Normal.LogProbOfSamples", eps)
	if err != nil {
		return nil, err
	}
	rows, dim := n.Mean.Shape()[0], n.Mean.Shape()[1]
	var b gx.B
	sumLogVar := b.Reshape(b.Tile(b.Reshape(b.Sum(n.LogVar, 1), rows, 1), copies), copies*rows)
	lp := b.Scale(-0.5, b.Shift(b.Add(b.Sum(b.Square(eps), 1), sumLogVar), float64(dim)*log2Pi))
	return lp, wrap("Normal.LogProbOfSamples", b.Err)
}

// copiesIn checks n and the noise eps of the method what, and returns how
// many copies of n's rows eps holds.
func (n Normal) copiesIn(what string, eps *G.Node) (int, error) {
	n.check()
	checkMatrix(what+": eps", eps)
	rows, dim := n.Mean.Shape()[0], n.Mean.Shape()[1]
	if eps.Shape()[1] != dim || eps.Shape()[0]%rows != 0 {
		return 0, fmt.Errorf("dist: %s: eps of shape %v for parameters of shape %v: eps needs a whole number of copies of the rows", what, eps.Shape(), n.Mean.Shape())
	}
	return eps.Shape()[0] / rows, nil
}

// normalSampleOp computes z[r] = μ[r mod n] + exp(½ log σ²[r mod n]) ⊙ ε[r]
// from μ and log σ² (n, d) and ε (copies·n, d).
type normalSampleOp struct{ gx.PureOp }

// normalSampleGradOp computes one gradient of normalSampleOp from
// (log σ², ε, g): for log σ² (n, d), ½σ ⊙ Σ_copies g ⊙ ε; for ε
// (copies·n, d), g ⊙ σ[r mod n].
type normalSampleGradOp struct {
	gx.PureOp
	wrtEps bool
}

func (normalSampleOp) Arity() int     { return 3 }
func (normalSampleGradOp) Arity() int { return 3 }

func (normalSampleOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m, m)
}

func (normalSampleGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, m, m)
}

func (op normalSampleOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if s, ok := in[2].(tensor.Shape); ok && len(s) == 2 {
		return s.Clone(), nil
	}
	return nil, fmt.Errorf("dist: %v: eps of shape %v is not a matrix", op, in[2])
}

func (op normalSampleGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	which := 0 // log σ²
	if op.wrtEps {
		which = 1
	}
	if s, ok := in[which].(tensor.Shape); ok && len(s) == 2 {
		return s.Clone(), nil
	}
	return nil, fmt.Errorf("dist: %v: input of shape %v is not a matrix", op, in[which])
}

func (op normalSampleOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("dist: %v takes 3 inputs, got %d", op, len(in))
	}
	return op.UsePreallocDo(tensor.New(tensor.Of(in[2].Dtype()), tensor.WithShape(in[2].Shape().Clone()...)), in...)
}

// UsePreallocDo writes the samples into prealloc.
func (op normalSampleOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("dist: %v takes 3 inputs, got %d", op, len(in))
	}
	out, err := preallocated(prealloc, in[0].Dtype(), in[2].Shape())
	if err == nil {
		switch mu := in[0].Data().(type) {
		case []float32:
			err = normalSample(mu, in[1], in[2], out, expf32)
		case []float64:
			err = normalSample(mu, in[1], in[2], out, math.Exp)
		default:
			err = fmt.Errorf("dtype %v; only float32 and float64 are supported", in[0].Dtype())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dist: %v: %w", op, err)
	}
	return out, nil
}

func (op normalSampleGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("dist: %v takes 3 inputs, got %d", op, len(in))
	}
	return op.UsePreallocDo(tensor.New(tensor.Of(in[0].Dtype()), tensor.WithShape(op.outShape(in).Clone()...)), in...)
}

// UsePreallocDo writes the gradient into prealloc.
func (op normalSampleGradOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if len(in) != 3 {
		return nil, fmt.Errorf("dist: %v takes 3 inputs, got %d", op, len(in))
	}
	out, err := preallocated(prealloc, in[0].Dtype(), op.outShape(in))
	if err == nil {
		switch lv := in[0].Data().(type) {
		case []float32:
			err = normalSampleGrad(lv, in[1], in[2], out, op.wrtEps, expf32)
		case []float64:
			err = normalSampleGrad(lv, in[1], in[2], out, op.wrtEps, math.Exp)
		default:
			err = fmt.Errorf("dtype %v; only float32 and float64 are supported", in[0].Dtype())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dist: %v: %w", op, err)
	}
	return out, nil
}

// outShape is the shape of the gradient: log σ²'s or ε's.
func (op normalSampleGradOp) outShape(in []G.Value) tensor.Shape {
	if op.wrtEps {
		return in[1].Shape()
	}
	return in[0].Shape()
}

// preallocated returns v as a dense tensor of the given dtype and shape.
func preallocated(v G.Value, dt tensor.Dtype, shape tensor.Shape) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok || d.Dtype() != dt {
		return nil, fmt.Errorf("preallocated output %T of %v for a result of dtype %v", v, v.Dtype(), dt)
	}
	if err := reshapeTo(d, shape...); err != nil {
		return nil, err
	}
	return d, nil
}

func expf32(x float32) float32 { return float32(math.Exp(float64(x))) }

// sampleViews returns the data of b and c, which must have the dtype of a;
// none may be empty.
func sampleViews[T float32 | float64](a []T, b, c G.Value) (bd, cd []T, err error) {
	bd, ok1 := b.Data().([]T)
	cd, ok2 := c.Data().([]T)
	if !ok1 || !ok2 {
		return nil, nil, fmt.Errorf("mixed dtypes")
	}
	if len(a) == 0 || len(bd) == 0 || len(cd) == 0 {
		return nil, nil, fmt.Errorf("empty input")
	}
	return bd, cd, nil
}

// normalSample sets z = μ[r mod n] + σ[r mod n] ⊙ ε[r] (sigmaRows).
func normalSample[T float32 | float64](mu []T, lvV, epsV G.Value, out *tensor.Dense, exp func(T) T) error {
	lv, eps, err := sampleViews(mu, lvV, epsV)
	if err != nil {
		return err
	}
	z, _ := out.Data().([]T)
	d := lvV.Shape()[1]
	if len(lv) != len(mu) || len(eps)%len(mu) != 0 || epsV.Shape()[1] != d || len(z) != len(eps) {
		return fmt.Errorf("mean of %d elements, log-variance %v, eps %v: want parameters of one shape and eps a whole number of copies of their rows", len(mu), lvV.Shape(), epsV.Shape())
	}
	vmath.Rows(len(eps)/d, d, func(lo, hi int) { sigmaRows(z, mu, lv, eps, d, lo, hi, exp) })
	return nil
}

// sigmaCols is the number of columns of σ = exp(½ log σ²) that sigmaRows
// holds at a time, in an array on its stack: σ is computed once for all
// the copies of a row of parameters, and nothing is allocated (a slice of
// σ per call was 56 kB of a two-layer IWAE step's allocation).
const sigmaCols = 64

// sigmaRows sets the rows r in [lo, hi) of the (rows, d) matrix dst to
// add[r mod n] + σ[r mod n] ⊙ x[r], or to x[r] ⊙ σ[r mod n] when add is nil,
// where σ = exp(½ lv) for the (n, d) log-variances lv. It goes through lv
// row by row and writes every row of dst that reads it, so that each
// element of σ is computed once per call; each element of dst is the same
// expression of the same values as in any other order. dst may be x, not
// lv or add.
func sigmaRows[T float32 | float64](dst, add, lv, x []T, d, lo, hi int, exp func(T) T) {
	var s [sigmaCols]T
	n := len(lv) / d
	for p := range n {
		first := lo + (p-lo%n+n)%n // the first row at or after lo that reads row p
		if first >= hi {
			continue
		}
		for j0 := 0; j0 < d; j0 += sigmaCols {
			j1 := min(j0+sigmaCols, d)
			sp := s[:j1-j0]
			for j, v := range lv[p*d+j0 : p*d+j1] {
				sp[j] = exp(v / 2)
			}
			for r := first; r < hi; r += n {
				dr, xr := dst[r*d+j0:r*d+j1], x[r*d+j0:r*d+j1]
				if add == nil {
					for j := range dr {
						dr[j] = xr[j] * sp[j]
					}
					continue
				}
				ar := add[p*d+j0 : p*d+j1]
				for j := range dr {
					dr[j] = ar[j] + sp[j]*xr[j]
				}
			}
		}
	}
}

// normalSampleGrad computes the gradient for log σ² (½σ ⊙ Σ_copies g ⊙ ε,
// the copies added in order) or for ε (g ⊙ σ[r mod n]).
func normalSampleGrad[T float32 | float64](lv []T, epsV, gV G.Value, out *tensor.Dense, wrtEps bool, exp func(T) T) error {
	eps, g, err := sampleViews(lv, epsV, gV)
	if err != nil {
		return err
	}
	o, _ := out.Data().([]T)
	d := epsV.Shape()[1]
	if len(g) != len(eps) || len(eps)%len(lv) != 0 || len(lv)%d != 0 {
		return fmt.Errorf("log-variance of %d elements, eps %v, gradient of %d elements", len(lv), epsV.Shape(), len(g))
	}
	if wrtEps {
		sigmaRows(o, nil, lv, g, d, 0, len(g)/d, exp)
		return nil
	}
	clear(o)
	for i := range g {
		o[i%len(lv)] += g[i] * eps[i]
	}
	for i, v := range lv {
		o[i] *= exp(v/2) / 2
	}
	return nil
}

func (op normalSampleOp) WriteHash(h hash.Hash)     { fmt.Fprint(h, op.String()) }
func (op normalSampleGradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }

func (op normalSampleOp) Hashcode() uint32     { return gx.OpHash(op) }
func (op normalSampleGradOp) Hashcode() uint32 { return gx.OpHash(op) }

func (normalSampleOp) String() string { return "govae.NormalSampleRepeated" }
func (op normalSampleGradOp) String() string {
	if op.wrtEps {
		return "govae.NormalSampleRepeatedGrad(eps)"
	}
	return "govae.NormalSampleRepeatedGrad(logvar)"
}

// DiffWRT says z is differentiable in μ, log σ² and ε.
func (normalSampleOp) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff returns the gradients: Σ_copies g for μ, ½σ ⊙ Σ_copies g ⊙ ε for
// log σ², g ⊙ σ for ε.
func (normalSampleOp) SymDiff(in G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	mu, lv, eps := in[0], in[1], in[2]
	var b gx.B
	dMu := b.SumTiles(grad, mu.Shape()[0])
	if b.Err != nil {
		return nil, b.Err
	}
	dLv, err := G.ApplyOp(normalSampleGradOp{}, lv, eps, grad)
	if err != nil {
		return nil, err
	}
	dEps, err := G.ApplyOp(normalSampleGradOp{wrtEps: true}, lv, eps, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dMu, dLv, dEps}, nil
}
