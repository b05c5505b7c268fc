package ebm

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"gonum.org/v1/gonum/mat"
)

// The checkpoint file: the magic line, a version byte, the SHA-256 of the
// payload, then the payload: a 4-byte little-endian length, that many
// bytes of JSON header (checkpointHeader), and the tensors as little-endian
// float64 in the order and sizes the header gives. Nothing is decoded with
// encoding/gob, which "is not designed to be hardened against adversarial
// inputs": every size is checked against the bytes actually present before
// anything is allocated, and a file larger than MaxCheckpointBytes is not
// read at all.
const (
	checkpointMagic   = "govae rbm checkpoint\n"
	checkpointVersion = 2
	// MaxCheckpointBytes bounds the size of a checkpoint file ReadCheckpoint
	// reads: 1 GiB, room for an RBM of 60 million weights with their
	// velocities.
	MaxCheckpointBytes = 1 << 30
	maxHeaderBytes     = 1 << 20
)

// Checkpoint is a trained RBM with the configuration that trained it, the
// metrics of its last epoch, and what a trainer needs to continue: its
// state, the state of the caller's random source, and the caller's own
// description of the run (Meta; rbmrun stores its Config there).
type Checkpoint struct {
	// RBM is the model.
	RBM *RBM
	// Config is the training configuration.
	Config RBMTrainConfig
	// Metrics are those of the last epoch trained.
	Metrics EpochMetrics
	// State is the trainer's state (see RBMTrainer.State); its velocity
	// and chains may be nil.
	State TrainerState
	// RNG is the state of the random source training drew from, in its
	// own MarshalBinary form; nil if none was saved.
	RNG []byte
	// Meta is the caller's, stored as is.
	Meta []byte
}

// checkpointHeader is the JSON header of a checkpoint file.
type checkpointHeader struct {
	Visible  int            `json:"visible"`
	Hidden   int            `json:"hidden"`
	Config   RBMTrainConfig `json:"config"`
	Metrics  EpochMetrics   `json:"metrics"`
	Epoch    int            `json:"epoch"`
	Velocity bool           `json:"velocity"` // the velocities of W, b and c follow the parameters
	Chains   int            `json:"chains"`   // rows of PCD chains after them (0 for none)
	RNG      []byte         `json:"rng,omitempty"`
	Meta     []byte         `json:"meta,omitempty"`
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
	return fmt.Sprintf("ebm: %s: %s", where, e.Reason)
}

// WriteCheckpoint writes c to w in the format ReadCheckpoint reads.
func WriteCheckpoint(w io.Writer, c Checkpoint) error {
	if c.RBM == nil || c.RBM.W == nil {
		return fmt.Errorf("ebm: WriteCheckpoint: the checkpoint holds no RBM")
	}
	nv, nh := c.RBM.Dims()
	h := checkpointHeader{Visible: nv, Hidden: nh, Config: c.Config, Metrics: c.Metrics, Epoch: c.State.Epoch,
		Velocity: c.State.Velocity.W != nil, RNG: c.RNG, Meta: c.Meta}
	if c.State.Chains != nil {
		h.Chains, _ = c.State.Chains.Dims()
	}
	head, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("ebm: encoding the checkpoint header: %w", err)
	}
	var payload bytes.Buffer
	binary.Write(&payload, binary.LittleEndian, uint32(len(head)))
	payload.Write(head)
	tensors := [][]float64{denseData(c.RBM.W), c.RBM.B, c.RBM.C}
	if h.Velocity {
		v := c.State.Velocity
		tensors = append(tensors, denseData(v.W), v.B, v.C)
	}
	if h.Chains > 0 {
		tensors = append(tensors, denseData(c.State.Chains))
	}
	for _, t := range tensors {
		binary.Write(&payload, binary.LittleEndian, t)
	}
	sum := sha256.Sum256(payload.Bytes())
	bw := bufio.NewWriter(w)
	bw.WriteString(checkpointMagic)
	bw.WriteByte(checkpointVersion)
	bw.Write(sum[:])
	bw.Write(payload.Bytes())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("ebm: writing checkpoint: %w", err)
	}
	return nil
}

// denseData returns m's elements, row after row.
func denseData(m *mat.Dense) []float64 {
	r, c := m.Dims()
	raw := m.RawMatrix()
	if raw.Stride == c {
		return raw.Data[:r*c]
	}
	return mat.DenseCopyOf(m).RawMatrix().Data
}

// ReadCheckpoint reads a checkpoint written by WriteCheckpoint, checking
// its version, its checksum, that its sizes agree with each other and with
// the bytes present, and that its configuration is valid. Every failure is
// a *CheckpointError.
func ReadCheckpoint(r io.Reader) (Checkpoint, error) {
	all, err := io.ReadAll(io.LimitReader(r, MaxCheckpointBytes+1))
	if err != nil {
		return Checkpoint{}, &CheckpointError{Reason: "cannot read: " + err.Error()}
	}
	if len(all) > MaxCheckpointBytes {
		return Checkpoint{}, &CheckpointError{Reason: fmt.Sprintf("larger than %d bytes: not a checkpoint ebm-train wrote", MaxCheckpointBytes)}
	}
	head := len(checkpointMagic) + 1 + sha256.Size
	if len(all) < head || string(all[:len(checkpointMagic)]) != checkpointMagic {
		return Checkpoint{}, &CheckpointError{Reason: "not an RBM checkpoint (no header); give the model.ckpt an ebm-train run wrote"}
	}
	if v := all[len(checkpointMagic)]; v != checkpointVersion {
		return Checkpoint{}, &CheckpointError{Reason: fmt.Sprintf("format version %d, but this govae reads version %d; train again with this version", v, checkpointVersion)}
	}
	payload := all[head:]
	if sum := sha256.Sum256(payload); !bytes.Equal(sum[:], all[len(checkpointMagic)+1:head]) {
		return Checkpoint{}, &CheckpointError{Reason: "checksum mismatch: the file is truncated or corrupt; use an earlier checkpoint or train again"}
	}
	return decodePayload(payload)
}

// decodePayload decodes the payload of a checkpoint whose checksum has
// been checked.
func decodePayload(p []byte) (Checkpoint, error) {
	bad := func(format string, args ...any) (Checkpoint, error) {
		return Checkpoint{}, &CheckpointError{Reason: fmt.Sprintf(format, args...)}
	}
	if len(p) < 4 {
		return bad("payload of %d bytes has no header length", len(p))
	}
	n := uint64(binary.LittleEndian.Uint32(p))
	if n > maxHeaderBytes || n > uint64(len(p)-4) {
		return bad("header of %d bytes in a payload of %d (at most %d)", n, len(p), maxHeaderBytes)
	}
	var h checkpointHeader
	dec := json.NewDecoder(bytes.NewReader(p[4 : 4+n]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return bad("cannot decode the header: %v", err)
	}
	if err := h.Config.Validate(); err != nil {
		return bad("invalid training configuration: %v", err)
	}
	const maxUnits = 1 << 24
	switch {
	case h.Visible < 1 || h.Visible > maxUnits || h.Hidden < 1 || h.Hidden > maxUnits:
		return bad("%d visible and %d hidden units", h.Visible, h.Hidden)
	case h.Chains != 0 && h.Chains != h.Config.BatchSize:
		return bad("%d PCD chains for batches of %d", h.Chains, h.Config.BatchSize)
	case h.Epoch < 0:
		return bad("epoch %d", h.Epoch)
	}
	// Sizes in values; with both counts below 2^24 and BatchSize checked
	// against the data, nothing overflows an int64.
	nv, nh := uint64(h.Visible), uint64(h.Hidden)
	want := nv*nh + nv + nh
	if h.Velocity {
		want *= 2
	}
	want += uint64(h.Chains) * nv
	data := p[4+n:]
	if uint64(len(data)) != 8*want {
		return bad("%d bytes of tensors, want %d for a %d×%d RBM (velocity %v, %d chains)", len(data), 8*want, nv, nh, h.Velocity, h.Chains)
	}
	next := func(count uint64) []float64 {
		x := make([]float64, count)
		for i := range x {
			x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		data = data[8*count:]
		return x
	}
	c := Checkpoint{Config: h.Config, Metrics: h.Metrics, RNG: h.RNG, Meta: h.Meta}
	c.RBM = &RBM{W: mat.NewDense(h.Visible, h.Hidden, next(nv*nh)), B: next(nv), C: next(nh)}
	c.State.Epoch = h.Epoch
	if h.Velocity {
		c.State.Velocity = RBMGrad{W: mat.NewDense(h.Visible, h.Hidden, next(nv*nh)), B: next(nv), C: next(nh)}
	}
	if h.Chains > 0 {
		chains := next(uint64(h.Chains) * nv)
		for i, x := range chains {
			if x != 0 && x != 1 {
				return bad("chain state %d is %v, not 0 or 1", i, x)
			}
		}
		c.State.Chains = mat.NewDense(h.Chains, h.Visible, chains)
	}
	return c, nil
}

// LoadCheckpoint reads the checkpoint file at path.
func LoadCheckpoint(path string) (Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Checkpoint{}, &CheckpointError{Path: path, Reason: "no such file; give the model.ckpt in a run's output folder"}
		}
		return Checkpoint{}, &CheckpointError{Path: path, Reason: err.Error()}
	}
	defer f.Close()
	c, err := ReadCheckpoint(f)
	var ce *CheckpointError
	if errors.As(err, &ce) {
		ce.Path = path
	}
	return c, err
}
