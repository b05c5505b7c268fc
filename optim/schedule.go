package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate to use during an epoch.
//
// Epochs are counted from 0: Rate(0) is the rate of the first epoch.
type Schedule interface {
	Rate(epoch int) float64
}

// Constant is a Schedule whose rate is the same in every epoch.
type Constant float64

// Rate returns c whatever the epoch.
func (c Constant) Rate(epoch int) float64 { return float64(c) }

// Piecewise is a Schedule that is constant within each of a sequence of
// stages, each a whole number of epochs long. After the last stage the rate
// of the last stage is kept.
type Piecewise struct {
	rates []float64
	ends  []int // ends[i] is the first epoch after stage i.
}

// NewPiecewise returns the Schedule that uses rates[i] for epochs[i]
// consecutive epochs, stage after stage. Every rate must be finite and
// positive and every stage at least one epoch long.
func NewPiecewise(rates []float64, epochs []int) (Piecewise, error) {
	if len(rates) == 0 || len(rates) != len(epochs) {
		return Piecewise{}, fmt.Errorf("optim: piecewise schedule needs one epoch count per rate and at least one stage, got %d rates and %d epoch counts", len(rates), len(epochs))
	}
	p := Piecewise{rates: make([]float64, len(rates)), ends: make([]int, len(rates))}
	end := 0
	for i, r := range rates {
		if !(r > 0) || math.IsInf(r, 1) {
			return Piecewise{}, fmt.Errorf("optim: piecewise schedule stage %d has rate %v: rates must be finite and positive", i, r)
		}
		if epochs[i] < 1 {
			return Piecewise{}, fmt.Errorf("optim: piecewise schedule stage %d lasts %d epochs: each stage must last at least one epoch", i, epochs[i])
		}
		end += epochs[i]
		p.rates[i] = r
		p.ends[i] = end
	}
	return p, nil
}

// BurdaSchedule returns the schedule of Burda, Grosse and Salakhutdinov,
// "Importance Weighted Autoencoders" (2016), section 5: for i = 0, ..., 7 the
// rate 0.001·10^(-i/7) is used for 3^i epochs, 3,280 epochs in all.
func BurdaSchedule() Piecewise {
	const stages = 8
	rates := make([]float64, stages)
	epochs := make([]int, stages)
	n := 1
	for i := range stages {
		rates[i] = 1e-3 * math.Pow(10, -float64(i)/7)
		epochs[i] = n
		n *= 3
	}
	p, err := NewPiecewise(rates, epochs)
	if err != nil {
		panic("optim: BurdaSchedule: " + err.Error())
	}
	return p
}

// Epochs returns the total number of epochs of all stages of p.
func (p Piecewise) Epochs() int {
	if len(p.ends) == 0 {
		return 0
	}
	return p.ends[len(p.ends)-1]
}

// Rate returns the rate of the stage that contains epoch, or the rate of the
// last stage if epoch is past the end of p. It panics if epoch is negative or
// p is the zero Piecewise.
func (p Piecewise) Rate(epoch int) float64 {
	if epoch < 0 {
		panic(fmt.Sprintf("optim: Piecewise.Rate: negative epoch %d", epoch))
	}
	if len(p.rates) == 0 {
		panic("optim: Piecewise.Rate: empty schedule; build one with NewPiecewise")
	}
	for i, end := range p.ends {
		if epoch < end {
			return p.rates[i]
		}
	}
	return p.rates[len(p.rates)-1]
}

// Scale returns p with every rate multiplied by f and the same stages. f
// must leave every rate finite and positive.
func (p Piecewise) Scale(f float64) (Piecewise, error) {
	rates := make([]float64, len(p.rates))
	epochs := make([]int, len(p.ends))
	start := 0
	for i, r := range p.rates {
		rates[i] = r * f
		epochs[i] = p.ends[i] - start
		start = p.ends[i]
	}
	return NewPiecewise(rates, epochs)
}
