package ebm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// testCheckpoint returns a checkpoint with every part present: a 7-3 RBM,
// velocities, PCD chains, a random-source state and meta.
func testCheckpoint() Checkpoint {
	rng := rand.New(rand.NewPCG(6, 0))
	r := randomRBM(7, 3, 1, 1, rng)
	cfg := RBMTrainConfig{Epochs: 2, BatchSize: 4, Estimator: PCD, GibbsSteps: 25, LearningRate: 0.01, Momentum: 0.9, InitialMomentum: 0.5, MomentumEpochs: 5, AnnealEvery: 10}
	v := randomRBM(7, 3, 0.1, 0.1, rng)
	chains := mat.NewDense(4, 7, nil)
	for i := range chains.RawMatrix().Data {
		chains.RawMatrix().Data[i] = float64(rng.IntN(2))
	}
	src, _ := rand.NewPCG(1, 2).MarshalBinary()
	return Checkpoint{RBM: r, Config: cfg, Metrics: EpochMetrics{Epoch: 2, LogLik: -90.5, LogZ: 3, LogZLower: math.Inf(-1), LogZUpper: 4},
		State: TrainerState{Epoch: 2, Velocity: RBMGrad{W: v.W, B: v.B, C: v.C}, Chains: chains}, RNG: src, Meta: []byte(`{"a":1}`)}
}

func TestCheckpointRoundTrip(t *testing.T) {
	want := testCheckpoint()
	var buf bytes.Buffer
	if err := WriteCheckpoint(&buf, want); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCheckpoint(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(c.RBM.W, want.RBM.W) || !floats.Equal(c.RBM.B, want.RBM.B) || !floats.Equal(c.RBM.C, want.RBM.C) || c.Config != want.Config {
		t.Errorf("round trip changed the RBM or config: %+v", c)
	}
	if c.Metrics != want.Metrics {
		t.Errorf("metrics %+v, want %+v", c.Metrics, want.Metrics)
	}
	s, ws := c.State, want.State
	if s.Epoch != 2 || !mat.Equal(s.Velocity.W, ws.Velocity.W) || !floats.Equal(s.Velocity.C, ws.Velocity.C) || !mat.Equal(s.Chains, ws.Chains) ||
		!bytes.Equal(c.RNG, want.RNG) || string(c.Meta) != `{"a":1}` {
		t.Errorf("round trip changed the trainer state: %+v", c)
	}
	// Without velocity and chains (a CD run before its first epoch).
	bare := Checkpoint{RBM: want.RBM, Config: want.Config}
	bare.Config.Estimator = CD
	buf.Reset()
	if err := WriteCheckpoint(&buf, bare); err != nil {
		t.Fatal(err)
	}
	if c, err := ReadCheckpoint(&buf); err != nil || c.State.Velocity.W != nil || c.State.Chains != nil {
		t.Errorf("bare checkpoint: %+v, %v", c.State, err)
	}
}

// Damaged and crafted files fail with a *CheckpointError that says what
// is wrong, whether the checksum catches them or (for a file crafted with a
// valid checksum) the checks of the payload do.
func TestCheckpointRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCheckpoint(&buf, testCheckpoint()); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	payload := good[len(checkpointMagic)+1+sha256.Size:]
	n := binary.LittleEndian.Uint32(payload)
	header := string(payload[4 : 4+n])
	tensors := payload[4+n:]
	craft := func(header string, tensors []byte) []byte {
		p := binary.LittleEndian.AppendUint32(nil, uint32(len(header)))
		p = append(append(p, header...), tensors...)
		return sealPayload(p)
	}
	flip := bytes.Clone(good)
	flip[len(flip)-3] ^= 1
	version := bytes.Clone(good)
	version[len(checkpointMagic)] = 1
	for name, c := range map[string]struct {
		file []byte
		want string
	}{
		"garbage":      {[]byte("not a checkpoint"), "not an RBM checkpoint"},
		"truncated":    {good[:len(good)-8], "checksum mismatch"},
		"flipped bit":  {flip, "checksum mismatch"},
		"old version":  {version, "format version 1"},
		"no header":    {sealPayload([]byte{1, 2}), "no header length"},
		"huge header":  {sealPayload([]byte{0xff, 0xff, 0xff, 0x7f, '{', '}'}), "header of"},
		"bad json":     {craft("{", tensors), "cannot decode the header"},
		"unknown key":  {craft(strings.Replace(header, `"velocity"`, `"velocity_"`, 1), tensors), "cannot decode the header"},
		"huge sizes":   {craft(strings.Replace(header, `"visible":7`, `"visible":16000000`, 1), tensors), "bytes of tensors"},
		"too many":     {craft(strings.Replace(header, `"hidden":3`, `"hidden":300000000`, 1), tensors), "hidden units"},
		"zero units":   {craft(strings.Replace(header, `"visible":7`, `"visible":0`, 1), tensors), "0 visible and 3 hidden"},
		"short data":   {craft(header, tensors[:len(tensors)-8]), "bytes of tensors"},
		"bad config":   {craft(strings.Replace(header, `"GibbsSteps":25`, `"GibbsSteps":0`, 1), tensors), "invalid training configuration"},
		"chain values": {craft(header, append(bytes.Clone(tensors[:len(tensors)-8]), binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.5))...)), "not 0 or 1"},
	} {
		_, err := ReadCheckpoint(bytes.NewReader(c.file))
		var ce *CheckpointError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a *CheckpointError saying %q", name, err, c.want)
		}
	}
	if _, err := LoadCheckpoint(filepath.Join(t.TempDir(), "none.ckpt")); err == nil || !strings.Contains(err.Error(), "none.ckpt: no such file") {
		t.Errorf("missing file: %v", err)
	}
}

// sealPayload returns a checkpoint file around payload, with a valid
// checksum: what a stranger crafting a file would write.
func sealPayload(payload []byte) []byte {
	sum := sha256.Sum256(payload)
	f := append([]byte(checkpointMagic), checkpointVersion)
	return append(append(f, sum[:]...), payload...)
}

// FuzzReadCheckpoint feeds ReadCheckpoint payloads behind a valid checksum,
// so that the fuzzer reaches the decoding: it must return a checkpoint
// whose sizes agree, or a *CheckpointError, without panicking, and without
// allocating more than a small multiple of the input.
//
//	go test -run '^$' -fuzz FuzzReadCheckpoint -fuzztime 60s ./ebm/
func FuzzReadCheckpoint(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteCheckpoint(&buf, testCheckpoint()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes()[len(checkpointMagic)+1+sha256.Size:])
	f.Add([]byte{})
	f.Add([]byte{2, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := ReadCheckpoint(bytes.NewReader(sealPayload(payload)))
		if err != nil {
			var ce *CheckpointError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CheckpointError", err)
			}
			return
		}
		nv, nh := c.RBM.Dims()
		if len(c.RBM.B) != nv || len(c.RBM.C) != nh || 8*(nv*nh) > len(payload) {
			t.Fatalf("a %d×%d RBM with %d and %d biases from %d bytes", nv, nh, len(c.RBM.B), len(c.RBM.C), len(payload))
		}
		if err := c.Config.Validate(); err != nil {
			t.Fatalf("invalid config accepted: %v", err)
		}
	})
}

func TestImages(t *testing.T) {
	v := mat.NewDense(3, 4, []float64{
		0, 1, 0, 1,
		1, 1, 1, 1,
		0, 0, 0, 0.5,
	})
	img := SampleImage(v, 2, 2, 2)
	if b := img.Bounds(); b.Dx() != 2*3+1 || b.Dy() != 2*3+1 {
		t.Fatalf("grid of 3 tiles in 2 columns: bounds %v", b)
	}
	// Tile 0 at (1,1): row 0 = 0, 1; tile 2 at (1,4): last pixel 0.5.
	for _, c := range []struct{ x, y, want int }{{1, 1, 0}, {2, 1, 255}, {4, 1, 255}, {2, 5, 128}, {0, 0, 128}} {
		if g := img.GrayAt(c.x, c.y).Y; int(g) != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, g, c.want)
		}
	}
	r := &RBM{W: mat.NewDense(4, 1, []float64{-2, 0, 2, 1}), B: make([]float64, 4), C: make([]float64, 1)}
	f := FilterImage(r, 2, 2, 1)
	for _, c := range []struct{ x, y, want int }{{1, 1, 0}, {2, 1, 128}, {1, 2, 255}, {2, 2, 191}} {
		if g := f.GrayAt(c.x, c.y).Y; int(g) != c.want {
			t.Errorf("filter pixel (%d,%d) = %d, want %d", c.x, c.y, g, c.want)
		}
	}
}
