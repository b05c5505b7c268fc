package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Override is a field of a run's Config that differs from its preset's
// (or, without a preset, from DefaultConfig's): a flag given beside
// -preset.
type Override struct {
	Flag   string `json:"flag"`   // the flag, without its dash
	Value  string `json:"value"`  // the run's value, as the flag takes it
	Preset string `json:"preset"` // the preset's value (DefaultConfig's without a preset)
}

// base returns the configuration c starts from: its preset's, or
// DefaultConfig.
func (c Config) base() (Config, error) {
	if c.Preset == "" {
		return DefaultConfig(), nil
	}
	p, err := LookupPreset(c.Preset)
	if err != nil {
		return Config{}, err
	}
	return p.Config, nil
}

// Overrides returns the fields of c that differ from its preset (from
// DefaultConfig without one), in the order of Config's fields, with their
// values as flags take them. It compares the JSON forms, so it needs no
// record of which flags were given: a Config built in Go reports its
// changes too.
func (c Config) Overrides() ([]Override, error) {
	base, err := c.base()
	if err != nil {
		return nil, err
	}
	now, err := flagValues(c)
	if err != nil {
		return nil, err
	}
	was, err := flagValues(base)
	if err != nil {
		return nil, err
	}
	var out []Override
	for _, name := range configFlags() {
		if name != "preset" && now[name] != was[name] {
			out = append(out, Override{Flag: name, Value: now[name], Preset: was[name]})
		}
	}
	return out, nil
}

// Command returns the vae-train command line that runs c again (in a new
// folder under runs/): -preset and the overrides.
func (c Config) Command() (string, error) {
	over, err := c.Overrides()
	if err != nil {
		return "", err
	}
	return c.command(over), nil
}

// command returns the vae-train command line of c given its overrides.
func (c Config) command(over []Override) string {
	parts := []string{"go run ./cmd/vae-train"}
	if c.Preset != "" {
		parts = append(parts, "-preset "+c.Preset)
	}
	bools := boolFlags()
	for _, o := range over {
		if bools[o.Flag] {
			// A bool flag takes no separate value: -standardize=false.
			parts = append(parts, "-"+o.Flag+"="+o.Value)
			continue
		}
		parts = append(parts, "-"+o.Flag+" "+shellQuote(o.Value))
	}
	return strings.Join(parts, " ")
}

// boolFlags returns the flag names of Config's bool fields.
func boolFlags() map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if t.Field(i).Type.Kind() == reflect.Bool {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			out[strings.ReplaceAll(name, "_", "-")] = true
		}
	}
	return out
}

// configFlags returns the flag names of Config's fields, in field order:
// their JSON names with - for _.
func configFlags() []string {
	var names []string
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "-" && name != "" {
			names = append(names, strings.ReplaceAll(name, "_", "-"))
		}
	}
	return names
}

// flagValues returns the fields of c by flag name, each written as its
// flag takes it: strings bare, lists comma-separated, numbers as JSON
// writes them. A field left out of the JSON (omitempty) is "".
func flagValues(c Config) (map[string]string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("train: encoding the configuration: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		var list []json.RawMessage
		switch {
		case json.Unmarshal(v, &s) == nil:
		case json.Unmarshal(v, &list) == nil:
			parts := make([]string, len(list))
			for i, e := range list {
				parts[i] = string(e)
			}
			s = strings.Join(parts, ",")
		default:
			s = string(bytes.TrimSpace(v))
		}
		out[strings.ReplaceAll(k, "_", "-")] = s
	}
	return out, nil
}

// shellQuote quotes s for a POSIX shell if it holds anything but
// letters, digits and -+.,_/:=.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+.,_/:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
