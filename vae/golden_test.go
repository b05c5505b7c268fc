package vae_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"runtime"
	"testing"

	"golang.org/x/sys/cpu"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

// goldenRuns are the default path (the reparam gradient of elbo,
// elbo-entropy and iwae) in the shapes the presets use, with the SHA-256
// of the losses and parameters after one epoch of three steps (the last
// one short) on 120 MNIST images. The hashes were recorded on the code
// before the gradient estimators were wired into the trainer (main at
// 6acf07c): wiring them in must not move a bit of the default path.
var goldenRuns = []struct {
	name  string
	arch  vae.Arch
	cfg   vae.Config
	sha12 string // the first 12 hex digits of the hash
}{
	{"pytorch-elbo-grey", vae.Arch{Input: 784, Hidden: []int{48}, Latent: 8, Activation: vae.ReLU, Dtype: "float32", Seed: 1},
		vae.Config{Objective: vae.ELBO, Samples: 1, Beta: 1, Batch: 50, Binarize: datasets.Grey, Adam: optim.DefaultConfig(), Seed: 1}, "bbaff608228c"},
	{"burda-elbo-warmup", smallArch("float32"), smallConfig(vae.ELBO, 2), "80c5f7a2f73a"},
	{"burda-entropy-float64", smallArch("float64"), smallConfig(vae.ELBOEntropy, 2), "3df443dddb54"},
	{"burda-iwae-k5", smallArch("float32"), smallConfig(vae.IWAE, 5), "ce632925f49f"},
	{"burda-iwae-k1-float64", smallArch("float64"), vae.Config{Objective: vae.IWAE, Samples: 1, Beta: 1, Batch: 50, Binarize: datasets.Dynamic, Adam: optim.DefaultConfig(), Seed: 2}, "f8a041123ced"},
	{"two-layer-iwae", twoLayerArch("float32"), smallConfig(vae.IWAE, 3), "3c79ec552b0a"},
	{"two-layer-elbo-float64", twoLayerArch("float64"), smallConfig(vae.ELBO, 2), "b50b19dafdeb"},
	{"two-layer-entropy", twoLayerArch("float32"), smallConfig(vae.ELBOEntropy, 1), "366e8cf68004"},
	{"full-pytorch-example", benchPresets[0].arch, benchPresets[0].cfg, "1a8da11cac2e"},
	{"full-burda-iwae-k5", benchPresets[2].arch, benchPresets[2].cfg, "a9ee860d8675"},
}

// runHash trains one epoch and hashes the epoch's losses and every
// parameter, bit by bit.
func runHash(t *testing.T, arch vae.Arch, cfg vae.Config) string {
	t.Helper()
	train, _ := mnist(t, 120, 1)
	tr := newTrainer(t, arch, cfg, train)
	st := trainEpochs(t, tr, 1)[0]
	h := sha256.New()
	put := func(v float64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	put(st.Loss)
	put(st.Recon)
	put(st.KL)
	for _, vs := range tr.Model().Params.Snapshot().Values {
		for _, v := range vs {
			put(v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// TestDefaultPathUnchanged trains the goldenRuns and compares their hashes.
// They are those of amd64 with AVX and FMA: elsewhere the compiler may
// fuse multiply-adds and gonum's kernels differ, and without FMA Go's
// math.Exp takes another path; each moves the last bits.
func TestDefaultPathUnchanged(t *testing.T) {
	if runtime.GOARCH != "amd64" || !cpu.X86.HasAVX || !cpu.X86.HasFMA {
		t.Skipf("the hashes were recorded on amd64 with AVX and FMA, this is %s (AVX %v, FMA %v)", runtime.GOARCH, cpu.X86.HasAVX, cpu.X86.HasFMA)
	}
	for _, c := range goldenRuns {
		t.Run(c.name, func(t *testing.T) {
			got := runHash(t, c.arch, c.cfg)
			if got != c.sha12 {
				t.Errorf("hash %s, want %s: the default path's numbers moved", got, c.sha12)
			}
		})
	}
}
