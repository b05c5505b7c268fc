package train

import (
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

func TestPresetsValidate(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Presets() {
		if seen[p.Name] {
			t.Errorf("preset %s listed twice", p.Name)
		}
		seen[p.Name] = true
		if p.Config.Preset != p.Name {
			t.Errorf("preset %s: Config.Preset = %q", p.Name, p.Config.Preset)
		}
		if err := p.Config.Validate(); err != nil {
			t.Errorf("preset %s: %v", p.Name, err)
		}
		if p.Source == "" || p.Doc == "" {
			t.Errorf("preset %s has no source or doc", p.Name)
		}
		if over, err := p.Config.Overrides(); err != nil || len(over) != 0 {
			t.Errorf("preset %s overrides itself: %v, %v", p.Name, over, err)
		}
	}
	for _, name := range []string{"pytorch-example", "burda-vae", "burda-iwae"} {
		if !seen[name] {
			t.Errorf("no preset %s", name)
		}
	}
	if _, err := LookupPreset("burda"); err == nil || !strings.Contains(err.Error(), "burda-vae, burda-iwae") {
		t.Errorf("unknown preset: err = %v", err)
	}
	// Presets are fresh values: changing one changes no other.
	a, _ := LookupPreset("burda-vae")
	a.Config.Hidden[0] = 7
	if b, _ := LookupPreset("burda-vae"); b.Config.Hidden[0] != 200 {
		t.Error("changing a preset's Hidden changed the next lookup")
	}
}

func TestPytorchPreset(t *testing.T) {
	p, err := LookupPreset("pytorch-example")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Preset, want.EvalK = "pytorch-example", 1000
	if !reflect.DeepEqual(p.Config, want) || len(p.Published) != 0 {
		t.Errorf("pytorch-example = %+v, want DefaultConfig with K = 1000 for log p(x)", p.Config)
	}
}

// The Burda presets are the protocol of section 5 of the paper.
func TestBurdaPresets(t *testing.T) {
	for _, c := range []struct {
		name string
		obj  vae.Objective
		k    int
	}{{"burda-vae", vae.ELBO, 1}, {"burda-iwae", vae.IWAE, 5}} {
		p, err := LookupPreset(c.name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := p.Config
		set := &datasets.Set{Pixels: make([]uint8, 2*784), Labels: make([]uint8, 2), Rows: 28, Cols: 28}
		a := cfg.arch(set)
		if a.Input != 784 || !reflect.DeepEqual(a.Hidden, []int{200, 200}) || a.Latent != 50 || a.Activation != vae.Tanh || len(a.OutputBias) != 784 {
			t.Errorf("%s: arch %+v, want 784-200-200-50 tanh with an output bias", c.name, a)
		}
		tc, err := cfg.trainer()
		if err != nil {
			t.Fatal(err)
		}
		if tc.Objective != c.obj || tc.Samples != c.k || tc.Batch != 20 || tc.Binarize != datasets.Dynamic || tc.Beta != 1 || tc.Warmup != 0 ||
			tc.Adam.Beta1 != 0.9 || tc.Adam.Beta2 != 0.999 || tc.Adam.Epsilon != 1e-4 {
			t.Errorf("%s: trainer %+v", c.name, tc)
		}
		if !reflect.DeepEqual(tc.Adam.Schedule, optim.BurdaSchedule()) || cfg.Epochs != 3280 || optim.BurdaSchedule().Epochs() != 3280 {
			t.Errorf("%s: schedule %v over %d epochs, want optim.BurdaSchedule over 3280", c.name, tc.Adam.Schedule, cfg.Epochs)
		}
		if cfg.EvalK != 5000 || cfg.EvalLimit != 0 || cfg.Limit != 0 || cfg.Budget != 0 || cfg.Dtype != "float32" {
			t.Errorf("%s: evaluation K %d on %d images, limit %d, budget %d", c.name, cfg.EvalK, cfg.EvalLimit, cfg.Limit, cfg.Budget)
		}
	}
}

func TestPublishedFor(t *testing.T) {
	vaeP, _ := LookupPreset("burda-vae")
	iwae, _ := LookupPreset("burda-iwae")
	for _, c := range []struct {
		p    Preset
		obj  vae.Objective
		k    int
		want float64 // 0: none
	}{
		{vaeP, vae.ELBO, 1, -86.76},
		{vaeP, vae.ELBOEntropy, 1, -86.76},
		{vaeP, vae.ELBO, 5, 0},
		{iwae, vae.IWAE, 1, -86.76},
		{iwae, vae.IWAE, 5, -85.54},
		{iwae, vae.IWAE, 50, -84.78},
		{iwae, vae.IWAE, 2, 0},
		{iwae, vae.ELBO, 5, 0},
	} {
		cfg := c.p.Config
		cfg.Objective, cfg.K = c.obj, c.k
		got := c.p.PublishedFor(cfg)
		if cfg.Estimator = elbo.DReG; c.p.PublishedFor(cfg) != nil {
			t.Errorf("%s %v k=%d with dreg: a published figure, but the source's are reparam's", c.p.Name, c.obj, c.k)
		}
		switch {
		case c.want == 0 && got != nil:
			t.Errorf("%s %v k=%d: published %+v, want none", c.p.Name, c.obj, c.k, got)
		case c.want != 0 && (got == nil || got.LogPx != c.want || got.Epochs != 3280 || got.EvalK != 5000):
			t.Errorf("%s %v k=%d: published %+v, want %v after 3280 epochs", c.p.Name, c.obj, c.k, got, c.want)
		}
	}
}

// The burda schedule scaled to another first rate keeps the stages of
// 3^i epochs and divides the rate by 10^(1/7) at each.
func TestBurdaScheduleScaled(t *testing.T) {
	for _, lr := range []float64{1e-3, 3e-4} {
		s, err := BurdaLR.schedule(lr)
		if err != nil {
			t.Fatal(err)
		}
		start := 0
		for i := range 8 {
			n := int(math.Pow(3, float64(i)))
			want := lr * math.Pow(10, -float64(i)/7)
			for _, e := range []int{start, start + n - 1} {
				if got := s.Rate(e); !scalar.EqualWithinRel(got, want, 1e-14) {
					t.Errorf("lr %v: rate of epoch %d (stage %d) = %v, want %v", lr, e, i, got, want)
				}
			}
			start += n
		}
		if start != 3280 || s.Rate(5000) != s.Rate(3279) {
			t.Errorf("lr %v: %d epochs; after the end %v, last %v", lr, start, s.Rate(5000), s.Rate(3279))
		}
	}
	if s, _ := ConstantLR.schedule(0.02); s.Rate(0) != 0.02 || s.Rate(3000) != 0.02 {
		t.Errorf("constant schedule: %v, %v", s.Rate(0), s.Rate(3000))
	}
}

func TestEnumText(t *testing.T) {
	for _, v := range []interface {
		MarshalText() ([]byte, error)
	}{ConstantLR, BurdaLR, ZeroBias, DataMeanBias} {
		b, err := v.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back any
		switch v.(type) {
		case LRSchedule:
			var s LRSchedule
			err, back = s.UnmarshalText(b), s
		case BiasInit:
			var x BiasInit
			err, back = x.UnmarshalText(b), x
		}
		if err != nil || back != v {
			t.Errorf("%v → %q → %v, %v", v, b, back, err)
		}
	}
	var s LRSchedule
	if err := s.UnmarshalText([]byte("cosine")); err == nil || !strings.Contains(err.Error(), "constant or burda") {
		t.Errorf("bad schedule: %v", err)
	}
	var b BiasInit
	if err := b.UnmarshalText([]byte("mean")); err == nil || !strings.Contains(err.Error(), "zero or data-mean") {
		t.Errorf("bad bias: %v", err)
	}
	if _, err := LRSchedule(5).MarshalText(); err == nil {
		t.Error("LRSchedule(5) marshalled")
	}
}

// MeanLogit is the logit of each pixel's mean grey level, clipped.
func TestMeanLogit(t *testing.T) {
	// Three 1×4 images: pixel means 0, 255/255·(1/3), 0.5, 1.
	set := &datasets.Set{Pixels: []uint8{0, 255, 0, 255, 0, 0, 255, 255, 0, 0, 127, 255}, Labels: make([]uint8, 3), Rows: 1, Cols: 4}
	got := MeanLogit(set, 0.001, 0.999)
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	want := []float64{logit(0.001), logit(1.0 / 3), logit(382.0 / 765), logit(0.999)}
	for i := range want {
		if !scalar.EqualWithinAbsOrRel(got[i], want[i], 1e-12, 1e-12) {
			t.Errorf("pixel %d: %v, want %v", i, got[i], want[i])
		}
	}
	if DataMeanBias.outputBias(set) == nil || ZeroBias.outputBias(set) != nil {
		t.Error("outputBias: data-mean gave nil or zero gave values")
	}
}

func TestOverridesAndCommand(t *testing.T) {
	p, _ := LookupPreset("burda-iwae")
	cfg := p.Config
	cfg.K, cfg.Budget, cfg.LR, cfg.EvalLimit = 50, 5, 3e-4, 1000
	over, err := cfg.Overrides()
	if err != nil {
		t.Fatal(err)
	}
	want := []Override{{"budget", "5", "0"}, {"lr", "0.0003", "0.001"}, {"k", "50", "5"}, {"eval-limit", "1000", "0"}}
	if !reflect.DeepEqual(over, want) {
		t.Errorf("overrides %v, want %v", over, want)
	}
	cmd, err := cfg.Command()
	if want := "go run ./cmd/vae-train -preset burda-iwae -budget 5 -lr 0.0003 -k 50 -eval-limit 1000"; err != nil || cmd != want {
		t.Errorf("command %q, %v; want %q", cmd, err, want)
	}

	plain := DefaultConfig()
	if cmd, err := plain.Command(); err != nil || cmd != "go run ./cmd/vae-train" {
		t.Errorf("default command %q, %v", cmd, err)
	}
	plain.Hidden, plain.Data, plain.Activation, plain.Schedule = nil, "my data", vae.Tanh, BurdaLR
	cmd, err = plain.Command()
	if want := "go run ./cmd/vae-train -data 'my data' -schedule burda -hidden '' -activation tanh"; err != nil || cmd != want {
		t.Errorf("command %q, %v; want %q", cmd, err, want)
	}
	// Every field of Config with a JSON name has a flag of that name.
	b, _ := json.Marshal(DefaultConfig())
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	flags := configFlags()
	for k := range raw {
		if !strings.Contains(strings.Join(flags, " ")+" ", strings.ReplaceAll(k, "_", "-")+" ") {
			t.Errorf("JSON field %s has no flag in %v", k, flags)
		}
	}
}

func TestMarkdown(t *testing.T) {
	p, _ := LookupPreset("burda-iwae")
	cfg := p.Config
	cfg.Budget, cfg.EvalLimit = 5, 1000
	over, _ := cfg.Overrides()
	cmd, _ := cfg.Command()
	lp, se := -90.123, 0.456
	r := Results{
		Preset: cfg.Preset, Source: p.Source, Command: cmd, Overrides: over, Config: cfg,
		Epochs: epochCount(cfg, 5), Environment: environment(), Published: p.PublishedFor(cfg),
		Test:   TestResults{Set: "binarized", N: 1000, ELBO: -95.5, ActiveUnits: 17, EvalK: 5000, LogPx: &lp, LogPxStdErr: &se},
		Timing: timing([]Metrics{{EpochSeconds: 3}, {EpochSeconds: 1}, {EpochSeconds: 2}}, 10, 4),
	}
	md := r.Markdown()
	for _, want := range []string{
		"# burda-iwae (iwae, k = 5)",
		"| 5 of the protocol's 3,280 epochs (-budget 5) | -95.50 | -90.12 ± 0.46 (K = 5,000, 1,000 binarized images) | 17 of 50 | -85.54 (3,280 epochs, K = 5,000) | 2.0 |",
		"Command: `go run ./cmd/vae-train -preset burda-iwae -budget 5 -eval-limit 1000`",
		"`-budget 5` (preset: 0)",
		"Table 1, MNIST, one stochastic layer, IWAE, k = 5",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if r.Timing.SecondsPerEpoch != 2 || r.Timing.Train != 6 {
		t.Errorf("timing %+v: median 2 and sum 6 expected", r.Timing)
	}
	whole := epochCount(cfg, 3280)
	if whole.Note != "the whole protocol, 3,280 epochs" {
		t.Errorf("note %q", whole.Note)
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 3280: "3,280", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q", n, got)
		}
	}
}

func TestEnvironment(t *testing.T) {
	e := environment()
	if e.GoVersion != runtime.Version() || e.Cores != runtime.NumCPU() || e.GOMAXPROCS < 1 || e.OS != runtime.GOOS {
		t.Errorf("environment %+v", e)
	}
	if (e.VCSRevision == "") != (e.VCSNote != "") {
		t.Errorf("revision %q with note %q", e.VCSRevision, e.VCSNote)
	}
}
