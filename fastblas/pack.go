package fastblas

// float is the element type of the packed GEMM.
type float interface{ ~float32 | ~float64 }

// packAPanel copies rows r0..r0+h-1, columns p0..p0+kc-1 of op(A) into
// dst[:mr*kc], column after column: element (r0+r, p0+p) goes to
// dst[p*mr+r]; rows h..mr-1 are zero. op(A)(i, p) is a[i*lda+p], or
// a[p*lda+i] when trans.
func packAPanel[T float](dst, a []T, lda int, trans bool, r0, h, p0, kc, mr int) {
	dst = dst[:mr*kc]
	if h == mr && packAPanelFast(dst, a, lda, trans, r0, p0, kc) {
		return
	}
	if trans {
		for p := range kc {
			src := a[(p0+p)*lda+r0:][:h]
			d := dst[p*mr:][:mr]
			copy(d, src)
			clear(d[h:])
		}
		return
	}
	for r := range h {
		src := a[(r0+r)*lda+p0:][:kc]
		for p, v := range src {
			dst[p*mr+r] = v
		}
	}
	for r := h; r < mr; r++ {
		for p := range kc {
			dst[p*mr+r] = 0
		}
	}
}

// packBPanel copies rows p0..p0+kc-1, columns c0..c0+w-1 of op(B) into
// dst[:nr*kc], row after row: element (p0+p, c0+j) goes to dst[p*nr+j];
// columns w..nr-1 are zero. op(B)(p, j) is b[p*ldb+j], or b[j*ldb+p] when
// trans.
func packBPanel[T float](dst, b []T, ldb int, trans bool, p0, kc, c0, w, nr int) {
	dst = dst[:nr*kc]
	if w == nr && packBPanelFast(dst, b, ldb, trans, p0, kc, c0, nr) {
		return
	}
	if !trans {
		for p := range kc {
			d := dst[p*nr:][:nr]
			copy(d, b[(p0+p)*ldb+c0:][:w])
			clear(d[w:])
		}
		return
	}
	for j := range w {
		src := b[(c0+j)*ldb+p0:][:kc]
		for p, v := range src {
			dst[p*nr+j] = v
		}
	}
	for j := w; j < nr; j++ {
		for p := range kc {
			dst[p*nr+j] = 0
		}
	}
}

// scale multiplies C[i0:i1, j0:j1] by beta. When beta is 0 it stores zeros
// without reading C, as BLAS requires (NaN in C must not survive).
func scale[T float](c []T, ldc, i0, i1, j0, j1 int, beta T) {
	for i := i0; i < i1; i++ {
		row := c[i*ldc+j0 : i*ldc+j1]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
