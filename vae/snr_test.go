package vae

import (
	"math"
	"testing"
)

// TestMeanByNetwork averages the encoder's and the decoder's coordinates
// apart, by parameter name, and leaves out those that never varied.
func TestMeanByNetwork(t *testing.T) {
	names := []string{"encoder.h0.W", "decoder.h0.W", "encoder2.mu.b", "decoder.out.b"}
	sizes := []int{2, 1, 3, 2}
	snr := []float64{1, 2, 10, 3, math.NaN(), 6, math.Inf(1), 20}
	enc, dec := meanByNetwork(snr, names, sizes)
	if enc != 3 || dec != 15 {
		t.Errorf("meanByNetwork = %v, %v, want 3 (1, 2, 3, 6) and 15 (10, 20)", enc, dec)
	}
}
