package vae

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/govae/govae/datasets"
	"github.com/govae/govae/optim"
)

// sealed returns payload as a checkpoint file of the given version, with a
// valid checksum, so that a fuzzer gets past it to the decoder.
func sealed(version byte, payload []byte) []byte {
	sum := sha256.Sum256(payload)
	out := append([]byte(checkpointMagic), version)
	out = append(out, sum[:]...)
	return append(out, payload...)
}

// handCheckpoint returns a checkpoint of two small parameters, with
// optimiser moments, made by hand.
func handCheckpoint() *Checkpoint {
	adam := optim.DefaultConfig()
	adam.Schedule = nil
	return &Checkpoint{
		Epoch: 3, Steps: 30,
		Config: Config{Objective: IWAE, Samples: 5, Beta: 1, Batch: 20, Binarize: datasets.Dynamic, Adam: adam, Seed: 1<<63 + 5},
		Params: Snapshot{Names: []string{"a.W", "a.b"}, Shapes: [][]int{{2, 3}, {3}},
			Values: [][]float64{{1, -2, 3.5, 1e-300, 0, 6}, {0.1, 0.2, 0.3}}},
		Adam: optim.State{Steps: 30, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, Params: []optim.ParamState{
			{Name: "a.W", Dtype: "float32", Shape: []int{2, 3}, M: []float64{1, 2, 3, 4, 5, 6}, V: []float64{6, 5, 4, 3, 2, 1}},
			{Name: "a.b", Dtype: "float32", Shape: []int{3}, M: []float64{7, 8, 9}, V: []float64{9, 8, 7}},
		}},
		Noise: []byte("noise state"), Data: []byte("data state"), Meta: []byte(`{"run":"x"}`),
	}
}

// payloadOf returns the safetensors payload of c.
func payloadOf(t testing.TB, c *Checkpoint) []byte {
	var b bytes.Buffer
	if err := c.encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawSafetensors returns a safetensors file of the given JSON header and
// data, as a stranger could write it.
func rawSafetensors(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := handCheckpoint()
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCheckpoint(&b)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", *c) {
		t.Errorf("read back\n%+v\nwant\n%+v", *got, *c)
	}
}

func TestCraftedCheckpoints(t *testing.T) {
	huge := `{"__metadata__":{"govae.checkpoint":"{\"config\":{},\"params\":[\"w\"]}"},"param/w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`
	wrongCount := `{"__metadata__":{"govae.checkpoint":"{\"config\":{},\"params\":[\"w\",\"w\"]}"},"param/w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}`
	ints := `{"__metadata__":{"govae.checkpoint":"{\"config\":{},\"params\":[\"w\"]}"},"param/w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`
	bigDim := `{"__metadata__":{"govae.checkpoint":"{\"config\":{},\"params\":[\"w\"]}"},"param/w":{"dtype":"F64","shape":[0,4294967296],"data_offsets":[0,0]}}`
	unknown := `{"__metadata__":{"govae.checkpoint":"{\"config\":{},\"params\":[],\"bomb\":1}"}}`
	for name, file := range map[string][]byte{
		"gob version 1":       sealed(1, []byte("anything")),
		"version 3":           sealed(3, nil),
		"not safetensors":     sealed(2, []byte("PK\x03\x04")),
		"header over file":    sealed(2, binary.LittleEndian.AppendUint64(nil, 1<<40)),
		"huge shape":          sealed(2, rawSafetensors(huge, make([]byte, 8))),
		"param counted twice": sealed(2, rawSafetensors(wrongCount, make([]byte, 8))),
		"ints":                sealed(2, rawSafetensors(ints, make([]byte, 8))),
		"dimension too big":   sealed(2, rawSafetensors(bigDim, nil)),
		"unknown field":       sealed(2, rawSafetensors(unknown, nil)),
		"no metadata":         sealed(2, rawSafetensors(`{}`, nil)),
	} {
		_, err := ReadCheckpoint(bytes.NewReader(file))
		var ce *CheckpointError
		if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "vae: checkpoint: ") {
			t.Errorf("%s: got %v, want a *CheckpointError", name, err)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// FuzzReadCheckpoint checks that ReadCheckpoint, on any payload behind a
// valid checksum, never panics, fails only with a *CheckpointError,
// allocates no more than a bounded multiple of the file, and returns only
// checkpoints whose snapshot is consistent and restores into a model of its
// shapes or is refused with an error.
func FuzzReadCheckpoint(f *testing.F) {
	f.Add(payloadOf(f, handCheckpoint()))
	f.Add(payloadOf(f, &Checkpoint{}))
	f.Add(rawSafetensors(`{"__metadata__":{"govae.checkpoint":"{\"config\":{},\"params\":[\"w\"]}"},"param/w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, payload []byte) {
		file := sealed(checkpointVersion, payload)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := ReadCheckpoint(bytes.NewReader(file))
		runtime.ReadMemStats(&after)
		if got, bound := after.TotalAlloc-before.TotalAlloc, uint64(1<<20+64*len(file)); got > bound {
			t.Fatalf("reading a %d-byte checkpoint allocated %d bytes, over %d", len(file), got, bound)
		}
		if err != nil {
			var ce *CheckpointError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *CheckpointError", err)
			}
			return
		}
		s := c.Params
		if len(s.Names) != len(s.Shapes) || len(s.Names) != len(s.Values) {
			t.Fatalf("a snapshot of %d names, %d shapes, %d values", len(s.Names), len(s.Shapes), len(s.Values))
		}
		for i, shape := range s.Shapes {
			n := 1
			for _, d := range shape {
				n *= d
			}
			if n != len(s.Values[i]) {
				t.Fatalf("parameter %q of shape %v holds %d values", s.Names[i], shape, len(s.Values[i]))
			}
		}
		p, err := NewParams(tensor.Float32, 1)
		if err != nil {
			t.Fatal(err)
		}
		_ = p.Restore(s) // an error is fine; a panic is not
	})
}
