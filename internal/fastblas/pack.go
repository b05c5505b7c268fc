package fastblas

// float is the element type of the packed GEMM.
type float interface{ ~float32 | ~float64 }

// packA copies op(A)[i0:i0+rows, p0:p0+kc] into dst as micro-panels of mr
// rows: element (i0+q*mr+r, p0+p) goes to dst[q*mr*kc+p*mr+r]. Rows past the
// end of the last panel are zero. op(A)(i, p) is a[i*lda+p], or a[p*lda+i]
// when trans. Whole panels may write two values past their end (see
// packAPanelFast): dst needs two values of room after the last panel.
func packA[T float](dst, a []T, lda int, trans bool, i0, rows, p0, kc, mr int) {
	for q := 0; q*mr < rows; q++ {
		r0 := i0 + q*mr
		h := min(mr, rows-q*mr)
		if h == mr && packAPanelFast(dst[q*mr*kc:], a, lda, trans, r0, p0, kc, mr) {
			continue
		}
		panel := dst[q*mr*kc : (q+1)*mr*kc]
		if trans {
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+r0:][:h]
				d := panel[p*mr:][:mr]
				for r, v := range src {
					d[r] = v
				}
				for r := h; r < mr; r++ {
					d[r] = 0
				}
			}
			continue
		}
		for r := 0; r < h; r++ {
			src := a[(r0+r)*lda+p0:][:kc]
			for p, v := range src {
				panel[p*mr+r] = v
			}
		}
		for r := h; r < mr; r++ {
			for p := 0; p < kc; p++ {
				panel[p*mr+r] = 0
			}
		}
	}
}

// packB copies op(B)[p0:p0+kc, j0:j0+cols] into dst as micro-panels of nr
// columns: element (p0+p, j0+q*nr+j) goes to dst[q*nr*kc+p*nr+j]. Columns past
// the end of the last panel are zero. op(B)(p, j) is b[p*ldb+j], or
// b[j*ldb+p] when trans.
func packB[T float](dst, b []T, ldb int, trans bool, p0, kc, j0, cols, nr int) {
	for q := 0; q*nr < cols; q++ {
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		c0 := j0 + q*nr
		w := min(nr, cols-q*nr)
		if w == nr && packBPanelFast(panel, b, ldb, trans, p0, kc, c0, nr) {
			continue
		}
		if !trans {
			for p := 0; p < kc; p++ {
				d := panel[p*nr:][:nr]
				copy(d, b[(p0+p)*ldb+c0:][:w])
				clear(d[w:])
			}
			continue
		}
		for j := 0; j < w; j++ {
			src := b[(c0+j)*ldb+p0:][:kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		for j := w; j < nr; j++ {
			for p := 0; p < kc; p++ {
				panel[p*nr+j] = 0
			}
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
