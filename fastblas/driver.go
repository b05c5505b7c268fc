package fastblas

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/govae/govae/internal/par"
)

// SplitFrom is the number of multiply-adds (m·n·k) below which a product
// runs on the calling goroutine alone. On the project's 2-core machine a
// second goroutine gains little even on large products and loses on the
// small ones of a batch-20 step (BenchmarkSgemm, -cpu 1,2, in one sitting
// with nothing else running: 128×784×400 0.85 → 0.78 ms, 784×128×400 0.63
// → 0.66 ms, 20×784×200 0.113 → 0.114 ms, 20×200×200 0.029 → 0.032 ms),
// and a Burda training step took 1.5 ms on one core against 2.3 ms on two
// with products split from 2^18 multiply-adds.
const SplitFrom = 1 << 24

// packBudget bounds the packed copy of op(A) and of op(B), in elements; a
// larger product is done in blocks of rows and columns that fit.
const packBudget = 1 << 22

// unitPanels is the width of a unit of work, in micro-panels of B.
const unitPanels = 4

// directMaxPanels is the largest number of row panels of op(A) for which
// whole panels of an untransposed B are read in place rather than packed:
// each is then used so few times that packing it costs more than reading
// it strided. The kernel and the values are the same either way, and so are
// the results. Measured on one core (float32, GFLOP per CPU-second, packed
// → in place): m=20 n=200 k=784 63 → 75; m=20 n=1024 k=512 62 → 77;
// m=48 n=512 k=512 95 → 100; m=128 n=400 k=784 96 → 101; m=512 n=512
// k=512 105 → 96 (a 2 KiB stride puts a panel's rows in few cache sets).
// A variable so that tests can compare both paths.
var directMaxPanels = 8

// kernel describes one element type's micro-kernel and cache blocking.
//
// Blocking follows BLIS (Van Zee and van de Geijn, 2015): a kc×nr
// micro-panel of B stays in L1 while the kernel sweeps an mc×kc block of A
// held in L2. kcMax keeps a B micro-panel plus an A micro-panel within a
// 32 KiB L1; mcMax·kcMax values of A sit well inside a 1 MiB L2.
type kernel[T float] struct {
	mr, nr int
	run    func(kc int, a, b *T, ldb int, c *T, ldc int, alpha T, store bool)
	// wide, where the processor has it, computes two mr×nr tiles side by
	// side with the arithmetic of two calls of run, element for element;
	// the second tile's B starts bnext elements after the first's.
	wide         func(kc int, a, b *T, ldb, bnext int, c *T, ldc int, alpha T, store bool)
	packA, packB panelPacker[T] // of width mr and nr
	kcMax, mcMax int
	pool         sync.Pool // of *blockJob[T]
}

var (
	sKernel = &kernel[float32]{
		mr: 6, nr: 16, run: sgemmKernel6x16, wide: wideKernel(),
		packA: panelPacker[float32]{width: 6, vec: 8, copy: packA6T, trans: packA6N},
		packB: panelPacker[float32]{width: 16, vec: 8, copy: packB16N, trans: packB16T},
		kcMax: 256, mcMax: 144,
	}
	dKernel = &kernel[float64]{
		mr: 6, nr: 8, run: dgemmStore6x8,
		packA: panelPacker[float64]{width: 6, vec: 4, copy: packA6T64, trans: packA6N64},
		packB: panelPacker[float64]{width: 8, vec: 4, copy: packB8N, trans: packB8T},
		kcMax: 256, mcMax: 96,
	}
)

// wideKernel returns the AVX-512 6×32 kernel where it can run, else nil.
// On the project's machine (AMD EPYC, "Turin-like" in Go's benchmark
// header) it doubles the kernel's rate: `go test -run '^$' -bench
// Kernel/f32 -benchtime 2000x ./fastblas/` on one core, three times on a
// loaded machine, gave 95-104 GFLOP/s for f32_6x16 (once 53) and 193-212
// for f32_6x32. The AVX2 kernel keeps twelve accumulators of 8 lanes, the
// wide one twelve of 16.
func wideKernel() func(kc int, a, b *float32, ldb, bnext int, c *float32, ldc int, alpha float32, store bool) {
	if !haveWide {
		return nil
	}
	return sgemmKernel6x32
}

// gemmArgs are the (validated) arguments of one product
// C = alpha·op(A)·op(B) + beta·C in row-major storage.
type gemmArgs[T float] struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int
}

// region is a rectangle C[i0:i1, j0:j1].
type region struct{ i0, i1, j0, j1 int }

// gemm computes the product on up to workers goroutines.
//
// Each element of C is finished by exactly one goroutine: it adds the k
// dimension in fixed blocks of kcStep (which depends on k alone), in order,
// each block through the same micro-kernel. Which goroutine does which part
// changes nothing in the arithmetic, so the result is the same bits for
// any workers and any scheduling.
func gemm[T float](kern *kernel[T], workers int, g gemmArgs[T]) {
	if g.m == 0 || g.n == 0 {
		return
	}
	if g.alpha == 0 || g.k == 0 {
		if g.beta != 1 {
			scale(g.c, g.ldc, 0, g.m, 0, g.n, g.beta)
		}
		return
	}
	if float64(g.m)*float64(g.n)*float64(g.k) < SplitFrom {
		workers = 1
	}
	rows := max(kern.mr, packBudget/g.k/kern.mr*kern.mr)
	cols := max(kern.nr, packBudget/g.k/kern.nr*kern.nr)
	job, _ := kern.pool.Get().(*blockJob[T])
	if job == nil {
		job = &blockJob[T]{kern: kern}
	}
	defer kern.pool.Put(job)
	job.g = g
	for i0 := 0; i0 < g.m; i0 += rows {
		for j0 := 0; j0 < g.n; j0 += cols {
			job.run(region{i0, min(i0+rows, g.m), j0, min(j0+cols, g.n)}, workers)
		}
	}
	job.g = gemmArgs[T]{} // the pool keeps no caller's matrices
}

// blockJob is the work on one block of C: packing every micro-panel of
// op(A) and op(B) it needs (for all of k), then the units of C. Goroutines
// take panels, then units, in turn from two counters; none computes before
// all is packed. A blockJob and its buffers are reused from one product to
// the next.
type blockJob[T float] struct {
	kern     *kernel[T]
	g        gemmArgs[T]
	r        region
	kcStep   int
	mPanels  int // panels of op(A) in the block; op(B)'s follow
	nPanels  int
	directB  bool     // whole panels of B are read in place (see directMaxPanels)
	ap, bp   []T      // packed op(A) and op(B)
	tiles    []T      // one mr×2nr edge tile per goroutine
	units    []region // of C, see units
	nextPack atomic.Int64
	nextUnit atomic.Int64
	packed   sync.WaitGroup
	workFn   func(w int) // job.work, made once
}

// run computes C over r with job.g's arguments on up to workers goroutines.
func (job *blockJob[T]) run(r region, workers int) {
	kern, g := job.kern, &job.g
	mr, nr := kern.mr, kern.nr
	job.r = r
	job.kcStep = ceilDiv(g.k, ceilDiv(g.k, kern.kcMax))
	job.mPanels = ceilDiv(r.i1-r.i0, mr)
	job.nPanels = ceilDiv(r.j1-r.j0, nr)
	job.directB = !g.bTrans && job.mPanels <= directMaxPanels
	job.ap = grow(job.ap, job.mPanels*mr*g.k)
	job.bp = grow(job.bp, job.nPanels*nr*g.k)
	job.units = kern.units(job.units[:0], r)
	workers = min(workers, max(job.mPanels+job.nPanels, len(job.units)))
	job.tiles = grow(job.tiles, workers*mr*2*nr) // room for a wide tile
	job.nextPack.Store(0)
	job.nextUnit.Store(0)

	job.packed.Add(job.mPanels + job.nPanels)
	if job.workFn == nil {
		job.workFn = job.work
	}
	par.Run(workers, job.workFn)
}

// units appends to units the units of work of r: row blocks of at most
// mcMax rows (a multiple of mr) × unitPanels micro-panels of B.
func (kern *kernel[T]) units(units []region, r region) []region {
	rows := r.i1 - r.i0
	mc := roundUp(ceilDiv(rows, ceilDiv(rows, kern.mcMax)), kern.mr)
	for i := r.i0; i < r.i1; i += mc {
		for j := r.j0; j < r.j1; j += unitPanels * kern.nr {
			units = append(units, region{i, min(i+mc, r.i1), j, min(j+unitPanels*kern.nr, r.j1)})
		}
	}
	return units
}

// work packs panels while any are left, waits for all to be packed, then
// computes units while any are left. w numbers the goroutine (its tile).
func (job *blockJob[T]) work(w int) {
	for {
		t := int(job.nextPack.Add(1)) - 1
		if t >= job.mPanels+job.nPanels {
			break
		}
		job.pack(t)
		job.packed.Done()
	}
	job.packed.Wait()
	size := job.kern.mr * 2 * job.kern.nr
	tile := job.tiles[w*size:][:size]
	for {
		t := int(job.nextUnit.Add(1)) - 1
		if t >= len(job.units) {
			return
		}
		job.compute(job.units[t], tile)
	}
}

// pack packs micro-panel t for every block of k: panels of op(A) first,
// then of op(B). In the packed copies, the block of k starting at p0 begins
// at p0·mPanels·mr (A) or p0·nPanels·nr (B), and holds its panels in order.
func (job *blockJob[T]) pack(t int) {
	kern := job.kern
	g, mr, nr, k := &job.g, kern.mr, kern.nr, job.g.k
	if t < job.mPanels {
		r0 := job.r.i0 + t*mr
		h := min(mr, job.r.i1-r0)
		for p0 := 0; p0 < k; p0 += job.kcStep {
			kc := min(job.kcStep, k-p0)
			packPanel(&kern.packA, job.ap[p0*job.mPanels*mr+t*mr*kc:], g.a, g.lda, !g.aTrans, p0, kc, r0, h)
		}
		return
	}
	t -= job.mPanels
	c0 := job.r.j0 + t*nr
	w := min(nr, job.r.j1-c0)
	if job.directB && w == nr {
		return
	}
	for p0 := 0; p0 < k; p0 += job.kcStep {
		kc := min(job.kcStep, k-p0)
		packPanel(&kern.packB, job.bp[p0*job.nPanels*nr+t*nr*kc:], g.b, g.ldb, g.bTrans, p0, kc, c0, w)
	}
}

// compute finishes C over the unit u: it scales it by beta, then adds
// alpha·op(A)·op(B) one block of k after another. With beta = 0 the first
// block stores its tiles instead (the same bits as adding them to zeros),
// which saves a pass clearing C. Where the kernel has a wide form, two
// whole panels of B side by side go through it together, with the same
// arithmetic as one at a time.
func (job *blockJob[T]) compute(u region, tile []T) {
	g, mr, nr := &job.g, job.kern.mr, job.kern.nr
	if g.beta != 1 && g.beta != 0 {
		scale(g.c, g.ldc, u.i0, u.i1, u.j0, u.j1, g.beta)
	}
	for p0 := 0; p0 < g.k; p0 += job.kcStep {
		kc := min(job.kcStep, g.k-p0)
		store := g.beta == 0 && p0 == 0
		ablk := job.ap[p0*job.mPanels*mr:]
		for j := u.j0; j < u.j1; {
			w := min(nr, u.j1-j)
			bp, ldb := job.panelB(p0, kc, j, w)
			bnext := 0
			if job.kern.wide != nil && u.j1-j >= 2*nr {
				// Two whole panels, all read in place or all packed, so
				// the second one starts a fixed step after the first
				// (panelB bounds-checks it: the kernel reads it unchecked).
				job.panelB(p0, kc, j+nr, nr)
				w, bnext = 2*nr, nr*kc
				if job.directB {
					bnext = nr
				}
			}
			for i := u.i0; i < u.i1; i += mr {
				ap := ablk[(i-job.r.i0)*kc:][:mr*kc]
				job.tile(kc, ap, bp, ldb, bnext, i*g.ldc+j, min(mr, u.i1-i), w, tile, store)
			}
			j += w
		}
	}
}

// panelB returns the start and row stride of the panel of op(B) whose
// first column is j (w columns wide), for the block of k at p0: read in
// place or packed.
func (job *blockJob[T]) panelB(p0, kc, j, w int) (*T, int) {
	g, nr := &job.g, job.kern.nr
	if job.directB && w == nr {
		_ = g.b[(p0+kc-1)*g.ldb+j+nr-1]
		return &g.b[p0*g.ldb+j], g.ldb
	}
	bblk := job.bp[p0*job.nPanels*nr:]
	return &bblk[(j-job.r.j0)*kc:][:nr*kc][0], nr
}

// tile adds the block of k to the h×w tile of C at ci: one panel of B (w
// at most nr), or two side by side through the wide kernel (w = 2nr, the
// second panel bnext elements after the first). Tiles cut by the edge of C
// go through tile, with the same kernel and so the same arithmetic as
// whole tiles (a tile that is stored is not read, so C is not copied into
// it).
func (job *blockJob[T]) tile(kc int, ap []T, bp *T, ldb, bnext, ci, h, w int, tile []T, store bool) {
	g, mr := &job.g, job.kern.mr
	span := job.kern.nr // the kernel's width
	if w > span {
		span *= 2
	}
	c, ldc := g.c, g.ldc
	if h == mr && w == span {
		_ = c[ci+(mr-1)*ldc+span-1]
		job.kernel(span, kc, &ap[0], bp, ldb, bnext, &c[ci], ldc, store)
		return
	}
	if !store {
		for r := range h {
			copy(tile[r*span:][:w], c[ci+r*ldc:][:w])
		}
	}
	job.kernel(span, kc, &ap[0], bp, ldb, bnext, &tile[0], span, store)
	for r := range h {
		copy(c[ci+r*ldc:][:w], tile[r*span:][:w])
	}
}

// kernel runs the micro-kernel of width span (nr, or 2nr for the wide one).
func (job *blockJob[T]) kernel(span, kc int, a, b *T, ldb, bnext int, c *T, ldc int, store bool) {
	if span == job.kern.nr {
		job.kern.run(kc, a, b, ldb, c, ldc, job.g.alpha, store)
		return
	}
	job.kern.wide(kc, a, b, ldb, bnext, c, ldc, job.g.alpha, store)
}

// dgemmStore6x8 gives the float64 kernel the store mode of the float32 one
// (C = alpha·acc) by clearing the 6×8 tile first; float64 is not on the
// hot path.
func dgemmStore6x8(kc int, a, b *float64, ldb int, c *float64, ldc int, alpha float64, store bool) {
	if store {
		tile := unsafe.Slice(c, 5*ldc+8)
		for r := range 6 {
			clear(tile[r*ldc : r*ldc+8])
		}
	}
	dgemmKernel6x8(kc, a, b, ldb, c, ldc, alpha)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// grow returns s with length n, reusing its storage when large enough.
func grow[T float](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
