package fastblas

// The functions below pack one whole float32 micro-panel with the assembly
// routines of pack_amd64.s. Each reports false, having done nothing, when
// those do not apply (other element type or panel size, no AVX2); the
// caller then packs in Go. The blank index expressions check, before any
// assembly runs, that the last element it touches is inside its slice.

// packAPanelFast packs rows r0..r0+5, columns p0..p0+kc-1 of op(A) into
// dst[:6*kc]; it may write dst[6*kc] and dst[6*kc+1].
func packAPanelFast[T float](dst, a []T, lda int, trans bool, r0, p0, kc, mr int) bool {
	d, ok1 := any(dst).([]float32)
	s, ok2 := any(a).([]float32)
	if !haveKernels || !ok1 || !ok2 || mr != 6 {
		return false
	}
	if trans {
		_ = s[(p0+kc-1)*lda+r0+5]
		_ = d[6*kc-1]
		packA6T(kc, &s[p0*lda+r0], lda, &d[0])
		return true
	}
	kc8 := kc / 8
	if kc8 > 0 {
		_ = s[(r0+5)*lda+p0+8*kc8-1]
		_ = d[48*kc8+1]
		packA6N(kc8, &s[r0*lda+p0], lda, &d[0])
	}
	for p := 8 * kc8; p < kc; p++ {
		for r := range 6 {
			d[p*6+r] = s[(r0+r)*lda+p0+p]
		}
	}
	return true
}

// packBPanelFast packs rows p0..p0+kc-1, columns c0..c0+15 of op(B) into
// dst[:16*kc].
func packBPanelFast[T float](dst, b []T, ldb int, trans bool, p0, kc, c0, nr int) bool {
	d, ok1 := any(dst).([]float32)
	s, ok2 := any(b).([]float32)
	if !haveKernels || !ok1 || !ok2 || nr != 16 {
		return false
	}
	_ = d[16*kc-1]
	if !trans {
		_ = s[(p0+kc-1)*ldb+c0+15]
		packB16N(kc, &s[p0*ldb+c0], ldb, &d[0])
		return true
	}
	kc8 := kc / 8
	if kc8 > 0 {
		_ = s[(c0+15)*ldb+p0+8*kc8-1]
		packB16T(kc8, &s[c0*ldb+p0], ldb, &d[0])
	}
	for p := 8 * kc8; p < kc; p++ {
		for j := range 16 {
			d[p*16+j] = s[(c0+j)*ldb+p0+p]
		}
	}
	return true
}
