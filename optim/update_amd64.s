//go:build !purego

#include "textflag.h"

// func adamKernel32(w, grad, m, v *float32, n int, k *adamConsts[float32])
//
// Applies adamUpdate to n elements, n a multiple of 8, eight at a time with
// AVX. Each lane does the scalar loop's operations in the same order with
// the same roundings (no fused multiply-add), so the result is bit for bit
// that of the Go loop.
TEXT ·adamKernel32(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Y8   // β1
	VBROADCASTSS 4(AX), Y9   // 1−β1
	VBROADCASTSS 8(AX), Y10  // β2
	VBROADCASTSS 12(AX), Y11 // 1−β2
	VBROADCASTSS 16(AX), Y12 // α/c1
	VBROADCASTSS 20(AX), Y13 // 1/c2
	VBROADCASTSS 24(AX), Y14 // ε
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (SI), Y0         // g
	VMULPS  (R8), Y8, Y1     // β1·m
	VMULPS  Y0, Y9, Y2       // (1−β1)·g
	VADDPS  Y2, Y1, Y1       // m
	VMOVUPS Y1, (R8)
	VMULPS  (R9), Y10, Y3    // β2·v
	VMULPS  Y0, Y11, Y4      // (1−β2)·g
	VMULPS  Y0, Y4, Y4       // ·g
	VADDPS  Y4, Y3, Y3       // v
	VMOVUPS Y3, (R9)
	VMULPS  Y3, Y13, Y5      // v/c2
	VSQRTPS Y5, Y5
	VADDPS  Y14, Y5, Y5      // √(v/c2) + ε
	VMULPS  Y1, Y12, Y6      // (α/c1)·m
	VDIVPS  Y5, Y6, Y6       // … / (√(v/c2) + ε)
	VMOVUPS (DI), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET

// func adamKernel32x16(w, grad, m, v *float32, n int, k *adamConsts[float32])
//
// adamKernel32 with AVX-512: n a multiple of 16, sixteen at a time. Each lane does the scalar loop's operations in the same order with
// the same roundings (no fused multiply-add), so the result is bit for bit
// that of the Go loop.
TEXT ·adamKernel32x16(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSS 0(AX), Z8   // β1
	VBROADCASTSS 4(AX), Z9   // 1−β1
	VBROADCASTSS 8(AX), Z10  // β2
	VBROADCASTSS 12(AX), Z11 // 1−β2
	VBROADCASTSS 16(AX), Z12 // α/c1
	VBROADCASTSS 20(AX), Z13 // 1/c2
	VBROADCASTSS 24(AX), Z14 // ε
	SHRQ $4, CX
	JZ   done16

loop16:
	VMOVUPS (SI), Z0         // g
	VMULPS  (R8), Z8, Z1     // β1·m
	VMULPS  Z0, Z9, Z2       // (1−β1)·g
	VADDPS  Z2, Z1, Z1       // m
	VMOVUPS Z1, (R8)
	VMULPS  (R9), Z10, Z3    // β2·v
	VMULPS  Z0, Z11, Z4      // (1−β2)·g
	VMULPS  Z0, Z4, Z4       // ·g
	VADDPS  Z4, Z3, Z3       // v
	VMOVUPS Z3, (R9)
	VMULPS  Z3, Z13, Z5      // v/c2
	VSQRTPS Z5, Z5
	VADDPS  Z14, Z5, Z5      // √(v/c2) + ε
	VMULPS  Z1, Z12, Z6      // (α/c1)·m
	VDIVPS  Z5, Z6, Z6       // … / (√(v/c2) + ε)
	VMOVUPS (DI), Z7
	VSUBPS  Z6, Z7, Z7
	VMOVUPS Z7, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, R8
	ADDQ    $64, R9
	DECQ    CX
	JNZ     loop16

done16:
	VZEROUPPER
	RET
