package fastblas

import (
	"sync"
	"sync/atomic"
)

// parallelMin is the number of multiply-adds (m·n·k) below which a product
// runs on the calling goroutine alone: smaller ones take a few microseconds,
// about what starting a goroutine costs.
const parallelMin = 1 << 18

// kernel describes one element type's micro-kernel and cache blocking.
//
// Blocking follows BLIS (Van Zee and van de Geijn, 2015): a kc×NR micro-panel
// of B stays in L1 while the kernel sweeps an mc×kc block of A held in L2.
// kcMax keeps a B micro-panel (kcMax·nr values) plus an A micro-panel within
// a 32 KiB L1; mcMax·kcMax values of A sit well inside a 1 MiB L2.
type kernel[T float] struct {
	mr, nr              int
	run                 func(kc int, a, b, c *T, ldc int, alpha T)
	kcMax, mcMax, ncMax int
	pool                sync.Pool // of *workspace[T]
}

var (
	sKernel = &kernel[float32]{mr: 6, nr: 16, run: sgemmKernel6x16, kcMax: 256, mcMax: 144, ncMax: 2048}
	dKernel = &kernel[float64]{mr: 6, nr: 8, run: dgemmKernel6x8, kcMax: 256, mcMax: 96, ncMax: 1024}
)

// workspace holds one goroutine's packing buffers and the edge tile.
type workspace[T float] struct {
	a, b, tile []T
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

// region is a rectangle C[i0:i1, j0:j1] computed by one goroutine.
type region struct{ i0, i1, j0, j1 int }

// gemm computes the product on up to workers goroutines.
//
// Each element of C is finished by exactly one goroutine: it adds the k
// dimension in fixed blocks of kcStep (which depends on k alone), each block
// through the same micro-kernel in the same order. Region borders fall on
// multiples of mr and nr, so how C is shared among goroutines changes
// nothing in the arithmetic and the result is the same bits for any
// workers and any scheduling.
func gemm[T float](kern *kernel[T], workers int, g *gemmArgs[T]) {
	if g.m == 0 || g.n == 0 {
		return
	}
	if g.alpha == 0 || g.k == 0 {
		if g.beta != 1 {
			scale(g.c, g.ldc, 0, g.m, 0, g.n, g.beta)
		}
		return
	}
	regions := kern.split(g.m, g.n, g.k, workers)
	if len(regions) == 1 {
		kern.compute(g, regions[0])
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func() {
		for {
			t := int(next.Add(1)) - 1
			if t >= len(regions) {
				return
			}
			kern.compute(g, regions[t])
		}
	}
	for range min(workers, len(regions)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// split cuts C into regions for workers goroutines: one region when the
// product is small, else a grid that cuts the dimension whose other operand
// is cheaper to pack twice (every region packs all of its rows of op(A) and
// columns of op(B)).
func (kern *kernel[T]) split(m, n, k, workers int) []region {
	mp, np := ceilDiv(m, kern.mr), ceilDiv(n, kern.nr)
	tm, tn := 1, 1
	if workers > 1 && float64(m)*float64(n)*float64(k) >= parallelMin {
		if m <= n {
			tn = min(workers, np)
			tm = min(ceilDiv(workers, tn), mp)
		} else {
			tm = min(workers, mp)
			tn = min(ceilDiv(workers, tm), np)
		}
	}
	regions := make([]region, 0, tm*tn)
	for s := range tm {
		i0, i1 := s*mp/tm*kern.mr, min((s+1)*mp/tm*kern.mr, m)
		for t := range tn {
			j0, j1 := t*np/tn*kern.nr, min((t+1)*np/tn*kern.nr, n)
			regions = append(regions, region{i0, i1, j0, j1})
		}
	}
	return regions
}

// compute finishes C over the region r.
func (kern *kernel[T]) compute(g *gemmArgs[T], r region) {
	mr, nr := kern.mr, kern.nr
	if g.beta != 1 {
		scale(g.c, g.ldc, r.i0, r.i1, r.j0, r.j1, g.beta)
	}
	kcStep := ceilDiv(g.k, ceilDiv(g.k, kern.kcMax))
	rows := r.i1 - r.i0
	mcStep := roundUp(ceilDiv(rows, ceilDiv(rows, kern.mcMax)), mr)
	ncStep := min(kern.ncMax, roundUp(r.j1-r.j0, nr))

	ws, _ := kern.pool.Get().(*workspace[T])
	if ws == nil {
		ws = &workspace[T]{tile: make([]T, mr*nr)}
	}
	defer kern.pool.Put(ws)
	ws.a = grow(ws.a, mcStep*kcStep+2) // +2: see packA
	ws.b = grow(ws.b, ncStep*kcStep)

	for jc := r.j0; jc < r.j1; jc += ncStep {
		nc := min(ncStep, r.j1-jc)
		for pc := 0; pc < g.k; pc += kcStep {
			kc := min(kcStep, g.k-pc)
			packB(ws.b, g.b, g.ldb, g.bTrans, pc, kc, jc, nc, nr)
			for ic := r.i0; ic < r.i1; ic += mcStep {
				mc := min(mcStep, r.i1-ic)
				packA(ws.a, g.a, g.lda, g.aTrans, ic, mc, pc, kc, mr)
				kern.macro(g, ws, ic, mc, jc, nc, kc)
			}
		}
	}
}

// macro runs the micro-kernel over C[ic:ic+mc, jc:jc+nc] with packed A and B.
// Tiles cut by the edge of C go through ws.tile, with the same kernel and so
// the same arithmetic as whole tiles.
func (kern *kernel[T]) macro(g *gemmArgs[T], ws *workspace[T], ic, mc, jc, nc, kc int) {
	mr, nr, c, ldc := kern.mr, kern.nr, g.c, g.ldc
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		bp := ws.b[jr*kc:][:nr*kc]
		for ir := 0; ir < mc; ir += mr {
			h := min(mr, mc-ir)
			ap := ws.a[ir*kc:][:mr*kc]
			ci := (ic+ir)*ldc + jc + jr
			if h == mr && w == nr {
				_ = c[ci+(mr-1)*ldc+nr-1]
				kern.run(kc, &ap[0], &bp[0], &c[ci], ldc, g.alpha)
				continue
			}
			tile := ws.tile
			for i := range h {
				copy(tile[i*nr:][:w], c[ci+i*ldc:][:w])
			}
			kern.run(kc, &ap[0], &bp[0], &tile[0], nr, g.alpha)
			for i := range h {
				copy(c[ci+i*ldc:][:w], tile[i*nr:][:w])
			}
		}
	}
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
