package vae_test

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/vae"
)

// TestTrainingLowersTheLoss trains the small model on 400 real MNIST images
// with each objective and checks that the test loss falls well below its
// starting value, and that the importance-sampled log p(x) lies above the
// ELBO (it is a tighter bound).
func TestTrainingLowersTheLoss(t *testing.T) {
	train, test := mnist(t, 400, 200)
	binTest := test.Binarize(datasets.TestSeed)
	for _, c := range []struct {
		obj     vae.Objective
		samples int
		dtype   string
	}{{vae.ELBO, 1, "float32"}, {vae.ELBOEntropy, 2, "float64"}, {vae.IWAE, 5, "float32"}} {
		t.Run(c.obj.String()+"/"+c.dtype, func(t *testing.T) {
			tr := newTrainer(t, smallArch(c.dtype), smallConfig(c.obj, c.samples), train)
			ev, err := vae.NewEvaluator(tr.Model(), 100)
			if err != nil {
				t.Fatal(err)
			}
			defer ev.Close()
			before, after, stats, variances := trainMeasured(t, tr, ev, binTest, 4)
			t.Logf("test loss %.2f → %.2f; train %.2f → %.2f; active units %d", before.Loss, after.Loss, stats[0].Loss, stats[3].Loss, vae.ActiveUnits(variances, 0.01))
			if !(after.Loss < before.Loss-100) || stats[3].Loss >= stats[0].Loss {
				t.Errorf("loss did not fall: test %.2f → %.2f, train %.2f → %.2f", before.Loss, after.Loss, stats[0].Loss, stats[3].Loss)
			}
			if math.Abs(after.Loss-(after.Recon+after.KL)) > 1e-6*after.Loss {
				t.Errorf("loss %.6f is not recon %.6f + KL %.6f", after.Loss, after.Recon, after.KL)
			}
			est, err := ev.LogLikelihood(binTest, 100, 40, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			logP, se := vae.MeanLogLikelihood(est)
			if len(est) != binTest.Len() || est[0].K != 100 || !(logP > -after.Loss) || logP > 0 {
				t.Errorf("log p(x) ≈ %.2f ± %.2f from %d estimates of K=%d; ELBO %.2f", logP, se, len(est), est[0].K, -after.Loss)
			}
		})
	}
}

// TestResumeIsBitIdentical trains 3 epochs straight, and 1 epoch, a
// checkpoint written to disk, a fresh trainer resumed from it and 2 more
// epochs: the parameters and every epoch's numbers must agree to the bit.
func TestResumeIsBitIdentical(t *testing.T) {
	train, _ := mnist(t, 230, 1) // 230 = 4 batches of 50 and a short one of 30
	for _, dtype := range []string{"float32", "float64"} {
		arch, cfg := smallArch(dtype), smallConfig(vae.ELBO, 2)
		straight := newTrainer(t, arch, cfg, train)
		want := trainEpochs(t, straight, 3)

		first := newTrainer(t, arch, cfg, train)
		got := trainEpochs(t, first, 1)
		path := filepath.Join(t.TempDir(), "model.ckpt")
		if err := first.Save(path, []byte("meta")); err != nil {
			t.Fatal(err)
		}
		ckpt, err := vae.LoadCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		if ckpt.Epoch != 1 || string(ckpt.Meta) != "meta" {
			t.Fatalf("checkpoint epoch %d, meta %q", ckpt.Epoch, ckpt.Meta)
		}
		resumed := newTrainer(t, arch, cfg, train)
		if err := resumed.Resume(ckpt); err != nil {
			t.Fatal(err)
		}
		got = append(got, trainEpochs(t, resumed, 2)...)
		if !slices.Equal(want, got) {
			t.Errorf("%s: epochs differ:\nstraight %+v\nresumed  %+v", dtype, want, got)
		}
		a, b := straight.Model().Params.Snapshot(), resumed.Model().Params.Snapshot()
		for i := range a.Values {
			if !slices.Equal(a.Values[i], b.Values[i]) {
				t.Errorf("%s: parameter %s differs after resuming", dtype, a.Names[i])
			}
		}
	}
}

// TestSameSeedSameRun checks that two runs with the same seeds agree to the
// bit and that another data seed gives another run.
func TestSameSeedSameRun(t *testing.T) {
	train, _ := mnist(t, 150, 1)
	arch, cfg := smallArch("float32"), smallConfig(vae.IWAE, 3)
	a := trainEpochs(t, newTrainer(t, arch, cfg, train), 2)
	b := trainEpochs(t, newTrainer(t, arch, cfg, train), 2)
	cfg.Seed++
	c := trainEpochs(t, newTrainer(t, arch, cfg, train), 2)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different runs:\n%+v\n%+v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("different seeds, same run: %+v", a)
	}
}

// TestEvaluationDoesNotLeakIntoTraining evaluates between two epochs and
// checks that the next epoch is exactly what it would have been without.
func TestEvaluationDoesNotLeakIntoTraining(t *testing.T) {
	train, test := mnist(t, 150, 50)
	arch, cfg := smallArch("float64"), smallConfig(vae.ELBO, 1)
	plain := trainEpochs(t, newTrainer(t, arch, cfg, train), 2)
	tr := newTrainer(t, arch, cfg, train)
	probed := trainEpochs(t, tr, 1)
	ev, err := vae.NewEvaluator(tr.Model(), 25)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ev.ELBO(test, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.LogLikelihood(test, 10, 5, 3, nil); err != nil {
		t.Fatal(err)
	}
	ev.Close()
	probed = append(probed, trainEpochs(t, tr, 1)...)
	if !slices.Equal(plain, probed) {
		t.Errorf("evaluation changed training:\n%+v\n%+v", plain, probed)
	}
}

// TestNonFiniteLossStops uses a decoder whose logits become NaN and checks
// that training stops with an error naming epoch, batch and node, before the
// optimiser touches the parameters.
func TestNonFiniteLossStops(t *testing.T) {
	train, _ := mnist(t, 100, 1)
	m, err := vae.NewMLP(smallArch("float64"))
	if err != nil {
		t.Fatal(err)
	}
	inner := m.Decoder
	m.Decoder = vae.DecoderFunc(func(p *vae.Params, z *G.Node) (dist.LogProber, error) {
		lik, err := inner.Decode(p, z)
		if err != nil {
			return nil, err
		}
		// log of a negative number: NaN in every logit.
		neg, err := G.Neg(G.Must(G.Square(lik.(dist.Bernoulli).Logits)))
		if err != nil {
			return nil, err
		}
		logits, err := G.Log(G.Must(G.Sub(neg, G.NewConstant(1.0))))
		return dist.Bernoulli{Logits: logits}, err
	})
	tr, err := vae.NewTrainer(m, smallConfig(vae.ELBO, 1), train)
	if err != nil {
		t.Fatal(err)
	}
	before := m.Params.Snapshot()
	_, err = tr.TrainEpoch(nil)
	var nf *vae.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want a NonFiniteError", err)
	}
	t.Log(err)
	if nf.Epoch != 0 || nf.Batch != 0 || nf.Node == "" {
		t.Errorf("error names epoch %d, batch %d, node %q", nf.Epoch, nf.Batch, nf.Node)
	}
	after := m.Params.Snapshot()
	for i := range before.Values {
		if !slices.Equal(before.Values[i], after.Values[i]) {
			t.Errorf("parameter %s changed on a NaN step", before.Names[i])
		}
	}
}

// TestBadCheckpoints checks that truncated, corrupt, foreign and mismatched
// checkpoints are clear errors and leave the trainer as it was.
func TestBadCheckpoints(t *testing.T) {
	train, _ := mnist(t, 100, 1)
	arch, cfg := smallArch("float32"), smallConfig(vae.ELBO, 1)
	tr := newTrainer(t, arch, cfg, train)
	trainEpochs(t, tr, 1)
	ckpt, err := tr.Checkpoint(nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ckpt.Write(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := slices.Clone(good)
	flipped[len(flipped)-10] ^= 1
	for name, data := range map[string][]byte{
		"empty":     nil,
		"foreign":   []byte("PK\x03\x04 this is a zip file, not a checkpoint........................................"),
		"truncated": good[:len(good)/2],
		"flipped":   flipped,
	} {
		var ce *vae.CheckpointError
		if _, err := vae.ReadCheckpoint(bytes.NewReader(data)); !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want a CheckpointError", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, err := vae.LoadCheckpoint(filepath.Join(t.TempDir(), "missing.ckpt")); err == nil {
		t.Error("a missing file loaded")
	}

	fresh := newTrainer(t, arch, cfg, train)
	before := fresh.Model().Params.Snapshot()
	other := cfg
	other.Batch = 25
	mismatched := newTrainer(t, arch, other, train)
	if err := mismatched.Resume(ckpt); err == nil {
		t.Error("resumed a checkpoint trained with another batch size")
	}
	wider := smallArch("float32")
	wider.Hidden = []int{32}
	if err := newTrainer(t, wider, cfg, train).Resume(ckpt); err == nil {
		t.Error("resumed a checkpoint of another architecture")
	}
	if !slices.EqualFunc(before.Values, fresh.Model().Params.Snapshot().Values, slices.Equal) {
		t.Error("a failed resume changed the parameters")
	}
	if err := fresh.Resume(ckpt); err != nil {
		t.Errorf("the good checkpoint: %v", err)
	}
}

// TestRestoreIntoFreshModel loads a checkpoint into a model that has never
// been built on a graph, and checks that it evaluates as the trained one.
func TestRestoreIntoFreshModel(t *testing.T) {
	train, test := mnist(t, 100, 50)
	arch, cfg := smallArch("float32"), smallConfig(vae.ELBO, 1)
	tr := newTrainer(t, arch, cfg, train)
	trainEpochs(t, tr, 1)
	ckpt, err := tr.Checkpoint(nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRestoresAsTrained(t, arch, ckpt, tr.Model(), test)
}

// checkRestoresAsTrained restores ckpt into a fresh model of arch, never
// built on a graph, and checks that its test loss equals the trained
// model's, bit for bit.
func checkRestoresAsTrained(t *testing.T, arch vae.Arch, ckpt *vae.Checkpoint, trained *vae.Model, test *datasets.Set) {
	t.Helper()
	fresh, err := vae.NewMLP(arch)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.Restore(ckpt); err != nil {
		t.Fatal(err)
	}
	var losses []float64
	for _, m := range []*vae.Model{trained, fresh} {
		ev, err := vae.NewEvaluator(m, 25)
		if err != nil {
			t.Fatal(err)
		}
		st, _, err := ev.ELBO(test, 1)
		ev.Close()
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, st.Loss)
	}
	if losses[0] != losses[1] {
		t.Errorf("restored model's test loss %v, trained model's %v", losses[1], losses[0])
	}
}
