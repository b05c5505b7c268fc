package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchShapes are the products of one training step of the 784-400-20 VAE
// at batch 128 (forward, and the two gradient products of the first layer),
// and the products of the Burda et al. model at batch 20.
var benchShapes = []struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}{
	{"NN_128x784x400", blas.NoTrans, blas.NoTrans, 128, 400, 784}, // X·W
	{"TN_784x128x400", blas.Trans, blas.NoTrans, 784, 400, 128},   // Xᵀ·dY
	{"NT_128x400x784", blas.NoTrans, blas.Trans, 128, 784, 400},   // dY·Wᵀ
	{"NN_20x784x200", blas.NoTrans, blas.NoTrans, 20, 200, 784},   // Burda, batch 20: X·W
	{"TN_784x20x200", blas.Trans, blas.NoTrans, 784, 200, 20},     // Xᵀ·dY
	{"NT_20x200x784", blas.NoTrans, blas.Trans, 20, 784, 200},     // dY·Wᵀ of the decoder's output layer
	{"NN_20x200x200", blas.NoTrans, blas.NoTrans, 20, 200, 200},   // a hidden layer
}

// benchBackend is one BLAS compared.
type benchBackend struct {
	name string
	impl BLAS
}

// benchBackends are gonum's, ours, and OpenBLAS when it loads.
func benchBackends() []benchBackend {
	backends := []benchBackend{{"gonum", gonum.Implementation{}}, {"go", Implementation{}}}
	if cb, err := OpenBLAS(); err == nil {
		backends = append(backends, benchBackend{"openblas", cb})
	}
	return backends
}

// benchGemm runs each shape on each backend and reports GFLOP/s
// (2·m·n·k floating-point operations a product) of wall-clock time and,
// where it can be measured, GFLOP per second of the process's CPU time,
// which other processes on a shared machine disturb much less. CPU time
// counts every thread: OpenBLAS's spin while waiting for work.
func benchGemm[T float](b *testing.B, call func(BLAS) gemmFunc[T]) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, sh := range benchShapes {
		rowsA, colsA := sh.m, sh.k
		if sh.tA == blas.Trans {
			rowsA, colsA = sh.k, sh.m
		}
		rowsB, colsB := sh.k, sh.n
		if sh.tB == blas.Trans {
			rowsB, colsB = sh.n, sh.k
		}
		a := randomMatrix[T](rowsA, colsA, colsA, rnd)
		bm := randomMatrix[T](rowsB, colsB, colsB, rnd)
		c := make([]T, sh.m*sh.n)
		for _, be := range benchBackends() {
			gemm := call(be.impl)
			b.Run(fmt.Sprintf("%s/%s", sh.name, be.name), func(b *testing.B) {
				cpu0, ok := processCPUTime()
				for b.Loop() {
					gemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, colsA, bm, colsB, 0, c, sh.n)
				}
				gflop := 2 * float64(sh.m*sh.n*sh.k) * float64(b.N) / 1e9
				b.ReportMetric(gflop/b.Elapsed().Seconds(), "GFLOP/s")
				if cpu1, _ := processCPUTime(); ok {
					b.ReportMetric(gflop/(cpu1-cpu0).Seconds(), "GFLOP/CPU-s")
				}
			})
		}
	}
}

func BenchmarkSgemm(b *testing.B) {
	benchGemm(b, func(impl BLAS) gemmFunc[float32] { return impl.Sgemm })
}

func BenchmarkDgemm(b *testing.B) {
	benchGemm(b, func(impl BLAS) gemmFunc[float64] { return impl.Dgemm })
}

// BenchmarkKernel runs the micro-kernels alone on panels that stay in L1:
// the ceiling of the whole product.
func BenchmarkKernel(b *testing.B) {
	if !haveKernels {
		b.Skip("no AVX2+FMA")
	}
	const kc = 256
	b.Run("f32_6x16", func(b *testing.B) {
		a, bp, c := make([]float32, 6*kc), make([]float32, 16*kc), make([]float32, 6*16)
		for b.Loop() {
			sgemmKernel6x16(kc, &a[0], &bp[0], 16, &c[0], 16, 1, false)
		}
		b.ReportMetric(2*6*16*kc*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("f32_6x32", func(b *testing.B) {
		if !haveWide {
			b.Skip("no AVX-512")
		}
		a, bp, c := make([]float32, 6*kc), make([]float32, 32*kc), make([]float32, 6*32)
		for b.Loop() {
			sgemmKernel6x32(kc, &a[0], &bp[0], 16, 16*kc, &c[0], 32, 1, false)
		}
		b.ReportMetric(2*6*32*kc*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("f64_6x8", func(b *testing.B) {
		a, bp, c := make([]float64, 6*kc), make([]float64, 8*kc), make([]float64, 6*8)
		for b.Loop() {
			dgemmKernel6x8(kc, &a[0], &bp[0], 8, &c[0], 8, 1)
		}
		b.ReportMetric(2*6*8*kc*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// BenchmarkGorgoniaMLP times one forward and backward pass of a
// 784-400-20-400-784 network (the VAE's layer sizes, without sampling) at
// batch 128 in float32 through Gorgonia, with each backend's BLAS, in time
// and CPU time (all threads) per pass.
func BenchmarkGorgoniaMLP(b *testing.B) {
	for _, be := range benchBackends() {
		b.Run(be.name, func(b *testing.B) {
			G.Use(be.impl)
			defer G.Use(gonum.Implementation{})
			vm, err := newMLPMachine([]int{784, 400, 20, 400, 784}, 128)
			if err != nil {
				b.Fatal(err)
			}
			defer vm.Close()
			cpu0, ok := processCPUTime()
			for b.Loop() {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
			if cpu1, _ := processCPUTime(); ok {
				b.ReportMetric((cpu1-cpu0).Seconds()*1e3/float64(b.N), "CPU-ms/op")
			}
		})
	}
}

// newMLPMachine builds the loss Σ (MLP(x) - x)² of a tanh network with the
// given layer sizes and its gradient, on random data from a fixed seed.
func newMLPMachine(sizes []int, batch int) (G.VM, error) {
	rnd := rand.New(rand.NewPCG(13, 14))
	dense := func(r, c int, scale float64) *tensor.Dense {
		s := make([]float32, r*c)
		for i := range s {
			s[i] = float32(scale * (2*rnd.Float64() - 1))
		}
		return tensor.New(tensor.WithShape(r, c), tensor.WithBacking(s))
	}
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(batch, sizes[0]), G.WithName("x"), G.WithValue(dense(batch, sizes[0], 1)))
	h := x
	var params G.Nodes
	for i := 1; i < len(sizes); i++ {
		w := G.NewMatrix(g, tensor.Float32, G.WithShape(sizes[i-1], sizes[i]), G.WithName(fmt.Sprint("w", i)),
			G.WithValue(dense(sizes[i-1], sizes[i], 1/math.Sqrt(float64(sizes[i-1])))))
		params = append(params, w)
		var err error
		if h, err = G.Mul(h, w); err != nil {
			return nil, err
		}
		if i < len(sizes)-1 {
			if h, err = G.Tanh(h); err != nil {
				return nil, err
			}
		}
	}
	d, err := G.Sub(h, x)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(d)
	if err != nil {
		return nil, err
	}
	loss, err := G.Sum(sq)
	if err != nil {
		return nil, err
	}
	if _, err := G.Grad(loss, params...); err != nil {
		return nil, err
	}
	return G.NewTapeMachine(g), nil
}
