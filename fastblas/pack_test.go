package fastblas

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPackMatchesDefinition checks packPanel on panels of op(A) and op(B)
// (assembly and Go paths: whole and partial panels, k not a multiple of 8,
// padded strides) against their definition, element by element, including
// the zero padding.
func TestPackMatchesDefinition(t *testing.T) {
	testPack(t, sKernel)
	testPack(t, dKernel)
}

func testPack[T float](t *testing.T, kern *kernel[T]) {
	mr, nr := kern.mr, kern.nr
	rnd := rand.New(rand.NewPCG(9, 10))
	for _, trans := range []bool{false, true} {
		for _, sh := range [][3]int{{1, 1, 1}, {6, 16, 8}, {13, 35, 7}, {37, 50, 29}, {128, 400, 197}} {
			rows, cols, kc := sh[0], sh[1], sh[2]
			const off, pad = 3, 5 // start inside the matrix, padded stride
			// op(A) is (off+rows)×(off+kc); stored transposed when trans.
			ra, ca := off+rows, off+kc
			if trans {
				ra, ca = ca, ra
			}
			a := randomMatrix[T](ra, ca, ca+pad, rnd)
			opA := func(i, p int) T {
				if trans {
					return a[p*(ca+pad)+i]
				}
				return a[i*(ca+pad)+p]
			}
			dst := make([]T, roundUp(rows, mr)*kc)
			for q := 0; q*mr < rows; q++ {
				packPanel(&kern.packA, dst[q*mr*kc:], a, ca+pad, !trans, off, kc, off+q*mr, min(mr, rows-q*mr))
			}
			for q := 0; q*mr < rows; q++ {
				for p := range kc {
					for r := range mr {
						want := T(0)
						if q*mr+r < rows {
							want = opA(off+q*mr+r, off+p)
						}
						if got := dst[q*mr*kc+p*mr+r]; got != want {
							t.Fatalf("packA trans=%v %v: panel %d (%d,%d) = %v, want %v", trans, sh, q, r, p, got, want)
						}
					}
				}
			}
			// op(B) is (off+kc)×(off+cols); stored transposed when trans.
			rb, cb := off+kc, off+cols
			if trans {
				rb, cb = cb, rb
			}
			b := randomMatrix[T](rb, cb, cb+pad, rnd)
			opB := func(p, j int) T {
				if trans {
					return b[j*(cb+pad)+p]
				}
				return b[p*(cb+pad)+j]
			}
			dst = make([]T, roundUp(cols, nr)*kc)
			for q := 0; q*nr < cols; q++ {
				packPanel(&kern.packB, dst[q*nr*kc:], b, cb+pad, trans, off, kc, off+q*nr, min(nr, cols-q*nr))
			}
			for q := 0; q*nr < cols; q++ {
				for p := range kc {
					for j := range nr {
						want := T(0)
						if q*nr+j < cols {
							want = opB(off+p, off+q*nr+j)
						}
						if got := dst[q*nr*kc+p*nr+j]; got != want {
							t.Fatalf("packB trans=%v %v: panel %d (%d,%d) = %v, want %v", trans, sh, q, p, j, got, want)
						}
					}
				}
			}
		}
	}
}

// BenchmarkPack packs float32 operands of the VAE's first layer, in panels
// of k = 196, and reports the time per element.
func BenchmarkPack(b *testing.B) {
	const m, n, k, kc = 128, 784, 400, 196
	for _, trans := range []bool{false, true} {
		b.Run(fmt.Sprintf("A/trans=%v", trans), func(b *testing.B) {
			src, dst := make([]float32, m*k), make([]float32, 6*kc)
			lda := k
			if trans {
				lda = m
			}
			for b.Loop() {
				for r0 := 0; r0+6 <= m; r0 += 6 {
					for p0 := 0; p0+kc <= k; p0 += kc {
						packPanel(&sKernel.packA, dst, src, lda, !trans, p0, kc, r0, 6)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(m/6*6*(k/kc*kc)), "ns/elem")
		})
		b.Run(fmt.Sprintf("B/trans=%v", trans), func(b *testing.B) {
			src, dst := make([]float32, k*n), make([]float32, 16*kc)
			ldb := n
			if trans {
				ldb = k
			}
			for b.Loop() {
				for c0 := 0; c0+16 <= n; c0 += 16 {
					for p0 := 0; p0+kc <= k; p0 += kc {
						packPanel(&sKernel.packB, dst, src, ldb, trans, p0, kc, c0, 16)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n/16*16*(k/kc*kc)), "ns/elem")
		})
	}
}

// BenchmarkPackPartial packs the partial panels the Burda models meet: the
// last panel of op(B) for n = 200, 50 and 100 (8, 2 and 4 of 16 columns)
// and of op(A) for a batch of 20 (2 of 6 rows), each way, over k = 200.
func BenchmarkPackPartial(b *testing.B) {
	const k = 200
	for _, w := range []int{8, 2, 4} {
		for _, trans := range []bool{false, true} {
			b.Run(fmt.Sprintf("B/w=%d/trans=%v", w, trans), func(b *testing.B) {
				src, dst := make([]float32, k*784), make([]float32, 16*k)
				for b.Loop() {
					packPanel(&sKernel.packB, dst, src, 784, trans, 0, k, 0, w)
				}
			})
		}
	}
	for _, trans := range []bool{false, true} {
		b.Run(fmt.Sprintf("A/h=2/trans=%v", trans), func(b *testing.B) {
			src, dst := make([]float32, 784*k), make([]float32, 6*k)
			for b.Loop() {
				packPanel(&sKernel.packA, dst, src, 784, !trans, 0, k, 0, 2)
			}
		})
	}
}
