package vae

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/dist"
	"github.com/govae/govae/internal/atomicfile"
	"github.com/govae/govae/optim"
)

// checkpointMagic starts every checkpoint file; the version follows it.
// Version 1 held a gob payload, which encoding/gob does not promise to
// decode safely from an adversary; version 2 holds safetensors and JSON.
const (
	checkpointMagic   = "govae checkpoint\n"
	checkpointVersion = 2
)

// Checkpoint is everything a run needs to continue exactly where it
// stopped: parameters, optimiser state, the state of both random streams,
// the epoch, and the caller's own description of the run (Meta: for
// vae-train, its configuration as JSON).
type Checkpoint struct {
	Epoch, Steps int
	Config       Config // the training configuration, less the optimiser's schedule
	Params       Snapshot
	Adam         optim.State
	Noise, Data  []byte // states of the noise and data-order generators
	Meta         []byte
	// Standardization, if not nil, is the map the training data went
	// through (datasets.Standardization), kept with the model so that
	// evaluation and samples use it.
	Standardization *datasets.Standardization
}

// CheckpointError reports a checkpoint that cannot be read or does not fit.
type CheckpointError struct {
	Path   string // "" when read from a reader
	Reason string
}

func (e *CheckpointError) Error() string {
	where := "checkpoint"
	if e.Path != "" {
		where = "checkpoint " + e.Path
	}
	return fmt.Sprintf("vae: %s: %s", where, e.Reason)
}

// Checkpoint captures the trainer's state, with meta stored alongside.
func (t *Trainer) Checkpoint(meta []byte) (*Checkpoint, error) {
	noise, err := t.noise.MarshalBinary()
	if err != nil {
		return nil, err
	}
	data, err := t.dataSrc.MarshalBinary()
	if err != nil {
		return nil, err
	}
	cfg := t.cfg
	cfg.Adam.Schedule = nil
	return &Checkpoint{
		Epoch: t.epoch, Steps: t.steps, Config: cfg,
		Params: t.model.Params.Snapshot(), Adam: t.adam.State(),
		Noise: noise, Data: data, Meta: meta,
	}, nil
}

// Save writes the trainer's checkpoint to path atomically: a crash while
// writing leaves the previous file whole.
func (t *Trainer) Save(path string, meta []byte) error {
	c, err := t.Checkpoint(meta)
	if err != nil {
		return err
	}
	return c.Save(path)
}

// Save writes c to path atomically.
func (c *Checkpoint) Save(path string) error { return atomicfile.Write(path, c.Write) }

// Write encodes c: the magic line, the version, the SHA-256 of the payload,
// then the payload, a safetensors file (see [checkpointHeader]).
func (c *Checkpoint) Write(w io.Writer) error {
	var payload bytes.Buffer
	if err := c.encode(&payload); err != nil {
		return fmt.Errorf("vae: encoding checkpoint: %w", err)
	}
	sum := sha256.Sum256(payload.Bytes())
	bw := bufio.NewWriter(w)
	bw.WriteString(checkpointMagic)
	bw.WriteByte(checkpointVersion)
	bw.Write(sum[:])
	bw.Write(payload.Bytes())
	return bw.Flush()
}

// ReadCheckpoint decodes a checkpoint written by Write, checking its
// version and checksum. Checkpoints may come from strangers: anything that
// is not a checkpoint gives a *CheckpointError, and nothing is allocated
// beyond a small multiple of the file's size.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	all, err := io.ReadAll(r)
	if err != nil {
		return nil, &CheckpointError{Reason: "cannot read: " + err.Error()}
	}
	head := len(checkpointMagic) + 1 + sha256.Size
	if len(all) < head || string(all[:len(checkpointMagic)]) != checkpointMagic {
		return nil, &CheckpointError{Reason: "not a govae checkpoint (no header); give the model.ckpt a run wrote"}
	}
	switch v := all[len(checkpointMagic)]; {
	case v == 1:
		return nil, &CheckpointError{Reason: "format version 1 (gob), which this govae no longer reads: gob cannot be decoded safely from files of unknown origin; train the model again"}
	case v != checkpointVersion:
		return nil, &CheckpointError{Reason: fmt.Sprintf("format version %d, but this govae reads version %d", v, checkpointVersion)}
	}
	payload := all[head:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], all[len(checkpointMagic)+1:head]) {
		return nil, &CheckpointError{Reason: "checksum mismatch: the file is truncated or corrupt; use an earlier checkpoint or train again"}
	}
	c, err := decodeCheckpoint(payload)
	if err != nil {
		return nil, &CheckpointError{Reason: "cannot decode: " + err.Error()}
	}
	return c, nil
}

// LoadCheckpoint reads the checkpoint file at path.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &CheckpointError{Path: path, Reason: "no such file; give the model.ckpt in a run's output folder"}
		}
		return nil, &CheckpointError{Path: path, Reason: err.Error()}
	}
	defer f.Close()
	c, err := ReadCheckpoint(f)
	var ce *CheckpointError
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return c, err
}

// Restore loads c's parameters into the model (enough to evaluate it). A
// model whose networks have not been built yet is built first, on a scratch
// graph, so that its parameters exist.
func (m *Model) Restore(c *Checkpoint) error {
	if err := m.materialize(); err != nil {
		return err
	}
	if err := m.Params.Restore(c.Params); err != nil {
		return &CheckpointError{Reason: err.Error()}
	}
	return nil
}

// Resume makes t continue the run c was taken from: parameters, optimiser,
// random streams and epoch. t must have been made with the same model and
// configuration (the learning-rate schedule is not stored; give the same
// one); nothing changes if c does not fit.
func (t *Trainer) Resume(c *Checkpoint) error {
	cfg := t.cfg
	cfg.Adam.Schedule = nil
	if fmt.Sprint(cfg) != fmt.Sprint(c.Config) {
		return &CheckpointError{Reason: fmt.Sprintf("trained with %s, but this run is configured with %s; resume with the configuration of the checkpoint", configDiff(c.Config, cfg), configDiff(cfg, c.Config))}
	}
	noise, data := dist.NewNoise(0), rand.NewPCG(0, 0)
	if err := noise.UnmarshalBinary(c.Noise); err != nil {
		return &CheckpointError{Reason: err.Error()}
	}
	if err := data.UnmarshalBinary(c.Data); err != nil {
		return &CheckpointError{Reason: "data-order state: " + err.Error()}
	}
	before := t.model.Params.Snapshot()
	if err := t.model.Params.Restore(c.Params); err != nil {
		return &CheckpointError{Reason: err.Error()}
	}
	if err := t.adam.SetState(t.graphs[t.cfg.Batch].params, c.Adam); err != nil {
		if rerr := t.model.Params.Restore(before); rerr != nil {
			return errors.Join(err, rerr)
		}
		return &CheckpointError{Reason: err.Error()}
	}
	// The generators are restored in place: the batcher and the trainer
	// hold these very ones.
	*t.noise = *noise
	*t.dataSrc = *data
	t.epoch, t.steps = c.Epoch, c.Steps
	return nil
}

// configDiff writes the fields of a that differ from b's, by their JSON
// names ("estimator dreg, samples 5"), or the whole of a when they differ
// only in fields JSON leaves out (Adam's).
func configDiff(a, b Config) string {
	fields := func(c Config) map[string]string {
		var m map[string]json.RawMessage
		raw, err := json.Marshal(c)
		if err == nil {
			err = json.Unmarshal(raw, &m)
		}
		out := map[string]string{}
		if err != nil {
			return out
		}
		for k, v := range m {
			out[k] = strings.Trim(string(v), `"`)
		}
		return out
	}
	fa, fb := fields(a), fields(b)
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(fa)) {
		if fa[k] != fb[k] {
			diffs = append(diffs, k+" "+fa[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fb)) {
		if _, ok := fa[k]; !ok {
			diffs = append(diffs, k+" unset")
		}
	}
	if len(diffs) == 0 {
		return fmt.Sprintf("%+v", a)
	}
	return strings.Join(diffs, ", ")
}
