//go:build !amd64 || purego

package vmath

// haveKernels is false where there are no assembly kernels: the scalar
// functions do all the work.
const haveKernels = false

func bernoulliAVX(x, l *float32, n int) float32 { panic("vmath: no assembly kernels here") }

func bernoulliGradAVX(dst, x, l *float32, n int, scale float32) {
	panic("vmath: no assembly kernels here")
}

func tanhAVX(dst, x *float32, n int) { panic("vmath: no assembly kernels here") }

func reluGradAVX(dst, y, grad *float32, n int) { panic("vmath: no assembly kernels here") }

func addAVX(dst, x, b *float32, n int) { panic("vmath: no assembly kernels here") }

func bernoulliDrawAVX(dst, p *float32, n int, state *[4][8]uint32) {
	panic("vmath: no assembly kernels here")
}

func sigmoidAffineAVX(dst, x, b *float32, n int, s float32) { panic("vmath: no assembly kernels here") }

func softplusDiffAVX(x, b *float32, n int, s1, s0 float32) float32 {
	panic("vmath: no assembly kernels here")
}
