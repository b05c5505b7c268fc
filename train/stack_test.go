package train

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/optim"
	"github.com/govae/govae/vae"
)

func TestStack(t *testing.T) {
	for _, c := range []struct {
		in, out string
		want    Stack
	}{
		{"100,100:50", "100,100:50", Stack{{Hidden: []int{100, 100}, Latent: 50}}},
		{" 100 ,100 : 50 / :20", "100,100:50/:20", Stack{{Hidden: []int{100, 100}, Latent: 50}, {Latent: 20}}},
		{"", "", nil},
	} {
		var s Stack
		if err := s.UnmarshalText([]byte(c.in)); err != nil || !reflect.DeepEqual(s, c.want) {
			t.Errorf("UnmarshalText(%q) = %+v, %v; want %+v", c.in, s, err, c.want)
		}
		if got := s.String(); got != c.out {
			t.Errorf("String of %q = %q, want %q", c.in, got, c.out)
		}
	}
	for _, bad := range []string{"50", "100:0", "100:x", "0:5", "100,:5", "100:50/", "a:5"} {
		s := Stack{{Latent: 7}}
		if err := s.UnmarshalText([]byte(bad)); err == nil || !reflect.DeepEqual(s, Stack{{Latent: 7}}) {
			t.Errorf("UnmarshalText(%q) = %v, left %+v", bad, err, s)
		}
	}
	// In JSON the stack is the flag's string, and absent for one layer.
	cfg := DefaultConfig()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "upper") {
		t.Errorf("a one-layer configuration mentions upper: %s", b)
	}
	cfg.Upper = Stack{{Hidden: []int{100, 100}, Latent: 50}}
	if b, err = json.Marshal(cfg); err != nil || !strings.Contains(string(b), `"upper":"100,100:50"`) {
		t.Errorf("JSON %s, %v", b, err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back.Upper, cfg.Upper) {
		t.Errorf("round trip: %+v, %v", back.Upper, err)
	}
	cfg.Upper[0].Latent = 0
	if err := cfg.Validate(); err == nil {
		t.Error("a layer of 0 units validates")
	}
}

// The two-layer Burda presets are the one-layer protocol with the model of
// experiments.py --layers 2.
func TestBurda2Presets(t *testing.T) {
	one, err := LookupPreset("burda-vae")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		obj       vae.Objective
		k         int
		published map[int]float64
	}{
		{"burda2-vae", vae.ELBO, 1, map[int]float64{1: -85.33}},
		{"burda2-iwae", vae.IWAE, 5, map[int]float64{1: -85.33, 5: -83.89, 50: -82.90}},
	} {
		p, err := LookupPreset(c.name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := p.Config
		set := &datasets.Set{Pixels: make([]uint8, 2*784), Labels: make([]uint8, 2), Rows: 28, Cols: 28}
		a := cfg.arch(set)
		if a.Input != 784 || !slices.Equal(a.Hidden, []int{200, 200}) || a.Latent != 100 || a.Activation != vae.Tanh || len(a.OutputBias) != 784 ||
			len(a.Upper) != 1 || !slices.Equal(a.Upper[0].Hidden, []int{100, 100}) || a.Upper[0].Latent != 50 {
			t.Errorf("%s: arch %+v, want 784-200-200-100 and 100-100-100-50, tanh, with an output bias", c.name, a)
		}
		m, err := vae.NewMLP(a)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.Latents(), []int{100, 50}) {
			t.Errorf("%s: latents %v", c.name, m.Latents())
		}
		// Everything but the model and the objective is the one-layer protocol.
		same := cfg
		same.Preset, same.Latent, same.Hidden, same.Upper, same.Objective, same.K = one.Config.Preset, one.Config.Latent, one.Config.Hidden, nil, one.Config.Objective, one.Config.K
		if !reflect.DeepEqual(same, one.Config) {
			t.Errorf("%s departs from burda-vae beyond the model:\n%+v\n%+v", c.name, same, one.Config)
		}
		tc, err := cfg.trainer()
		if err != nil {
			t.Fatal(err)
		}
		if tc.Objective != c.obj || tc.Samples != c.k || !reflect.DeepEqual(tc.Adam.Schedule, optim.BurdaSchedule()) {
			t.Errorf("%s: trainer %+v", c.name, tc)
		}
		for _, k := range []int{1, 2, 5, 50} {
			cfg.K = k
			got, want := p.PublishedFor(cfg), c.published[k]
			switch {
			case want == 0 && got != nil:
				t.Errorf("%s k=%d: published %+v, want none", c.name, k, got)
			case want != 0 && (got == nil || got.LogPx != want || got.Epochs != 3280 || got.EvalK != 5000 || !strings.Contains(got.Where, "two stochastic layers")):
				t.Errorf("%s k=%d: published %+v, want %v", c.name, k, got, want)
			}
		}
	}
}
