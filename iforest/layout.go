package iforest

import (
	"math"
	"math/bits"

	"github.com/netwarden/netwarden/internal/tree"
)

// The packed scoring layout.
//
// A classic forest whose trees are at most packDepth deep, with at most
// packFeatures features and every threshold on the key grid (what Fit
// produces by default), is also kept as an array of ptree: each tree a
// complete binary tree in heap order (root at slot 1, the children of slot i
// at 2i and 2i+1), so a walk needs no child pointers and takes exactly
// packDepth steps. A leaf above the last level is padded with nodes that send
// every row left, and its path length is stored at the slot the all-left walk
// ends on; after packDepth steps the slot is in [256, 512) and its low 8 bits
// index the leaf table.
//
// A node is one uint64: the threshold's order key with the split feature in
// its low 8 bits. The row is turned once into the keys of its values with
// the low 8 bits set (rowKey), so that one step is two loads and an unsigned
// comparison, without a branch, a flag test or a bounds check:
//
//	n := node[i]; i = 2i + [n < rowKey[feature(n)]]
//
// (in the assembly kernel a CMP and an ADC). orderKey maps float64 to uint64
// monotonically (−0 as +0), so x < t exactly when tree.OrderKey(x) <
// tree.OrderKey(t); that is exact for every float64 x because the thresholds
// are on the grid (their key is a multiple of 2^9, see gridThreshold):
// overwriting the low 8 bits with the feature (at most 254, so that n never
// equals a row key) does not change any comparison with such a threshold.
const (
	packDepth    = 8
	packFeatures = 255
	packSlots    = 1 << packDepth
	// gridBits is how many low bits of a threshold's order key are zero: 8
	// for the feature, and one more that an earlier encoding needed, kept so
	// that Fit places thresholds, and saved forests read back, as before.
	gridBits = 9
	gridMask = 1<<gridBits - 1
	// padNode sends every finite row left: it exceeds every finite value's
	// row key, and it reads feature 0.
	padNode = math.MaxUint64 &^ 0xFF
)

// ptree is one tree of the packed layout: 4 KiB.
type ptree struct {
	node [packSlots]uint64  // slot 0 unused
	leaf [packSlots]float64 // path length by final slot & 255
}

// laneKeys is a row's keys in a batch, padded so that the rows of a batch
// do not all fall on the same few sets of the L1 cache (at a stride of
// 2 KiB, 24 rows overflow its 12 ways).
type laneKeys struct {
	k rowKeys
	_ [8]uint64
}

// rowKeys holds a row's keys (see rowKey), indexed by feature; the uint8
// index needs no bounds check.
type rowKeys = [256]uint64

// fromOrderKey is the inverse of orderKey.
func fromOrderKey(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// rowKey is x's entry in a rowKeys: its order key with the low 8 bits set,
// so that for a node n with a threshold on the
// grid and a feature below 255, n < rowKey(x) exactly when x ≥ the node's
// threshold (x goes right).
func rowKey(x float64) uint64 {
	return tree.OrderKey(x) | 0xFF
}

// onGrid reports whether threshold t can be packed.
func onGrid(t float64) bool {
	return tree.OrderKey(t)&gridMask == 0
}

// gridThreshold returns a threshold on the key grid that splits the rows of a
// node as thr does when the node's values lie in [lo, hi] and lo < thr ≤ hi:
// the grid value at or above thr if it is at most hi, else the one below if it
// is above lo (so that neither child is empty). The grid is 2^9 ulps wide
// (a relative step of about 10^−13), so the split moves by less than any
// measurement in practice. When the range holds no grid value it returns thr
// itself and the forest is scored by the general walk.
func gridThreshold(thr, lo, hi float64) float64 {
	k := tree.OrderKey(thr)
	if k&gridMask == 0 {
		return thr
	}
	klo, khi := tree.OrderKey(lo), tree.OrderKey(hi)
	if up := (k + gridMask) &^ gridMask; up <= khi {
		return fromOrderKey(up)
	}
	if down := k &^ gridMask; down > klo {
		return fromOrderKey(down)
	}
	return thr
}

// packTrees returns the packed layout of trees, or nil when one of them
// cannot be packed (deeper than packDepth, a threshold off the grid, or too
// many features).
func packTrees(trees []tree.Tree, numFeatures int) []ptree {
	if numFeatures > packFeatures {
		return nil
	}
	for i := range trees {
		t := &trees[i]
		if t.MaxDepth() > packDepth {
			return nil
		}
		for _, n := range t.Nodes {
			if n.Feature >= 0 && !onGrid(n.Threshold) {
				return nil
			}
		}
	}
	out := make([]ptree, len(trees))
	for i := range trees {
		out[i].pack(&trees[i])
	}
	return out
}

func (p *ptree) pack(t *tree.Tree) {
	for s := range p.node {
		p.node[s] = padNode
	}
	var walk func(old int32, slot uint, depth int)
	walk = func(old int32, slot uint, depth int) {
		n := &t.Nodes[old]
		if n.Feature < 0 {
			p.leaf[(slot<<(packDepth-depth))&(packSlots-1)] = t.Values[old]
			return
		}
		p.node[slot] = tree.OrderKey(n.Threshold) | uint64(n.Feature)
		walk(n.Left, 2*slot, depth+1)
		walk(n.Right, 2*slot+1, depth+1)
	}
	walk(0, 1, 0)
}

// fillKeysFinite writes x's row keys into g (x has at most 256 values) and
// reports whether every value of x is finite, in the same pass.
func fillKeysFinite(g *rowKeys, x []float64) bool {
	gg := g[:len(x)]
	var inf uint64
	if useAsm && len(x) >= 2 {
		if fillKeys2(&gg[0], &x[0], len(x)/2) {
			inf = 1
		}
		x, gg = x[len(x)&^1:], gg[len(x)&^1:]
	}
	for j, v := range x {
		// The exponent is all ones (±Inf, NaN) exactly when the bits
		// without the sign, shifted up, are at least 0xFFE0…0: adding
		// 2^53 then carries out.
		_, c := bits.Add64(math.Float64bits(v)<<1, 1<<53, 0)
		inf |= c
		gg[j] = rowKey(v)
	}
	return inf == 0
}

// step takes one step down tree p for the row g from slot i.
func (p *ptree) step(i uint, g *rowKeys) uint {
	n := p.node[i&(packSlots-1)]
	return i<<1 | uint(b2u(n < g[uint8(n)]))
}

// packedPathSum is pathSum over the packed layout for the row g: the trees
// eight at a time, their eight walks interleaved so that they overlap in the
// CPU. Each walk is written out step by step (not a loop) because the Go
// compiler then keeps the eight slots in registers.
func packedPathSum(trees []ptree, g *rowKeys) float64 {
	var sum float64
	t := 0
	if useAsm {
		for ; t+16 <= len(trees); t += 16 {
			sum = packedRowAsm16((*[16]ptree)(trees[t:t+16]), g, sum)
		}
		for ; t+8 <= len(trees); t += 8 {
			sum = packedRowAsm8((*[8]ptree)(trees[t:t+8]), g, sum)
		}
	}
	for ; t+8 <= len(trees); t += 8 {
		ts := trees[t : t+8 : t+8]
		t0, t1, t2, t3, t4, t5, t6, t7 := &ts[0], &ts[1], &ts[2], &ts[3], &ts[4], &ts[5], &ts[6], &ts[7]
		i0, i1, i2, i3, i4, i5, i6, i7 := t0.step(1, g), t1.step(1, g), t2.step(1, g), t3.step(1, g), t4.step(1, g), t5.step(1, g), t6.step(1, g), t7.step(1, g)
		for range packDepth - 1 {
			i0, i1, i2, i3, i4, i5, i6, i7 = t0.step(i0, g), t1.step(i1, g), t2.step(i2, g), t3.step(i3, g), t4.step(i4, g), t5.step(i5, g), t6.step(i6, g), t7.step(i7, g)
		}
		sum += t0.leaf[i0&(packSlots-1)]
		sum += t1.leaf[i1&(packSlots-1)]
		sum += t2.leaf[i2&(packSlots-1)]
		sum += t3.leaf[i3&(packSlots-1)]
		sum += t4.leaf[i4&(packSlots-1)]
		sum += t5.leaf[i5&(packSlots-1)]
		sum += t6.leaf[i6&(packSlots-1)]
		sum += t7.leaf[i7&(packSlots-1)]
	}
	for ; t < len(trees); t++ {
		p := &trees[t]
		i := uint(1)
		for range packDepth {
			i = p.step(i, g)
		}
		sum += p.leaf[i&(packSlots-1)]
	}
	return sum
}

// packedGroup adds to sums the path lengths in tree p of the eight rows of
// g: eight interleaved walks, written out level by level so that the eight
// slots stay in registers.
func (p *ptree) packedGroup(g *[8]laneKeys, sums *[8]float64) {
	g0, g1, g2, g3, g4, g5, g6, g7 := &g[0].k, &g[1].k, &g[2].k, &g[3].k, &g[4].k, &g[5].k, &g[6].k, &g[7].k
	i0, i1, i2, i3, i4, i5, i6, i7 := p.step(1, g0), p.step(1, g1), p.step(1, g2), p.step(1, g3), p.step(1, g4), p.step(1, g5), p.step(1, g6), p.step(1, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	i0, i1, i2, i3, i4, i5, i6, i7 = p.step(i0, g0), p.step(i1, g1), p.step(i2, g2), p.step(i3, g3), p.step(i4, g4), p.step(i5, g5), p.step(i6, g6), p.step(i7, g7)
	sums[0] += p.leaf[i0&(packSlots-1)]
	sums[1] += p.leaf[i1&(packSlots-1)]
	sums[2] += p.leaf[i2&(packSlots-1)]
	sums[3] += p.leaf[i3&(packSlots-1)]
	sums[4] += p.leaf[i4&(packSlots-1)]
	sums[5] += p.leaf[i5&(packSlots-1)]
	sums[6] += p.leaf[i6&(packSlots-1)]
	sums[7] += p.leaf[i7&(packSlots-1)]
}

// b2u is 1 for true and 0 for false, without a branch.
func b2u(b bool) uint8 {
	var u uint8
	if b {
		u = 1
	}
	return u
}
