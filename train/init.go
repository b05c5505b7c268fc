package train

import (
	"fmt"
	"os"
	"slices"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/vae"
)

// readInit reads the model of cfg.Init, a safetensors file of vae.Export's
// format (written by vae-train -eval DIR -export FILE, or by
// bench/pytorch_vae.py --save FILE), for a run of cfg on trainSet: its
// architecture must be the run's and its standardisation must be there if
// and only if cfg.Standardize. It returns the model and the file's
// standardisation, which the run uses instead of fitting its own: the
// weights were trained in that space.
func readInit(cfg Config, trainSet *datasets.Set) (*vae.Model, *datasets.Standardization, error) {
	f, err := os.Open(cfg.Init)
	if err != nil {
		return nil, nil, fmt.Errorf("train: -init: %w", err)
	}
	defer f.Close()
	m, a, st, err := vae.Import(f)
	if err != nil {
		return nil, nil, fmt.Errorf("train: -init %s: %w", cfg.Init, err)
	}
	want := cfg.arch(nil)
	want.Input = trainSet.Dim()
	if !sameArch(a, want) {
		return nil, nil, fmt.Errorf("train: -init %s holds a model of %d inputs with -hidden %v -latent %d -upper %v -activation %v -dtype %s -likelihood %v, but the run has %d inputs with -hidden %v -latent %d -upper %v -activation %v -dtype %s -likelihood %v: give the file's architecture and data",
			cfg.Init, a.Input, Sizes(a.Hidden), a.Latent, Stack(a.Upper), a.Activation, a.Dtype, a.Likelihood,
			want.Input, Sizes(want.Hidden), want.Latent, Stack(want.Upper), want.Activation, want.Dtype, want.Likelihood)
	}
	if (st != nil) != cfg.Standardize {
		return nil, nil, fmt.Errorf("train: -init %s: the model was trained on %s data, but the run's -standardize is %v: give -standardize=%v",
			cfg.Init, map[bool]string{true: "standardised", false: "unstandardised"}[st != nil], cfg.Standardize, st != nil)
	}
	return m, st, nil
}

// sameArch reports whether a and b describe the same networks (their
// initial weights aside).
func sameArch(a, b vae.Arch) bool {
	return a.Input == b.Input && slices.Equal(a.Hidden, b.Hidden) && a.Latent == b.Latent &&
		a.Activation == b.Activation && a.Dtype == b.Dtype && a.Likelihood == b.Likelihood &&
		slices.EqualFunc(a.Upper, b.Upper, func(x, y vae.LayerArch) bool {
			return x.Latent == y.Latent && slices.Equal(x.Hidden, y.Hidden)
		})
}
