package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/elbo"
	"github.com/govae/govae/vae"
)

// Preset is a named, fully specified protocol from the literature: the
// Config that trains and evaluates it, where it comes from, and the
// figures its source publishes. vae-train -preset NAME runs it; any flag
// given beside it overrides its value and is recorded (Config.Overrides).
type Preset struct {
	Name      string
	Source    string // the publication or code the protocol is taken from
	Doc       string // what the protocol is, and where govae's version of it departs from the source
	Config    Config
	Published []Published // the source's figures, one per objective and K it reports
}

// Published is a figure a source reports for one objective and number of
// samples K, to be compared with a run's test log p(x).
type Published struct {
	Objective vae.Objective `json:"objective"`
	K         int           `json:"k"`
	LogPx     float64       `json:"log_px"` // test log p(x) in nats (the negative of the NLL printed)
	Epochs    int           `json:"epochs"` // epochs the source trained for it
	EvalK     int           `json:"eval_k"` // importance samples of the source's log p(x) estimate
	Where     string        `json:"where"`  // where in the source it is printed
}

// burdaSource is the paper the Burda presets follow.
const burdaSource = "Y. Burda, R. Grosse and R. Salakhutdinov, Importance Weighted Autoencoders, ICLR 2016 (arXiv:1509.00519), section 5 and Table 1; code at github.com/yburda/iwae"

// burdaDoc describes the Burda presets and where they depart from the
// paper's code.
const burdaDoc = `One stochastic layer on dynamically binarised MNIST, as in section 5 of the paper: encoder 784-200-200-50 and decoder 50-200-200-784 with tanh, a diagonal Gaussian q(z|x) and a Bernoulli p(x|z) whose output bias starts at the logit of the mean training image (the mean clipped to [0.001, 0.999], as the paper's code does), every training image binarised afresh each time it is drawn, batches of 20, Adam with β1 = 0.9, β2 = 0.999, ε = 1e-4, and the learning rate 1e-3·10^(-i/7) for 3^i epochs, i = 0..7: 3,280 epochs. Evaluation: log p(x) by importance sampling with K = 5,000 samples from q(z|x) on the 10,000 test images, binarised once with a fixed seed, and the active units (latents whose posterior mean varies by more than 0.01 over the test set).

The encoder's second head outputs log σ² where the paper's outputs σ through exp; log σ² = 2·log σ, so both give the same family of Gaussians, only the head's bias and weights are scaled by 2. Where the paper's code (yburda/iwae) departs from its text, these presets follow the text: the code trains on 59,600 images (400 held out) in a fixed order where govae trains on all 60,000 in a fresh shuffle each epoch; its Adam uses β1 = 0.99, second moments that start at 1 and ε added to the root of the undebiased second moment, with the gradient summed over the batch (govae averages it, so ε weighs 20 times more: -adam-eps 5e-6 matches the code's scale); its rates are rounded to one decimal (1e-4·round(10^(1-i/7), 1)); it counts active units over 500 training images where govae uses the test set.`

// Presets returns the presets, each a fresh value.
func Presets() []Preset {
	pytorch := DefaultConfig()
	pytorch.Preset = "pytorch-example"
	pytorch.EvalK = 1000

	burda := Config{
		Preset:     "burda-vae",
		Epochs:     3280,
		Batch:      20,
		LR:         1e-3,
		Schedule:   BurdaLR,
		AdamBeta1:  0.9,
		AdamBeta2:  0.999,
		AdamEps:    1e-4,
		Seed:       1,
		Latent:     50,
		Hidden:     Sizes{200, 200},
		Activation: vae.Tanh,
		OutputBias: DataMeanBias,
		Dtype:      "float32",
		Objective:  vae.ELBO,
		K:          1,
		Beta:       1,
		Binarize:   datasets.Dynamic,
		EvalK:      5000,
	}
	iwae := burda
	iwae.Preset, iwae.Objective, iwae.K = "burda-iwae", vae.IWAE, 5
	iwae.Hidden = slices.Clone(burda.Hidden)

	// Burda et al.'s two-layer model: h1 of 100 units through 200-200,
	// h2 of 50 through 100-100; everything else as the one-layer presets.
	burda2 := burda
	burda2.Preset, burda2.Latent = "burda2-vae", 100
	burda2.Hidden = slices.Clone(burda.Hidden)
	burda2.Upper = Stack{{Hidden: []int{100, 100}, Latent: 50}}
	iwae2 := burda2
	iwae2.Preset, iwae2.Objective, iwae2.K = "burda2-iwae", vae.IWAE, 5
	iwae2.Hidden = slices.Clone(burda.Hidden)
	iwae2.Upper = Stack{{Hidden: []int{100, 100}, Latent: 50}}

	table1At := func(layers string) func(vae.Objective, int, float64, string) Published {
		return func(obj vae.Objective, k int, nll float64, where string) Published {
			return Published{Objective: obj, K: k, LogPx: -nll, Epochs: 3280, EvalK: 5000, Where: "Table 1, MNIST, " + layers + ", " + where}
		}
	}
	table1, table1Two := table1At("one stochastic layer"), table1At("two stochastic layers")
	return []Preset{
		{
			Name:   "pytorch-example",
			Source: "github.com/pytorch/examples, vae/main.py",
			Doc:    `The VAE of pytorch/examples: encoder 784-400-20 and decoder 20-400-784 with ReLU, a Bernoulli p(x|z) on the grey levels x/255 (the binary cross-entropy of the example), the ELBO with one sample, Adam with α = 1e-3 (β1 = 0.9, β2 = 0.999, ε = 1e-8), batches of 128, 10 epochs. The example reports only the test loss (the negative ELBO); this preset adds log p(x) by importance sampling with K = 1,000, which on grey levels is the log-density of the same Bernoulli model, not a probability of binary images. govae initialises weights with Glorot and biases with zeros where PyTorch's nn.Linear draws both from U(±1/√fan-in).`,
			Config: pytorch,
		},
		{
			Name:      "burda-vae",
			Source:    burdaSource,
			Doc:       "The VAE of Burda et al.: the ELBO with k samples (-k, 1 by default). " + burdaDoc,
			Config:    burda,
			Published: []Published{table1(vae.ELBO, 1, 86.76, "VAE, k = 1")},
		},
		{
			Name:   "burda-iwae",
			Source: burdaSource,
			Doc:    "The IWAE of Burda et al.: the importance-weighted bound with k samples (-k 1, 5 or 50; 5 by default). " + burdaDoc,
			Config: iwae,
			Published: []Published{
				table1(vae.IWAE, 1, 86.76, "IWAE, k = 1 (the VAE bound)"),
				table1(vae.IWAE, 5, 85.54, "IWAE, k = 5"),
				table1(vae.IWAE, 50, 84.78, "IWAE, k = 50"),
			},
		},
		{
			Name:      "burda2-vae",
			Source:    burdaSource,
			Doc:       "The two-layer VAE of Burda et al.: the ELBO with k samples (-k, 1 by default). " + burda2Doc,
			Config:    burda2,
			Published: []Published{table1Two(vae.ELBO, 1, 85.33, "VAE, k = 1")},
		},
		{
			Name:   "burda2-iwae",
			Source: burdaSource,
			Doc:    "The two-layer IWAE of Burda et al.: the importance-weighted bound with k samples (-k 1, 5 or 50; 5 by default). " + burda2Doc,
			Config: iwae2,
			Published: []Published{
				table1Two(vae.IWAE, 1, 85.33, "IWAE, k = 1 (the VAE bound)"),
				table1Two(vae.IWAE, 5, 83.89, "IWAE, k = 5"),
				table1Two(vae.IWAE, 50, 82.90, "IWAE, k = 50"),
			},
		},
	}
}

// burda2Doc describes the two-layer Burda presets.
const burda2Doc = `Two stochastic layers on dynamically binarised MNIST, as experiments.py --layers 2 in the paper's code: q(h1|x) 784-200-200-100 and q(h2|h1) 100-100-100-50, each with a mean head and a variance head; p(h2) = N(0, I) over 50 units; p(h1|h2) 50-100-100-100, a diagonal Gaussian with the same two heads; p(x|h1) 100-200-200-784, Bernoulli, its output bias starting at the logit of the mean training image; tanh throughout (vae-train -latent 100 -hidden 200,200 -upper 100,100:50). Training and evaluation are those of the one-layer presets: batches of 20, the same Adam, the 3,280-epoch schedule, log p(x) with K = 5,000 importance samples of the whole chain on the fixed binarised test set, and the active units of each layer (a unit of h2 is measured by the mean of q(h2|h1) at a sample of h1, as the paper's code does). The departures from the code listed for the one-layer presets apply here too; every Gaussian head outputs log σ² where the code's outputs σ through exp.`

// PresetNames returns the names of the presets.
func PresetNames() []string {
	var names []string
	for _, p := range Presets() {
		names = append(names, p.Name)
	}
	return names
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, error) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, fmt.Errorf("train: -preset %q: no such preset; the presets are %s (vae-train -preset list describes them)",
		name, strings.Join(PresetNames(), ", "))
}

func knownPreset(name string) bool { return slices.Contains(PresetNames(), name) }

// PublishedFor returns the figure of p's source for the objective and K
// of c, or nil if the source reports none. The ELBO in its two forms is
// one bound. The sources' figures are of the reparameterised gradient:
// a run with another estimator has none.
func (p Preset) PublishedFor(c Config) *Published {
	if c.Estimator != elbo.Reparam {
		return nil
	}
	obj := c.Objective
	if obj == vae.ELBOEntropy {
		obj = vae.ELBO
	}
	for _, f := range p.Published {
		if f.Objective == obj && f.K == c.K {
			return &f
		}
	}
	return nil
}
