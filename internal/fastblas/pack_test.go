package fastblas

import (
	"math/rand/v2"
	"testing"
)

// TestPackMatchesDefinition checks packA and packB (assembly and Go paths:
// whole and partial panels, k not a multiple of 8, padded strides) against
// their definition, element by element, including the zero padding.
func TestPackMatchesDefinition(t *testing.T) {
	testPack[float32](t, 6, 16)
	testPack[float64](t, 6, 8)
}

func testPack[T float](t *testing.T, mr, nr int) {
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
			dst := make([]T, roundUp(rows, mr)*kc+2)
			packA(dst, a, ca+pad, trans, off, rows, off, kc, mr)
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
			packB(dst, b, cb+pad, trans, off, kc, off, cols, nr)
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

func BenchmarkPackB(b *testing.B) {
	const k, n = 400, 784
	src := make([]float32, k*n)
	dst := make([]float32, roundUp(n, 16)*256)
	for _, trans := range []bool{false, true} {
		name := "NoTrans"
		if trans {
			name = "Trans"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for pc := 0; pc < k; pc += 200 {
					if trans {
						packB(dst, src, k, true, pc, 200, 0, n, 16)
					} else {
						packB(dst, src, n, false, pc, 200, 0, n, 16)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(k*n), "ns/elem")
		})
	}
}

func BenchmarkPackA(b *testing.B) {
	const m, k = 128, 784
	src := make([]float32, m*k)
	dst := make([]float32, roundUp(m, 6)*256+2)
	for _, trans := range []bool{false, true} {
		name := "NoTrans"
		if trans {
			name = "Trans"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				for pc := 0; pc < k; pc += 196 {
					if trans {
						packA(dst, src, m, true, 0, m, pc, 196, 6)
					} else {
						packA(dst, src, k, false, 0, m, pc, 196, 6)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(k*m), "ns/elem")
		})
	}
}
