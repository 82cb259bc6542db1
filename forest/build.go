package forest

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/netwarden/netwarden/internal/tree"
)

// featureThreshold is scikit-learn's FEATURE_THRESHOLD: values closer than
// this are treated as equal when looking for split positions and constant
// features.
const featureThreshold = 1e-7

// epsilon is scikit-learn's EPSILON (the float64 machine epsilon): a node
// whose impurity is at most this is pure and becomes a leaf.
const epsilon = 0x1p-52

// builder grows one tree at a time; each worker owns one and reuses its
// buffers from tree to tree.
type builder struct {
	d      *trainData
	y      []int32
	k      int // classes
	s      settings
	cw     []float64 // class weights (nil: all 1)
	balSub bool      // balanced_subsample
	// intW reports that every sample weight is a whole number (bootstrap
	// counts without class weights, the default): class weights can then
	// be summed as integers, exactly as the float64 sums, which are exact
	// for whole numbers below 2⁵³, and without their latency.
	intW bool
	// posOf[i] is the position of row i in samples, or −1 when row i is
	// not in the tree's sample (exact splitter with intW, two classes).
	posOf []int32
	// Scratch for the partition when posOf is set.
	tmpS, tmpY []int32
	tmpW       []float64
	side       []uint8
	counts     []int32   // bootstrap count of each row
	samples    []int32   // rows of the current tree, partitioned by node
	ys         []int32   // class of samples[i]
	ws         []float64 // weight of samples[i]
	xf         []float64 // feature values of a node's samples (exact)
	pos        []int32   // positions of a node's samples, sorted with xf
	feats      []int32   // feature permutation, known constants first
	perm       []int32
	isConst    []bool
	hist       []float64 // bin × class weights (histogram and ranks)
	hcnt       []int32   // bin sample counts (histogram and ranks)
	histI      []int64   // bin × class integer weights (ranks, binary intW)
	cl, cr     []float64 // class weights left / right of a candidate
	bestL      []float64
	rng        *rand.Rand
	stack      []pending
	dists      []float64 // class weights of pending nodes, k per entry
	consts     []int32   // known constant features of pending nodes
}

// pending is a node waiting on the depth-first stack.
type pending struct {
	start, end     int32
	depth          int32
	parent         int32 // -1 for the root
	left           bool
	dist           int32 // offset in builder.dists
	constOff, nCon int32 // known constants in builder.consts
	impurity       float64
}

func newBuilder(d *trainData, y []int32, k int, s settings, cw []float64, balSub bool) *builder {
	b := &builder{
		d: d, y: y, k: k, s: s, cw: cw, balSub: balSub,
		counts:  make([]int32, d.n),
		samples: make([]int32, 0, d.n),
		ys:      make([]int32, 0, d.n),
		ws:      make([]float64, 0, d.n),
		feats:   make([]int32, d.p),
		perm:    make([]int32, d.p),
		isConst: make([]bool, d.p),
		cl:      make([]float64, k),
		cr:      make([]float64, k),
		bestL:   make([]float64, k),
	}
	bins := 256
	if s.splitter == Exact {
		b.xf = make([]float64, d.n)
		b.pos = make([]int32, d.n)
		bins = 0
		for _, v := range d.vals {
			bins = max(bins, len(v))
		}
	}
	b.hist = make([]float64, bins*k)
	b.hcnt = make([]int32, bins)
	b.intW = cw == nil && !balSub
	if b.intW && k == 2 {
		b.histI = make([]int64, bins*k)
		if s.splitter == Exact {
			b.posOf = make([]int32, d.n)
			b.tmpS, b.tmpY, b.tmpW = make([]int32, d.n), make([]int32, d.n), make([]float64, d.n)
			b.side = make([]uint8, d.n)
		}
	}
	for j := range b.feats {
		b.feats[j] = int32(j)
	}
	return b
}

// treeRNG returns the random source of tree t: it depends only on the seed
// and t, so the forest does not depend on how trees are spread over workers.
func treeRNG(seed uint64, t int) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix(seed), splitmix(seed^uint64(t)*0x9E3779B97F4A7C15+uint64(t))))
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// bootstrap draws the tree's sample (n draws with replacement, as integer
// weights) and sets the sample weights; it returns the in-bag bitset.
func (b *builder) bootstrap(t int, seed uint64) []uint64 {
	n := b.d.n
	b.rng = treeRNG(seed, t)
	// Every tree starts from the same feature order, so that a tree does
	// not depend on which trees its worker built before.
	for j := range b.feats {
		b.feats[j] = int32(j)
	}
	clear(b.counts)
	if b.s.bootstrap {
		for range b.s.nBoot {
			b.counts[b.rng.IntN(n)]++
		}
	} else {
		for i := range b.counts {
			b.counts[i] = 1
		}
	}
	cw := b.cw
	if b.balSub {
		cw = balancedWeights(b.y, b.counts, b.k)
	}
	b.samples, b.ys, b.ws = b.samples[:0], b.ys[:0], b.ws[:0]
	var inBag []uint64
	if b.s.bootstrap {
		inBag = make([]uint64, (n+63)/64)
	}
	for i, c := range b.counts {
		if b.posOf != nil {
			b.posOf[i] = -1
			if c != 0 {
				b.posOf[i] = int32(len(b.samples))
			}
		}
		if c == 0 {
			continue
		}
		w := float64(c)
		if cw != nil {
			w *= cw[b.y[i]]
		}
		b.samples = append(b.samples, int32(i))
		b.ys = append(b.ys, b.y[i])
		b.ws = append(b.ws, w)
		if inBag != nil {
			inBag[i>>6] |= 1 << (i & 63)
		}
	}
	return inBag
}

// balancedWeights returns n / (K · n_k) for each class k present, where
// counts weights each row (nil: 1 each) and K is the number of classes
// present, as scikit-learn's compute_class_weight("balanced").
func balancedWeights(y []int32, counts []int32, k int) []float64 {
	nk := make([]float64, k)
	total := 0.0
	for i, c := range y {
		w := 1.0
		if counts != nil {
			w = float64(counts[i])
		}
		nk[c] += w
		total += w
	}
	present := 0
	for _, v := range nk {
		if v > 0 {
			present++
		}
	}
	cw := make([]float64, k)
	for c, v := range nk {
		if v > 0 {
			cw[c] = total / (float64(present) * v)
		}
	}
	return cw
}

// impurity returns the impurity of class weights dist summing to w.
func impurity(c Criterion, dist []float64, w float64) float64 {
	if w <= 0 {
		return 0
	}
	switch c {
	case Entropy:
		h := 0.0
		for _, v := range dist {
			if v > 0 {
				f := v / w
				h -= f * (math.Log(f) / math.Ln2)
			}
		}
		return h
	default:
		s := 0.0
		for _, v := range dist {
			s += v * v
		}
		return 1 - s/(w*w)
	}
}

// proxy is scikit-learn's proxy_impurity_improvement, −w_R·i_R − w_L·i_L:
// larger is better; it ranks the splits of one node like the weighted
// impurity decrease does. It is computed with scikit-learn's operations in
// scikit-learn's order so that mathematically tied splits (common with
// integer bootstrap weights) are broken the same way.
func proxy(c Criterion, l, r []float64, wl, wr float64) float64 {
	if c == Entropy {
		el, er := 0.0, 0.0
		for _, v := range l {
			if v > 0 {
				f := v / wl
				el -= f * (math.Log(f) / math.Ln2)
			}
		}
		for _, v := range r {
			if v > 0 {
				f := v / wr
				er -= f * (math.Log(f) / math.Ln2)
			}
		}
		return -wr*er - wl*el
	}
	sl, sr := 0.0, 0.0
	for _, v := range l {
		sl += v * v
	}
	for _, v := range r {
		sr += v * v
	}
	return -wr*(1-sr/(wr*wr)) - wl*(1-sl/(wl*wl))
}

// split is the best split found for a node.
type split struct {
	feature   int32
	pos       int32   // exact: first position of the right child
	bin       int     // histogram: last bin of the left child
	threshold float64 // stored threshold: x < threshold goes left
	score     float64
}

// grow builds tree t. It returns nil when ctx is cancelled.
func (b *builder) grow(ctx context.Context, t int, seed uint64) (tree.Tree, []uint64, error) {
	inBag := b.bootstrap(t, seed)
	k := b.k
	tr := tree.Tree{Outputs: k}
	b.stack = b.stack[:0]
	b.dists = b.dists[:0]
	b.consts = b.consts[:0]

	// Root distribution.
	off := int32(len(b.dists))
	for range k {
		b.dists = append(b.dists, 0)
	}
	rootW := 0.0
	for i, c := range b.ys {
		b.dists[int(off)+int(c)] += b.ws[i]
		rootW += b.ws[i]
	}
	b.stack = append(b.stack, pending{
		start: 0, end: int32(len(b.samples)), parent: -1, dist: off,
		impurity: impurity(b.s.criterion, b.dists[off:off+int32(k)], rootW),
	})

	for nodes := 0; len(b.stack) > 0; nodes++ {
		if nodes&1023 == 1023 && ctx.Err() != nil {
			return tree.Tree{}, nil, ctx.Err()
		}
		nd := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		id := int32(len(tr.Nodes))
		if nd.parent >= 0 {
			if nd.left {
				tr.Nodes[nd.parent].Left = id
			} else {
				tr.Nodes[nd.parent].Right = id
			}
		}
		dist := b.dists[nd.dist : nd.dist+int32(k)]
		w := 0.0
		for _, v := range dist {
			w += v
		}
		tr.Nodes = append(tr.Nodes, tree.Node{Feature: -1})
		tr.Cover = append(tr.Cover, w)
		for _, v := range dist {
			if w > 0 {
				v /= w
			} else {
				v = 0
			}
			tr.Values = append(tr.Values, v)
		}

		nSamples := int(nd.end - nd.start)
		if int(nd.depth) >= b.s.maxDepth || nSamples < b.s.minSplit || nSamples < 2*b.s.minLeaf ||
			nd.impurity <= epsilon {
			continue
		}
		// Reorder the features so that the node's known constants come first.
		known := b.consts[nd.constOff : nd.constOff+nd.nCon]
		b.orderFeatures(known)

		best, nConst, ok := b.findSplit(nd, dist, w)
		if !ok {
			continue
		}
		n := &tr.Nodes[id]
		n.Feature = best.feature
		n.Threshold = best.threshold
		n.Flags = tree.DefaultLeft // no NaN in training; a NaN at scoring is rejected earlier

		// Partition the node's samples and count the children's classes.
		mid := b.partition(nd, best)
		loff := int32(len(b.dists))
		for range 2 * k {
			b.dists = append(b.dists, 0)
		}
		ld := b.dists[loff : loff+int32(k)]
		rd := b.dists[loff+int32(k) : loff+2*int32(k)]
		wl, wr := 0.0, 0.0
		if b.intW && k == 2 {
			// Integer sums without a dependency through memory; exact, so
			// equal to the float64 sums below.
			wl, ld[1] = wholeSums(b.ys[nd.start:mid], b.ws[nd.start:mid])
			ld[0] = wl - ld[1]
			wr, rd[1] = wholeSums(b.ys[mid:nd.end], b.ws[mid:nd.end])
			rd[0] = wr - rd[1]
		} else {
			for i := nd.start; i < mid; i++ {
				ld[b.ys[i]] += b.ws[i]
				wl += b.ws[i]
			}
			for i := mid; i < nd.end; i++ {
				rd[b.ys[i]] += b.ws[i]
				wr += b.ws[i]
			}
		}
		coff := int32(len(b.consts))
		b.consts = append(b.consts, b.feats[:nConst]...)
		common := pending{depth: nd.depth + 1, parent: id, constOff: coff, nCon: int32(nConst)}
		right, left := common, common
		right.start, right.end, right.dist = mid, nd.end, loff+int32(k)
		right.impurity = impurity(b.s.criterion, rd, wr)
		left.start, left.end, left.dist, left.left = nd.start, mid, loff, true
		left.impurity = impurity(b.s.criterion, ld, wl)
		// Right first so that the left child is popped (and numbered) next,
		// as scikit-learn's depth-first builder does.
		b.stack = append(b.stack, right, left)
	}
	return tr, inBag, nil
}

// wholeSums returns the sum of the whole-number weights ws and the sum of
// those of class 1 (ys of 0 and 1), computed in integers.
func wholeSums(ys []int32, ws []float64) (w, w1 float64) {
	ys = ys[:len(ws)]
	var a, a1 int
	for q, v := range ws {
		x := int(v)
		a += x
		a1 += x & -int(ys[q])
	}
	return float64(a), float64(a1)
}

// orderFeatures moves the known constants to the front of b.feats, keeping
// the relative order of the others.
func (b *builder) orderFeatures(known []int32) {
	copy(b.perm, b.feats)
	for _, f := range known {
		b.isConst[f] = true
	}
	i := copy(b.feats, known)
	for _, f := range b.perm {
		if !b.isConst[f] {
			b.feats[i] = f
			i++
		}
	}
	for _, f := range known {
		b.isConst[f] = false
	}
}
