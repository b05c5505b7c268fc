package rbmrun

import (
	"fmt"
	"strings"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/ebm"
)

// Preset is a named protocol from the literature: the Config that trains
// and scores it, where it comes from, and the figure its source publishes.
// ebm-train -preset NAME runs it; flags given beside it override its
// values, and results.json records the command.
type Preset struct {
	Name      string
	Source    string     // the publication or code the protocol is taken from
	Doc       string     // what the protocol is, and where govae departs from the source
	Config    Config     // with Preset set to Name
	Published *Published // the source's figure; nil if none
}

// Published is a test log-probability a source reports.
type Published struct {
	TestLogProb float64 `json:"test_log_prob"` // mean test log p(v), nats
	Where       string  `json:"where"`
}

const smSource = "R. Salakhutdinov and I. Murray, On the quantitative analysis of deep belief networks, ICML 2008; training as in Salakhutdinov's rbm.m"

const smDoc = `The CD25(500) RBM of Salakhutdinov & Murray (2008): 784 binary visible and 500 binary hidden units, trained on all 60,000 MNIST training images with the protocol of Salakhutdinov's rbm.m as far as it could be established: batches of 100, every training image binarised afresh each time it is drawn, learning rate 0.05 for W and both biases, momentum 0.5 for the first 5 epochs and 0.9 after, weight decay 0.0002 on W only, W drawn from 0.01·N(0, 1) and both biases 0, and the number of Gibbs steps annealed as T = ceil(epoch/10) (capped at 25, reached at epoch 241) with learning rate 0.05/T; 250 epochs. Scoring: the mean log p(v) of the 10,000 test images, binarised once with a fixed seed, with log Z by AIS from the base-rate model over the paper's 14,500-step schedule, 1,000 runs.

The paper's model was scored with 100 AIS runs; 1,000 narrow the interval. For the PCD row beside it, add -estimator pcd (the same schedule with persistent chains). The images are reshuffled every epoch; Salakhutdinov's makebatches.m cuts one random permutation into fixed batches and visits them in the same order every epoch, which -fixed-batches does.`

// Presets returns the presets, each a fresh value.
func Presets() []Preset {
	sm := DefaultConfig()
	sm.Preset = "sm-cd25"
	sm.Epochs = 250
	sm.AnnealEvery = 10
	sm.Momentum, sm.InitialMomentum, sm.MomentumEpochs = 0.9, 0.5, 5
	sm.Binarize = datasets.Dynamic
	sm.VisibleInit = VisibleZero
	sm.AISRuns = 1000
	sm.Estimator, sm.K = ebm.CD, 25
	return []Preset{{
		Name:      sm.Preset,
		Source:    smSource,
		Doc:       smDoc,
		Config:    sm,
		Published: &Published{TestLogProb: -86.34, Where: "Salakhutdinov & Murray (2008), MNIST results, CD25(500), 100 AIS runs"},
	}}
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, error) {
	var names []string
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Preset{}, fmt.Errorf("rbmrun: no preset %q: use one of %s (-preset list describes them)", name, strings.Join(names, ", "))
}
