package iforest

import (
	"math"
	"math/rand/v2"

	"github.com/netwarden/netwarden/internal/tree"
)

// matrix is the training data, row-major: element (i, j) is x[i*stride+j].
type matrix struct {
	x            []float64
	n, d, stride int
}

// builder holds one worker's scratch space; it grows one tree at a time.
type builder struct {
	cfg  *resolved
	data *matrix

	perm  []int32   // identity permutation of the rows, restored after each draw
	swaps []int32   // the partial Fisher–Yates swaps to undo
	rows  []int32   // the tree's subsample (row indices), partitioned in place
	feats []int32   // the tree's features
	depth [][]int32 // active (not known constant) features, one list per depth
	lo    []float64 // extended: bounding box of the chosen features
	hi    []float64
	pick  []int32

	rng *rand.Rand
	pcg *rand.PCG

	// Classic output.
	nodes  []tree.Node
	values []float64
	cover  []float64

	// Extended output.
	enodes []enode
	eidx   []int32
	ecoef  []float64
}

// enode is a node of an extended tree while it is built: the hyperplane's
// coefficients are at eidx/ecoef[off:off+k].
type enode struct {
	b           float64 // intercept (internal) or path length (leaf)
	cover       float64
	left, right int32 // -1 for a leaf
	off         int32
}

func newBuilder(cfg *resolved, data *matrix) *builder {
	b := &builder{cfg: cfg, data: data}
	b.perm = make([]int32, data.n)
	for i := range b.perm {
		b.perm[i] = int32(i)
	}
	b.swaps = make([]int32, cfg.psi)
	b.rows = make([]int32, cfg.psi)
	b.feats = make([]int32, data.d)
	b.depth = make([][]int32, cfg.maxDepth+1)
	for i := range b.depth {
		b.depth[i] = make([]int32, cfg.maxFeatures)
	}
	k := cfg.ext + 1
	b.lo = make([]float64, k)
	b.hi = make([]float64, k)
	b.pick = make([]int32, k)
	b.pcg = rand.NewPCG(0, 0)
	b.rng = rand.New(b.pcg)
	return b
}

// sample draws tree t's subsample and features. The random numbers come
// only from the (seed, t) source, so the draw does not depend on which
// worker builds the tree or what it built before.
func (b *builder) sample(t int) {
	b.pcg.Seed(b.cfg.seed, uint64(t))
	r := b.rng
	n, psi := b.data.n, b.cfg.psi
	if b.cfg.bootstrap {
		for j := range psi {
			b.rows[j] = int32(r.IntN(n))
		}
	} else {
		// Partial Fisher–Yates over the identity, then undone, so that the
		// next tree starts from the identity again: O(ψ) instead of O(n).
		p := b.perm
		for j := range psi {
			k := j + r.IntN(n-j)
			p[j], p[k] = p[k], p[j]
			b.swaps[j] = int32(k)
			b.rows[j] = p[j]
		}
		for j := psi - 1; j >= 0; j-- {
			k := b.swaps[j]
			p[j], p[k] = p[k], p[j]
		}
	}
	d, m := b.data.d, b.cfg.maxFeatures
	f := b.feats
	for j := range f {
		f[j] = int32(j)
	}
	if m < d {
		for j := range m {
			k := j + r.IntN(d-j)
			f[j], f[k] = f[k], f[j]
		}
	}
	copy(b.depth[0], f[:m])
}

// minMax returns the smallest and largest value of feature f over rows.
func (b *builder) minMax(rows []int32, f int32) (lo, hi float64) {
	x, s := b.data.x, b.data.stride
	lo = x[int(rows[0])*s+int(f)]
	hi = lo
	for _, r := range rows[1:] {
		v := x[int(r)*s+int(f)]
		if v < lo {
			lo = v
		} else if v > hi {
			hi = v
		}
	}
	return lo, hi
}

// buildClassic grows tree t into b.nodes/values/cover and returns it.
func (b *builder) buildClassic(t int) tree.Tree {
	b.sample(t)
	b.nodes = b.nodes[:0]
	b.values = b.values[:0]
	b.cover = b.cover[:0]
	b.grow(0, len(b.rows), 0, b.cfg.maxFeatures)
	return tree.Tree{
		Nodes:   append([]tree.Node(nil), b.nodes...),
		Outputs: 1,
		Values:  append([]float64(nil), b.values...),
		Cover:   append([]float64(nil), b.cover...),
	}
}

// grow builds the node holding rows[lo:hi] at depth dep, whose candidate
// features are the first nf of b.depth[dep], and returns its index.
//
// The split follows scikit-learn's ExtraTreeRegressor(max_features=1), which
// IsolationForest uses: features are drawn uniformly without replacement
// until one is not constant in the node (constant ones are dropped for the
// whole subtree), so the chosen feature is uniform among the node's
// non-constant features; a node whose features are all constant is a leaf.
// The split value t is uniform in [min, max) and "x <= t" goes left, stored
// as Threshold = Nextafter(t, +Inf) for the layout's "x < Threshold": the
// row(s) at the minimum go left and those at the maximum go right, so
// neither child is empty. The threshold is then moved to the nearest value
// on the key grid of the packed scoring layout (gridThreshold: at most 2^9
// ulps, a relative change of about 10^−13, keeping both children
// non-empty), so that scoring can compare 63-bit keys with the feature
// index packed in; the rows are partitioned with the moved threshold, so
// the tree is exactly what it says.
func (b *builder) grow(lo, hi, dep, nf int) int32 {
	id := int32(len(b.nodes))
	size := hi - lo
	b.nodes = append(b.nodes, tree.Node{Feature: -1, Left: -1, Right: -1})
	b.values = append(b.values, 0)
	b.cover = append(b.cover, float64(size))
	leaf := func() int32 {
		b.values[id] = float64(dep) + AveragePathLength(size)
		return id
	}
	if dep >= b.cfg.maxDepth || size <= 1 {
		return leaf()
	}
	rows := b.rows[lo:hi]
	feats := b.depth[dep][:nf]
	var f int32
	var vmin, vmax float64
	found := false
	for nf > 0 {
		j := b.rng.IntN(nf)
		f = feats[j]
		vmin, vmax = b.minMax(rows, f)
		if vmax > vmin {
			found = true
			break
		}
		nf--
		feats[j], feats[nf] = feats[nf], feats[j]
	}
	if !found {
		return leaf()
	}
	t := vmin + b.rng.Float64()*(vmax-vmin)
	if t >= vmax {
		t = vmin
	}
	thr := gridThreshold(math.Nextafter(t, math.Inf(1)), vmin, vmax)
	// Partition rows: x < thr first.
	x, s := b.data.x, b.data.stride
	i, j := 0, len(rows)-1
	for i <= j {
		if x[int(rows[i])*s+int(f)] < thr {
			i++
		} else {
			rows[i], rows[j] = rows[j], rows[i]
			j--
		}
	}
	mid := lo + i
	copy(b.depth[dep+1], feats[:nf])
	l := b.grow(lo, mid, dep+1, nf)
	copy(b.depth[dep+1], feats[:nf])
	r := b.grow(mid, hi, dep+1, nf)
	b.nodes[id] = tree.Node{Threshold: thr, Feature: f, Left: l, Right: r}
	// Internal value: the cover-weighted mean of the leaves' path lengths
	// below (the children already hold theirs).
	b.values[id] = (b.cover[l]*b.values[l] + b.cover[r]*b.values[r]) / float64(size)
	return id
}

// buildExtended grows extended tree t into b.enodes/eidx/ecoef.
func (b *builder) buildExtended(t int) {
	b.sample(t)
	b.enodes = b.enodes[:0]
	b.eidx = b.eidx[:0]
	b.ecoef = b.ecoef[:0]
	b.growExt(0, len(b.rows), 0, b.cfg.maxFeatures)
}

// growExt builds an extended node. Following Hariri et al., the split is
// the hyperplane through a point p drawn uniformly in the bounding box of the
// node's rows with a normal vector n of independent standard normal
// components on k = ExtensionLevel+1 random features (the others zero);
// rows with (x − p)·n ≤ 0 go left. The k features are drawn among those not
// constant in the node, as the classic splitter does (so level 0 grows
// trees distributed as the classic ones); a node with no non-constant
// feature is a leaf. A hyperplane may leave a child empty: that child is a
// leaf of size 0 (its path length is its depth), as in the reference code.
func (b *builder) growExt(lo, hi, dep, nf int) int32 {
	id := int32(len(b.enodes))
	size := hi - lo
	b.enodes = append(b.enodes, enode{cover: float64(size), left: -1, right: -1})
	leaf := func() int32 {
		b.enodes[id].b = float64(dep) + AveragePathLength(size)
		return id
	}
	if dep >= b.cfg.maxDepth || size <= 1 {
		return leaf()
	}
	rows := b.rows[lo:hi]
	feats := b.depth[dep][:nf]
	k := b.cfg.ext + 1
	got := 0
	// Move chosen features to the front of feats[got:nf], drop constant ones.
	for got < k && got < nf {
		j := got + b.rng.IntN(nf-got)
		f := feats[j]
		vmin, vmax := b.minMax(rows, f)
		if vmax > vmin {
			feats[got], feats[j] = feats[j], feats[got]
			b.pick[got] = f
			b.lo[got], b.hi[got] = vmin, vmax
			got++
			continue
		}
		nf--
		feats[j], feats[nf] = feats[nf], feats[j]
	}
	if got == 0 {
		return leaf()
	}
	off := int32(len(b.eidx))
	var c float64
	for j := range k {
		if j >= got {
			b.eidx = append(b.eidx, 0)
			b.ecoef = append(b.ecoef, 0)
			continue
		}
		nj := b.rng.NormFloat64()
		pj := b.lo[j] + b.rng.Float64()*(b.hi[j]-b.lo[j])
		b.eidx = append(b.eidx, b.pick[j])
		b.ecoef = append(b.ecoef, nj)
		c += nj * pj
	}
	idx, coef := b.eidx[off:off+int32(k)], b.ecoef[off:off+int32(k)]
	x, s := b.data.x, b.data.stride
	i, j := 0, len(rows)-1
	for i <= j {
		row := x[int(rows[i])*s:]
		var dot float64
		for q, f := range idx {
			dot += coef[q] * row[f]
		}
		if dot <= c {
			i++
		} else {
			rows[i], rows[j] = rows[j], rows[i]
			j--
		}
	}
	mid := lo + i
	copy(b.depth[dep+1], feats[:nf])
	l := b.growExt(lo, mid, dep+1, nf)
	copy(b.depth[dep+1], feats[:nf])
	r := b.growExt(mid, hi, dep+1, nf)
	b.enodes[id].b = c
	b.enodes[id].left, b.enodes[id].right = l, r
	b.enodes[id].off = off
	return id
}
