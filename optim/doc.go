// Package optim holds an Adam optimiser for Gorgonia parameters whose state
// can be saved and restored, and learning-rate schedules for it.
//
// A training step with it reads
//
//	vm.Reset()
//	if err := vm.RunAll(); err != nil { ... }
//	if err := adam.Step(params, epoch); err != nil { ... }
//
// where the machine was made with G.NewTapeMachine(g, G.BindDualValues(params...))
// after G.Grad(cost, params...). Step updates the parameters' tensors in
// place and zeroes their gradients, which Gorgonia would otherwise add to on
// the next run. To checkpoint, save Adam.State (a gob-encodable value) with
// the parameters' values; to resume, copy the values back into the
// parameters' tensors and call Adam.SetState.
package optim
