//go:build amd64 && !purego

package fastblas

import "golang.org/x/sys/cpu"

// haveKernels reports whether the AVX2+FMA micro-kernels can run on this
// processor (cpu.X86.HasAVX2 already includes the operating system's support
// for the YMM registers).
var haveKernels = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// haveWide reports whether the AVX-512 kernel sgemmKernel6x32 can run
// (cpu.X86.HasAVX512F includes the operating system's support for the ZMM
// registers).
var haveWide = haveKernels && cpu.X86.HasAVX512F

// sgemmKernel6x32 is implemented in kernel512_amd64.s.
//
//go:noescape
func sgemmKernel6x32(kc int, a, b *float32, ldb, bnext int, c *float32, ldc int, alpha float32, store bool)

// sgemmKernel6x16 is implemented in kernel_amd64.s.
//
//go:noescape
func sgemmKernel6x16(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha float32, store bool)

// dgemmKernel6x8 is implemented in kernel_amd64.s.
//
//go:noescape
func dgemmKernel6x8(kc int, a, b *float64, ldb int, c *float64, ldc int, alpha float64)

// packB16N is implemented in pack_amd64.s.
//
//go:noescape
func packB16N(kc int, src *float32, ld int, dst *float32)

// packB16T is implemented in pack_amd64.s.
//
//go:noescape
func packB16T(kc8 int, src *float32, ld int, dst *float32)

// packA6N is implemented in pack_amd64.s.
//
//go:noescape
func packA6N(kc8 int, src *float32, ld int, dst *float32)

// packA6T is implemented in pack_amd64.s.
//
//go:noescape
func packA6T(kc int, src *float32, ld int, dst *float32)

// packB8N is implemented in pack_amd64.s.
//
//go:noescape
func packB8N(kc int, src *float64, ld int, dst *float64)

// packB8T is implemented in pack_amd64.s.
//
//go:noescape
func packB8T(kc4 int, src *float64, ld int, dst *float64)

// packA6N64 is implemented in pack_amd64.s.
//
//go:noescape
func packA6N64(kc4 int, src *float64, ld int, dst *float64)

// packA6T64 is implemented in pack_amd64.s.
//
//go:noescape
func packA6T64(kc int, src *float64, ld int, dst *float64)
