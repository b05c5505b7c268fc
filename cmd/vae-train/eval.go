package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/govae/govae/internal/progress"
	"github.com/govae/govae/train"
)

// useFlags are -eval and the flags that use a saved run beside it.
type useFlags struct {
	dir string
	use train.Use
}

// useFlagNames are the flags of useFlags.
var useFlagNames = []string{"eval", "sample", "reconstruct", "encode", "interpolate", "export", "decode"}

// bindUseFlags defines the flags of -eval on fs.
func bindUseFlags(fs *flag.FlagSet) *useFlags {
	u := &useFlags{}
	fs.StringVar(&u.dir, "eval", "", "score the run saved in this output `folder` again (test ELBO, log p(x) with -eval-k), writing eval.json there; -sample, -reconstruct, -encode, -interpolate and -export use it further")
	fs.IntVar(&u.use.Sample, "sample", 0, "with -eval: draw `N` samples of the model into sample.csv (and sample.png for images)")
	fs.BoolVar(&u.use.Reconstruct, "reconstruct", false, "with -eval: reconstruct the test set into reconstruction.csv (and reconstruction.png for images)")
	fs.StringVar(&u.use.Encode, "encode", "", "with -eval: write the posterior means of the test set to this CSV `file`")
	fs.Func("interpolate", "with -eval: `I,J`: decode the line between the latents of test images I and J (from 0) into interpolation.png", func(s string) error {
		a, b, ok := strings.Cut(s, ",")
		i, err1 := strconv.Atoi(strings.TrimSpace(a))
		j, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || i < 0 || j < 0 {
			return fmt.Errorf("give two test images as I,J, counted from 0, like 3,17")
		}
		u.use.Interpolate = []int{i, j}
		return nil
	})
	fs.StringVar(&u.use.Export, "export", "", "with -eval: write the model, with its standardisation, to this safetensors `file` (vae.Export; Python's safetensors loads it)")
	fs.StringVar(&u.use.Decode, "decode", "", "with -eval: decode the latents in this CSV `file` (one a row) into decoded.csv: the decoder's logits (Bernoulli) or means (Gaussian, standardised), to compare with another framework (bench/pytorch_vae.py --load)")
	return u
}

// given reports whether a flag of useFlags was given on fs.
func (u *useFlags) given(fs *flag.FlagSet) bool {
	var any bool
	fs.Visit(func(f *flag.Flag) { any = any || slices.Contains(useFlagNames, f.Name) })
	return any
}

// evaluate scores the run of -eval and uses it as the flags say.
func evaluate(fs *flag.FlagSet, args []string, u *useFlags, stdout io.Writer, fail func(int, error) int, useBLAS func() error) int {
	if u.dir == "" {
		var name string
		fs.Visit(func(f *flag.Flag) {
			if name == "" && slices.Contains(useFlagNames, f.Name) {
				name = f.Name
			}
		})
		return fail(2, fmt.Errorf("-%s uses a trained run: name its folder with -eval DIR", name))
	}
	allowed := slices.Concat(useFlagNames, train.EvalChangeable(), []string{"blas"})
	if err := onlyFlags(fs, allowed...); err != nil {
		return fail(2, err)
	}
	saved, err := train.Load(u.dir)
	if err != nil {
		return fail(1, err)
	}
	cfg, err := overSaved(fs, args, saved, "eval", train.EvalChangeable(), "scoring keeps the run's configuration")
	if err != nil {
		return fail(2, err)
	}
	if err := u.use.Validate(); err != nil {
		return fail(2, err)
	}
	if err := useBLAS(); err != nil {
		return fail(1, err)
	}
	opts := train.Options{Log: stdout, Progress: progress.New(fs.Output(), progress.Tenths)}
	if _, err := saved.Evaluate(cfg, u.use, opts); err != nil {
		return fail(1, err)
	}
	return 0
}

// overSaved returns the saved run's configuration with the flags given
// beside -mode applied, after checking that those flags change nothing but
// the changeable fields; the flags of the command that are not fields of
// the configuration (-blas, and those of useFlags) are skipped.
func overSaved(given *flag.FlagSet, args []string, saved *train.Saved, mode string, changeable []string, keeps string) (train.Config, error) {
	cfg := saved.Config
	fs := flag.NewFlagSet("vae-train", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bindFlags(fs, &cfg)
	own := map[string]bool{}
	given.VisitAll(func(f *flag.Flag) {
		if fs.Lookup(f.Name) == nil {
			own[f.Name] = true
			fs.Var(f.Value, f.Name, "") // parsed again below, to the same value
		}
	})
	var conflicts []string
	given.Visit(func(f *flag.Flag) {
		switch {
		case own[f.Name] || slices.Contains(changeable, f.Name):
		case f.Name == "out":
			conflicts = append(conflicts, fmt.Sprintf("-out %s: the output folder is the -%s folder", f.Value, mode))
		default:
			if had := fs.Lookup(f.Name).Value.String(); had != f.Value.String() {
				conflicts = append(conflicts, fmt.Sprintf("-%s %s conflicts with the run's -%s %s", f.Name, f.Value, f.Name, had))
			}
		}
	})
	if len(conflicts) > 0 {
		return cfg, fmt.Errorf("%s; %s: beside -%s give only -%s",
			strings.Join(conflicts, "; "), keeps, mode, strings.Join(changeable, ", -"))
	}
	// Every flag given either is allowed to change or equals the saved
	// value, so parsing them again over the saved configuration applies
	// exactly the changes.
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}
