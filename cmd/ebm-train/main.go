// Command ebm-train trains a restricted Boltzmann machine on binarised
// MNIST by CD-k or PCD-k and scores it by its test log-probability, with
// log Z exact (small hidden layers) or by annealed importance sampling.
//
//	ebm-train                                   # CD25(500) of Salakhutdinov & Murray (2008)
//	ebm-train -hidden 20 -k 1 -epochs 10        # small enough for exact log Z
//	ebm-train -eval runs/DIR -ais-runs 1000     # score a saved run again
//
// The output folder (printed; -out or runs/...) receives config.json,
// metrics.jsonl (one line per epoch), model.ckpt, filters.png, samples.png
// and results.json; -eval writes eval.json there. The same flags and -seed
// give the same numbers.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/govae/govae/ebm"
	"github.com/govae/govae/ebm/rbmrun"
	"github.com/govae/govae/internal/progress"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("ebm-train: ")
	cfg, err := parseFlags(os.Args[1:])
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, &usage):
		os.Exit(2) // the flag package has printed the error and the usage
	case err != nil:
		fmt.Fprintf(os.Stderr, "ebm-train: %v\nRun ebm-train -h for the flags.\n", err)
		os.Exit(2)
	}
	display := progress.New(os.Stderr, progress.Silent)
	hooks := rbmrun.Hooks{Log: display, Batch: epochBars(display)}
	var res rbmrun.Results
	if cfg.evalDir != "" {
		res, err = rbmrun.Evaluate(cfg.evalDir, cfg.Config, hooks)
	} else {
		res, err = rbmrun.Run(cfg.Config, hooks)
	}
	display.Finish()
	var div *ebm.DivergenceError
	switch {
	case errors.As(err, &div):
		log.Fatalf("%v (the files of the last good epoch are in %s)", err, res.Dir)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Printf("output folder: %s\n", res.Dir)
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

// command is what the command line asks for: a run with Config, or, when
// evalDir is set, the scoring of the run saved there.
type command struct {
	rbmrun.Config
	evalDir string
}

// evalFlags are the flags that may change how -eval scores a saved run.
var evalFlags = map[string]bool{"eval": true, "ais-runs": true, "eval-limit": true, "samples": true, "sample-steps": true}

// newFlagSet returns the command line's flags, bound to cfg.
func newFlagSet(cfg *command) *flag.FlagSet {
	fs := flag.NewFlagSet("ebm-train", flag.ContinueOnError)
	fs.StringVar(&cfg.evalDir, "eval", "", "score the run saved in this output folder again (its model.ckpt), writing eval.json and samples.png there, instead of training; only -ais-runs, -eval-limit, -samples and -sample-steps may be given with it")
	bindFlags(fs, &cfg.Config)
	return fs
}

// bindFlags defines a flag for every field of cfg, its value the default.
func bindFlags(fs *flag.FlagSet, cfg *rbmrun.Config) {
	fs.StringVar(&cfg.Data, "data", cfg.Data, "folder of the MNIST IDX files; empty finds them in the Go module cache")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "output folder; empty makes runs/ebm-<estimator><k>-h<hidden>-seed<seed>-<n>")
	fs.IntVar(&cfg.Hidden, "hidden", cfg.Hidden, "number of hidden units")
	fs.TextVar(&cfg.Estimator, "estimator", cfg.Estimator, "cd (chains start at the data) or pcd (persistent chains)")
	fs.IntVar(&cfg.K, "k", cfg.K, "Gibbs steps per update (CD-k, PCD-k)")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "passes over the training images")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "images per update, and PCD's number of chains")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "learning rate on the per-image mean gradient")
	fs.Float64Var(&cfg.Momentum, "momentum", cfg.Momentum, "momentum in [0, 1); 0 for plain SGD")
	fs.Float64Var(&cfg.WeightDecay, "weight-decay", cfg.WeightDecay, "L2 penalty on the weights")
	fs.Float64Var(&cfg.MaxWeight, "max-weight", cfg.MaxWeight, "stop as diverged when some |W_ij| exceeds this")
	fs.TextVar(&cfg.Binarize, "binarize", cfg.Binarize, "static (one fixed draw per pixel) or dynamic (a fresh draw every epoch)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seeds the weights, data order, binarisation, chains and AIS")
	fs.IntVar(&cfg.Limit, "limit", cfg.Limit, "train on the first n images only; 0 for all 60,000")
	fs.IntVar(&cfg.EvalLimit, "eval-limit", cfg.EvalLimit, "score the first n test images only; 0 for all 10,000")
	fs.IntVar(&cfg.Monitor, "monitor", cfg.Monitor, "training images scored after every epoch")
	fs.IntVar(&cfg.MonitorAISThin, "monitor-ais-thin", cfg.MonitorAISThin, "per-epoch AIS keeps every n-th temperature of the full schedule (large models only)")
	fs.IntVar(&cfg.MonitorAISRuns, "monitor-ais-runs", cfg.MonitorAISRuns, "runs of the per-epoch AIS (large models only)")
	fs.BoolVar(&cfg.PLL, "pll", cfg.PLL, "add the exact pseudo-log-likelihood to the per-epoch metrics")
	fs.IntVar(&cfg.AISRuns, "ais-runs", cfg.AISRuns, "runs of the final AIS with the full 14,500-step schedule; 0 skips it")
	fs.IntVar(&cfg.Samples, "samples", cfg.Samples, "chains drawn into samples.png")
	fs.IntVar(&cfg.SampleSteps, "sample-steps", cfg.SampleSteps, "Gibbs steps of those chains")
}

// parseFlags maps the command line onto a command and validates it.
func parseFlags(args []string) (command, error) {
	cfg := command{Config: rbmrun.DefaultConfig()}
	fs := newFlagSet(&cfg)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, usageError{err}
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q: every setting is a flag", fs.Args())
	}
	if cfg.evalDir == "" {
		return cfg, cfg.Validate()
	}
	saved, err := rbmrun.LoadConfig(cfg.evalDir)
	if err != nil {
		return cfg, err
	}
	var bad []string
	fs.Visit(func(f *flag.Flag) {
		if !evalFlags[f.Name] {
			bad = append(bad, "-"+f.Name)
		}
	})
	if len(bad) > 0 {
		return cfg, fmt.Errorf("%v cannot be given with -eval: the saved run's config.json fixes them", bad)
	}
	// The command line holds evaluation flags only: parsed again onto the
	// saved config, they override just those settings.
	cfg.Config = saved
	if err := newFlagSet(&cfg).Parse(args); err != nil {
		return cfg, usageError{err}
	}
	return cfg, cfg.Validate()
}
