// Command estimator-snr measures the signal-to-noise ratio of the IWAE
// gradient estimators (reparam, stl, dreg, score) against the number of
// samples K, on an exact linear-Gaussian model, and plots it.
//
//	estimator-snr -out snr.png
//
// The SNR of a parameter is |mean|/sd of its gradient over -draws seeded
// estimates; the table printed and the plot give its mean over the
// encoder's parameters (q's mean and log-variance) and over the decoder's
// (W and b). The model has 8 observed and 3 latent dimensions, W and b
// drawn from -seed, and 4 observations drawn from it; q is the mean-field
// optimum of the ELBO (the posterior's mean, variances 1/Λ_jj) moved off
// it, each mean by half a standard deviation and each log-variance by
// 0.5, as a trained encoder is off its optimum. The same flags give the
// same numbers.
//
// With -run DIR it measures a model trained by vae-train instead, the
// one whose output folder DIR is (its model.ckpt), on the first -images
// images of the test set it is evaluated on: the SNR of each parameter of
// the inference networks (encoder…) and of the generative ones
// (decoder…), averaged over those whose gradient varies. A model of
// several stochastic layers is measured with reparam only (the other
// estimators need one layer).
//
//	estimator-snr -run runs/burda-iwae-k5-seed1-1 -draws 100 -out snr-burda.png
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/atomicfile"
	"github.com/govae/govae/internal/lingauss"
	"github.com/govae/govae/train"
)

// config is what the command line asks for.
type config struct {
	out    string
	draws  int
	seed   uint64
	ks     []int
	run    string // a vae-train output folder; "" for the linear-Gaussian model
	data   string // with -run: the data (vae-train -data); "" for the run's
	images int
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("estimator-snr: ")
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintf(os.Stderr, "estimator-snr: %v\nRun estimator-snr -h for the flags.\n", err)
		os.Exit(2)
	}
	if err := run(cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("estimator-snr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{}
	fs.StringVar(&cfg.out, "out", "estimator-snr.png", "the PNG plot to write")
	fs.IntVar(&cfg.draws, "draws", 1000, "gradient estimates per estimator and K")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the model, the data and the noise")
	ks := fs.String("k", "1,5,50,500", "the numbers of samples K, comma-separated")
	fs.StringVar(&cfg.run, "run", "", "measure the model trained by vae-train in this output `folder` (its model.ckpt) instead of the linear-Gaussian model")
	fs.StringVar(&cfg.data, "data", "", "with -run: the `source`[,TEST] of the run's data, as vae-train -data takes it (\"\": the run's own -data)")
	fs.IntVar(&cfg.images, "images", 20, "with -run: the number of test images the gradient is taken on")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.draws < 2 {
		return cfg, fmt.Errorf("-draws %d: need at least 2 estimates for a standard deviation", cfg.draws)
	}
	for _, f := range strings.Split(*ks, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return cfg, fmt.Errorf("-k %q: want positive integers separated by commas", *ks)
		}
		cfg.ks = append(cfg.ks, k)
	}
	if cfg.out == "" {
		return cfg, fmt.Errorf("-out is empty: name the PNG file to write")
	}
	if cfg.images < 1 {
		return cfg, fmt.Errorf("-images %d: take the gradient on at least 1 image", cfg.images)
	}
	return cfg, nil
}

var estimators = []elbo.Estimator{elbo.Reparam, elbo.STL, elbo.DReG, elbo.Score}

// run measures, prints the table to w and writes the plot.
func run(cfg config, w io.Writer) error {
	measure := measureLinear
	if cfg.run != "" {
		measure = measureRun
	}
	points, err := measure(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-8s %5s %12s %12s\n", "estimator", "K", "encoder SNR", "decoder SNR")
	for _, p := range points {
		fmt.Fprintf(w, "%-8s %5d %12.4g %12.4g\n", p.Estimator, p.K, p.Encoder, p.Decoder)
	}
	return atomicfile.Write(cfg.out, func(f io.Writer) error { return train.WriteSNRPlot(f, points) })
}

// measureLinear measures the estimators on the linear-Gaussian model.
func measureLinear(cfg config) ([]elbo.SNRPoint, error) {
	m, x := lingauss.Random(rand.New(rand.NewPCG(cfg.seed, 0x5eed)), 8, 3, 4, 0.5)
	mean, logVar, err := m.MeanField(x)
	if err != nil {
		return nil, err
	}
	// An encoder off the optimum, as a trained one is: at the ELBO's
	// optimum the K = 1 encoder gradient has no signal at all.
	n, dz := mean.Dims()
	for b := range n {
		for j := range dz {
			sign := float64(1 - 2*((b+j)%2))
			mean.Set(b, j, mean.At(b, j)+sign*0.5*math.Exp(logVar.At(b, j)/2))
			logVar.Set(b, j, logVar.At(b, j)+0.5)
		}
	}
	return lingauss.MeasureSNR(m, x, mean, logVar, estimators, cfg.ks, cfg.draws, cfg.seed)
}
