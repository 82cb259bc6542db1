package xgboost

import (
	"math"

	"github.com/netwarden/netwarden/internal/tree"
)

// The bit-vector layout scores a batch on a CPU with AVX-512 (walkQS,
// score_qs_amd64.s) by QuickScorer's rule (Lucchese, Nardini, Orlando,
// Perego, Tonellotto and Venturini, "QuickScorer: a fast algorithm to rank
// documents with additive ensembles of regression trees", SIGIR 2015),
// tree by tree as in its vectorised form (Lucchese et al., "Exploiting CPU
// SIMD extensions to speed-up document scoring with tree ensembles", SIGIR
// 2016). Number a tree's leaves left to right and give each row a bit
// vector of the leaves it may still reach, all set at first; every split
// the row goes right at (x ≥ c) clears the leaves of the split's left
// subtree. The exit leaf is then the leftmost leaf left, whatever order the
// splits are taken in: the splits are tested all at once for 16 rows in a
// register, a compare and a masked AND each, with no walk from node to node
// and no value gathered; the work is one step per split of the tree,
// padding none. The leaf comes out of a count of leading zeros (leaf i is
// bit W−1−i of a W-bit vector) and a table look-up in registers, and each
// row adds its leaves in float32 in tree order, so the sums are those of
// the other walks bit for bit.
//
// The layout is one []uint32 stream, tree after tree:
//
//	header  4 words: the number of splits s, the leaf table's size class k
//	        (0: up to 16 leaves, 1: up to 32, both 32-bit vectors; 2: up to
//	        64, 64-bit vectors), 0, 0
//	splits  s × 3 words (k < 2) or s × 4 (k = 2): feature × levelBlock, the
//	        float32 condition's bits, the mask of the leaves it keeps when
//	        x ≥ c (one word, or the low word then the high one)
//	leaves  16 << k words: the leaf values (float32 bits), left to right
const (
	qsMaxLeaves = 64
	qsHeader    = 4
)

// qsSplit returns the words of a split of size class k.
func qsSplit(k int) int {
	if k == 2 {
		return 4
	}
	return 3
}

// useQS selects the bit-vector layout where the CPU has it; tests switch
// it off to compare the other walks with it.
var useQS = true

// bits reports whether a batch is scored through l's bit-vector copy: it
// was built (the CPU has AVX-512 and every tree fits) and is switched on.
func (l *levels) bits() bool { return l.qs != nil && levelAsm && useQS }

// qsSize returns the words of the bit-vector layout of trees (whose splits
// newLevels checked), or 0 when the CPU lacks AVX-512 or a tree has more
// than qsMaxLeaves leaves.
func qsSize(trees []tree.Tree) int {
	if !qsAsm {
		return 0
	}
	n := 0
	for i := range trees {
		splits, leaves := 0, 0
		for _, nd := range trees[i].Nodes {
			if nd.Feature < 0 {
				leaves++
			} else {
				splits++
			}
		}
		k := qsClass(leaves)
		if k < 0 {
			return 0
		}
		n += qsHeader + qsSplit(k)*splits + 16<<k
	}
	return n
}

// qsClass returns the size class of a tree of n leaves, or −1 when n is
// more than qsMaxLeaves.
func qsClass(n int) int {
	switch {
	case n <= 16:
		return 0
	case n <= 32:
		return 1
	case n <= qsMaxLeaves:
		return 2
	}
	return -1
}

// newQS builds the bit-vector layout of trees (numerical, one value a
// leaf, every condition the image of a float32 one, as newLevels checked),
// or returns nil when qsSize is 0.
func newQS(trees []tree.Tree) []uint32 {
	size := qsSize(trees)
	if size == 0 {
		return nil
	}
	qs := make([]uint32, 0, size)
	nodes := 0
	for i := range trees {
		nodes = max(nodes, len(trees[i].Nodes))
	}
	// Each node's leaves are [first, end) in the left-to-right order.
	span := make([]int32, 2*nodes)
	for ti := range trees {
		t := &trees[ti]
		first, end := span[:len(t.Nodes)], span[len(t.Nodes):2*len(t.Nodes)]
		var nl int32
		var number func(j int32)
		number = func(j int32) {
			n := &t.Nodes[j]
			first[j] = nl
			if n.Feature < 0 {
				nl++
			} else {
				number(n.Left)
				number(n.Right)
			}
			end[j] = nl
		}
		number(0)
		k := qsClass(int(nl))
		w := int32(32)
		if k == 2 {
			w = 64
		}
		splits := 0
		for _, n := range t.Nodes {
			if n.Feature >= 0 {
				splits++
			}
		}
		qs = append(qs, uint32(splits), uint32(k), 0, 0)
		for _, n := range t.Nodes {
			if n.Feature < 0 {
				continue
			}
			c, _ := cond32(n.Threshold)
			// Leaf i is bit w−1−i: clear those of the left subtree.
			var left uint64
			for i := first[n.Left]; i < end[n.Left]; i++ {
				left |= 1 << (w - 1 - i)
			}
			mask := ^left
			if w == 32 {
				mask &= math.MaxUint32
			}
			qs = append(qs, uint32(n.Feature)*levelBlock, math.Float32bits(c), uint32(mask))
			if w == 64 {
				qs = append(qs, uint32(mask>>32))
			}
		}
		leaves := qs[len(qs) : len(qs)+16<<k]
		clear(leaves)
		for j, n := range t.Nodes {
			if n.Feature < 0 {
				leaves[first[j]] = math.Float32bits(float32(t.Values[j]))
			}
		}
		qs = qs[:len(qs)+len(leaves)]
	}
	return qs
}

// pfRange is memory walkQS asks for while it scores: the addresses
// [next, end), lines cache lines before each tree.
type pfRange struct {
	next, end uintptr
	lines     int
}
