package train_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/train"
	"github.com/govae/govae/vae"
)

// quick returns a configuration that trains on 300 real MNIST images and
// evaluates on 100, writing to a fresh folder.
func quick(t *testing.T, epochs int) train.Config {
	t.Helper()
	cfg := train.DefaultConfig()
	cfg.Limit, cfg.EvalLimit, cfg.Epochs = 300, 100, epochs
	cfg.Out = filepath.Join(t.TempDir(), "run")
	return cfg
}

func mustTrain(t *testing.T, cfg train.Config) *train.Result {
	t.Helper()
	res, err := train.Train(cfg, train.Options{})
	if err != nil {
		t.Fatalf("Train: %v", err)
	}
	return res
}

// metricsLines reads metrics.jsonl of dir, each line as a map, and the
// same with the timing fields removed.
func metricsLines(t *testing.T, dir string) (all []train.Metrics, untimed []map[string]any) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m train.Metrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"epoch", "train_loss", "test_loss", "test_kl", "test_recon", "epoch_seconds"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("metrics line %q has no %q", sc.Text(), k)
			}
		}
		delete(raw, "epoch_seconds")
		delete(raw, "piece")
		delete(raw, "eval_seconds")
		all, untimed = append(all, m), append(untimed, raw)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return all, untimed
}

func readResults(t *testing.T, dir string) (train.Results, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, train.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var res train.Results
	var raw map[string]any
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("%s: %v", train.ResultsFile, err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	delete(raw, "timing")
	return res, raw
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// A run with a 2-D latent lowers the loss and writes every file, each
// readable; the log p(x) estimate lies above the ELBO.
func TestTrainWritesEveryFile(t *testing.T) {
	cfg := quick(t, 2)
	cfg.Latent, cfg.EvalK = 2, 20
	res := mustTrain(t, cfg)
	dir := res.Dir
	if dir != cfg.Out {
		t.Errorf("Dir = %q, want %q", dir, cfg.Out)
	}

	ms, _ := metricsLines(t, dir)
	if len(ms) != 2 || ms[0].Epoch != 1 || ms[1].Epoch != 2 {
		t.Fatalf("metrics of epochs %v, want 1 and 2", ms)
	}
	if !(ms[1].TrainLoss < ms[0].TrainLoss) || !(ms[1].TestLoss < ms[0].TestLoss) {
		t.Errorf("loss did not fall: train %.2f → %.2f, test %.2f → %.2f", ms[0].TrainLoss, ms[1].TrainLoss, ms[0].TestLoss, ms[1].TestLoss)
	}
	for _, m := range ms {
		if d := m.TestLoss - (m.TestRecon + m.TestKL); math.Abs(d) > 1e-6*m.TestLoss {
			t.Errorf("epoch %d: test loss %v ≠ recon %v + KL %v", m.Epoch, m.TestLoss, m.TestRecon, m.TestKL)
		}
		if m.EpochSeconds <= 0 {
			t.Errorf("epoch %d: epoch_seconds %v", m.Epoch, m.EpochSeconds)
		}
	}
	if !reflect.DeepEqual(res.History, ms) {
		t.Errorf("Result.History %+v differs from metrics.jsonl %+v", res.History, ms)
	}

	final, _ := readResults(t, dir)
	ft := final.Test
	if final.Epochs.Run != 2 || ft.N != 100 || ft.Set != "grey" || ft.Loss != ms[1].TestLoss || ft.ELBO != -ft.Loss {
		t.Errorf("results %+v do not match the last epoch %+v", final, ms[1])
	}
	if ft.ActiveUnits != ms[1].ActiveUnits || len(ft.Variances) != 2 {
		t.Errorf("results: %d active units of variances %v; last epoch had %d", ft.ActiveUnits, ft.Variances, ms[1].ActiveUnits)
	}
	// The importance-sampled estimate (K = 20) is a tighter bound than the
	// ELBO (K = 1): on 100 images it lies well above -test loss.
	if ft.LogPx == nil || ft.LogPxStdErr == nil || ft.EvalK != 20 {
		t.Fatalf("results have no log p(x) estimate: %+v", final)
	}
	if lp := *ft.LogPx; !(lp > -ft.Loss && lp < 0) || !(*ft.LogPxStdErr > 0) {
		t.Errorf("log p(x) = %v ± %v, want in (-test loss = %v, 0)", lp, *ft.LogPxStdErr, -ft.Loss)
	}
	tm := final.Timing
	if len(tm.Epochs) != 2 || tm.Epochs[0] != ms[0].EpochSeconds || !(tm.Wall >= tm.Train+tm.Eval) || !(tm.LogPx > 0) {
		t.Errorf("timing %+v does not match the metrics %+v", tm, ms)
	}
	if final.Published != nil || final.Preset != "" || len(final.Overrides) == 0 || final.Epochs.Protocol != 2 {
		t.Errorf("a run without a preset: %+v", final)
	}

	var saved train.Config
	b, err := os.ReadFile(filepath.Join(dir, train.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &saved); err != nil {
		t.Fatalf("%s: %v", train.ConfigFile, err)
	}
	saved.Out = cfg.Out
	if !reflect.DeepEqual(saved, cfg) {
		t.Errorf("config.json holds %+v, want %+v", saved, cfg)
	}
	ckpt, err := vae.LoadCheckpoint(filepath.Join(dir, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if ckpt.Epoch != 2 {
		t.Errorf("checkpoint of epoch %d, want 2", ckpt.Epoch)
	}

	cell := datasets.Rows + 2 // an image and its border
	for _, f := range []struct {
		name string
		w, h int // 0: a plot, any size
	}{
		{train.ReconFile, 8*cell + 2, 2*cell + 2},
		{train.SamplesFile, 8*cell + 2, 8*cell + 2},
		{train.ManifoldFile, 20*cell + 2, 20*cell + 2},
		{train.LossFile, 0, 0},
		{train.LatentFile, 0, 0},
	} {
		b := decodePNG(t, filepath.Join(dir, f.name)).Bounds()
		if f.w > 0 && (b.Dx() != f.w || b.Dy() != f.h) {
			t.Errorf("%s is %d×%d, want %d×%d", f.name, b.Dx(), b.Dy(), f.w, f.h)
		}
		if b.Dx() < 100 || b.Dy() < 50 {
			t.Errorf("%s is only %d×%d", f.name, b.Dx(), b.Dy())
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 10 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("output folder holds %v, want the 10 files and no temporary ones", names)
	}
}

// Training one epoch, stopping, and resuming to two gives the parameters,
// optimiser state and metrics of an uninterrupted two-epoch run bit for
// bit, even after a crash that left a metrics line past the checkpoint;
// the same seed gives the same metrics again, another seed others.
func TestResumeIsBitIdentical(t *testing.T) {
	full := quick(t, 2)
	full.Hidden = train.Sizes{100}
	full.Binarize = datasets.Dynamic // the data stream must resume too
	mustTrain(t, full)

	part := full
	part.Epochs = 1
	part.Out = filepath.Join(t.TempDir(), "part")
	mustTrain(t, part)
	if _, err := os.Stat(filepath.Join(part.Out, train.LatentFile)); err == nil {
		t.Errorf("a 20-D latent run wrote %s", train.LatentFile)
	}
	// A crash after the metrics of epoch 2 were written, before its
	// checkpoint: Resume must drop the line.
	f, err := os.OpenFile(filepath.Join(part.Out, train.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"epoch":2,"train_loss":1,"test_loss":1,"test_kl":0,"test_recon":1,"epoch_seconds":1}` + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	saved, err := train.Load(part.Out)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Checkpoint.Epoch != 1 {
		t.Fatalf("checkpoint of epoch %d, want 1", saved.Checkpoint.Epoch)
	}
	cfg := saved.Config
	cfg.Epochs = 2
	if _, err := saved.Resume(cfg, train.Options{}); err != nil {
		t.Fatalf("Resume: %v", err)
	}

	a, err := vae.LoadCheckpoint(filepath.Join(full.Out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := vae.LoadCheckpoint(filepath.Join(part.Out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if a.Epoch != 2 || b.Epoch != 2 || a.Steps != b.Steps {
		t.Errorf("epochs %d and %d, steps %d and %d", a.Epoch, b.Epoch, a.Steps, b.Steps)
	}
	if !reflect.DeepEqual(a.Params, b.Params) {
		t.Error("resumed parameters differ from the uninterrupted run's")
	}
	if !reflect.DeepEqual(a.Adam, b.Adam) || !reflect.DeepEqual(a.Noise, b.Noise) || !reflect.DeepEqual(a.Data, b.Data) {
		t.Error("resumed optimiser or generator state differs from the uninterrupted run's")
	}
	_, ma := metricsLines(t, full.Out)
	_, mb := metricsLines(t, part.Out)
	if len(ma) != 2 || !reflect.DeepEqual(ma, mb) {
		t.Errorf("metrics differ:\nfull    %v\nresumed %v", ma, mb)
	}
	resA, ra := readResults(t, full.Out)
	resB, rb := readResults(t, part.Out)
	if !reflect.DeepEqual(ra, rb) {
		t.Errorf("results differ:\nfull    %v\nresumed %v", ra, rb)
	}
	// The resumed run's timing covers both pieces.
	allB, _ := metricsLines(t, part.Out)
	if resA.Timing.Pieces != 1 || resB.Timing.Pieces != 2 || allB[0].Piece != 1 || allB[1].Piece != 2 {
		t.Errorf("pieces: %d uninterrupted, %d resumed (epochs in pieces %d and %d), want 1, 2 (1 and 2)",
			resA.Timing.Pieces, resB.Timing.Pieces, allB[0].Piece, allB[1].Piece)
	}
	if sum := allB[0].EpochSeconds + allB[1].EpochSeconds; resB.Timing.Train != sum || len(resB.Timing.Epochs) != 2 {
		t.Errorf("resumed run's training time %v s over %d epochs, want %v s over 2", resB.Timing.Train, len(resB.Timing.Epochs), sum)
	}

	again := full
	again.Out = filepath.Join(t.TempDir(), "again")
	mustTrain(t, again)
	if _, mc := metricsLines(t, again.Out); !reflect.DeepEqual(ma, mc) {
		t.Errorf("same seed, different metrics:\n%v\n%v", ma, mc)
	}
	other := again
	other.Seed = 2
	other.Out = filepath.Join(t.TempDir(), "other")
	mustTrain(t, other)
	if _, md := metricsLines(t, other.Out); reflect.DeepEqual(ma, md) {
		t.Error("seeds 1 and 2 gave the same metrics")
	}
}

// A binarised IWAE run is evaluated on the fixed binarised test set: the
// digits shown above their reconstructions are black and white.
func TestBinarizedIWAE(t *testing.T) {
	cfg := quick(t, 1)
	cfg.Hidden = train.Sizes{100, 50}
	cfg.Binarize, cfg.Objective, cfg.K, cfg.Activation = datasets.Static, vae.IWAE, 3, vae.Tanh
	res := mustTrain(t, cfg)
	if res.Final.Test.Set != "binarized" || math.IsNaN(res.Final.Test.Loss) || res.Final.Test.Loss <= 0 {
		t.Errorf("results %+v", res.Final)
	}
	img := decodePNG(t, filepath.Join(res.Dir, train.ReconFile)).(*image.Gray)
	cell := datasets.Rows + 2
	for y := 2; y < cell; y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if v := img.GrayAt(x, y).Y; v != 0 && v != 255 && v != 128 {
				t.Fatalf("test digit pixel (%d,%d) = %d: not binarised", x, y, v)
			}
		}
	}
}

// A loss that overflows in the first epoch stops the run with a
// *vae.NonFiniteError and writes no checkpoint.
func TestNonFiniteStops(t *testing.T) {
	cfg := quick(t, 2)
	cfg.LR = 1e30
	_, err := train.Train(cfg, train.Options{})
	var nf *vae.NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a *vae.NonFiniteError", err)
	}
	for _, name := range []string{train.CheckpointFile, train.MetricsFile, train.ResultsFile} {
		if _, err := os.Stat(filepath.Join(cfg.Out, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
}

// TestSavedModel trains a small run with the data-mean output bias, loads
// it, and finds the checkpoint's parameters in Saved.Model's model and
// its test ELBO on EvalSet's images in results.json.
func TestSavedModel(t *testing.T) {
	cfg := quick(t, 1)
	cfg.Hidden, cfg.Latent, cfg.OutputBias, cfg.Binarize = train.Sizes{16}, 3, train.DataMeanBias, datasets.Dynamic
	res := mustTrain(t, cfg)
	saved, err := train.Load(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := saved.Model()
	if err != nil {
		t.Fatal(err)
	}
	got, want := m.Params.Snapshot(), saved.Checkpoint.Params
	if !slices.Equal(got.Names, want.Names) || !slices.EqualFunc(got.Values, want.Values, slices.Equal) {
		t.Fatalf("the model's parameters are not the checkpoint's")
	}
	_, testSet, err := datasets.Load("")
	if err != nil {
		t.Fatal(err)
	}
	set, name := saved.Config.EvalSet(testSet)
	if set.Len() != 100 || name != "binarized" {
		t.Fatalf("EvalSet: %d images, %q; want 100 binarized", set.Len(), name)
	}
	ev, err := vae.NewEvaluator(m, 50)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	st, _, err := ev.ELBO(set, 0x6576616c5f656c62) // evalSeed
	if err != nil {
		t.Fatal(err)
	}
	if -st.Loss != res.Final.Test.ELBO {
		t.Errorf("test ELBO %v of the loaded model, results.json has %v", -st.Loss, res.Final.Test.ELBO)
	}
}
