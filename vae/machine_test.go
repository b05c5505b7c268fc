package vae_test

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/internal/gx"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// machineModels are the kinds of model the repository has: the MLP presets'
// shapes (ReLU and the pytorch example's grey levels; tanh, IWAE and a β
// warm-up as in Burda's), the custom encoders and decoders of the tests, the
// notebooks' convolutional encoder, which runs on Gorgonia's tape, and the
// gradient estimators and bounds of elbo.Build beside reparam's.
var machineModels = []struct {
	name  string
	dtype string
	cfg   vae.Config
	edit  func(*vae.Model)
}{
	{"relu-elbo-grey", "float32", vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 50, Binarize: datasets.Grey, Adam: optim.DefaultConfig(), Seed: 1}, reluMLP},
	{"tanh-iwae-warmup", "float32", smallConfig(vae.IWAE, 3), nil},
	{"tanh-elbo-float64", "float64", smallConfig(vae.ELBO, 2), nil},
	{"residual-encoder", "float32", smallConfig(vae.ELBO, 1), func(m *vae.Model) { m.Encoder = residualEncoder(m.Latent) }},
	{"custom-decoder", "float32", smallConfig(vae.IWAE, 2), scaledDecoder},
	{"conv-encoder", "float32", smallConfig(vae.ELBO, 1), func(m *vae.Model) { m.Encoder = convEncoder(m.Latent) }},
	{"two-layer-iwae", "float32", smallConfig(vae.IWAE, 3), twoLayers("float32")},
	{"two-layer-entropy-float64", "float64", smallConfig(vae.ELBOEntropy, 2), twoLayers("float64")},
	{"tanh-iwae-dreg", "float32", withBound(smallConfig(vae.IWAE, 3), vae.Config{Objective: vae.IWAE, Estimator: elbo.DReG, Samples: 3}), nil},
	{"tanh-miwae-score-float64", "float64", withBound(smallConfig(vae.IWAE, 3), vae.Config{Objective: vae.MIWAE, Estimator: elbo.Score, Samples: 2, Groups: 2}), nil},
	{"tanh-piwae", "float32", withBound(smallConfig(vae.IWAE, 3), vae.Config{Objective: vae.PIWAE, Samples: 2, Groups: 2}), nil},
	{"tanh-elbo-stl", "float32", withBound(smallConfig(vae.IWAE, 3), vae.Config{Objective: vae.ELBO, Estimator: elbo.STL, Samples: 2}), nil},
}

// twoLayers replaces the model by the hierarchical one of twoLayerArch.
func twoLayers(dtype string) func(*vae.Model) {
	return func(m *vae.Model) {
		two, err := vae.NewMLP(twoLayerArch(dtype))
		if err != nil {
			panic(err)
		}
		*m = *two
	}
}

func reluMLP(m *vae.Model) {
	relu, err := vae.NewMLP(vae.Arch{Input: 784, Hidden: []int{48}, Latent: 8, Activation: vae.ReLU, Dtype: "float32", Seed: 3})
	if err != nil {
		panic(err)
	}
	*m = *relu
}

// scaledDecoder halves the default decoder's logits, a decoder written
// outside package vae.
func scaledDecoder(m *vae.Model) {
	inner := m.Decoder
	m.Decoder = vae.DecoderFunc(func(p *vae.Params, z *G.Node) (dist.LogProber, error) {
		lik, err := inner.Decode(p, z)
		if err != nil {
			return nil, err
		}
		half := G.NewConstant(float32(0.5))
		logits, err := G.Mul(lik.(dist.Bernoulli).Logits, half)
		return dist.Bernoulli{Logits: logits}, err
	})
}

// convEncoder is the notebooks' convolutional q(z|x), smaller: one 3×3
// convolution of stride 2 to 4 channels, then affine heads.
func convEncoder(latent int) vae.EncoderFunc {
	return func(p *vae.Params, x *G.Node) (dist.Normal, error) {
		g, batch := x.Graph(), x.Shape()[0]
		im, err := G.Reshape(x, tensor.Shape{batch, 1, 28, 28})
		if err != nil {
			return dist.Normal{}, err
		}
		w, err := p.Matrix(g, "conv.k", 4, 9, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		kernel, err := G.Reshape(w, tensor.Shape{4, 1, 3, 3})
		if err != nil {
			return dist.Normal{}, err
		}
		y, err := G.Conv2d(im, kernel, tensor.Shape{3, 3}, []int{1, 1}, []int{2, 2}, []int{1, 1})
		if err != nil {
			return dist.Normal{}, err
		}
		flat, err := G.Reshape(G.Must(G.Rectify(y)), tensor.Shape{batch, 4 * 14 * 14})
		if err != nil {
			return dist.Normal{}, err
		}
		wm, err := p.Matrix(g, "conv.mean", 4*14*14, latent, vae.Glorot)
		if err != nil {
			return dist.Normal{}, err
		}
		wv, err := p.Matrix(g, "conv.logvar", 4*14*14, latent, vae.Zeros)
		if err != nil {
			return dist.Normal{}, err
		}
		mean, err := G.Mul(flat, wm)
		if err != nil {
			return dist.Normal{}, err
		}
		logVar, err := G.Mul(flat, wv)
		return dist.Normal{Mean: mean, LogVar: logVar}, err
	}
}

// machineRun trains a model two epochs (with a short last batch) and
// evaluates it, returning every number it produced.
func machineRun(t *testing.T, dtype string, cfg vae.Config, edit func(*vae.Model)) [][]float64 {
	t.Helper()
	train, test := mnist(t, 120, 40)
	m, err := vae.NewMLP(smallArch(dtype))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	tr, err := vae.NewTrainer(m, cfg, train)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, st := range trainEpochs(t, tr, 2) {
		out = append(out, []float64{st.Loss, st.Recon, st.KL})
	}
	out = append(out, m.Params.Snapshot().Values...)
	ev, err := vae.NewEvaluator(m, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	bin := test.Binarize(datasets.TestSeed)
	st, perImage, err := ev.ELBO(bin, 1)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, []float64{st.Loss, st.Recon, st.KL}, perImage)
	est, err := ev.LogLikelihood(bin, 10, 4, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range est {
		out = append(out, []float64{e.LogP})
	}
	z, err := ev.Encode(bin, 0, 5)
	if err != nil {
		t.Fatal(err)
	}
	x, err := ev.Decode(z, 5)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, z, x)
}

// TestTrainingMatchesTape trains and evaluates every kind of model three
// times: on gx.Machine's reused buffers one step after another, on them
// with independent steps run on two goroutines, and on Gorgonia's tape;
// it finds the same bits in every loss, parameter and evaluation.
func TestTrainingMatchesTape(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer func(c gx.Concurrency, n int) { gx.StepConcurrency, gx.TimedRuns = c, n }(gx.StepConcurrency, gx.TimedRuns)
	gx.TimedRuns = 1
	for _, c := range machineModels {
		t.Run(c.name, func(t *testing.T) {
			gx.StepConcurrency = gx.Never
			direct := machineRun(t, c.dtype, c.cfg, c.edit)
			gx.StepConcurrency = gx.Always
			before := gx.ConcurrentRuns()
			concurrent := machineRun(t, c.dtype, c.cfg, c.edit)
			if c.name != "conv-encoder" && gx.ConcurrentRuns() == before {
				t.Error("no run followed a two-goroutine plan")
			}
			gx.TapeOnly = true
			defer func() { gx.TapeOnly = false }()
			tape := machineRun(t, c.dtype, c.cfg, c.edit)
			sameResults(t, "one goroutine", direct, tape)
			sameResults(t, "two goroutines", concurrent, tape)
		})
	}
}

// sameResults compares the numbers of a run on a Machine with the tape's,
// bit for bit.
func sameResults(t *testing.T, how string, got, tape [][]float64) {
	t.Helper()
	if len(got) != len(tape) {
		t.Fatalf("%d results on the machine (%s), %d on the tape", len(got), how, len(tape))
	}
	for i := range got {
		if len(got[i]) != len(tape[i]) {
			t.Fatalf("result %d: %d values on the machine (%s), %d on the tape", i, len(got[i]), how, len(tape[i]))
		}
		for j := range got[i] {
			if math.Float64bits(got[i][j]) != math.Float64bits(tape[i][j]) {
				t.Fatalf("result %d, value %d: %v on the machine (%s), %v on the tape", i, j, got[i][j], how, tape[i][j])
			}
		}
	}
}

// stepBytes is the most a training step may allocate once its graph has
// run: the buffers are reused, and what is left is Gorgonia's and the
// tensor package's small bookkeeping (headers, shapes, iterators).
const stepBytes = 64 << 10

// TestTrainStepAllocation trains the presets' architectures (at full size,
// on ten batches, with the default matrix products) and checks the bytes
// allocated per step after a first epoch: the benchmark reports the same
// figure (BenchmarkTrainStep, B/op), this pins it.
func TestTrainStepAllocation(t *testing.T) {
	for _, p := range benchPresets {
		t.Run(p.name, func(t *testing.T) { checkStepAllocation(t, p.arch, p.cfg) })
	}
}

// checkStepAllocation trains arch with cfg on ten batches, with the
// default matrix products, and checks the bytes allocated per step after
// a first epoch.
func checkStepAllocation(t *testing.T, arch vae.Arch, cfg vae.Config) {
	useBLAS(t, fastblas.BackendGo)
	train, _ := mnist(t, 10*cfg.Batch, 1)
	tr := newTrainer(t, arch, cfg, train)
	trainEpochs(t, tr, 1)
	// No collection while measuring: a collection empties the
	// sync.Pools that Gorgonia's tensor package and fastblas's
	// packing buffers come from, and refilling them would count
	// as the step's allocation. Even so an epoch can meet a pooled
	// packing buffer that another test left too small and grow
	// it (up to 197 kB per step, when the package's other tests
	// had run first): the steady state is the least of three
	// epochs.
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	perStep, allocs := math.Inf(1), 0.0
	for range 3 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		trainEpochs(t, tr, 1)
		runtime.ReadMemStats(&after)
		if b := float64(after.TotalAlloc-before.TotalAlloc) / float64(tr.BatchesPerEpoch()); b < perStep {
			perStep, allocs = b, float64(after.Mallocs-before.Mallocs)/float64(tr.BatchesPerEpoch())
		}
	}
	t.Logf("%.0f bytes, %.0f allocations per step", perStep, allocs)
	if perStep > stepBytes {
		t.Errorf("%.0f bytes allocated per step, want at most %d", perStep, stepBytes)
	}
}
