package fastblas

// float is the element type of the packed GEMM.
type float interface{ ~float32 | ~float64 }

// panelPacker packs whole micro-panels of one width with the assembly
// routines of pack_amd64.s.
type panelPacker[T float] struct {
	width int // columns of a micro-panel
	vec   int // rows trans packs per step
	// copy sets dst[p*width+j] = src[p*ld+j] for p < kc, j < width; kc >= 1.
	copy func(kc int, src *T, ld int, dst *T)
	// trans sets dst[p*width+j] = src[j*ld+p] for p < vec*n, j < width;
	// n >= 1.
	trans func(n int, src *T, ld int, dst *T)
}

// packPanel copies rows p0..p0+kc-1, columns c0..c0+w-1 of op(S) into
// dst[:nr*kc], where nr is pk.width, row after row: element (p0+p, c0+j)
// goes to dst[p*nr+j]; columns w..nr-1 are zero. op(S)(p, j) is s[p*ld+j],
// or s[j*ld+p] when trans.
//
// It packs a micro-panel of op(B), and one of op(A) as a panel of op(A)ᵀ:
// rows r0..r0+h-1, columns p0..p0+kc-1 of op(A) are packed, element
// (r0+r, p0+p) at dst[p*mr+r], by packPanel(packA, dst, a, lda, !aTrans,
// p0, kc, r0, h).
//
// Whole panels go through pk's assembly routines when the processor has
// them; the blank index expressions check, before any assembly runs, that
// the last element it touches is inside its slice. Rows of a transposed
// panel past the last whole step of pk.vec, and partial panels, are packed
// in Go.
func packPanel[T float](pk *panelPacker[T], dst, s []T, ld int, trans bool, p0, kc, c0, w int) {
	nr := pk.width
	dst = dst[:nr*kc]
	fast := haveKernels && w == nr
	if !trans {
		if fast {
			_, _ = s[(p0+kc-1)*ld+c0+nr-1], dst[nr*kc-1]
			pk.copy(kc, &s[p0*ld+c0], ld, &dst[0])
			return
		}
		// A partial panel: zeros first, then w values per row. Loops
		// rather than copy and clear per row, whose calls cost more than
		// the few values they move (BenchmarkPackPartial: 2.9-3.3 µs
		// before for w = 2-8 of 16 columns over k = 200).
		clear(dst)
		for p := range kc {
			d := dst[p*nr:][:w]
			r := s[(p0+p)*ld+c0:][:w]
			for j := range d {
				d[j] = r[j]
			}
		}
		return
	}
	from := 0
	if fast {
		if n := kc / pk.vec; n > 0 {
			from = n * pk.vec
			_, _ = s[(c0+nr-1)*ld+p0+from-1], dst[nr*from-1]
			pk.trans(n, &s[c0*ld+p0], ld, &dst[0])
		}
	}
	if w < nr {
		clear(dst)
	}
	for j := range w {
		src := s[(c0+j)*ld+p0:][:kc]
		for p := from; p < kc; p++ {
			dst[p*nr+j] = src[p]
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
