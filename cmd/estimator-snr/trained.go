package main

import (
	"fmt"
	"os"

	"github.com/govae/govae/elbo"
	"github.com/govae/govae/internal/progress"
	"github.com/govae/govae/train"
	"github.com/govae/govae/vae"
)

// measureRun measures the estimators of the IWAE gradient on the model of
// the vae-train run in cfg.run, on the first cfg.images images of the
// test set it is evaluated on (vae.MeasureSNR).
func measureRun(cfg config) ([]elbo.SNRPoint, error) {
	saved, err := train.Load(cfg.run)
	if err != nil {
		return nil, err
	}
	m, err := saved.Model()
	if err != nil {
		return nil, err
	}
	set, _, err := saved.TestSet(cfg.data)
	if err != nil {
		return nil, err
	}
	if cfg.images > set.Len() {
		return nil, fmt.Errorf("-images %d: the run is evaluated on %d test images", cfg.images, set.Len())
	}
	set, _ = set.Split(cfg.images)
	// K = 500 on Burda's model takes many minutes: show how far it is.
	p := progress.New(os.Stderr, progress.Tenths)
	defer p.Finish()
	started := false
	return vae.MeasureSNRProgress(m, set, estimators, cfg.ks, cfg.draws, cfg.seed, func(done, total int) {
		if !started {
			p.Start("gradient estimates", total)
			started = true
		}
		p.Update(done)
	})
}
