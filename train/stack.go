package train

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govae/govae/vae"
)

// Stack describes the stochastic layers above the first of a hierarchical
// model, bottom up, as the flag -upper takes them: for each layer the
// hidden sizes of its networks, a colon and its number of units, layers
// separated by slashes. Burda et al.'s two-layer model, h1 of 100 units
// (-latent 100, -hidden 200,200) and above it h2 of 50 reached through
// hidden layers of 100 and 100, is
//
//	-latent 100 -hidden 200,200 -upper 100,100:50
//
// and "100,100:50/50:20" would add a third layer of 20 units through one
// hidden layer of 50 (":20", through none). "" is the one-layer model.
// p(h_l−1|h_l) mirrors q(h_l|h_l−1), its hidden sizes reversed, as the
// decoder mirrors the encoder.
type Stack []vae.LayerArch

// MarshalText writes the stack as the flag takes it.
func (s Stack) MarshalText() ([]byte, error) {
	parts := make([]string, len(s))
	for i, l := range s {
		parts[i] = Sizes(l.Hidden).String() + ":" + strconv.Itoa(l.Latent)
	}
	return []byte(strings.Join(parts, "/")), nil
}

// String returns the stack as the flag takes it.
func (s Stack) String() string {
	b, _ := s.MarshalText()
	return string(b)
}

// UnmarshalText parses a stack written as MarshalText writes it.
func (s *Stack) UnmarshalText(text []byte) error {
	var out Stack
	if t := strings.TrimSpace(string(text)); t != "" {
		for _, layer := range strings.Split(t, "/") {
			hidden, units, ok := strings.Cut(layer, ":")
			n, err := strconv.Atoi(strings.TrimSpace(units))
			if !ok || err != nil || n < 1 {
				return fmt.Errorf("train: -upper layer %q: write HIDDEN:UNITS, like 100,100:50 (hidden sizes, a colon, the layer's units), layers separated by /", layer)
			}
			var h Sizes
			if err := h.Set(hidden); err != nil {
				return fmt.Errorf("train: -upper layer %q: %w", layer, err)
			}
			out = append(out, vae.LayerArch{Hidden: h, Latent: n})
		}
	}
	*s = out
	return nil
}

// validate reports a layer of no units or a hidden layer of none.
func (s Stack) validate() error {
	for i, l := range s {
		if l.Latent < 1 {
			return fmt.Errorf("train: -upper %s: layer %d has %d units; each needs at least 1", s, i+2, l.Latent)
		}
		for _, h := range l.Hidden {
			if h < 1 {
				return fmt.Errorf("train: -upper %s: hidden layer sizes must be at least 1", s)
			}
		}
	}
	return nil
}
