// Command vae-train trains a variational autoencoder on MNIST, or on data
// of one's own: IDX files (Fashion-MNIST, KMNIST, EMNIST), a folder of PNG
// images, a CSV table or a NumPy array (-data, train.DataHelp).
//
// With no flags it trains the model of pytorch/examples' vae/main.py
// (encoder 784-400-20 and decoder 20-400-784 with ReLU, a Bernoulli decoder
// on the grey levels, Adam with α = 1e-3, batches of 128, 10 epochs, seed 1)
// on the MNIST files that the Go module cache holds, and writes config.json,
// metrics.jsonl, model.ckpt, reconstructions.png, samples.png, loss.png (and
// latent.png and manifold.png for a 2-D latent), results.json and
// results.md to a new folder under runs/, which it prints.
//
// -preset NAME runs a protocol from the literature instead (train.Presets:
// pytorch-example, burda-vae, burda-iwae, and the two-layer burda2-vae and
// burda2-iwae; -preset list describes them);
// flags given beside it override it, and results.json records the
// overrides, the command, the machine and the published figure to compare
// with. -budget N trains the first N epochs of a long protocol. -upper
// describes the stochastic layers above the first of a hierarchical model
// (train.Stack): -latent 100 -hidden 200,200 -upper 100,100:50 is Burda et
// al.'s two-layer model. -estimator chooses the gradient (reparam, stl,
// dreg, score) and -objective miwae, ciwae and piwae the tighter bounds of
// Rainforth et al. (2018), with -m and -ciwae-beta.
//
// Usage:
//
//	vae-train [-preset NAME] [flags]
//	vae-train -preset list
//	vae-train -resume DIR [-epochs N] [-budget N] [-data SOURCE[,TEST]] [-eval-k K]
//	vae-train -export-test FILE [-data DIR]
//	vae-train -eval DIR [-eval-k K] [-eval-limit N] [-data SOURCE[,TEST]] [-test-fraction F]
//	          [-sample N] [-reconstruct] [-encode FILE] [-interpolate I,J] [-export FILE]
//	vae-train -init FILE.safetensors [-epochs 0] [flags]
//
// Run vae-train -h for the flags. Bad usage exits with status 2, other
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

	G "gorgonia.org/gorgonia"

	"github.com/govae/govae/fastblas"
	"github.com/govae/govae/internal/progress"
	"github.com/govae/govae/train"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// bindFlags defines the flags of cfg's fields on fs.
func bindFlags(fs *flag.FlagSet, cfg *train.Config) {
	fs.StringVar(&cfg.Preset, "preset", cfg.Preset, "`name` of a protocol to run (list: describe them); the other flags override its values")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "`source`[,TEST] of the data: a folder of IDX files or PNG images, a .csv or a .npy file (see above; \"\" is MNIST from the Go module cache)")
	fs.Float64Var(&cfg.TestFraction, "test-fraction", cfg.TestFraction, "hold out this `fraction` of the training source as the test set, split with a fixed seed (0: the test set of -data)")
	fs.StringVar(&cfg.Init, "init", cfg.Init, "start from the weights in this safetensors `file` (written by -eval DIR -export FILE, or by bench/pytorch_vae.py --save), whose architecture must be the run's, and from its standardisation; -epochs 0 only scores it")
	fs.TextVar(&cfg.Likelihood, "likelihood", cfg.Likelihood, "p(x|z): bernoulli (values in [0,1]), gaussian (a learned variance per feature) or gaussian:V (every variance fixed at V)")
	fs.BoolVar(&cfg.Standardize, "standardize", cfg.Standardize, "give every feature mean 0 and variance 1 on the training set (kept with the model; needs -likelihood gaussian)")
	fs.StringVar(&cfg.Out, "out", cfg.Out, "output `folder` (\"\" makes runs/vae-<objective>-seed<seed>-<n>, or runs/<preset>-k<K>-seed<seed>-<n>, with -<estimator> after the k or objective unless it is reparam, n the first free number)")
	fs.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "epochs of the protocol (with -resume: the total to reach)")
	fs.IntVar(&cfg.Budget, "budget", cfg.Budget, "train only the first N `epochs` of the protocol, a prefix of its schedule (0: all)")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "examples per optimiser step")
	fs.Float64Var(&cfg.LR, "lr", cfg.LR, "Adam's learning rate (the first one of the burda schedule)")
	fs.TextVar(&cfg.Schedule, "schedule", cfg.Schedule, "learning-rate `schedule`: constant, or burda (-lr·10^(-i/7) for 3^i epochs, i = 0..7)")
	fs.Float64Var(&cfg.AdamBeta1, "adam-beta1", cfg.AdamBeta1, "Adam's decay of the first moment, in [0, 1)")
	fs.Float64Var(&cfg.AdamBeta2, "adam-beta2", cfg.AdamBeta2, "Adam's decay of the second moment, in [0, 1)")
	fs.Float64Var(&cfg.AdamEps, "adam-eps", cfg.AdamEps, "Adam's ε")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the initial weights, data order, binarisation and noise")
	fs.IntVar(&cfg.Latent, "latent", cfg.Latent, "dimension of the latent z, or of h1 with -upper (2 also draws latent.png and manifold.png)")
	fs.Var(&cfg.Hidden, "hidden", "hidden layer `sizes` of the encoder, comma-separated; the decoder mirrors them")
	fs.TextVar(&cfg.Upper, "upper", cfg.Upper, "`layers` above the first of a hierarchical model, bottom up: HIDDEN:UNITS per layer, separated by /; Burda's two layers: -latent 100 -hidden 200,200 -upper 100,100:50")
	fs.TextVar(&cfg.Activation, "activation", cfg.Activation, "`activation`: relu or tanh")
	fs.TextVar(&cfg.OutputBias, "output-bias", cfg.OutputBias, "initial decoder output `bias`: zero, or data-mean (the logit of the mean training image, clipped to [0.001, 0.999])")
	fs.StringVar(&cfg.Dtype, "dtype", cfg.Dtype, "float32 or float64")
	fs.TextVar(&cfg.Objective, "objective", cfg.Objective, "`bound` to maximise: elbo, elbo-entropy, iwae, miwae (the mean of -m IWAE bounds of -k samples), ciwae (-ciwae-beta·ELBO + (1 − -ciwae-beta)·IWAE) or piwae (the encoder on miwae, the decoder on iwae of all -m·-k samples)")
	fs.TextVar(&cfg.Estimator, "estimator", cfg.Estimator, "`gradient` to follow: reparam (the bound's own), stl (sticking the landing: biased for iwae and miwae with -k > 1), dreg (doubly reparameterised) or score (REINFORCE with a baseline); all but reparam need a one-layer model, and ciwae and piwae take reparam only")
	fs.IntVar(&cfg.K, "k", cfg.K, "samples of z per example: L for elbo and elbo-entropy, K for iwae and ciwae, K per group for miwae and piwae")
	fs.IntVar(&cfg.M, "m", cfg.M, "`groups` of -k samples for miwae and piwae (M·K samples per example in all)")
	fs.Float64Var(&cfg.CIWAEBeta, "ciwae-beta", cfg.CIWAEBeta, "ciwae's weight `β` of the ELBO, in [0, 1]")
	fs.Float64Var(&cfg.Beta, "beta", cfg.Beta, "weight of the KL term (1 is the ELBO)")
	fs.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "epochs over which β rises linearly from 0 to -beta (0 for none)")
	fs.TextVar(&cfg.Binarize, "binarize", cfg.Binarize, "`pixels` trained on: none (grey levels), static or dynamic")
	fs.IntVar(&cfg.Limit, "limit", cfg.Limit, "train on the first N training images only (0 for all 60,000)")
	fs.IntVar(&cfg.EvalLimit, "eval-limit", cfg.EvalLimit, "evaluate on the first N test images only (0 for all 10,000)")
	fs.IntVar(&cfg.EvalK, "eval-k", cfg.EvalK, "importance samples per test image for the final log p(x) estimate (0 skips it; 5000 as Burda et al. takes long)")
}

const usage = `Usage:
  vae-train [-preset NAME] [flags]
  vae-train -preset list
  vae-train -resume DIR [-epochs N] [-budget N] [-data SOURCE[,TEST]] [-eval-k K]
  vae-train -export-test FILE [-data DIR]
  vae-train -eval DIR [-eval-k K] [-eval-limit N] [-data SOURCE[,TEST]]
            [-test-fraction F] [-sample N] [-reconstruct] [-encode FILE]
            [-interpolate I,J] [-export FILE]
  vae-train -init FILE.safetensors [-epochs 0] [flags]

Trains a variational autoencoder on MNIST, or on the data of -data, and
writes config.json, metrics.jsonl, model.ckpt, reconstructions.png,
samples.png (these two for images), loss.png (with -latent 2 also latent.png,
and manifold.png for images), results.json and results.md to the output
folder. With no flags it trains the model of pytorch/examples'
vae/main.py.

A hierarchical model has several stochastic layers, x → h1 → … → hL:
-latent and -hidden describe the first (q(h1|x) and p(x|h1)), and -upper
the layers above it, bottom up, each as the hidden sizes of its networks, a
colon and its units, layers separated by /. Burda et al.'s two-layer model
(q(h1|x) 784-200-200-100, q(h2|h1) 100-100-100-50, p mirroring q) is

  vae-train -latent 100 -hidden 200,200 -upper 100,100:50

(the presets burda2-vae and burda2-iwae train it as the paper does).

The gradient of the bound is -estimator's (Roeder et al. 2017; Tucker et
al. 2019): reparam differentiates the bound as it stands; stl drops the
score term ∇ log q(z|x) at fixed z from the encoder's gradient, which is
unbiased for one sample per bound (elbo, or -k 1) but biased for K > 1:
the weights w̃_i depend on z_i, and the expectation of the dropped term is
not zero (on the linear-Gaussian test model with K = 5 its mean encoder
gradient is off by 60 standard errors: go test -run STLBiased -v ./elbo); dreg reweights the encoder's path
gradient by w̃_i², unbiased; score is REINFORCE with, for miwae, the other
groups' bounds as baseline. stl and dreg give a zero encoder gradient when
q(z|x) is the true posterior. The decoder's gradient is the same for all.
The Rainforth et al. (2018) family: -objective miwae -m 8 -k 8 is MIWAE
(8,8), piwae -m 8 -k 8 PIWAE (8,8), ciwae -ciwae-beta 0.05 -k 64 CIWAE.

-preset NAME starts from a protocol of the literature instead; the flags
given beside it override its values (the defaults below are those without a
preset), and results.json records them. -preset list describes the presets.

-resume DIR continues the run in DIR from its model.ckpt with the same
configuration; beside it only -epochs (the total to reach), -budget, -data
and -eval-k may be given.

-export-test FILE writes the fixed binarised test set that runs on binary
data are evaluated on, as an IDX image file (pixels 0 or 255), and exits.

-eval DIR scores the run saved in DIR (its model.ckpt) on its test set
again, writing eval.json there: the test ELBO and, with -eval-k K, log p(x)
estimated with K importance samples. Beside it, -sample N, -reconstruct,
-encode FILE, -interpolate I,J and -export FILE use the trained model
(outputs in the data's own scale, standardisation undone; every file
written atomically); only -data, -test-fraction (to score on a test source
of one's own), -eval-limit and -eval-k may change the run's configuration:

  vae-train -eval runs/vae-elbo-seed1-1 -eval-k 5000
  vae-train -eval runs/vae-elbo-seed1-1 -sample 64 -reconstruct -encode z.csv
  vae-train -eval runs/vae-elbo-seed1-1 -interpolate 0,1 -export model.safetensors

-init FILE starts a run from the weights (and standardisation) of a
safetensors file in the format of -export, written by govae or by
bench/pytorch_vae.py --save; the run's architecture must be the file's.
With -epochs 0 it only scores the model, and leaves a run that -eval DIR
uses and -resume DIR -epochs N fine-tunes:

  vae-train -init model.safetensors -preset burda-vae -epochs 0 -eval-k 1000 -out imported

` + train.DataHelp + `
Examples:
  vae-train -data fashion/ -binarize dynamic       # Fashion-MNIST's IDX files
  vae-train -data faces/ -test-fraction 0.1        # a folder of PNG images
  vae-train -data train.csv,test.csv -likelihood gaussian -standardize
  vae-train -data points.npy -test-fraction 0.2 -likelihood gaussian:0.01

Flags:
`

// run is the command: it parses args, trains, and returns the exit status
// (2 for bad usage, 1 for other errors).
func run(args []string, stdout, stderr io.Writer) int {
	fail := func(status int, err error) int {
		fmt.Fprintf(stderr, "vae-train: %s\n", strings.TrimPrefix(err.Error(), "train: "))
		if status == 2 {
			fmt.Fprintln(stderr, "vae-train: run vae-train -h for usage")
		}
		return status
	}
	// A first pass reads -preset, whose configuration the flags then
	// override in a second pass over the same arguments.
	cfg := train.DefaultConfig()
	fs, resume, export, backend, use := newFlagSet(&cfg, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // the flag package has said what is wrong
	}
	if fs.NArg() > 0 {
		return fail(2, fmt.Errorf("unexpected argument %q: everything is given by flags", fs.Arg(0)))
	}
	if *export != "" {
		if err := onlyFlags(fs, "export-test", "data"); err != nil {
			return fail(2, err)
		}
		if err := train.ExportBinarizedTest(cfg.Data, *export); err != nil {
			return fail(1, err)
		}
		fmt.Fprintf(stdout, "wrote the fixed binarised test set to %s\n", *export)
		return 0
	}
	if cfg.Preset == "list" {
		if err := onlyFlags(fs, "preset"); err != nil {
			return fail(2, err)
		}
		listPresets(stdout)
		return 0
	}
	if cfg.Preset != "" && *resume == "" && use.dir == "" {
		p, err := train.LookupPreset(cfg.Preset)
		if err != nil {
			return fail(2, err)
		}
		cfg = p.Config
		fs, _, _, backend, _ = newFlagSet(&cfg, stderr)
		if err := fs.Parse(args); err != nil {
			return 2
		}
	}
	opts := train.Options{Log: stdout, Progress: progress.New(stderr, progress.Tenths)}
	// Gorgonia's BLAS is global: set it once, before any graph is built.
	useBLAS := func() error {
		impl, desc, err := fastblas.Select(*backend)
		if err != nil {
			return err
		}
		G.Use(impl)
		fmt.Fprintf(stdout, "matrix products: %s\n", desc)
		return nil
	}

	if use.dir != "" || use.given(fs) {
		return evaluate(fs, args, use, stdout, fail, useBLAS)
	}
	if *resume == "" {
		if err := cfg.Validate(); err != nil {
			return fail(2, err)
		}
		if err := useBLAS(); err != nil {
			return fail(1, err)
		}
		if _, err := train.Train(cfg, opts); err != nil {
			return fail(1, err)
		}
		return 0
	}

	saved, err := train.Load(*resume)
	if err != nil {
		return fail(1, err)
	}
	rcfg, err := resumeConfig(fs, args, saved)
	if err != nil {
		return fail(2, err)
	}
	if err := useBLAS(); err != nil {
		return fail(1, err)
	}
	if _, err := saved.Resume(rcfg, opts); err != nil {
		return fail(1, err)
	}
	return 0
}

// newFlagSet returns the flags of vae-train bound to cfg, and those of
// -resume, -export-test, -blas and -eval with its uses.
func newFlagSet(cfg *train.Config, stderr io.Writer) (fs *flag.FlagSet, resume, export *string, backend *fastblas.Backend, use *useFlags) {
	fs = flag.NewFlagSet("vae-train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	bindFlags(fs, cfg)
	resume = fs.String("resume", "", "continue the run in this output `folder` from its model.ckpt")
	use = bindUseFlags(fs)
	export = fs.String("export-test", "", "write the fixed binarised test set to this `file` (IDX) and exit")
	backend = new(fastblas.Backend)
	fs.TextVar(backend, "blas", fastblas.BackendGo, "matrix `products`: go (packed Go GEMM, no cgo), gonum (gonum's pure Go), openblas (the system's libopenblas, loaded at run time) or auto (openblas if it loads, else go); results agree to float tolerance, not bit for bit")
	return fs, resume, export, backend, use
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

// resumeConfig returns the saved run's configuration with the flags given
// beside -resume applied, after checking that those flags change nothing
// but what a resumed run may change.
func resumeConfig(given *flag.FlagSet, args []string, saved *train.Saved) (train.Config, error) {
	cfg, err := overSaved(given, args, saved, "resume", train.ResumeChangeable(), "a resumed run keeps its configuration")
	if err != nil {
		return cfg, err
	}
	if done := saved.Checkpoint.Epoch; cfg.RunEpochs() < done {
		return cfg, fmt.Errorf("-epochs %d -budget %d: the run in %s has trained %d epochs already; give -epochs (and -budget, if set) %d or more",
			cfg.Epochs, cfg.Budget, saved.Dir, done, done)
	}
	return cfg, nil
}
