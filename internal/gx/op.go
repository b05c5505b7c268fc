package gx

import (
	"fmt"
	"hash/fnv"

	G "gorgonia.org/gorgonia"
)

// PureOp gives a custom Gorgonia operation the answers every operation of
// govae shares: it returns a fresh value (no pointer into its inputs), runs
// in Go (no external device) and overwrites none of its inputs. Embed it.
type PureOp struct{}

func (PureOp) ReturnsPtr() bool     { return false }
func (PureOp) CallsExtern() bool    { return false }
func (PureOp) OverwritesInput() int { return -1 }

// OpHash is the Hashcode of an operation identified by its String, the
// hash Gorgonia uses to merge identical nodes: FNV-1a of the name.
func OpHash(op fmt.Stringer) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, op.String())
	return h.Sum32()
}

// SumTiles is the adjoint of Tile: for x of (copies·rows, dim), the sum of
// its copies rows at a time, a (rows, dim) matrix; x itself when it holds
// one copy.
func (b *B) SumTiles(x *G.Node, rows int) *G.Node {
	if !b.live(x) {
		return nil
	}
	n, d := x.Shape()[0], x.Shape()[1]
	if n == rows {
		return x
	}
	if rows <= 0 || n%rows != 0 {
		b.Err = fmt.Errorf("gx: sum of tiles: %d rows are not copies of %d", n, rows)
		return nil
	}
	return b.Reshape(b.Sum(b.Reshape(x, n/rows, rows*d), 0), rows, d)
}
