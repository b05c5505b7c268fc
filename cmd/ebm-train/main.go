// Command ebm-train trains a restricted Boltzmann machine on binarised
// MNIST by CD-k or PCD-k and scores it by its test log-probability, with
// log Z exact (small hidden layers) or by annealed importance sampling.
//
// With no flags it trains a CD-25, 500-hidden-unit RBM for 20 epochs;
// -preset sm-cd25 runs the full protocol of Salakhutdinov & Murray (2008)
// for their CD25(500) model (250 epochs, annealed CD steps), whose
// published test log-probability, -86.34 nats, results.json and
// results.md carry beside the run's. -resume DIR continues an interrupted
// run bit for bit; -eval DIR scores a saved run again.
//
// Usage:
//
//	ebm-train [-preset NAME] [flags]
//	ebm-train -preset list
//	ebm-train -resume DIR [-epochs N] [-data DIR] [-ais-runs N] [-ais-refine N] [-eval-limit N] [-samples N] [-sample-steps N]
//	ebm-train -eval DIR [-ais-runs N] [-ais-refine N] [-eval-limit N] [-samples N] [-sample-steps N]
//
// Run ebm-train -h for the flags. Bad usage exits with status 2, other
// errors with status 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/govae/govae/ebm"
	"github.com/govae/govae/ebm/rbmrun"
	"github.com/govae/govae/internal/progress"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage:
  ebm-train [-preset NAME] [flags]
  ebm-train -preset list
  ebm-train -resume DIR [-epochs N] [-data DIR] [-ais-runs N] [-ais-refine N] [-eval-limit N] [-samples N] [-sample-steps N]
  ebm-train -eval DIR [-ais-runs N] [-ais-refine N] [-eval-limit N] [-samples N] [-sample-steps N]

Trains a restricted Boltzmann machine on binarised MNIST by CD-k or PCD-k
and writes config.json, metrics.jsonl (a line per epoch), model.ckpt,
filters.png, samples.png, results.json and results.md to the output folder.
The test log-probability uses log Z by enumeration for at most 20 hidden
units, and by AIS with the 14,500-step schedule of Salakhutdinov & Murray
(2008) otherwise. The same flags and -seed give the same numbers, whatever
the number of cores.

-preset NAME starts from a protocol of the literature; the flags given
beside it override its values (the defaults below are those without a
preset). -preset list describes the presets.

-resume DIR continues the run in DIR from its model.ckpt, bit for bit as if
it had not stopped, until -epochs epochs are done; only -epochs, -data and
the final scoring's flags may be given beside it. Timing in results.json is
summed over every piece.

-eval DIR scores the run saved in DIR again, writing eval.json and
samples.png there.

Examples:
  ebm-train                                      # CD-25, 500 hidden units, 20 epochs
  ebm-train -preset sm-cd25                      # Salakhutdinov & Murray's CD25(500), 250 epochs
  ebm-train -preset sm-cd25 -estimator pcd       # the same protocol with persistent chains
  ebm-train -preset sm-cd25 -fixed-batches       # the same with makebatches.m's fixed batches in a fixed order
  ebm-train -hidden 20 -k 1 -epochs 10           # small enough for exact log Z
  ebm-train -resume runs/ebm-cd25-h500-seed1-1   # continue an interrupted run
  ebm-train -eval runs/ebm-cd25-h500-seed1-1 -ais-runs 1000
  ebm-train -eval runs/ebm-cd25-h500-seed1-1 -ais-runs 100 -ais-refine 10   # does log Z rise on a 10x longer schedule?

Flags:
`

// run is the command: it parses args, trains or scores, and returns the
// exit status (2 for bad usage, 1 for other errors).
func run(args []string, stdout, stderr io.Writer) int {
	fail := func(status int, err error) int {
		fmt.Fprintf(stderr, "ebm-train: %s\n", strings.TrimPrefix(err.Error(), "rbmrun: "))
		if status == 2 {
			fmt.Fprintln(stderr, "ebm-train: run ebm-train -h for usage")
		}
		return status
	}
	c, err := parse(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		return 2 // the flag package has said what is wrong
	case err != nil:
		return fail(2, err)
	}
	if c.list {
		listPresets(stdout)
		return 0
	}
	display := progress.New(stderr, progress.Silent)
	hooks := rbmrun.Hooks{Log: display, Batch: epochBars(display), Command: c.command}
	var res rbmrun.Results
	switch {
	case c.evalDir != "":
		res, err = rbmrun.Evaluate(c.evalDir, c.Config, hooks)
	case c.resumeDir != "":
		res, err = rbmrun.Resume(c.resumeDir, c.Config, hooks)
	default:
		res, err = rbmrun.Run(c.Config, hooks)
	}
	display.Finish()
	var div *ebm.DivergenceError
	switch {
	case errors.As(err, &div):
		return fail(1, fmt.Errorf("%v (the files of the last good epoch are in %s)", err, res.Dir))
	case err != nil:
		return fail(1, err)
	}
	fmt.Fprintf(stdout, "output folder: %s\n", res.Dir)
	return 0
}

// epochBars returns a batch hook that shows a bar per epoch on d (on a
// terminal; nothing otherwise, the epoch lines of the log being enough).
func epochBars(d *progress.Display) func(epoch, done, total int) {
	current := 0
	return func(epoch, done, total int) {
		if epoch != current {
			current = epoch
			d.Start(fmt.Sprintf("epoch %d", epoch), total)
		}
		d.Update(done)
	}
}

// usageError is a command line the flag package rejected (and reported).
type usageError struct{ error }

// command is what the command line asks for: a run with Config, the
// scoring of a saved run (evalDir), the continuation of one (resumeDir),
// or the list of presets.
type command struct {
	rbmrun.Config
	evalDir, resumeDir string
	list               bool
	command            string // the command line that runs Config
}

// Flags that may be given with -eval and with -resume.
var (
	evalFlags   = []string{"eval", "ais-runs", "ais-refine", "eval-limit", "samples", "sample-steps"}
	resumeFlags = []string{"resume", "epochs", "data", "ais-runs", "ais-refine", "eval-limit", "samples", "sample-steps"}
)

// newFlagSet returns the command line's flags, bound to c.
func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ebm-train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.evalDir, "eval", "", "score the run saved in this output `folder` again (its model.ckpt), writing eval.json and samples.png there")
	fs.StringVar(&c.resumeDir, "resume", "", "continue the run in this output `folder` from its model.ckpt")
	bindFlags(fs, &c.Config)
	return fs
}

// bindFlags defines a flag for every field of cfg, its value the default.
func bindFlags(fs *flag.FlagSet, cfg *rbmrun.Config) {
	fs.StringVar(&cfg.Preset, "preset", cfg.Preset, "`name` of a protocol to run (list: describe them); the other flags override its values")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "`folder` of the MNIST IDX files; empty finds them in the Go module cache")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "output `folder`; empty makes runs/ebm-<estimator><k>-h<hidden>-seed<seed>-<n>")
	fs.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "number of hidden units")
	fs.TextVar(&cfg.Estimator, "estimator", cfg.Estimator, "cd (chains start at the data) or pcd (persistent chains)")
	fs.IntVar(&cfg.K, "k", cfg.K, "Gibbs steps per update (CD-k, PCD-k); with -anneal-every, the most")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training images (with -resume: the total to reach)")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "images per update, and PCD's number of chains")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "learning rate on the per-image mean gradient, for W and both biases")
	fs.Float64Var(&cfg.Momentum, "momentum", cfg.Momentum, "momentum in [0, 1); 0 for plain SGD")
	fs.Float64Var(&cfg.InitialMomentum, "initial-momentum", cfg.InitialMomentum, "momentum of the first -momentum-epochs epochs")
	fs.IntVar(&cfg.MomentumEpochs, "momentum-epochs", cfg.MomentumEpochs, "epochs at -initial-momentum before -momentum (0: none)")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", cfg.WeightDecay, "L2 penalty on the weights (not the biases)")
	fs.IntVar(&cfg.AnnealEvery, "anneal-every", cfg.AnnealEvery, "anneal the Gibbs steps: epoch e takes T = min(k, ceil(e/`n`)) steps at learning rate lr/T (0: k steps throughout)")
	fs.StringVar(&cfg.VisibleInit, "visible-init", cfg.VisibleInit, "initial visible biases: base-rate (log-odds of the pixel frequencies; empty too) or zero")
	fs.Float64Var(&cfg.MaxWeight, "max-weight", cfg.MaxWeight, "stop as diverged when some |W_ij| exceeds this")
	fs.TextVar(&cfg.Binarize, "binarize", cfg.Binarize, "static (one fixed draw per pixel) or dynamic (a fresh draw each time an image is dealt)")
	fs.BoolVar(&cfg.FixedBatches, "fixed-batches", cfg.FixedBatches, "deal the same batches in the same order every epoch (one permutation drawn with -seed), as Hinton's and Salakhutdinov's makebatches.m; without it the images are reshuffled every epoch")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seeds the weights, data order, binarisation, chains and AIS")
	fs.IntVar(&cfg.Limit, "limit", cfg.Limit, "train on the first n images only; 0 for all 60,000")
	fs.IntVar(&cfg.EvalLimit, "eval-limit", cfg.EvalLimit, "score the first n test images only; 0 for all 10,000")
	fs.IntVar(&cfg.Monitor, "monitor", cfg.Monitor, "training images scored after every epoch")
	fs.IntVar(&cfg.MonitorAISThin, "monitor-ais-thin", cfg.MonitorAISThin, "per-epoch AIS keeps every n-th temperature of the full schedule (large models only)")
	fs.IntVar(&cfg.MonitorAISRuns, "monitor-ais-runs", cfg.MonitorAISRuns, "runs of the per-epoch AIS (large models only)")
	fs.BoolVar(&cfg.PLL, "pll", cfg.PLL, "add the exact pseudo-log-likelihood to the per-epoch metrics")
	fs.IntVar(&cfg.AISRuns, "ais-runs", cfg.AISRuns, "runs of the final AIS with the full 14,500-step schedule; 0 skips it")
	fs.IntVar(&cfg.AISRefine, "ais-refine", cfg.AISRefine, "the final AIS takes `n` evenly spaced transitions for each of the schedule's 14,500: n × 14,500 in all, to check that log Z no longer rises with the schedule's length (1: the paper's)")
	fs.IntVar(&cfg.Samples, "samples", cfg.Samples, "chains drawn into samples.png")
	fs.IntVar(&cfg.SampleSteps, "sample-steps", cfg.SampleSteps, "Gibbs steps of those chains")
}

// parse maps the command line onto a command and validates it.
func parse(args []string, stderr io.Writer) (command, error) {
	c := command{Config: rbmrun.DefaultConfig()}
	fs := newFlagSet(&c, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q: every setting is a flag", fs.Args())
	}
	switch {
	case c.Preset == "list":
		c.list = true
		return c, onlyFlags(fs, "preset")
	case c.evalDir != "" && c.resumeDir != "":
		return c, fmt.Errorf("-eval and -resume: give one of them")
	case c.evalDir != "":
		return overSaved(c, fs, args, c.evalDir, evalFlags, stderr)
	case c.resumeDir != "":
		return overSaved(c, fs, args, c.resumeDir, resumeFlags, stderr)
	}
	base := rbmrun.DefaultConfig()
	if c.Preset != "" {
		p, err := rbmrun.LookupPreset(c.Preset)
		if err != nil {
			return c, err
		}
		// The preset's values, then the flags given over them.
		base = p.Config
		c = command{Config: p.Config}
		if err := newFlagSet(&c, io.Discard).Parse(args); err != nil {
			return c, usageError{err}
		}
	}
	c.command = commandLine(c.Config, base)
	return c, c.Validate()
}

// overSaved returns the saved configuration of the run in dir with the
// flags of args, which must all be in allowed, parsed over it.
func overSaved(c command, fs *flag.FlagSet, args []string, dir string, allowed []string, stderr io.Writer) (command, error) {
	if err := onlyFlags(fs, allowed...); err != nil {
		return c, fmt.Errorf("%w: the saved run's config.json fixes the others", err)
	}
	saved, err := rbmrun.LoadConfig(dir)
	if err != nil {
		return c, err
	}
	// The command line holds allowed flags only: parsed again onto the
	// saved config, they override just those settings.
	c.Config = saved
	if err := newFlagSet(&c, stderr).Parse(args); err != nil {
		return c, usageError{err}
	}
	base := rbmrun.DefaultConfig()
	if p, err := rbmrun.LookupPreset(saved.Preset); err == nil {
		base = p.Config
	}
	c.command = commandLine(c.Config, base)
	return c, c.Validate()
}

// onlyFlags reports the first flag given on fs that is not one of allowed.
func onlyFlags(fs *flag.FlagSet, allowed ...string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err == nil && !slices.Contains(allowed, f.Name) {
			err = fmt.Errorf("-%s: only -%s may be given here", f.Name, strings.Join(allowed, ", -"))
		}
	})
	return err
}

// commandLine returns the ebm-train command that runs cfg: -preset, then
// every flag whose value differs from base (the preset's or the default
// configuration), in alphabetical order. -out is left out: it
// names where the run went, not what it is.
func commandLine(cfg, base rbmrun.Config) string {
	have := flag.NewFlagSet("", flag.ContinueOnError)
	bindFlags(have, &cfg)
	ref := flag.NewFlagSet("", flag.ContinueOnError)
	bindFlags(ref, &base)
	words := []string{"ebm-train"}
	if cfg.Preset != "" {
		words = append(words, "-preset", cfg.Preset)
	}
	have.VisitAll(func(f *flag.Flag) {
		if f.Name == "preset" || f.Name == "out" {
			return
		}
		if v := f.Value.String(); v != ref.Lookup(f.Name).Value.String() {
			if v == "" || strings.ContainsAny(v, " \t'\"$\\") {
				v = "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
			}
			words = append(words, "-"+f.Name, v)
		}
	})
	return strings.Join(words, " ")
}
