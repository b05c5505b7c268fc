//go:build !purego

package vmath

import "golang.org/x/sys/cpu"

// haveKernels reports whether the AVX2+FMA kernels can run here.
var haveKernels = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The kernels below are in vmath_amd64.s; n is a multiple of 8.

//go:noescape
func bernoulliAVX(x, l *float32, n int) float32

//go:noescape
func bernoulliGradAVX(dst, x, l *float32, n int, scale float32)

//go:noescape
func tanhAVX(dst, x *float32, n int)

//go:noescape
func reluGradAVX(dst, y, grad *float32, n int)

//go:noescape
func addAVX(dst, x, b *float32, n int)

//go:noescape
func bernoulliDrawAVX(dst, p *float32, n int, state *[4][8]uint32)

//go:noescape
func sigmoidAffineAVX(dst, x, b *float32, n int, s float32)

//go:noescape
func softplusDiffAVX(x, b *float32, n int, s1, s0 float32) float32
