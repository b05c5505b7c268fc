package train

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/vae"
)

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	for _, c := range []struct {
		flag   string
		change func(*Config)
	}{
		{"-preset", func(c *Config) { c.Preset = "nosuch" }},
		{"-epochs", func(c *Config) { c.Epochs = 0 }},
		{"-budget", func(c *Config) { c.Budget = -1 }},
		{"-budget", func(c *Config) { c.Budget = 11 }},
		{"-schedule", func(c *Config) { c.Schedule = 2 }},
		{"-output-bias", func(c *Config) { c.OutputBias = -1 }},
		{"-batch", func(c *Config) { c.Batch = 0 }},
		{"-lr", func(c *Config) { c.LR = 0 }},
		{"-lr", func(c *Config) { c.LR = math.NaN() }},
		{"-lr", func(c *Config) { c.LR = math.Inf(1) }},
		{"-adam-beta1", func(c *Config) { c.AdamBeta1 = 1 }},
		{"-adam-beta2", func(c *Config) { c.AdamBeta2 = -0.1 }},
		{"-adam-eps", func(c *Config) { c.AdamEps = 0 }},
		{"-latent", func(c *Config) { c.Latent = 0 }},
		{"-hidden", func(c *Config) { c.Hidden = Sizes{400, 0} }},
		{"-activation", func(c *Config) { c.Activation = 7 }},
		{"-dtype", func(c *Config) { c.Dtype = "float16" }},
		{"-objective", func(c *Config) { c.Objective = -1 }},
		{"-k", func(c *Config) { c.K = 0 }},
		{"-beta", func(c *Config) { c.Beta = -1 }},
		{"-beta", func(c *Config) { c.Beta = math.NaN() }},
		{"-warmup", func(c *Config) { c.Warmup = -1 }},
		{"-binarize", func(c *Config) { c.Binarize = 9 }},
		{"-limit", func(c *Config) { c.Limit = -1 }},
		{"-limit", func(c *Config) { c.Limit = 60001 }},
		{"-eval-limit", func(c *Config) { c.EvalLimit = 10001 }},
		{"-eval-k", func(c *Config) { c.EvalK = -1 }},
		{"-objective", func(c *Config) { c.Objective = vae.PIWAE + 1 }},
		{"-objective", func(c *Config) { c.Objective = vae.MIWAE }},
		{"-objective", func(c *Config) { c.Objective, c.M = vae.PIWAE, -1 }},
		{"-m", func(c *Config) { c.M = 2 }},
		{"-ciwae-beta", func(c *Config) { c.Objective, c.CIWAEBeta = vae.CIWAE, 1.5 }},
		{"-ciwae-beta", func(c *Config) { c.Objective, c.CIWAEBeta = vae.CIWAE, math.NaN() }},
		{"-ciwae-beta", func(c *Config) { c.CIWAEBeta = 0.5 }},
		{"-estimator", func(c *Config) { c.Estimator = 9 }},
		{"-estimator", func(c *Config) { c.Objective, c.CIWAEBeta, c.Estimator = vae.CIWAE, 0.5, elbo.STL }},
		{"-estimator", func(c *Config) { c.Objective, c.M, c.Estimator = vae.PIWAE, 2, elbo.DReG }},
		{"-estimator", func(c *Config) { c.Estimator, c.Upper = elbo.DReG, Stack{{Hidden: []int{8}, Latent: 2}} }},
		{"-estimator", func(c *Config) { c.Objective, c.M, c.Upper = vae.PIWAE, 2, Stack{{Hidden: []int{8}, Latent: 2}} }},
	} {
		cfg := DefaultConfig()
		c.change(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), "train: "+c.flag+" ") {
			t.Errorf("%s out of range: err = %v", c.flag, err)
		}
	}
	cfg := DefaultConfig()
	cfg.Hidden = nil // a linear encoder and decoder
	if err := cfg.Validate(); err != nil {
		t.Errorf("no hidden layers: %v", err)
	}
	for _, change := range []func(*Config){
		func(c *Config) { c.Objective, c.M, c.Estimator = vae.MIWAE, 8, elbo.DReG },
		func(c *Config) { c.Objective, c.CIWAEBeta = vae.CIWAE, 0.05 },
		func(c *Config) { c.Objective, c.M = vae.PIWAE, 8 },
		func(c *Config) { c.Estimator = elbo.Score },
		func(c *Config) { c.Objective, c.Upper = vae.MIWAE, Stack{{Hidden: []int{8}, Latent: 2}}; c.M = 2 },
	} {
		cfg := DefaultConfig()
		change(&cfg)
		if err := cfg.Validate(); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// TestBoundInTrainer checks that the bound's flags reach the trainer's
// configuration.
func TestBoundInTrainer(t *testing.T) {
	c := DefaultConfig()
	c.Objective, c.M, c.K, c.Estimator = vae.MIWAE, 3, 4, elbo.DReG
	tc, err := c.trainer()
	if err != nil {
		t.Fatal(err)
	}
	if tc.Objective != vae.MIWAE || tc.Groups != 3 || tc.Samples != 4 || tc.Estimator != elbo.DReG || tc.Bound() != (elbo.MIWAE{Groups: 3}) {
		t.Errorf("trainer config %+v (bound %v), want miwae of 3 groups of 4 with dreg", tc, tc.Bound())
	}
	c = DefaultConfig()
	c.Objective, c.CIWAEBeta = vae.CIWAE, 0.25
	if tc, _ := c.trainer(); tc.Bound() != (elbo.CIWAE{Beta: 0.25}) {
		t.Errorf("ciwae: bound %v, want ciwae(β=0.25)", tc.Bound())
	}
	if got := c.boundText(); got != "ciwae, β = 0.25, k = 1" {
		t.Errorf("boundText %q", got)
	}
	c.Objective, c.CIWAEBeta, c.M, c.Estimator = vae.PIWAE, 0, 8, elbo.STL
	if got := c.boundText(); got != "piwae, m = 8, k = 1, estimator stl" {
		t.Errorf("boundText %q", got)
	}
}

func TestDefaultIsPytorchExample(t *testing.T) {
	c := DefaultConfig()
	a := c.arch(nil)
	tc, err := c.trainer()
	if err != nil {
		t.Fatal(err)
	}
	if a.Input != 784 || !reflect.DeepEqual(a.Hidden, []int{400}) || a.Latent != 20 || a.Activation != vae.ReLU || a.Seed != 1 {
		t.Errorf("arch %+v, want 784-400-20 ReLU, seed 1", a)
	}
	if tc.Objective != vae.ELBO || tc.Samples != 1 || tc.Beta != 1 || tc.Batch != 128 || tc.Seed != 1 ||
		tc.Adam.Schedule.Rate(0) != 1e-3 || tc.Adam.Beta1 != 0.9 || tc.Adam.Beta2 != 0.999 || tc.Adam.Epsilon != 1e-8 {
		t.Errorf("trainer config %+v, want the ELBO, batch 128, Adam 1e-3", tc)
	}
	if c.Epochs != 10 || c.Binarize.String() != "none" {
		t.Errorf("%d epochs on %v, want 10 on grey levels", c.Epochs, c.Binarize)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := DefaultConfig()
	c.Hidden, c.Objective, c.Activation, c.Data, c.Out = Sizes{200, 200}, vae.IWAE, vae.Tanh, "mnist", "somewhere"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"objective":"iwae"`, `"activation":"tanh"`, `"binarize":"none"`, `"hidden":[200,200]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Out = c.Out // not stored: the folder it is in says it
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip gave %+v, want %+v", back, c)
	}
}

func TestCheckResume(t *testing.T) {
	saved := DefaultConfig()
	ok := saved
	ok.Epochs, ok.Budget, ok.Data, ok.EvalK, ok.Out = 30, 20, "elsewhere", 5000, "dir"
	if err := ok.checkResume(saved); err != nil {
		t.Errorf("changing only epochs, budget, data, eval-k: %v", err)
	}
	lr := saved
	lr.LR, lr.AdamBeta1 = 0.01, 0.5
	if err := lr.checkResume(saved); err == nil || !strings.Contains(err.Error(), "-adam-beta1 0.5 (the run has 0.9), -lr 0.01 (the run has 0.001)") {
		t.Errorf("changed lr and β1: err = %v", err)
	}
	for _, change := range []func(*Config){
		func(c *Config) { c.LR = 1e-4 },
		func(c *Config) { c.Seed = 2 },
		func(c *Config) { c.Hidden = Sizes{400, 400} },
		func(c *Config) { c.EvalLimit = 100 },
		func(c *Config) { c.Limit = 100 },
		func(c *Config) { c.Estimator = elbo.STL },
		func(c *Config) { c.Objective, c.M = vae.MIWAE, 1 },
	} {
		c := saved
		change(&c)
		if err := c.checkResume(saved); err == nil || !strings.Contains(err.Error(), "may change only -epochs, -budget, -data, -eval-k") {
			t.Errorf("%+v: err = %v", c, err)
		}
	}
}

func TestSizes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Sizes
	}{{"400", Sizes{400}}, {"200,200", Sizes{200, 200}}, {" 300 , 100 ", Sizes{300, 100}}, {"", nil}} {
		var s Sizes
		if err := s.Set(c.in); err != nil || !reflect.DeepEqual(s, c.want) {
			t.Errorf("Set(%q) = %v, %v; want %v", c.in, s, err, c.want)
		}
	}
	if got := (Sizes{200, 100}).String(); got != "200,100" {
		t.Errorf("String = %q", got)
	}
	for _, bad := range []string{"0", "-5", "a", "200,", "1.5"} {
		s := Sizes{7}
		if err := s.Set(bad); err == nil || !reflect.DeepEqual(s, Sizes{7}) {
			t.Errorf("Set(%q) = %v, left %v", bad, err, s)
		}
	}
}
