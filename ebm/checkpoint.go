package ebm

import (
	"encoding/gob"
	"fmt"
	"io"
)

// checkpointVersion changes whenever Checkpoint's layout does.
const checkpointVersion = 1

// Checkpoint is a trained RBM with the configuration that trained it and
// the metrics of its last epoch.
type Checkpoint struct {
	// Version identifies the layout; ReadCheckpoint refuses others.
	Version int
	// RBM is the model.
	RBM *RBM
	// Config is the training configuration.
	Config RBMTrainConfig
	// Metrics are those of the last epoch trained.
	Metrics EpochMetrics
}

// WriteCheckpoint encodes c to w with encoding/gob (the weight matrix
// through gonum's binary format), setting its Version.
func WriteCheckpoint(w io.Writer, c Checkpoint) error {
	if c.RBM == nil {
		return fmt.Errorf("ebm: WriteCheckpoint: the checkpoint holds no RBM")
	}
	c.Version = checkpointVersion
	if err := gob.NewEncoder(w).Encode(c); err != nil {
		return fmt.Errorf("ebm: writing checkpoint: %w", err)
	}
	return nil
}

// ReadCheckpoint decodes a checkpoint written by WriteCheckpoint and checks
// that its RBM's sizes are consistent.
func ReadCheckpoint(r io.Reader) (Checkpoint, error) {
	var c Checkpoint
	if err := gob.NewDecoder(r).Decode(&c); err != nil {
		return Checkpoint{}, fmt.Errorf("ebm: reading checkpoint (is it a file ebm-train wrote?): %w", err)
	}
	if c.Version != checkpointVersion {
		return Checkpoint{}, fmt.Errorf("ebm: checkpoint version %d, this program reads version %d", c.Version, checkpointVersion)
	}
	if c.RBM == nil || c.RBM.W == nil {
		return Checkpoint{}, fmt.Errorf("ebm: checkpoint holds no RBM")
	}
	nv, nh := c.RBM.Dims()
	if len(c.RBM.B) != nv || len(c.RBM.C) != nh {
		return Checkpoint{}, fmt.Errorf("ebm: checkpoint RBM has a %d×%d weight matrix but %d visible and %d hidden biases", nv, nh, len(c.RBM.B), len(c.RBM.C))
	}
	return c, nil
}
