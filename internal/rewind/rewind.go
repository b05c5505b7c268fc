// Package rewind restarts a Gorgonia tape machine without freeing its
// registers.
//
// Gorgonia v0.9.18's tapeMachine.Reset sets every CPU register to nil, so
// each run allocates every intermediate tensor afresh (about 8 MB a step for
// the 784-400-20 VAE at batch 128), and RunAll without Reset does nothing at
// all: the program counter stays at the end. The counter is unexported, so
// Rewind sets it through reflection. The machine's alloc instructions then
// find registers of the right dtype and shape and reuse them, which is what
// they are written to do (vm_tape.go, alloc.exec).
//
// Rewind is only correct if no later run depends on a register being fresh;
// the tests of package vae check that training with Rewind gives the same
// numbers, bit for bit, as training with Reset.
package rewind

import (
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// Rewind makes m ready to run its program again, keeping its registers.
// For a machine that is not a Gorgonia tape machine of the expected layout
// it falls back to m.Reset().
func Rewind(m G.VM) {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		m.Reset()
		return
	}
	pc := v.Elem().FieldByName("pc")
	meta := v.Elem().FieldByName("ExternMetadata")
	if !pc.IsValid() || pc.Kind() != reflect.Int || !meta.IsValid() {
		m.Reset()
		return
	}
	*(*int)(unsafe.Pointer(pc.UnsafeAddr())) = 0
	// The rest of Reset: ExternMetadata's own state (device memory and
	// pending work, empty on the CPU).
	if r, ok := meta.Addr().Interface().(interface{ Reset() }); ok {
		r.Reset()
	}
}
