package elbo_test

import (
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/graphtest"
)

// TestBetaWeightsTheRegulariser feeds β = 0.25 as a scalar node and checks
// Bound = Recon - β·KL for every form but the importance-weighted one.
func TestBetaWeightsTheRegulariser(t *testing.T) {
	_, x := testModel()
	mean, logVar := someQ()
	for _, f := range forms[:3] {
		g := G.NewGraph()
		leaf := func(name string, v graphtest.Matrix) *G.Node {
			return G.NewMatrix(g, tensor.Float64, G.WithShape(v.Rows, v.Cols), G.WithName(name), G.WithValue(graphtest.Dense(tensor.Float64, []int{v.Rows, v.Cols}, v.Data)))
		}
		wT := leaf("wT", graphtest.Matrix{Rows: 2, Cols: 3, Data: []float64{0.5, -1, 2, 1, 0.3, -0.2}})
		beta := G.NewScalar(g, tensor.Float64, G.WithName("beta"), G.WithValue(0.25))
		eps := graphtest.Matrix{Rows: 6, Cols: 2, Data: []float64{0.1, -0.3, 1.2, 0.4, -0.7, 0.9, 0.2, 0.2, -1.1, 0.5, 0.3, -0.6}}
		terms, err := f.builder(elbo.Input{
			X: leaf("x", x), Q: dist.Normal{Mean: leaf("m", mean), LogVar: leaf("lv", logVar)}, Eps: leaf("eps", eps), Beta: beta,
			Decode: func(z *G.Node) (dist.LogProber, error) {
				logits, err := G.Mul(z, wT)
				return dist.Bernoulli{Logits: logits}, err
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		var bound, recon, kl G.Value
		G.Read(terms.Bound, &bound)
		G.Read(terms.Recon, &recon)
		G.Read(terms.KL, &kl)
		vm := G.NewTapeMachine(g)
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		vm.Close()
		bs, rs, ks := graphtest.Floats(bound.Data()), graphtest.Floats(recon.Data()), graphtest.Floats(kl.Data())
		for i := range bs {
			if want := rs[i] - 0.25*ks[i]; !scalar.EqualWithinAbs(bs[i], want, 1e-12) {
				t.Errorf("%s example %d: bound %.12g, recon - β·KL %.12g", f.name, i, bs[i], want)
			}
		}
	}
}

// TestInputErrors checks that malformed inputs are errors that say what is
// wrong, not panics deep inside Gorgonia.
func TestInputErrors(t *testing.T) {
	g := G.NewGraph()
	mat := func(name string, r, c int) *G.Node {
		return G.NewMatrix(g, tensor.Float64, G.WithShape(r, c), G.WithName(name))
	}
	x, mean, logVar := mat("x", 4, 3), mat("mean", 4, 2), mat("logvar", 4, 2)
	decode := func(z *G.Node) (dist.LogProber, error) { return dist.StdNormal{}, nil }
	for name, in := range map[string]elbo.Input{
		"no decoder":             {X: x, Q: dist.Normal{Mean: mean, LogVar: logVar}, Eps: mat("e1", 8, 2)},
		"no noise":               {X: x, Q: dist.Normal{Mean: mean, LogVar: logVar}, Decode: decode},
		"noise rows not a whole": {X: x, Q: dist.Normal{Mean: mean, LogVar: logVar}, Eps: mat("e2", 6, 2), Decode: decode},
		"q rows differ from x":   {X: x, Q: dist.Normal{Mean: mat("m5", 5, 2), LogVar: mat("l5", 5, 2)}, Eps: mat("e3", 8, 2), Decode: decode},
		"vector beta":            {X: x, Q: dist.Normal{Mean: mean, LogVar: logVar}, Eps: mat("e4", 8, 2), Decode: decode, Beta: G.NewVector(g, tensor.Float64, G.WithShape(2), G.WithName("b"))},
	} {
		if _, err := elbo.ReconKL(in); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
