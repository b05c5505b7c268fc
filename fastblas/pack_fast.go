package fastblas

// The functions below pack one whole micro-panel with the assembly routines
// of pack_amd64.s. Each reports false, having done nothing, when those do
// not apply (no AVX2, another panel size); the caller then packs in Go. The
// blank index expressions check, before any assembly runs, that the last
// element it touches is inside its slice. Columns past the last whole block
// of 8 (float32) or 4 (float64) are copied in Go.

// packAPanelFast packs rows r0..r0+5, columns p0..p0+kc-1 of op(A) into
// dst[:6*kc] (len(dst) = 6*kc).
func packAPanelFast[T float](dst, a []T, lda int, trans bool, r0, p0, kc int) bool {
	if !haveKernels || len(dst) != 6*kc {
		return false
	}
	switch d := any(dst).(type) {
	case []float32:
		s := any(a).([]float32)
		if trans {
			_, _ = s[(p0+kc-1)*lda+r0+5], d[6*kc-1]
			packA6T(kc, &s[p0*lda+r0], lda, &d[0])
			return true
		}
		kc8 := kc / 8
		if kc8 > 0 {
			_, _ = s[(r0+5)*lda+p0+8*kc8-1], d[48*kc8-1]
			packA6N(kc8, &s[r0*lda+p0], lda, &d[0])
		}
		packATail(d, s, lda, r0, p0, 8*kc8, kc)
		return true
	case []float64:
		s := any(a).([]float64)
		if trans {
			_, _ = s[(p0+kc-1)*lda+r0+5], d[6*kc-1]
			packA6T64(kc, &s[p0*lda+r0], lda, &d[0])
			return true
		}
		kc4 := kc / 4
		if kc4 > 0 {
			_, _ = s[(r0+5)*lda+p0+4*kc4-1], d[24*kc4-1]
			packA6N64(kc4, &s[r0*lda+p0], lda, &d[0])
		}
		packATail(d, s, lda, r0, p0, 4*kc4, kc)
		return true
	}
	return false
}

// packATail packs columns from..kc-1 of a 6-row panel of op(A) = A.
func packATail[T float](d, s []T, lda, r0, p0, from, kc int) {
	for p := from; p < kc; p++ {
		for r := range 6 {
			d[p*6+r] = s[(r0+r)*lda+p0+p]
		}
	}
}

// packBPanelFast packs rows p0..p0+kc-1, columns c0..c0+nr-1 of op(B) into
// dst[:nr*kc] (len(dst) = nr*kc), for nr = 16 (float32) or 8 (float64).
func packBPanelFast[T float](dst, b []T, ldb int, trans bool, p0, kc, c0, nr int) bool {
	if !haveKernels {
		return false
	}
	switch d := any(dst).(type) {
	case []float32:
		s := any(b).([]float32)
		if nr != 16 {
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
		packBTail(d, s, ldb, c0, p0, 8*kc8, kc, 16)
		return true
	case []float64:
		s := any(b).([]float64)
		if nr != 8 {
			return false
		}
		_ = d[8*kc-1]
		if !trans {
			_ = s[(p0+kc-1)*ldb+c0+7]
			packB8N(kc, &s[p0*ldb+c0], ldb, &d[0])
			return true
		}
		kc4 := kc / 4
		if kc4 > 0 {
			_ = s[(c0+7)*ldb+p0+4*kc4-1]
			packB8T(kc4, &s[c0*ldb+p0], ldb, &d[0])
		}
		packBTail(d, s, ldb, c0, p0, 4*kc4, kc, 8)
		return true
	}
	return false
}

// packBTail packs rows from..kc-1 of an nr-column panel of op(B) = Bᵀ.
func packBTail[T float](d, s []T, ldb, c0, p0, from, kc, nr int) {
	for p := from; p < kc; p++ {
		for j := range nr {
			d[p*nr+j] = s[(c0+j)*ldb+p0+p]
		}
	}
}
