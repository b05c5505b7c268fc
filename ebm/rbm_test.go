package ebm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// randomRBM returns an RBM with weights ~ N(0, sw²) and biases ~ N(0, sb²).
func randomRBM(visible, hidden int, sw, sb float64, rng *rand.Rand) *RBM {
	r := NewRBM(visible, hidden, rng)
	w := r.W.RawMatrix().Data
	for i := range w {
		w[i] = sw * rng.NormFloat64()
	}
	for i := range r.B {
		r.B[i] = sb * rng.NormFloat64()
	}
	for i := range r.C {
		r.C[i] = sb * rng.NormFloat64()
	}
	return r
}

// bits returns the n-bit binary expansion of s, bit j in entry j.
func bits(s, n int) []float64 {
	x := make([]float64, n)
	for j := range n {
		x[j] = float64(s >> j & 1)
	}
	return x
}

// bruteLogZ sums exp(-E(v,h)) over every joint state.
func bruteLogZ(r *RBM) float64 {
	nv, nh := r.Dims()
	var terms []float64
	for s := range 1 << nv {
		for u := range 1 << nh {
			terms = append(terms, -r.Energy(bits(s, nv), bits(u, nh)))
		}
	}
	return floats.LogSumExp(terms)
}

// The exact log Z (enumerating the smaller layer, either one) and the free
// energy agree with brute-force sums over all joint states, and with the
// Gorgonia twin RBMFreeEnergy enumerated over v.
func TestRBMLogZAndFreeEnergyBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, dims := range [][2]int{{7, 5}, {5, 7}, {6, 6}} {
		r := randomRBM(dims[0], dims[1], 1, 1, rng)
		logZ, err := r.LogZ()
		if err != nil {
			t.Fatal(err)
		}
		near(t, "log Z", logZ, bruteLogZ(r), 1e-13)

		nv, nh := r.Dims()
		states := mat.NewDense(1<<nv, nv, nil)
		for s := range 1 << nv {
			states.SetRow(s, bits(s, nv))
		}
		f := r.FreeEnergies(states, nil)
		for s := range 1 << nv {
			var terms []float64
			for u := range 1 << nh {
				terms = append(terms, -r.Energy(bits(s, nv), bits(u, nh)))
			}
			near(t, "F(v)", f[s], -floats.LogSumExp(terms), 1e-13)
		}
		p := twin(t, r)
		pz, err := p.LogZ()
		if err != nil {
			t.Fatal(err)
		}
		near(t, "log Z of the Gorgonia twin", pz, logZ, 1e-6)
		lp := r.LogProbs(states, logZ, nil)
		near(t, "Σ p(v)", floats.LogSumExp(lp), 0, 1e-13)
	}
}

// The closed-form free-energy gradient equals Gorgonia's derivative of the
// RBMFreeEnergy graph.
func TestRBMFreeEnergyGradMatchesGorgonia(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	r := randomRBM(9, 4, 0.7, 0.5, rng)
	v := mat.NewDense(30, 9, nil)
	for i := range 30 {
		v.SetRow(i, bits(rng.IntN(1<<9), 9))
	}
	g := r.MeanFreeEnergyGrad(v)
	pg, err := twin(t, r).MeanEnergyGrad(v)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range pg {
		got := [][]float64{g.W.RawMatrix().Data, g.B, g.C}[k]
		for i := range want {
			near(t, "∇F", got[i], want[i], 1e-7)
		}
	}
}

// twin returns r's free energy as a Parametric, sharing no memory with r.
func twin(t *testing.T, r *RBM) *Parametric {
	t.Helper()
	nv, nh := r.Dims()
	p := newRBMParametric(t, nv, nh, 0, rand.New(rand.NewPCG(0, 0)))
	copy(p.Params[0].Data().([]float64), r.W.RawMatrix().Data)
	copy(p.Params[1].Data().([]float64), r.B)
	copy(p.Params[2].Data().([]float64), r.C)
	return p
}

// Block Gibbs sampling converges to p(v): 20,000 chains of a 4×3 RBM after
// 30 steps from all-zero states; every state's frequency lies within 4.5
// binomial standard errors of its exact probability.
func TestRBMGibbsSamplesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	r := randomRBM(4, 3, 1.5, 1, rng)
	const n = 20000
	v := mat.NewDense(n, 4, nil)
	r.Gibbs(v, 30, rng)
	count := make([]float64, 16)
	for i := range n {
		s := 0
		for j, x := range v.RawRowView(i) {
			s |= int(x) << j
		}
		count[s]++
	}
	logZ, _ := r.LogZ()
	states := mat.NewDense(16, 4, nil)
	for s := range 16 {
		states.SetRow(s, bits(s, 4))
	}
	for s, lp := range r.LogProbs(states, logZ, nil) {
		p := math.Exp(lp)
		se := math.Sqrt(p * (1 - p) / n)
		if d := math.Abs(count[s]/n - p); d > 4.5*se {
			t.Errorf("state %04b: frequency %.4f, probability %.4f (%.1f standard errors)", s, count[s]/n, p, d/se)
		}
	}
}

func TestSalakhutdinovMurrayBetas(t *testing.T) {
	b := SalakhutdinovMurrayBetas()
	if len(b) != 14501 || b[0] != 0 || b[len(b)-1] != 1 || b[500] != 0.5 || b[4500] != 0.9 {
		t.Fatalf("schedule: %d values, b[0]=%v, b[500]=%v, b[4500]=%v, last=%v", len(b), b[0], b[500], b[4500], b[len(b)-1])
	}
	if err := checkBetas(b); err != nil {
		t.Fatal(err)
	}
	near(t, "step in [0, 0.5]", b[1]-b[0], 1e-3, 1e-12)
	near(t, "step in [0.5, 0.9]", b[501]-b[500], 1e-4, 1e-9)
	near(t, "step in [0.9, 1]", b[14500]-b[14499], 1e-5, 1e-9)
}

func TestThinBetas(t *testing.T) {
	got := ThinBetas([]float64{0, 0.1, 0.2, 0.5, 0.7, 1}, 2)
	if want := []float64{0, 0.2, 0.7, 1}; !floats.Equal(got, want) {
		t.Errorf("ThinBetas(…, 2) = %v, want %v", got, want)
	}
	if n := len(ThinBetas(SalakhutdinovMurrayBetas(), 10)); n != 1451 {
		t.Errorf("every tenth of the 14,501 betas: %d values, want 1451", n)
	}
}

func TestRefineBetas(t *testing.T) {
	got := RefineBetas([]float64{0, 0.5, 0.7, 1}, 2)
	if want := []float64{0, 0.25, 0.5, 0.6, 0.7, 0.85, 1}; !floats.EqualApprox(got, want, 1e-15) {
		t.Errorf("RefineBetas(…, 2) = %v, want %v", got, want)
	}
	sm := SalakhutdinovMurrayBetas()
	if got := RefineBetas(sm, 1); !floats.Equal(got, sm) {
		t.Error("RefineBetas(…, 1) changed the schedule")
	}
	fine := RefineBetas(sm, 3)
	if len(fine) != 3*14500+1 {
		t.Fatalf("3 × 14,500 transitions: %d values, want %d", len(fine), 3*14500+1)
	}
	for i := 1; i < len(fine); i++ {
		if fine[i] <= fine[i-1] {
			t.Fatalf("value %d (%v) is not above value %d (%v)", i, fine[i], i-1, fine[i-1])
		}
	}
	// every value of the paper's schedule is kept, bit for bit, so thinning
	// undoes the refinement
	if back := ThinBetas(fine, 3); !floats.Equal(back, sm) {
		t.Error("ThinBetas(RefineBetas(b, 3), 3) is not b")
	}
}

// A refined schedule lowers AIS's bias: on an RBM whose log Z is exact, a
// schedule of 20 transitions underestimates log Z by far more than its
// 50-times refinement does, as AIS's Jensen bias predicts.
func TestRefinedScheduleLowersAISBias(t *testing.T) {
	r := randomRBM(20, 10, 1.5, 0.5, rand.New(rand.NewPCG(31, 32)))
	exact, err := r.LogZ()
	if err != nil {
		t.Fatal(err)
	}
	coarse := ThinBetas(SalakhutdinovMurrayBetas(), 725) // 21 values, 20 transitions
	short, err := r.AIS(AISConfig{Betas: coarse, Runs: 200}, rand.New(rand.NewPCG(33, 34)))
	if err != nil {
		t.Fatal(err)
	}
	long, err := r.AIS(AISConfig{Betas: RefineBetas(coarse, 50), Runs: 200}, rand.New(rand.NewPCG(33, 34)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact log Z %.4f; 20 transitions %.4f; 1,000 transitions %.4f [%.4f, %.4f]", exact, short.LogZ, long.LogZ, long.Lower, long.Upper)
	if !(exact-short.LogZ > 3*math.Abs(exact-long.LogZ)) {
		t.Errorf("refining did not shrink the error: %.4f with 20 transitions, %.4f with 1,000", short.LogZ-exact, long.LogZ-exact)
	}
	if exact < long.Lower || exact > long.Upper {
		t.Errorf("exact log Z %.4f outside the refined schedule's ±3σ interval [%.4f, %.4f]", exact, long.Lower, long.Upper)
	}
}

func TestBaseRateBiases(t *testing.T) {
	b := BaseRateBiases([]float64{0, 25, 100}, 100, 1)
	near(t, "never on", b[0], math.Log(1.0/101), 1e-15)
	near(t, "a quarter on", b[1], math.Log(26.0/76), 1e-15)
	near(t, "always on", b[2], math.Log(101.0/1), 1e-15)
}

// AIS with the full schedule of Salakhutdinov & Murray brackets the exact
// log Z of a random 20×10 RBM within its ±3σ interval, and the interval is
// tight (under 0.05 nats wide).
func TestAISMatchesExactSmallRBM(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	r := randomRBM(20, 10, 0.5, 0.5, rng)
	exact, err := r.LogZ()
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.AIS(AISConfig{Runs: 100}, rng)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact %.5f, AIS %.5f [%.5f, %.5f], ESS %.1f", exact, res.LogZ, res.Lower, res.Upper, res.ESS)
	if exact < res.Lower || exact > res.Upper {
		t.Errorf("exact log Z %.5f outside the AIS interval [%.5f, %.5f]", exact, res.Lower, res.Upper)
	}
	if res.Upper-res.Lower > 0.05 {
		t.Errorf("AIS interval [%.5f, %.5f] is wider than 0.05 nats", res.Lower, res.Upper)
	}
	near(t, "log Z_A", res.LogZBase, 30*math.Ln2, 1e-12)
}

// With β jumping straight from 0 to 1, AIS is plain importance sampling
// from the base model: log w of a run is log p*(v) - log p*_A(v) exactly.
func TestAISOneStepIsImportanceSampling(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	r := randomRBM(6, 4, 1, 1, rng)
	base := []float64{0.3, -1, 2, 0, 0.5, -0.2}
	res, err := r.AIS(AISConfig{Betas: []float64{0, 1}, Runs: 1, BaseBiases: base}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// Replay the base draw.
	src := rand.New(rand.NewPCG(1, 1))
	v := mat.NewDense(1, 6, nil)
	for i, b := range base {
		if src.Float64() < sigmoid(b) {
			v.Set(0, i, 1)
		}
	}
	logPStar := -r.FreeEnergies(v, nil)[0]
	logPA := floats.Dot(base, v.RawRowView(0)) + 4*math.Ln2
	// AIS runs in float32: log w is good to a few parts in 10⁷ of the
	// free energies it sums.
	near(t, "log w", res.LogWeights[0], logPStar-logPA, 1e-5)
}
