//go:build !purego

#include "textflag.h"

// Constants, each repeated in the eight lanes of a YMM register.

// log2(e)
#define LOG2E consts<>+0(SB)
// 0.5, also the last coefficient of exp's polynomial
#define HALF consts<>+32(SB)
// 1
#define ONE consts<>+64(SB)
// ln 2, high part
#define C1 consts<>+96(SB)
// ln 2 - C1
#define C2 consts<>+128(SB)
// exp polynomial
#define EP0 consts<>+160(SB)
#define EP1 consts<>+192(SB)
#define EP2 consts<>+224(SB)
#define EP3 consts<>+256(SB)
#define EP4 consts<>+288(SB)
// smallest argument of exp with a normal result
#define CLAMP consts<>+320(SB)
// float32 exponent bias (integer)
#define BIAS consts<>+352(SB)
// all bits but the sign
#define ABS consts<>+384(SB)
// the sign bit
#define SIGN consts<>+416(SB)
// sqrt(2) - 1
#define SQRT2M1 consts<>+448(SB)
// log polynomial
#define LP0 consts<>+480(SB)
#define LP1 consts<>+512(SB)
#define LP2 consts<>+544(SB)
#define LP3 consts<>+576(SB)
#define LP4 consts<>+608(SB)
#define LP5 consts<>+640(SB)
#define LP6 consts<>+672(SB)
#define LP7 consts<>+704(SB)
#define LP8 consts<>+736(SB)
// tanh polynomial
#define TP0 consts<>+768(SB)
#define TP1 consts<>+800(SB)
#define TP2 consts<>+832(SB)
#define TP3 consts<>+864(SB)
#define TP4 consts<>+896(SB)
// tanh: polynomial below, exp above
#define TCUT consts<>+928(SB)
// -2
#define NEG2 consts<>+960(SB)

DATA consts<>+0(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA consts<>+8(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA consts<>+16(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA consts<>+24(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA consts<>+32(SB)/8, $0x3f0000003f000000
DATA consts<>+40(SB)/8, $0x3f0000003f000000
DATA consts<>+48(SB)/8, $0x3f0000003f000000
DATA consts<>+56(SB)/8, $0x3f0000003f000000
DATA consts<>+64(SB)/8, $0x3f8000003f800000
DATA consts<>+72(SB)/8, $0x3f8000003f800000
DATA consts<>+80(SB)/8, $0x3f8000003f800000
DATA consts<>+88(SB)/8, $0x3f8000003f800000
DATA consts<>+96(SB)/8, $0x3f3180003f318000
DATA consts<>+104(SB)/8, $0x3f3180003f318000
DATA consts<>+112(SB)/8, $0x3f3180003f318000
DATA consts<>+120(SB)/8, $0x3f3180003f318000
DATA consts<>+128(SB)/8, $0xb95e8083b95e8083
DATA consts<>+136(SB)/8, $0xb95e8083b95e8083
DATA consts<>+144(SB)/8, $0xb95e8083b95e8083
DATA consts<>+152(SB)/8, $0xb95e8083b95e8083
DATA consts<>+160(SB)/8, $0x3950696739506967
DATA consts<>+168(SB)/8, $0x3950696739506967
DATA consts<>+176(SB)/8, $0x3950696739506967
DATA consts<>+184(SB)/8, $0x3950696739506967
DATA consts<>+192(SB)/8, $0x3ab743ce3ab743ce
DATA consts<>+200(SB)/8, $0x3ab743ce3ab743ce
DATA consts<>+208(SB)/8, $0x3ab743ce3ab743ce
DATA consts<>+216(SB)/8, $0x3ab743ce3ab743ce
DATA consts<>+224(SB)/8, $0x3c0889083c088908
DATA consts<>+232(SB)/8, $0x3c0889083c088908
DATA consts<>+240(SB)/8, $0x3c0889083c088908
DATA consts<>+248(SB)/8, $0x3c0889083c088908
DATA consts<>+256(SB)/8, $0x3d2aa9c13d2aa9c1
DATA consts<>+264(SB)/8, $0x3d2aa9c13d2aa9c1
DATA consts<>+272(SB)/8, $0x3d2aa9c13d2aa9c1
DATA consts<>+280(SB)/8, $0x3d2aa9c13d2aa9c1
DATA consts<>+288(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA consts<>+296(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA consts<>+304(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA consts<>+312(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA consts<>+320(SB)/8, $0xc2aea8f6c2aea8f6
DATA consts<>+328(SB)/8, $0xc2aea8f6c2aea8f6
DATA consts<>+336(SB)/8, $0xc2aea8f6c2aea8f6
DATA consts<>+344(SB)/8, $0xc2aea8f6c2aea8f6
DATA consts<>+352(SB)/8, $0x0000007f0000007f
DATA consts<>+360(SB)/8, $0x0000007f0000007f
DATA consts<>+368(SB)/8, $0x0000007f0000007f
DATA consts<>+376(SB)/8, $0x0000007f0000007f
DATA consts<>+384(SB)/8, $0x7fffffff7fffffff
DATA consts<>+392(SB)/8, $0x7fffffff7fffffff
DATA consts<>+400(SB)/8, $0x7fffffff7fffffff
DATA consts<>+408(SB)/8, $0x7fffffff7fffffff
DATA consts<>+416(SB)/8, $0x8000000080000000
DATA consts<>+424(SB)/8, $0x8000000080000000
DATA consts<>+432(SB)/8, $0x8000000080000000
DATA consts<>+440(SB)/8, $0x8000000080000000
DATA consts<>+448(SB)/8, $0x3ed413cd3ed413cd
DATA consts<>+456(SB)/8, $0x3ed413cd3ed413cd
DATA consts<>+464(SB)/8, $0x3ed413cd3ed413cd
DATA consts<>+472(SB)/8, $0x3ed413cd3ed413cd
DATA consts<>+480(SB)/8, $0x3d9021bb3d9021bb
DATA consts<>+488(SB)/8, $0x3d9021bb3d9021bb
DATA consts<>+496(SB)/8, $0x3d9021bb3d9021bb
DATA consts<>+504(SB)/8, $0x3d9021bb3d9021bb
DATA consts<>+512(SB)/8, $0xbdebd1b8bdebd1b8
DATA consts<>+520(SB)/8, $0xbdebd1b8bdebd1b8
DATA consts<>+528(SB)/8, $0xbdebd1b8bdebd1b8
DATA consts<>+536(SB)/8, $0xbdebd1b8bdebd1b8
DATA consts<>+544(SB)/8, $0x3def251a3def251a
DATA consts<>+552(SB)/8, $0x3def251a3def251a
DATA consts<>+560(SB)/8, $0x3def251a3def251a
DATA consts<>+568(SB)/8, $0x3def251a3def251a
DATA consts<>+576(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA consts<>+584(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA consts<>+592(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA consts<>+600(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA consts<>+608(SB)/8, $0x3e11e9bf3e11e9bf
DATA consts<>+616(SB)/8, $0x3e11e9bf3e11e9bf
DATA consts<>+624(SB)/8, $0x3e11e9bf3e11e9bf
DATA consts<>+632(SB)/8, $0x3e11e9bf3e11e9bf
DATA consts<>+640(SB)/8, $0xbe2aae50be2aae50
DATA consts<>+648(SB)/8, $0xbe2aae50be2aae50
DATA consts<>+656(SB)/8, $0xbe2aae50be2aae50
DATA consts<>+664(SB)/8, $0xbe2aae50be2aae50
DATA consts<>+672(SB)/8, $0x3e4cceac3e4cceac
DATA consts<>+680(SB)/8, $0x3e4cceac3e4cceac
DATA consts<>+688(SB)/8, $0x3e4cceac3e4cceac
DATA consts<>+696(SB)/8, $0x3e4cceac3e4cceac
DATA consts<>+704(SB)/8, $0xbe7ffffcbe7ffffc
DATA consts<>+712(SB)/8, $0xbe7ffffcbe7ffffc
DATA consts<>+720(SB)/8, $0xbe7ffffcbe7ffffc
DATA consts<>+728(SB)/8, $0xbe7ffffcbe7ffffc
DATA consts<>+736(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA consts<>+744(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA consts<>+752(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA consts<>+760(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA consts<>+768(SB)/8, $0xbbbaf0eabbbaf0ea
DATA consts<>+776(SB)/8, $0xbbbaf0eabbbaf0ea
DATA consts<>+784(SB)/8, $0xbbbaf0eabbbaf0ea
DATA consts<>+792(SB)/8, $0xbbbaf0eabbbaf0ea
DATA consts<>+800(SB)/8, $0x3ca9134e3ca9134e
DATA consts<>+808(SB)/8, $0x3ca9134e3ca9134e
DATA consts<>+816(SB)/8, $0x3ca9134e3ca9134e
DATA consts<>+824(SB)/8, $0x3ca9134e3ca9134e
DATA consts<>+832(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA consts<>+840(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA consts<>+848(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA consts<>+856(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA consts<>+864(SB)/8, $0x3e0883933e088393
DATA consts<>+872(SB)/8, $0x3e0883933e088393
DATA consts<>+880(SB)/8, $0x3e0883933e088393
DATA consts<>+888(SB)/8, $0x3e0883933e088393
DATA consts<>+896(SB)/8, $0xbeaaaa99beaaaa99
DATA consts<>+904(SB)/8, $0xbeaaaa99beaaaa99
DATA consts<>+912(SB)/8, $0xbeaaaa99beaaaa99
DATA consts<>+920(SB)/8, $0xbeaaaa99beaaaa99
DATA consts<>+928(SB)/8, $0x3f2000003f200000
DATA consts<>+936(SB)/8, $0x3f2000003f200000
DATA consts<>+944(SB)/8, $0x3f2000003f200000
DATA consts<>+952(SB)/8, $0x3f2000003f200000
DATA consts<>+960(SB)/8, $0xc0000000c0000000
DATA consts<>+968(SB)/8, $0xc0000000c0000000
DATA consts<>+976(SB)/8, $0xc0000000c0000000
DATA consts<>+984(SB)/8, $0xc0000000c0000000
GLOBL consts<>(SB), RODATA|NOPTR, $992

// EXP sets x to exp(x) for x <= 0, lanewise: Cephes' expf. Arguments below
// CLAMP, whose results would be subnormal, give 0 (t4 masks them out); NaN
// stays NaN (VMAXPS returns its first Go operand when either is NaN, and
// the mask's predicate, not-less-than, holds for NaN). t1-t4 are scratch
// registers.
#define EXP(x, t1, t2, t3, t4) \
	VCMPPS       $0x05, CLAMP, x, t4; \
	VMOVUPS      CLAMP, t1; \
	VMAXPS       x, t1, x; \
	VMOVUPS      LOG2E, t1; \
	VFMADD213PS  HALF, x, t1; \
	VROUNDPS     $1, t1, t1; \
	VFNMADD231PS C1, t1, x; \
	VFNMADD231PS C2, t1, x; \
	VMOVUPS      EP0, t2; \
	VFMADD213PS  EP1, x, t2; \
	VFMADD213PS  EP2, x, t2; \
	VFMADD213PS  EP3, x, t2; \
	VFMADD213PS  EP4, x, t2; \
	VFMADD213PS  HALF, x, t2; \
	VMULPS       x, x, t3; \
	VFMADD213PS  x, t3, t2; \
	VADDPS       ONE, t2, t2; \
	VCVTPS2DQ    t1, t1; \
	VPADDD       BIAS, t1, t1; \
	VPSLLD       $23, t1, t1; \
	VMULPS       t1, t2, x; \
	VANDPS       t4, x, x

// LOG1P sets e to log(1+e) for e in [0, 1], lanewise: Cephes' logf on
// 1+e = 2^k·(1+f) with f in [√½-1, √2-1), f computed from e without
// forming 1+e, so that small e keep their relative precision. t1-t3 are
// scratch registers.
#define LOG1P(e, t1, t2, t3) \
	VCMPPS       $0x1e, SQRT2M1, e, t1; \
	VSUBPS       ONE, e, t2; \
	VMULPS       HALF, t2, t2; \
	VBLENDVPS    t1, t2, e, e; \
	VANDPS       ONE, t1, t1; \
	VMULPS       e, e, t3; \
	VMOVUPS      LP0, t2; \
	VFMADD213PS  LP1, e, t2; \
	VFMADD213PS  LP2, e, t2; \
	VFMADD213PS  LP3, e, t2; \
	VFMADD213PS  LP4, e, t2; \
	VFMADD213PS  LP5, e, t2; \
	VFMADD213PS  LP6, e, t2; \
	VFMADD213PS  LP7, e, t2; \
	VFMADD213PS  LP8, e, t2; \
	VMULPS       t3, t2, t2; \
	VMULPS       e, t2, t2; \
	VFMADD231PS  C2, t1, t2; \
	VFNMADD231PS HALF, t3, t2; \
	VADDPS       t2, e, e; \
	VFMADD231PS  C1, t1, e

// func bernoulliAVX(x, l *float32, n int) float32
//
// Returns Σ_d x_d·l_d − softplus(l_d) over n elements, n a multiple of 8,
// with softplus(l) = max(l, 0) + log1p(exp(−|l|)). Three accumulators of
// eight lanes each (Σ x·l, Σ max(l, 0), Σ log1p) are added in a fixed order
// at the end.
TEXT ·bernoulliAVX(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   l+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15
	VXORPS Y14, Y14, Y14
	VXORPS Y13, Y13, Y13
	VXORPS Y12, Y12, Y12
	SHRQ   $3, CX
	JZ     bsum

bloop:
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y0, Y15
	VMAXPS      Y0, Y12, Y1
	VADDPS      Y1, Y14, Y14
	VORPS       SIGN, Y0, Y4
	EXP(Y4, Y5, Y6, Y7, Y9)
	LOG1P(Y4, Y5, Y6, Y7)
	VADDPS      Y4, Y13, Y13
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         bloop

bsum:
	VSUBPS       Y14, Y15, Y15
	VSUBPS       Y13, Y15, Y15
	VEXTRACTF128 $1, Y15, X0
	VADDPS       X15, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

// func bernoulliGradAVX(dst, x, l *float32, n int, scale float32)
//
// Sets dst_d = scale·(x_d − σ(l_d)) over n elements, n a multiple of 8, with
// σ(l) = 1/(1+e) for l >= 0 and e/(1+e) for l < 0, e = exp(−|l|).
TEXT ·bernoulliGradAVX(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DX
	MOVQ         x+8(FP), SI
	MOVQ         l+16(FP), DI
	MOVQ         n+24(FP), CX
	VBROADCASTSS scale+32(FP), Y11
	VMOVUPS      ONE, Y12
	SHRQ         $3, CX
	JZ           gdone

gloop:
	VMOVUPS   (DI), Y0
	VORPS     SIGN, Y0, Y4
	EXP(Y4, Y5, Y6, Y7, Y9)
	VADDPS    Y12, Y4, Y5
	VDIVPS    Y5, Y12, Y6
	VMULPS    Y6, Y4, Y7
	VBLENDVPS Y0, Y7, Y6, Y6
	VMOVUPS   (SI), Y1
	VSUBPS    Y6, Y1, Y1
	VMULPS    Y1, Y11, Y1
	VMOVUPS   Y1, (DX)
	ADDQ      $32, DX
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       gloop

gdone:
	VZEROUPPER
	RET

// func tanhAVX(dst, x *float32, n int)
//
// Sets dst_d = tanh(x_d) over n elements, n a multiple of 8: Cephes' tanhf,
// a + a³·P(a²) for a = |x| < 0.625, (1−e)/(1+e) with e = exp(−2a) above,
// and the sign of x.
TEXT ·tanhAVX(SB), NOSPLIT, $0-24
	MOVQ    dst+0(FP), DX
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), CX
	VMOVUPS ONE, Y12
	SHRQ    $3, CX
	JZ      tdone

tloop:
	VMOVUPS     (SI), Y0
	VANDPS      ABS, Y0, Y1
	VMULPS      Y1, Y1, Y2
	VMOVUPS     TP0, Y3
	VFMADD213PS TP1, Y2, Y3
	VFMADD213PS TP2, Y2, Y3
	VFMADD213PS TP3, Y2, Y3
	VFMADD213PS TP4, Y2, Y3
	VMULPS      Y2, Y3, Y3
	VFMADD213PS Y1, Y1, Y3
	VMULPS      NEG2, Y1, Y4
	EXP(Y4, Y5, Y6, Y7, Y9)
	VSUBPS      Y4, Y12, Y5
	VADDPS      Y12, Y4, Y6
	VDIVPS      Y6, Y5, Y5
	VCMPPS      $0x11, TCUT, Y1, Y7
	VBLENDVPS   Y7, Y3, Y5, Y5
	VANDPS      SIGN, Y0, Y8
	VORPS       Y8, Y5, Y5
	VMOVUPS     Y5, (DX)
	ADDQ        $32, DX
	ADDQ        $32, SI
	DECQ        CX
	JNZ         tloop

tdone:
	VZEROUPPER
	RET

// func reluGradAVX(dst, y, g *float32, n int)
//
// Sets dst_d = g_d where y_d > 0 and 0 elsewhere (NaN included), over n
// elements, n a multiple of 8: a compare and a mask, where the Go loop's
// branch on the sign of y mispredicts about half the time.
TEXT ·reluGradAVX(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DX
	MOVQ   y+8(FP), SI
	MOVQ   grad+16(FP), DI
	MOVQ   n+24(FP), CX
	VXORPS Y1, Y1, Y1
	SHRQ   $3, CX
	JZ     rdone

rloop:
	VMOVUPS (SI), Y2
	VCMPPS  $0x1e, Y1, Y2, Y0
	VANDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DX)
	ADDQ    $32, DX
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     rloop

rdone:
	VZEROUPPER
	RET

// func addAVX(dst, x, b *float32, n int)
//
// Sets dst_d = x_d + b_d over n elements, n a multiple of 8: 32 at a time,
// then 8 at a time.
TEXT ·addAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DX
	MOVQ x+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	SHRQ $5, BX
	JZ   aeight

aloop32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS  (DI), Y0, Y0
	VADDPS  32(DI), Y1, Y1
	VADDPS  64(DI), Y2, Y2
	VADDPS  96(DI), Y3, Y3
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	ADDQ    $128, DX
	ADDQ    $128, SI
	ADDQ    $128, DI
	DECQ    BX
	JNZ     aloop32

aeight:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ   adone

aloop8:
	VMOVUPS (SI), Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DX)
	ADDQ    $32, DX
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     aloop8

adone:
	VZEROUPPER
	RET

// 2^-24, the spacing of Bernoulli's uniforms
DATA rconsts<>+0(SB)/4, $0x33800000
GLOBL rconsts<>(SB), RODATA|NOPTR, $4

// func bernoulliDrawAVX(dst, p *float32, n int, state *[4][8]uint32)
//
// Sets dst_d = 1 if u_d < p_d else 0 over n elements, n a multiple of 8,
// with u the top 24 bits of xoshiro128+ times 2^-24, lane l of each group
// of eight from lane l of the state (s0..s3 at offsets 0, 32, 64, 96),
// which it steps once per group and writes back.
TEXT ·bernoulliDrawAVX(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DX
	MOVQ         p+8(FP), SI
	MOVQ         n+16(FP), CX
	MOVQ         state+24(FP), AX
	VMOVDQU      0(AX), Y0
	VMOVDQU      32(AX), Y1
	VMOVDQU      64(AX), Y2
	VMOVDQU      96(AX), Y3
	VMOVUPS      ONE, Y12
	VBROADCASTSS rconsts<>+0(SB), Y11
	SHRQ         $3, CX
	JZ           xdone

xloop:
	VPADDD    Y0, Y3, Y4
	VPSLLD    $9, Y1, Y5
	VPXOR     Y0, Y2, Y2
	VPXOR     Y1, Y3, Y3
	VPXOR     Y2, Y1, Y1
	VPXOR     Y3, Y0, Y0
	VPXOR     Y5, Y2, Y2
	VPSLLD    $11, Y3, Y5
	VPSRLD    $21, Y3, Y3
	VPOR      Y5, Y3, Y3
	VPSRLD    $8, Y4, Y4
	VCVTDQ2PS Y4, Y4
	VMULPS    Y11, Y4, Y4
	VCMPPS    $0x01, (SI), Y4, Y5
	VANDPS    Y12, Y5, Y5
	VMOVUPS   Y5, (DX)
	ADDQ      $32, DX
	ADDQ      $32, SI
	DECQ      CX
	JNZ       xloop

xdone:
	VMOVDQU Y0, 0(AX)
	VMOVDQU Y1, 32(AX)
	VMOVDQU Y2, 64(AX)
	VMOVDQU Y3, 96(AX)
	VZEROUPPER
	RET

// func sigmoidAffineAVX(dst, x, b *float32, n int, s float32)
//
// Sets dst_d = σ(s·x_d + b_d) over n elements, n a multiple of 8, as
// bernoulliGradAVX computes σ.
TEXT ·sigmoidAffineAVX(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DX
	MOVQ         x+8(FP), SI
	MOVQ         b+16(FP), DI
	MOVQ         n+24(FP), CX
	VBROADCASTSS s+32(FP), Y11
	VMOVUPS      ONE, Y12
	SHRQ         $3, CX
	JZ           adone

aloop:
	VMOVUPS     (SI), Y0
	VFMADD213PS (DI), Y11, Y0
	VORPS       SIGN, Y0, Y4
	EXP(Y4, Y5, Y6, Y7, Y9)
	VADDPS      Y12, Y4, Y5
	VDIVPS      Y5, Y12, Y6
	VMULPS      Y6, Y4, Y7
	VBLENDVPS   Y0, Y7, Y6, Y6
	VMOVUPS     Y6, (DX)
	ADDQ        $32, DX
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         aloop

adone:
	VZEROUPPER
	RET

// func softplusDiffAVX(x, b *float32, n int, s1, s0 float32) float32
//
// Returns Σ_d (s1−s0)·max(a_d, 0) + log1p(e^{−s1|a_d|}) − log1p(e^{−s0|a_d|})
// with a = x + b, over n elements, n a multiple of 8, in one accumulator of
// eight lanes added in a fixed order at the end.
TEXT ·softplusDiffAVX(SB), NOSPLIT, $0-36
	MOVQ         x+0(FP), SI
	MOVQ         b+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSS s1+24(FP), Y10
	VBROADCASTSS s0+28(FP), Y11
	VSUBPS       Y11, Y10, Y8
	VXORPS       Y15, Y15, Y15
	VXORPS       Y12, Y12, Y12
	SHRQ         $3, CX
	JZ           dsum

dloop:
	VMOVUPS     (SI), Y0
	VADDPS      (DI), Y0, Y0
	VMAXPS      Y0, Y12, Y1
	VFMADD231PS Y8, Y1, Y15
	VANDPS      ABS, Y0, Y2
	VMULPS      Y10, Y2, Y4
	VORPS       SIGN, Y4, Y4
	EXP(Y4, Y5, Y6, Y7, Y9)
	LOG1P(Y4, Y5, Y6, Y7)
	VADDPS      Y4, Y15, Y15
	VMULPS      Y11, Y2, Y4
	VORPS       SIGN, Y4, Y4
	EXP(Y4, Y5, Y6, Y7, Y9)
	LOG1P(Y4, Y5, Y6, Y7)
	VSUBPS      Y4, Y15, Y15
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         dloop

dsum:
	VEXTRACTF128 $1, Y15, X0
	VADDPS       X15, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+32(FP)
	RET
