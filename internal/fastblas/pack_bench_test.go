package fastblas

import "testing"

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
	dst := make([]float32, roundUp(m, 6)*256)
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
