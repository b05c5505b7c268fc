package vae

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/nlpodyssey/safetensors"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/optim"
)

// checkpointKey is the metadata key of a checkpoint's header in its
// safetensors payload.
const checkpointKey = "govae.checkpoint"

// checkpointHeader is what a checkpoint holds besides tensors, as JSON in
// the payload's metadata. The tensors are "param/NAME" for each parameter
// and "adam.m/NAME" and "adam.v/NAME" for the optimiser's moments, all F64.
type checkpointHeader struct {
	Epoch  int             `json:"epoch"`
	Steps  int             `json:"steps"`
	Config json.RawMessage `json:"config"` // the Config's own JSON; its Adam field is not in it
	Adam   adamHeader      `json:"adam"`
	Params []string        `json:"params"` // in creation order
	Noise  []byte          `json:"noise"`  // the generators' states, base64
	Data   []byte          `json:"data"`
	Meta   []byte          `json:"meta"`
	// Standardization is absent when the data were not standardised.
	Standardization *datasets.Standardization `json:"standardization,omitempty"`
}

// adamHeader is the optimiser's configuration and state less its moments.
type adamHeader struct {
	Beta1   float64       `json:"beta1"`
	Beta2   float64       `json:"beta2"`
	Epsilon float64       `json:"epsilon"`
	Steps   int           `json:"steps"`
	Params  []adamParam   `json:"params"` // one per parameter, in the order given to Step
	Config  optimSettings `json:"config"` // the Adam configuration of the run, less the schedule
}

// adamParam names one parameter's moments.
type adamParam struct {
	Name  string `json:"name"`
	Dtype string `json:"dtype"`
}

// optimSettings are the fields of optim.Config a checkpoint keeps.
type optimSettings struct {
	Beta1   float64 `json:"beta1"`
	Beta2   float64 `json:"beta2"`
	Epsilon float64 `json:"epsilon"`
}

// encode writes c as a safetensors file.
func (c *Checkpoint) encode(w io.Writer) error {
	cfg, err := json.Marshal(c.Config)
	if err != nil {
		return err
	}
	h := checkpointHeader{Epoch: c.Epoch, Steps: c.Steps, Config: cfg, Params: c.Params.Names,
		Noise: c.Noise, Data: c.Data, Meta: c.Meta, Standardization: c.Standardization,
		Adam: adamHeader{Beta1: c.Adam.Beta1, Beta2: c.Adam.Beta2, Epsilon: c.Adam.Epsilon, Steps: c.Adam.Steps,
			Config: optimSettings{Beta1: c.Config.Adam.Beta1, Beta2: c.Config.Adam.Beta2, Epsilon: c.Config.Adam.Epsilon}}}
	if len(c.Params.Names) != len(c.Params.Values) || len(c.Params.Names) != len(c.Params.Shapes) {
		return fmt.Errorf("a snapshot of %d names, %d shapes and %d values", len(c.Params.Names), len(c.Params.Shapes), len(c.Params.Values))
	}
	tensors := map[string]safetensors.TensorView{}
	add := func(name string, shape []int, vals []float64) error {
		if _, dup := tensors[name]; dup {
			return fmt.Errorf("two tensors called %q", name)
		}
		tv, err := tensorOf(safetensors.F64, shape, vals)
		tensors[name] = tv
		return err
	}
	for i, name := range c.Params.Names {
		if err := add("param/"+name, c.Params.Shapes[i], c.Params.Values[i]); err != nil {
			return err
		}
	}
	for _, p := range c.Adam.Params {
		h.Adam.Params = append(h.Adam.Params, adamParam{Name: p.Name, Dtype: p.Dtype})
		if err := add("adam.m/"+p.Name, p.Shape, p.M); err != nil {
			return err
		}
		if err := add("adam.v/"+p.Name, p.Shape, p.V); err != nil {
			return err
		}
	}
	meta, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return safetensors.SerializeToWriter(tensors, map[string]string{checkpointKey: string(meta)}, w)
}

// decodeCheckpoint reads a checkpoint's safetensors payload. Every size in
// it is checked against the payload's own length before anything is
// allocated for it.
func decodeCheckpoint(payload []byte) (*Checkpoint, error) {
	st, metadata, err := openSafetensors(payload)
	if err != nil {
		return nil, err
	}
	meta, ok := metadata[checkpointKey]
	if !ok {
		return nil, fmt.Errorf("no %q metadata: not a govae checkpoint", checkpointKey)
	}
	var h checkpointHeader
	dec := json.NewDecoder(bytes.NewReader([]byte(meta)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	c := &Checkpoint{Epoch: h.Epoch, Steps: h.Steps, Noise: h.Noise, Data: h.Data, Meta: h.Meta, Standardization: h.Standardization}
	if st := h.Standardization; st != nil {
		if err := st.Validate(); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(h.Config, &c.Config); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.Config.Adam = optim.Config{Beta1: h.Adam.Config.Beta1, Beta2: h.Adam.Config.Beta2, Epsilon: h.Adam.Config.Epsilon}
	if want := len(h.Params) + 2*len(h.Adam.Params); st.Len() != want {
		return nil, fmt.Errorf("%d tensors for %d parameters and %d moments", st.Len(), len(h.Params), 2*len(h.Adam.Params))
	}
	for _, name := range h.Params {
		vals, shape, err := readTensor(st, "param/"+name)
		if err != nil {
			return nil, err
		}
		c.Params.Names = append(c.Params.Names, name)
		c.Params.Shapes = append(c.Params.Shapes, shape)
		c.Params.Values = append(c.Params.Values, vals)
	}
	c.Adam = optim.State{Steps: h.Adam.Steps, Beta1: h.Adam.Beta1, Beta2: h.Adam.Beta2, Epsilon: h.Adam.Epsilon}
	for _, p := range h.Adam.Params {
		m, shape, err := readTensor(st, "adam.m/"+p.Name)
		if err != nil {
			return nil, err
		}
		v, vshape, err := readTensor(st, "adam.v/"+p.Name)
		if err != nil {
			return nil, err
		}
		if fmt.Sprint(shape) != fmt.Sprint(vshape) {
			return nil, fmt.Errorf("the moments of %q have shapes %v and %v", p.Name, shape, vshape)
		}
		c.Adam.Params = append(c.Adam.Params, optim.ParamState{Name: p.Name, Dtype: p.Dtype, Shape: shape, M: m, V: v})
	}
	return c, nil
}
