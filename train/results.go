package train

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/govae/govae/internal/atomicfile"
)

// Results are the final numbers of a run with what it takes to reproduce
// and judge them: results.json. Everything but Timing is the same, byte
// for byte, when the same Config runs again with the same build on the
// same machine.
type Results struct {
	Preset      string      `json:"preset"`           // the preset run; "" for none
	Source      string      `json:"source,omitempty"` // where the preset's protocol comes from
	Command     string      `json:"command"`          // the vae-train command line that runs the same Config
	Overrides   []Override  `json:"overrides"`        // the fields that differ from the preset's (from DefaultConfig without one)
	Config      Config      `json:"config"`           // every hyper-parameter, the seed and the dtype
	Epochs      EpochCount  `json:"epochs"`           // epochs trained, and of how many
	Environment Environment `json:"environment"`      // the build and the machine
	Test        TestResults `json:"test"`             // the numbers
	Published   *Published  `json:"published"`        // the source's figure for this objective and K; null if it has none
	Timing      Timing      `json:"timing"`           // wall-clock times: the only fields that vary between runs
}

// EpochCount says how much of the protocol a run trained.
type EpochCount struct {
	Run      int    `json:"run"`      // epochs trained
	Protocol int    `json:"protocol"` // epochs of the protocol (Config.Epochs)
	Budget   int    `json:"budget"`   // Config.Budget; 0 when the protocol runs to its end
	Note     string `json:"note"`     // the same in words
}

// TestResults are a run's numbers on the test set, per image, in nats.
type TestResults struct {
	Set         string    `json:"set"`              // "grey" (bytes), "values" (float data), "standardized", or "binarized": the fixed binarised test set
	N           int       `json:"n"`                // test images evaluated
	ELBO        float64   `json:"elbo"`             // the ELBO (2.24), one sample of z per image from a fixed seed
	Loss        float64   `json:"loss"`             // -ELBO
	Recon       float64   `json:"recon"`            // -E_q[log p(x|z)]
	KL          float64   `json:"kl"`               // KL(q(z|x) || p(z))
	ActiveUnits int       `json:"active_units"`     // latents whose posterior mean varies by more than 0.01
	Variances   []float64 `json:"latent_variances"` // variance over the test set of each latent's posterior mean (layer after layer, h1 first)
	// ActiveUnitsByLayer are the active units of each stochastic layer,
	// h1 first, for a hierarchical model (-upper); absent for one layer.
	ActiveUnitsByLayer []int `json:"active_units_by_layer,omitempty"`

	// log p(x) estimated by importance sampling with EvalK samples per
	// image (log-mean-exp of the weights, averaged over the images), and
	// its standard error over the images; null when EvalK is 0.
	EvalK       int      `json:"eval_k"`
	LogPx       *float64 `json:"log_px"`
	LogPxStdErr *float64 `json:"log_px_stderr"`
}

// activeText says how many units are active, of how many: "3 of 20", or
// layer by layer for a hierarchical model, "h1 60 of 100, h2 12 of 50".
func (t TestResults) activeText(c Config) string {
	latents := c.Latents()
	if len(t.ActiveUnitsByLayer) != len(latents) || len(latents) == 1 {
		return fmt.Sprintf("%d of %d", t.ActiveUnits, c.Latent)
	}
	parts := make([]string, len(latents))
	for l, d := range latents {
		parts[l] = fmt.Sprintf("h%d %d of %d", l+1, t.ActiveUnitsByLayer[l], d)
	}
	return strings.Join(parts, ", ")
}

// Timing holds the wall-clock times of a run, in seconds.
type Timing struct {
	Wall            float64   `json:"wall_seconds"`      // this invocation, from the start to results.json
	Epochs          []float64 `json:"epoch_seconds"`     // training time of each epoch (of earlier invocations too, when resumed)
	SecondsPerEpoch float64   `json:"seconds_per_epoch"` // their median
	Train           float64   `json:"train_seconds"`     // their sum
	Eval            float64   `json:"eval_seconds"`      // the evaluation and figures after every epoch, summed
	LogPx           float64   `json:"log_px_seconds"`    // the final log p(x) estimate
	Pieces          int       `json:"pieces"`            // invocations that trained the run: 1, plus one per -resume that trained
}

// epochCount describes the epochs of cfg that a run has trained.
func epochCount(cfg Config, run int) EpochCount {
	c := EpochCount{Run: run, Protocol: cfg.Epochs, Budget: cfg.Budget}
	switch {
	case cfg.Epochs == 0: // -init -epochs 0
		c.Note = fmt.Sprintf("no epochs: the model of -init %s, as it was", cfg.Init)
	case run < cfg.Epochs:
		c.Note = fmt.Sprintf("%s of the protocol's %s epochs (-budget %d)", thousands(run), thousands(cfg.Epochs), cfg.RunEpochs())
	default:
		c.Note = fmt.Sprintf("the whole protocol, %s epochs", thousands(run))
	}
	return c
}

// timing sums the times of history.
func timing(history []Metrics, wall, logPx float64) Timing {
	t := Timing{Wall: wall, LogPx: logPx, Epochs: make([]float64, len(history))}
	for i, m := range history {
		t.Epochs[i] = m.EpochSeconds
		t.Train += m.EpochSeconds
		t.Eval += m.EvalSeconds
		t.Pieces = max(t.Pieces, m.Piece, 1) // metrics written before pieces were counted say 0
	}
	if n := len(t.Epochs); n > 0 {
		s := slices.Clone(t.Epochs)
		slices.Sort(s)
		t.SecondsPerEpoch = (s[(n-1)/2] + s[n/2]) / 2
	}
	return t
}

// Markdown returns the results as a Markdown table of one row, with the
// command, the overrides and the machine below it.
func (r Results) Markdown() string {
	var b strings.Builder
	name := r.Preset
	if name == "" {
		name = "vae-train"
	}
	fmt.Fprintf(&b, "# %s (%s)\n\n", name, r.Config.boundText())
	b.WriteString("| epochs | test ELBO | test log p(x) | active units | published log p(x) | s/epoch |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	logPx := "not estimated"
	if r.Test.LogPx != nil {
		logPx = fmt.Sprintf("%.2f ± %.2f (K = %s, %s %s images)", *r.Test.LogPx, *r.Test.LogPxStdErr,
			thousands(r.Test.EvalK), thousands(r.Test.N), r.Test.Set)
	}
	published := "none"
	if p := r.Published; p != nil {
		published = fmt.Sprintf("%.2f (%s epochs, K = %s)", p.LogPx, thousands(p.Epochs), thousands(p.EvalK))
	}
	fmt.Fprintf(&b, "| %s | %.2f | %s | %s | %s | %.1f |\n\n",
		r.Epochs.Note, r.Test.ELBO, logPx, r.Test.activeText(r.Config), published, r.Timing.SecondsPerEpoch)
	fmt.Fprintf(&b, "Command: `%s`\n\n", r.Command)
	if len(r.Overrides) > 0 {
		parts := make([]string, len(r.Overrides))
		for i, o := range r.Overrides {
			parts[i] = fmt.Sprintf("`-%s %s` (preset: %s)", o.Flag, shellQuote(o.Value), shellQuote(o.Preset))
		}
		fmt.Fprintf(&b, "Overrides: %s.\n\n", strings.Join(parts, ", "))
	}
	if r.Source != "" {
		fmt.Fprintf(&b, "Source: %s.", r.Source)
		if p := r.Published; p != nil {
			fmt.Fprintf(&b, " Published figure: %s.", p.Where)
		}
		b.WriteString("\n\n")
	}
	e := r.Environment
	rev := e.VCSRevision
	if rev == "" {
		rev = "not stamped"
	}
	fmt.Fprintf(&b, "Ran on: %s, %d cores (GOMAXPROCS %d), %s/%s, %s, %s; govae %s, revision %s; seed %d.\n",
		orUnknown(e.CPU), e.Cores, e.GOMAXPROCS, e.OS, e.Arch, e.GoVersion, r.Config.Dtype, orUnknown(e.Version), rev, r.Config.Seed)
	return b.String()
}

// writeTable writes r.Markdown() to path atomically.
func writeTable(path string, r Results) error {
	if err := atomicfile.WriteFile(path, []byte(r.Markdown())); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b bytes.Buffer
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
