package xgboost

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// levels is a second scoring copy of shallow, numerical, single-value
// trees, for rows without missing values: every tree padded to a complete
// binary tree of the ensemble's largest depth d, in heap order (the
// children of slot i are 2i+1 and 2i+2), so that a walk is d steps of
// i = 2i + 1 + [x ≥ c] without a branch, and the CPU overlaps the steps of
// several trees (one row) or several rows (a batch without AVX-512; with it
// a batch takes the bit-vector copy, score_qs.go) because no step waits for
// a mispredicted branch. A leaf above depth d is copied to every slot
// below it, so the padding's splits never matter. Each node is a float32
// condition c and a feature index, 8 bytes; the test is XGBoost's own,
// float32(x) < c, on the row converted to float32 once. This is the
// level-wise layout of QuickScorer's authors' comparisons (Lucchese et al.,
// "QuickScorer: a fast algorithm to rank documents with additive ensembles
// of regression trees", SIGIR 2015). Their bit vectors (score_qs.go) score
// a batch where the CPU tests a split for 16 rows at once; for one row they
// take a step for every split of a tree where this walk takes one a level.
type levels struct {
	depth  int
	ntrees int
	nfeat  int
	nodes  []lnode   // 2^depth − 1 per tree
	leaves []float32 // 2^depth per tree

	// The one-row copy: the trees in groups of eight, interleaved so that
	// slot i of the group's tree k is at 8i + k (node i of all eight trees
	// in one 64-byte cache line), leaf j of tree k at 8j + k. One base
	// register and one index per tree then address all eight walks
	// (walkRow8, score_level_amd64.s); the trees after the last full group
	// are walked from nodes and leaves.
	groups  int
	inodes  []lnode   // 8·(2^depth − 1) per group
	ileaves []float32 // 8·2^depth per group

	// The bit-vector copy for a batch on AVX-512 (score_qs.go), or nil.
	qs []uint32
}

// useLevels selects the levels layout where it applies; tests and
// benchmarks switch it off to compare with the plain walk.
var useLevels = true

// lnode is one split of the levels layout: right when x ≥ thr (x has no NaN).
type lnode struct {
	thr  float32
	feat uint32
}

// maxLevelDepth bounds the depth of the levels layout: 2^8 leaves a tree.
const maxLevelDepth = 8

// maxLevelFeatures bounds the features (the largest split feature plus
// one) of a model scored through the levels layout: the one-row path
// converts them on the stack.
const maxLevelFeatures = 256

// levelsBytes is what newLevels allocates for trees (0 when it would not
// build the layout).
func levelsBytes(trees []tree.Tree) int {
	d := 0
	for i := range trees {
		d = max(d, trees[i].MaxDepth())
	}
	if d > maxLevelDepth || d == 0 {
		return 0
	}
	per := (1<<d-1)*int(unsafe.Sizeof(lnode{})) + (1<<d)*4
	// The layout, its interleaved copy and its bit-vector copy.
	return len(trees)*per + len(trees)/8*8*per + 4*qsSize(trees)
}

// newLevels builds the levels layout of trees (all numerical, one value per
// leaf), or returns nil when a tree is deeper than maxLevelDepth, every
// tree is a single leaf, or a threshold is not the image of a float32
// condition.
func newLevels(trees []tree.Tree, nfeat int) *levels {
	d := 0
	for i := range trees {
		d = max(d, trees[i].MaxDepth())
	}
	// Trees that are all single leaves (d = 0, no feature) gain nothing
	// from the layout; the plain walk adds their values.
	if d > maxLevelDepth || d == 0 || nfeat > maxLevelFeatures {
		return nil
	}
	ni, nl := 1<<d-1, 1<<d
	l := &levels{depth: d, ntrees: len(trees), nfeat: nfeat,
		nodes: make([]lnode, ni*len(trees)), leaves: make([]float32, nl*len(trees))}
	for ti := range trees {
		t := &trees[ti]
		nodes := l.nodes[ti*ni : (ti+1)*ni]
		leaves := l.leaves[ti*nl : (ti+1)*nl]
		ok := true
		var fill func(j int32, slot, depth int)
		fill = func(j int32, slot, depth int) {
			n := &t.Nodes[j]
			if n.Feature < 0 {
				// Every leaf slot below: those of heap indices
				// ((slot+1) << (d−depth)) − 1 onwards.
				first := (slot+1)<<(d-depth) - 1 - ni
				v := float32(t.Values[j])
				for k := first; k < first+1<<(d-depth); k++ {
					leaves[k] = v
				}
				return
			}
			c, exact := cond32(n.Threshold)
			if !exact {
				ok = false
				return
			}
			nodes[slot] = lnode{thr: c, feat: uint32(n.Feature)}
			fill(n.Left, 2*slot+1, depth+1)
			fill(n.Right, 2*slot+2, depth+1)
		}
		fill(0, 0, 0)
		if !ok {
			return nil
		}
	}
	l.groups = len(trees) / 8
	l.inodes = make([]lnode, l.groups*8*ni)
	l.ileaves = make([]float32, l.groups*8*nl)
	for g := range l.groups {
		for k := range 8 {
			t := 8*g + k
			for i := range ni {
				l.inodes[g*8*ni+8*i+k] = l.nodes[t*ni+i]
			}
			for j := range nl {
				l.ileaves[g*8*nl+8*j+k] = l.leaves[t*nl+j]
			}
		}
	}
	l.qs = newQS(trees)
	return l
}

// cond32 returns the float32 condition c whose image (threshold32) is the
// split threshold th, and false when th is the image of none: then
// float32(x) ≥ c is not the same test as x ≥ th.
func cond32(th float64) (float32, bool) {
	c := float32(th)
	if float64(c) < th {
		c = math.Nextafter32(c, float32(math.Inf(1)))
	}
	t := threshold32(c)
	return c, t == th || (math.IsInf(t, 1) && math.IsInf(th, 1))
}

// b2i returns 1 for true and 0 for false (a SETcc, not a branch).
func b2i(b bool) int {
	var i int
	if b {
		i = 1
	}
	return i
}

// toFloat32 converts x into dst and reports whether x has a NaN.
func toFloat32(dst []float32, x []float64) (nan bool) {
	dst = dst[:len(x)]
	if levelAsm && len(x) > 0 {
		return toFloat32s(&dst[0], &x[0], len(x))
	}
	for j, v := range x {
		nan = nan || v != v
		dst[j] = float32(v)
	}
	return nan
}

// step takes one level of the walk at slot i of the tree whose nodes start
// at nb, for the row at x: 2i+1, plus 1 when x[feat] ≥ thr. The layout was
// checked when it was built (features below nfeat, slots below 2^d − 1), so
// the loads need no bounds checks; SETcc makes the comparison a value, not
// a branch.
func step(nb, x unsafe.Pointer, i uintptr) uintptr {
	n := (*lnode)(unsafe.Add(nb, i*8))
	v := *(*float32)(unsafe.Add(x, uintptr(n.feat)*4))
	return 2*i + 1 + uintptr(b2i(v >= n.thr))
}

// add returns a plus the leaf values of row x (float32, no NaN, at least
// nfeat values) in tree order, eight trees in lock step.
func (l *levels) add(a float32, x []float32) float32 {
	x = x[:l.nfeat]
	xp := unsafe.Pointer(&x[0])
	d := l.depth
	ni, nl := 1<<d-1, 1<<d
	if l.ntrees == 0 {
		return a
	}
	nodes := unsafe.Pointer(unsafe.SliceData(l.nodes))
	leaves := unsafe.Pointer(unsafe.SliceData(l.leaves))
	sz := uintptr(ni) * 8
	lsz := uintptr(nl) * 4
	off := uintptr(ni) // heap index of the first leaf
	t := 0
	if levelAsm && l.groups > 0 {
		a = walkRow8(&l.inodes[0], &x[0], d, l.groups, &l.ileaves[0], a)
		t = 8 * l.groups
	}
	for ; t+8 <= l.ntrees; t += 8 {
		b0 := unsafe.Add(nodes, uintptr(t)*sz)
		b1, b2, b3 := unsafe.Add(b0, sz), unsafe.Add(b0, 2*sz), unsafe.Add(b0, 3*sz)
		b4, b5, b6, b7 := unsafe.Add(b0, 4*sz), unsafe.Add(b0, 5*sz), unsafe.Add(b0, 6*sz), unsafe.Add(b0, 7*sz)
		var i0, i1, i2, i3, i4, i5, i6, i7 uintptr
		for range d {
			i0, i1, i2, i3 = step(b0, xp, i0), step(b1, xp, i1), step(b2, xp, i2), step(b3, xp, i3)
			i4, i5, i6, i7 = step(b4, xp, i4), step(b5, xp, i5), step(b6, xp, i6), step(b7, xp, i7)
		}
		lv := unsafe.Add(leaves, uintptr(t)*lsz)
		a += *(*float32)(unsafe.Add(lv, (i0-off)*4))
		a += *(*float32)(unsafe.Add(lv, lsz+(i1-off)*4))
		a += *(*float32)(unsafe.Add(lv, 2*lsz+(i2-off)*4))
		a += *(*float32)(unsafe.Add(lv, 3*lsz+(i3-off)*4))
		a += *(*float32)(unsafe.Add(lv, 4*lsz+(i4-off)*4))
		a += *(*float32)(unsafe.Add(lv, 5*lsz+(i5-off)*4))
		a += *(*float32)(unsafe.Add(lv, 6*lsz+(i6-off)*4))
		a += *(*float32)(unsafe.Add(lv, 7*lsz+(i7-off)*4))
	}
	for ; t < l.ntrees; t++ {
		b := unsafe.Add(nodes, uintptr(t)*sz)
		var i uintptr
		for range d {
			i = step(b, xp, i)
		}
		a += *(*float32)(unsafe.Add(leaves, uintptr(t)*lsz+(i-off)*4))
	}
	return a
}

// stepCol is step for a row of a column-major block: the value of feature
// f of the row at x is at x + f·levelBlock·4.
func stepCol(nb, x unsafe.Pointer, i uintptr) uintptr {
	n := (*lnode)(unsafe.Add(nb, i*8))
	v := *(*float32)(unsafe.Add(x, uintptr(n.feat)*(levelBlock*4)))
	return 2*i + 1 + uintptr(b2i(v >= n.thr))
}

// addBlock adds to acc[r] the leaf values of the len(acc) rows of the
// column-major block xs (value f of row r at xs[f·levelBlock + r], no NaN)
// in tree order: one tree at a time for the whole block, so that it stays
// in the L1 cache, eight rows in lock step. Column-major, the eight rows'
// loads of a feature differ by constant offsets from one base, which keeps
// the eight walks in registers.
func (l *levels) addBlock(acc []float32, xs []float32) {
	d := l.depth
	ni, nl := 1<<d-1, 1<<d
	nr := len(acc)
	if nr == 0 || l.ntrees == 0 {
		return
	}
	xs = xs[:l.nfeat*levelBlock]
	if l.bits() && cap(acc) >= levelBlock {
		// All 64 lanes are scored; those past nr hold values of earlier
		// rows and their sums are not read.
		var none pfRange
		walkQS(&l.qs[0], l.ntrees, &xs[0], &acc[:levelBlock][0], &none)
		return
	}
	xp := unsafe.Pointer(&xs[0])
	off := uintptr(ni)
	for t := range l.ntrees {
		b := unsafe.Pointer(&l.nodes[t*ni])
		lv := l.leaves[t*nl : (t+1)*nl]
		r := 0
		for ; r+8 <= nr; r += 8 {
			x := unsafe.Add(xp, uintptr(r)*4)
			a := acc[r : r+8]
			if levelAsm {
				walkCols8((*lnode)(b), (*float32)(x), d, &lv[0], off, &a[0])
			} else {
				walkCols8Go(b, x, d, &lv[0], off, &a[0])
			}
		}
		for ; r < nr; r++ {
			x := unsafe.Add(xp, uintptr(r)*4)
			var i uintptr
			for range d {
				i = stepCol(b, x, i)
			}
			acc[r] += lv[i-off]
		}
	}
}

// walkCols8Go is the Go version of walkCols8: eight rows of a
// column-major block (the first at x, 4 bytes apart) walk the tree whose
// nodes start at b, and each adds its leaf, leaves[i − off], to acc[k].
func walkCols8Go(b, x unsafe.Pointer, d int, leaves *float32, off uintptr, acc *float32) {
	var i0, i1, i2, i3, i4, i5, i6, i7 uintptr
	for range d {
		i0 = stepCol(b, x, i0)
		i1 = stepCol(b, unsafe.Add(x, 4), i1)
		i2 = stepCol(b, unsafe.Add(x, 8), i2)
		i3 = stepCol(b, unsafe.Add(x, 12), i3)
		i4 = stepCol(b, unsafe.Add(x, 16), i4)
		i5 = stepCol(b, unsafe.Add(x, 20), i5)
		i6 = stepCol(b, unsafe.Add(x, 24), i6)
		i7 = stepCol(b, unsafe.Add(x, 28), i7)
	}
	lv := unsafe.Slice(leaves, int(off)+1)
	a := unsafe.Slice(acc, 8)
	a[0] += lv[i0-off]
	a[1] += lv[i1-off]
	a[2] += lv[i2-off]
	a[3] += lv[i3-off]
	a[4] += lv[i4-off]
	a[5] += lv[i5-off]
	a[6] += lv[i6-off]
	a[7] += lv[i7-off]
}

// toColumn converts row x into column k of the column-major block xs and
// reports whether x has a NaN.
func toColumn(xs []float32, k int, x []float64) (nan bool) {
	xs = xs[k : k+(len(x)-1)*levelBlock+1]
	for j, v := range x {
		if v != v {
			nan = true
		}
		xs[j*levelBlock] = float32(v)
	}
	return nan
}

// levelScore is whether Score and ScoreBatch can use the levels layout: one
// output, gbtree, trees that fit it.
func (m *Model) levelScore() *levels {
	if !useLevels || m.flat == nil || m.flat.lvl == nil || m.nout != 1 || m.weights != nil || m.linear != nil || m.NumClass() > 0 {
		return nil
	}
	return m.flat.lvl
}

// scoreOf turns a margin into Score's value, as Score does.
func (m *Model) scoreOf(a float32) float64 {
	if m.obj.probScore {
		return float64(sigmoid(a))
	}
	v := [1]float32{a}
	m.predictAcc(v[:])
	return float64(v[0])
}

// levelBlock is the number of rows a batch converts and walks together:
// 64 rows of 118 float32 values take 30 KiB, beside a 76 KiB ensemble.
const levelBlock = 64

// levelBuf is one worker's buffers for scoreBatchLevels, pooled so that a
// batch allocates nothing once warm.
type levelBuf struct {
	xs   []float32
	buf  []float64
	acc  [levelBlock]float32
	idx  [levelBlock]int
	rows [16]unsafe.Pointer  // toBlock16's rows
	prob [levelBlock]float32 // sigmoid64's output
}

var levelBufs = sync.Pool{New: func() any { return new(levelBuf) }}

// scoreBatchLevels is ScoreBatch through the levels layout (or its
// bit-vector copy), in blocks of levelBlock rows spread over workers; a row
// with a missing value is scored by Score. It reports false when the model
// does not fit the layout.
func (m *Model) scoreBatchLevels(ctx context.Context, X mat.Matrix, dst []float64, workers int) (bool, error) {
	l := m.levelScore()
	if l == nil {
		return false, nil
	}
	n, c, row := rows(X)
	if c != m.nfeat {
		return true, fmt.Errorf("xgboost: matrix has %d columns, model takes %d: %w", c, m.nfeat, errs.ErrDimension)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nblocks := (n + levelBlock - 1) / levelBlock
	workers = max(1, min(workers, nblocks))
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	base := m.base[0]
	nf := l.nfeat
	// A dense matrix is converted 16 rows at a time in registers, straight
	// from its rows, where the CPU scores through the bit-vector layout.
	var raw blas64.General
	if rm, ok := X.(mat.RawMatrixer); ok && l.bits() {
		raw = rm.RawMatrix()
	}
	work := func() {
		bp := levelBufs.Get().(*levelBuf)
		defer levelBufs.Put(bp)
		// Whole chunks of 8 features, as toBlock16 writes them.
		if len(bp.xs) < levelBlock*((nf+7)/8*8) {
			bp.xs = make([]float32, levelBlock*((nf+7)/8*8))
		}
		if len(bp.buf) < c {
			bp.buf = make([]float64, c)
		}
		xs, acc, idx, buf := bp.xs, bp.acc[:], bp.idx[:], bp.buf[:c]
		for {
			b := int(next.Add(1) - 1)
			if b >= nblocks {
				return
			}
			if err := ctx.Err(); err != nil {
				fail(err)
				return
			}
			if raw.Data != nil {
				if err := m.scoreBlock16(l, raw, b*levelBlock, min(n, (b+1)*levelBlock), bp, dst); err != nil {
					fail(err)
					return
				}
				continue
			}
			k := 0
			for i := b * levelBlock; i < min(n, (b+1)*levelBlock); i++ {
				x := row(i, buf)
				if toColumn(xs, k, x[:nf]) {
					s, err := m.Score(x)
					if err != nil {
						fail(fmt.Errorf("xgboost: row %d: %w", i, err))
						return
					}
					dst[i] = s
					continue
				}
				idx[k] = i
				acc[k] = base
				k++
			}
			l.addBlock(acc[:k], xs)
			for j, i := range idx[:k] {
				dst[i] = m.scoreOf(acc[j])
			}
		}
	}
	if workers == 1 {
		work()
		return true, firstErr
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	wg.Wait()
	return true, firstErr
}

// scoreBlock16 scores rows [lo, hi) of the dense matrix raw (at most
// levelBlock) into dst through the bit-vector layout: the rows converted
// 16 at a time by toBlock16, the block scored by walkQS, a row with a
// missing value scored by Score instead.
func (m *Model) scoreBlock16(l *levels, raw blas64.General, lo, hi int, bp *levelBuf, dst []float64) error {
	var nan uint64
	for c := 0; lo+16*c < hi; c++ {
		for r := range bp.rows {
			i := lo + 16*c + r
			if i >= hi {
				i = lo // a lane past the rows repeats a row; its sum is not read
			}
			bp.rows[r] = unsafe.Pointer(&raw.Data[i*raw.Stride])
		}
		nan |= uint64(toBlock16(&bp.xs[16*c], &bp.rows[0], l.nfeat)) << (16 * c)
	}
	// The next block's rows come from memory while this one is scored:
	// walkQS asks for them a few cache lines a tree. The addresses are
	// only hints; nothing is read through them.
	var pf pfRange
	if next := min(raw.Rows, hi+levelBlock); next > hi {
		start := uintptr(unsafe.Pointer(&raw.Data[hi*raw.Stride]))
		pf = pfRange{next: start, end: start + uintptr(8*((next-hi-1)*raw.Stride+raw.Cols))}
		pf.lines = int(pf.end-pf.next+63)/64/l.ntrees + 1
	}
	for j := range bp.acc {
		bp.acc[j] = m.base[0]
	}
	walkQS(&l.qs[0], l.ntrees, &bp.xs[0], &bp.acc[0], &pf)
	// A probability is the sigmoid of the margin: 64 at once, but for the
	// lanes sigmoid64 leaves to scoreOf.
	slow := ^uint64(0)
	if m.obj.probScore || m.obj.transform == transSigmoid {
		slow = sigmoid64(&bp.acc[0], &bp.prob[0])
	}
	for j := range hi - lo {
		i := lo + j
		switch {
		case nan>>j&1 == 0 && slow>>j&1 == 0:
			dst[i] = float64(bp.prob[j])
			continue
		case nan>>j&1 == 0:
			dst[i] = m.scoreOf(bp.acc[j])
			continue
		}
		s, err := m.Score(raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols])
		if err != nil {
			return fmt.Errorf("xgboost: row %d: %w", i, err)
		}
		dst[i] = s
	}
	return nil
}
