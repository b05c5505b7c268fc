//go:build amd64 && !purego

// The AVX-512 micro-kernel of the packed float32 GEMM: two 6×16 tiles side
// by side (6×32), with the arithmetic of sgemmKernel6x16 element for
// element (see kernel_amd64.s): for each element, one FMA per step of k in
// order, then one FMA (or, with store, one multiplication) by alpha onto
// C. The same bits as two calls of sgemmKernel6x16, in half the
// instructions and with twelve independent accumulators, enough to keep
// both 512-bit FMA pipes busy.
//
// b points at the first tile's kc rows of 16 values, ldb elements apart;
// the second tile's rows start bnext elements after the first's. c points
// at C[0][0] of the 6×32 block (32 contiguous values a row), ldc elements
// apart. Registers: Z0-Z11 accumulators (row r in Z(2r), Z(2r+1)), Z12-Z13
// the two B rows, Z14-Z15 broadcasts of A, then alpha.

#include "textflag.h"

// func sgemmKernel6x32(kc int, a, b *float32, ldb, bnext int, c *float32, ldc int, alpha float32, store bool)
TEXT ·sgemmKernel6x32(SB), NOSPLIT, $0-61
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ ldb+24(FP), SI
	SHLQ $2, SI
	MOVQ bnext+32(FP), R8
	SHLQ $2, R8
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

loop:
	VMOVUPS (BX), Z12
	VMOVUPS (BX)(R8*1), Z13
	VBROADCASTSS 0(AX), Z14
	VFMADD231PS Z12, Z14, Z0
	VFMADD231PS Z13, Z14, Z1
	VBROADCASTSS 4(AX), Z15
	VFMADD231PS Z12, Z15, Z2
	VFMADD231PS Z13, Z15, Z3
	VBROADCASTSS 8(AX), Z14
	VFMADD231PS Z12, Z14, Z4
	VFMADD231PS Z13, Z14, Z5
	VBROADCASTSS 12(AX), Z15
	VFMADD231PS Z12, Z15, Z6
	VFMADD231PS Z13, Z15, Z7
	VBROADCASTSS 16(AX), Z14
	VFMADD231PS Z12, Z14, Z8
	VFMADD231PS Z13, Z14, Z9
	VBROADCASTSS 20(AX), Z15
	VFMADD231PS Z12, Z15, Z10
	VFMADD231PS Z13, Z15, Z11
	ADDQ $24, AX
	ADDQ SI, BX
	DECQ CX
	JNZ loop

	VBROADCASTSS alpha+56(FP), Z15
	CMPB store+60(FP), $0
	JNE  storetile

	// C[r, :] += alpha * acc[r, :], one rounding per element (FMA).
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VFMADD231PS Z15, Z0, Z12
	VFMADD231PS Z15, Z1, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VFMADD231PS Z15, Z2, Z12
	VFMADD231PS Z15, Z3, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VFMADD231PS Z15, Z4, Z12
	VFMADD231PS Z15, Z5, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VFMADD231PS Z15, Z6, Z12
	VFMADD231PS Z15, Z7, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VFMADD231PS Z15, Z8, Z12
	VFMADD231PS Z15, Z9, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMOVUPS (DI), Z12
	VMOVUPS 64(DI), Z13
	VFMADD231PS Z15, Z10, Z12
	VFMADD231PS Z15, Z11, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	VZEROUPPER
	RET

storetile:
	// C[r, :] = alpha * acc[r, :].
	VMULPS Z15, Z0, Z12
	VMULPS Z15, Z1, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMULPS Z15, Z2, Z12
	VMULPS Z15, Z3, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMULPS Z15, Z4, Z12
	VMULPS Z15, Z5, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMULPS Z15, Z6, Z12
	VMULPS Z15, Z7, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMULPS Z15, Z8, Z12
	VMULPS Z15, Z9, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	ADDQ DX, DI
	VMULPS Z15, Z10, Z12
	VMULPS Z15, Z11, Z13
	VMOVUPS Z12, (DI)
	VMOVUPS Z13, 64(DI)
	VZEROUPPER
	RET
