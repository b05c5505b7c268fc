package train_test

import (
	"bytes"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/govae/govae/train"
)

// A budget trains a prefix of the protocol and says so; resuming with a
// larger budget continues the same schedule; the learning rate of each
// epoch is the schedule's.
func TestBudgetAndSchedule(t *testing.T) {
	p, err := train.LookupPreset("burda-vae")
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Config
	cfg.Hidden, cfg.Latent = train.Sizes{50}, 5
	cfg.Limit, cfg.EvalLimit, cfg.EvalK, cfg.Budget = 200, 50, 3, 1
	cfg.LR = 3e-3
	cfg.Out = filepath.Join(t.TempDir(), "run")
	var log bytes.Buffer
	res, err := train.Train(cfg, train.Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Final.Epochs; e.Run != 1 || e.Protocol != 3280 || e.Budget != 1 || e.Note != "1 of the protocol's 3,280 epochs (-budget 1)" {
		t.Errorf("epochs %+v", e)
	}
	if !strings.Contains(log.String(), "budget: training 1 of the protocol's 3280 epochs") ||
		!strings.Contains(log.String(), "published: -86.76 nats after 3280 epochs") {
		t.Errorf("log does not state the budget and the published figure:\n%s", log.String())
	}
	if res.Final.Published == nil || res.Final.Published.LogPx != -86.76 {
		t.Errorf("published %+v", res.Final.Published)
	}

	saved, err := train.Load(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	more := saved.Config
	more.Budget = 2
	res2, err := saved.Resume(more, train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := metricsLines(t, cfg.Out)
	if len(ms) != 2 || res2.Final.Epochs.Run != 2 {
		t.Fatalf("after resuming to budget 2: %d epochs of metrics, results %+v", len(ms), res2.Final.Epochs)
	}
	// Epoch 1 is stage 0 of the schedule, epoch 2 the first of stage 1.
	if ms[0].LR != 3e-3 || !scalar.EqualWithinRel(ms[1].LR, 3e-3*math.Pow(10, -1.0/7), 1e-14) {
		t.Errorf("learning rates %v, %v; want 3e-3 and 3e-3·10^(-1/7)", ms[0].LR, ms[1].LR)
	}
	if len(res2.Final.Timing.Epochs) != 2 {
		t.Errorf("timing of a resumed run covers %d epochs, want 2", len(res2.Final.Timing.Epochs))
	}
	want := []train.Override{{Flag: "budget", Value: "2", Preset: "0"}, {Flag: "lr", Value: "0.003", Preset: "0.001"}}
	if got := res2.Final.Overrides; len(got) < 2 || !reflect.DeepEqual(got[:2], want) {
		t.Errorf("overrides %+v, want to start with %+v", got, want)
	}
}
