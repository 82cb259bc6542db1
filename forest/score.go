package forest

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// scorer is the scoring form of a forest's trees, built once by
// compileScorer (from Fit or UnmarshalBinary) and read-only afterwards.
//
// Every tree is renumbered so that the two children of a node are adjacent
// (right = left + 1): the step to the next node is left + [x ≥ threshold],
// with no branch. A leaf points to itself with a key no value reaches, so a
// walk that arrived stays there. Eight walks then go in lock step until all
// eight stand still, eight trees for one row (Score) or eight rows through
// one tree (batches, see blockRows): the eight walks are independent, so
// the CPU overlaps their loads instead of waiting for one walk's next node
// and mispredicting its branches.
//
// Thresholds and the row's values are compared as order-preserving
// integer keys (tree.OrderKey): an integer load and compare is shorter on the
// critical path than a floating-point one, and the comparison is exactly
// x ≥ threshold, so scores are bit for bit those of the trees.
type scorer struct {
	nodes []knode
	roots []int32
	// sval holds, per node, a leaf's contribution to Score: P(class 1) for
	// a binary forest, P(NormalClass) for a multi-class one (0 elsewhere).
	// It is kept apart from nodes so that a node is 16 bytes.
	sval []float64
	// poff holds, per node, the offset of a leaf's K class probabilities
	// in probs.
	poff  []int32
	probs []float64
	// pair holds, for a two-class forest, every node's two class
	// probabilities (zeros for inner nodes) at twice its index: 16 bytes
	// a node, as a knode, so that the assembly kernel finds a leaf's pair
	// at a fixed distance from the leaf.
	pair  []float64
	k     int
	order orderPlan // how batches order their rows (order.go)
}

// knode is a node of the scoring form: a row at node i goes to its left
// child i + rel/nodeSize when key(x[foff/featStride]) ≤ key and to the
// right one just after it otherwise, where key is the order key of the
// threshold minus one (x ≥ threshold exactly when key(x) > key; a
// threshold's key is never 0). A leaf has foff 0, rel 0 and key leafKey, so
// a row stays. The child is relative and in bytes so that the assembly
// kernel follows node addresses without a base register or a shift.
type knode struct {
	key  uint64
	foff int32 // feature × featStride: the feature's byte offset in a row's keys
	rel  int32 // bytes from the node to its left child
}

// MaxColumns is the most features (columns) a forest can have: the scoring
// form keeps a feature's byte offset in a row of keys (feature × 8) in 32
// bits.
// Fit refuses wider matrices (errs.ErrUnsupported) and UnmarshalBinary
// wider forests (errs.ErrFormat).
const MaxColumns = 268_435_455

// The limits are written out so that go doc shows their values; these
// fail to compile if they drift from the layout they come from.
const (
	_ = uint(MaxColumns - math.MaxInt32/featStride)
	_ = uint(math.MaxInt32/featStride - MaxColumns)
	_ = uint(MaxTreeNodes - math.MaxInt32/nodeSize)
	_ = uint(math.MaxInt32/nodeSize - MaxTreeNodes)
)

// featStride is the size of one feature's key in a row of keys (a uint64),
// 1 << featShift.
const (
	featShift  = 3
	featStride = 1 << featShift
)

// leafKey is at or above the key of every non-NaN value (OrderKey(+Inf) is
// 0xFFF0…0), so no row leaves a leaf.
const leafKey = math.MaxUint64

// A knode is nodeSize = 1 << nodeShift bytes; rel counts bytes.
const (
	nodeShift = 4
	nodeSize  = 1 << nodeShift
)

// MaxTreeNodes is the most nodes one tree may have, and MaxNodes the most
// a forest may have: the scoring form numbers nodes with int32 and keeps the
// distance from a node to its children in bytes in an int32. A fully grown
// tree has fewer than twice as many nodes as its bootstrap sample has rows,
// so MaxTreeNodes is reached near 10^8 rows a tree. Fit refuses a forest
// that outgrows them (errs.ErrUnsupported; limit MaxDepth or raise
// MinSamplesLeaf) and UnmarshalBinary one that does (errs.ErrFormat).
const (
	MaxTreeNodes = 134_217_727   // 2^27 − 1
	MaxNodes     = 2_147_483_647 // 2^31 − 1
)

// checkSize reports whether trees whose node counts are size(0), …,
// size(numTrees−1) fit the scoring form's limits.
func checkSize(numTrees int, size func(int) int) error {
	total := 0
	for i := range numTrees {
		nn := size(i)
		if nn > MaxTreeNodes {
			return fmt.Errorf("forest: tree %d has %d nodes, more than %d", i, nn, MaxTreeNodes)
		}
		total += nn
		if total > MaxNodes {
			return fmt.Errorf("forest: more than %d nodes in the trees", MaxNodes)
		}
	}
	return nil
}

// treeSize returns the node counts of trees for checkSize.
func treeSize(trees []tree.Tree) func(int) int {
	return func(i int) int { return len(trees[i].Nodes) }
}

// compileScorer builds the scoring form of trees (K classes); class sc's
// probability is each leaf's Score contribution.
func compileScorer(trees []tree.Tree, k, sc int) scorer {
	total := 0
	for i := range trees {
		total += len(trees[i].Nodes)
	}
	s := scorer{
		nodes: make([]knode, 0, total),
		roots: make([]int32, len(trees)),
		sval:  make([]float64, 0, total),
		poff:  make([]int32, 0, total),
		k:     k,
	}
	type item struct{ node, slot int32 }
	var stack []item
	for ti := range trees {
		t := &trees[ti]
		root := int32(len(s.nodes))
		s.roots[ti] = root
		s.nodes = append(s.nodes, knode{})
		s.sval = append(s.sval, 0)
		s.poff = append(s.poff, 0)
		// Depth first, a node's two children side by side, and the
		// subtree of the child that more training rows reached laid out
		// first: a walk's next node is then usually on a cache line just
		// read or the one after it (a few percent on NSL-KDD against left
		// subtrees first when it went in; the commit gives the runs).
		stack = append(stack[:0], item{0, root})
		for len(stack) > 0 {
			it := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n := &t.Nodes[it.node]
			if n.IsLeaf() {
				v := t.Value(it.node)
				s.nodes[it.slot] = knode{key: leafKey}
				s.sval[it.slot] = v[sc]
				s.poff[it.slot] = int32(len(s.probs))
				s.probs = append(s.probs, v...)
				continue
			}
			l := int32(len(s.nodes))
			s.nodes = append(s.nodes, knode{}, knode{})
			s.sval = append(s.sval, 0, 0)
			s.poff = append(s.poff, 0, 0)
			s.nodes[it.slot] = knode{key: tree.OrderKey(n.Threshold) - 1, foff: n.Feature * featStride, rel: (l - it.slot) * nodeSize}
			if t.Cover != nil && t.Cover[n.Right] > t.Cover[n.Left] {
				stack = append(stack, item{n.Left, l}, item{n.Right, l + 1})
			} else {
				stack = append(stack, item{n.Right, l + 1}, item{n.Left, l})
			}
		}
	}
	if k == 2 {
		s.pair = make([]float64, 2*len(s.nodes))
		for i, n := range s.nodes {
			if n.rel == 0 {
				copy(s.pair[2*i:2*i+2], s.probs[s.poff[i]:])
			}
		}
	}
	s.order = s.planOrder()
	return s
}

// b2i is 1 for true and 0 for false; the compiler makes it a SETcc, not a
// branch.
func b2i(b bool) int32 {
	var i int32
	if b {
		i = 1
	}
	return i
}

// leaf walks the tree at root for row keys x and returns its leaf.
func (s *scorer) leaf(root int32, x []uint64) int32 {
	nodes := s.nodes
	i := root
	for {
		n := &nodes[i]
		j := i + n.rel>>nodeShift + b2i(x[n.foff>>featShift] > n.key)
		if j == i {
			return i
		}
		i = j
	}
}

// leafFloat is leaf for a row of float64 values (no NaN), for rows too wide
// for a key buffer on the stack.
func (s *scorer) leafFloat(root int32, x []float64) int32 {
	nodes := s.nodes
	i := root
	for {
		n := &nodes[i]
		j := i + n.rel>>nodeShift + b2i(tree.OrderKey(x[n.foff>>featShift]) > n.key)
		if j == i {
			return i
		}
		i = j
	}
}

// leaves8 walks the eight trees at roots r[0:8] for row keys x in lock step
// and returns their leaves (eight lanes measured faster than four, six,
// twelve or sixteen: fewer do not hide the load latency, more spill).
func (s *scorer) leaves8(x []uint64, r []int32) (i0, i1, i2, i3, i4, i5, i6, i7 int32) {
	nodes := s.nodes
	r = r[:8:8]
	i0, i1, i2, i3, i4, i5, i6, i7 = r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
	for {
		n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
		n4, n5, n6, n7 := &nodes[i4], &nodes[i5], &nodes[i6], &nodes[i7]
		j0 := i0 + n0.rel>>nodeShift + b2i(x[n0.foff>>featShift] > n0.key)
		j1 := i1 + n1.rel>>nodeShift + b2i(x[n1.foff>>featShift] > n1.key)
		j2 := i2 + n2.rel>>nodeShift + b2i(x[n2.foff>>featShift] > n2.key)
		j3 := i3 + n3.rel>>nodeShift + b2i(x[n3.foff>>featShift] > n3.key)
		j4 := i4 + n4.rel>>nodeShift + b2i(x[n4.foff>>featShift] > n4.key)
		j5 := i5 + n5.rel>>nodeShift + b2i(x[n5.foff>>featShift] > n5.key)
		j6 := i6 + n6.rel>>nodeShift + b2i(x[n6.foff>>featShift] > n6.key)
		j7 := i7 + n7.rel>>nodeShift + b2i(x[n7.foff>>featShift] > n7.key)
		moved := (j0 ^ i0) | (j1 ^ i1) | (j2 ^ i2) | (j3 ^ i3) | (j4 ^ i4) | (j5 ^ i5) | (j6 ^ i6) | (j7 ^ i7)
		i0, i1, i2, i3, i4, i5, i6, i7 = j0, j1, j2, j3, j4, j5, j6, j7
		if moved == 0 {
			return
		}
	}
}

// scoreSum returns the sum over trees, in tree order, of the leaf Score
// contributions for row keys x.
func (s *scorer) scoreSum(x []uint64) float64 {
	roots, sval := s.roots, s.sval
	sum := 0.0
	t := 0
	for ; t+8 <= len(roots); t += 8 {
		i0, i1, i2, i3, i4, i5, i6, i7 := s.leaves8(x, roots[t:t+8])
		// One addition at a time, in tree order, as a tree-by-tree loop
		// adds them: the sum is the same to the last bit.
		sum += sval[i0]
		sum += sval[i1]
		sum += sval[i2]
		sum += sval[i3]
		sum += sval[i4]
		sum += sval[i5]
		sum += sval[i6]
		sum += sval[i7]
	}
	for ; t < len(roots); t++ {
		sum += sval[s.leaf(roots[t], x)]
	}
	return sum
}

// probaSum adds to dst (len K) the class distributions of the leaves row
// keys x reaches, tree by tree.
func (s *scorer) probaSum(x []uint64, dst []float64) {
	roots := s.roots
	var leaves [8]int32
	t := 0
	for ; t < len(roots); t += 8 {
		m := min(8, len(roots)-t)
		if m == 8 {
			leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7] = s.leaves8(x, roots[t:t+8])
		} else {
			for q := range m {
				leaves[q] = s.leaf(roots[t+q], x)
			}
		}
		for _, l := range leaves[:m] {
			o := int(s.poff[l])
			for c, v := range s.probs[o : o+s.k] {
				dst[c] += v
			}
		}
	}
}

// toKeys writes the keys of x into dst (same length) and returns the index
// of the first NaN, or −1.
func toKeys(x []float64, dst []uint64) int {
	dst = dst[:len(x)]
	bad := false
	j0 := 0
	if useAsm && len(x) >= 2 {
		bad = keys2(&dst[0], &x[0], len(x)/2, 1)
		j0 = len(x) &^ 1
	}
	for j := j0; j < len(x); j++ {
		v := x[j]
		bad = bad || v != v
		dst[j] = tree.OrderKey(v)
	}
	if bad {
		for j, v := range x {
			if v != v {
				return j
			}
		}
	}
	return -1
}

// maxStackFeatures bounds the row width for which Score, PredictProba and
// Predict keep the row's keys on the stack; wider rows are walked one tree
// at a time, converting values as they are read.
const maxStackFeatures = 512

// Score returns the attack probability of row x: the mean over trees of the
// leaf probability of class 1 for a binary forest, or 1 − P(NormalClass)
// for a multi-class one; the result is in [0, 1]. x must have NumFeatures
// values and no NaN (errors wrap errs.ErrDimension and errs.ErrNaN);
// infinities are ordinary values. Score does not allocate and is safe for
// concurrent use.
func (f *Forest) Score(x []float64) (float64, error) {
	if err := f.check(x); err != nil {
		return 0, err
	}
	return f.score(x), nil
}

// score is Score for a checked row.
func (f *Forest) score(x []float64) float64 {
	if len(x) <= maxStackFeatures {
		var buf [maxStackFeatures]uint64
		k := buf[:len(x)]
		toKeys(x, k)
		return f.finalScore(f.sc.scoreSum(k))
	}
	sum := 0.0
	for _, r := range f.sc.roots {
		sum += f.sc.sval[f.sc.leafFloat(r, x)]
	}
	return f.finalScore(sum)
}

// finalScore turns the sum over trees of the leaves' Score contributions
// into the score.
func (f *Forest) finalScore(s float64) float64 {
	s *= f.invTrees
	if f.scoreClass < 0 {
		s = 1 - s
	}
	return min(1, max(0, s))
}

// PredictProba writes the class probabilities of row x into dst (length
// NumClasses): the mean of the trees' leaf distributions, as scikit-learn's
// predict_proba. It does not allocate and is safe for concurrent use.
func (f *Forest) PredictProba(x, dst []float64) error {
	if err := f.check(x); err != nil {
		return err
	}
	if len(dst) != f.numClasses {
		return fmt.Errorf("forest: probability buffer of %d values, want %d: %w", len(dst), f.numClasses, errs.ErrDimension)
	}
	f.proba(x, dst)
	return nil
}

// proba is PredictProba for a checked row and a buffer of K values.
func (f *Forest) proba(x, dst []float64) {
	clear(dst)
	if len(x) <= maxStackFeatures {
		var buf [maxStackFeatures]uint64
		k := buf[:len(x)]
		toKeys(x, k)
		f.sc.probaSum(k, dst)
	} else {
		k := f.numClasses
		for _, r := range f.sc.roots {
			o := int(f.sc.poff[f.sc.leafFloat(r, x)])
			for c, v := range f.sc.probs[o : o+k] {
				dst[c] += v
			}
		}
	}
	for c := range dst {
		dst[c] *= f.invTrees
	}
}

// maxStackClasses bounds the class count for which Predict keeps its
// probabilities on the stack; larger forests accumulate one class at a time.
const maxStackClasses = 64

// Predict returns the most probable class of row x (the first on ties, as
// scikit-learn's predict). It does not allocate and is safe for concurrent
// use.
func (f *Forest) Predict(x []float64) (int, error) {
	if err := f.check(x); err != nil {
		return 0, err
	}
	if f.numClasses <= maxStackClasses {
		var buf [maxStackClasses]float64
		p := buf[:f.numClasses]
		f.proba(x, p)
		return argmax(p), nil
	}
	best, bestP := 0, math.Inf(-1)
	for c := 0; c < f.numClasses; c++ {
		s := 0.0
		for _, r := range f.sc.roots {
			s += f.sc.probs[int(f.sc.poff[f.sc.leafFloat(r, x)])+c]
		}
		if s > bestP {
			best, bestP = c, s
		}
	}
	return best, nil
}

// ScoreMatrix writes Score of every row of X into dst (one value per row),
// spreading contiguous ranges of rows over GOMAXPROCS goroutines; it is the
// anomaly.BatchScorer method, which anomaly.ScoreBatch uses. Rows are
// walked through each tree eight at a time in lock step, in windows of up
// to 4,080 rows ordered so that the eight take similar paths (see the
// package documentation); the scores are those of Score, bit for bit. The
// window buffers (up to 4 MiB of keys a goroutine) are kept in a sync.Pool
// between calls.
//
// A *mat.Dense (any mat.RawRowViewer) is read in place. X with no rows is
// not an error. Errors wrap errs.ErrNotFitted, errs.ErrDimension (columns ≠
// NumFeatures, len(dst) ≠ rows) and errs.ErrNaN (naming the first row with
// a NaN; dst is then incomplete); a cancelled ctx, checked every few
// hundred rows, stops the work and its error is returned (wrapped).
// ScoreMatrix is safe for concurrent use.
func (f *Forest) ScoreMatrix(ctx context.Context, X mat.Matrix, dst []float64) error {
	if f.trees == nil {
		return fmt.Errorf("forest: %w", errs.ErrNotFitted)
	}
	n, p := dims(X)
	if n > 0 && p != f.numFeatures {
		return fmt.Errorf("forest: %d columns, want %d: %w", p, f.numFeatures, errs.ErrDimension)
	}
	if len(dst) != n {
		return fmt.Errorf("forest: score buffer of %d values for %d rows: %w", len(dst), n, errs.ErrDimension)
	}
	if n == 0 {
		return nil
	}
	return f.batchBlocks(ctx, X, blockRows, func(rows []int, blk *block, sums []float64) {
		f.sc.scoreBlock(blk, sums)
		for r, i := range rows {
			dst[i] = f.finalScore(sums[r])
		}
	})
}

// ScoreBatch writes Score of every row of X into dst (length the number of
// rows), spreading the rows over GOMAXPROCS goroutines. It is ScoreMatrix
// without a context, except that X with no rows is an error wrapping
// errs.ErrEmpty.
func (f *Forest) ScoreBatch(X mat.Matrix, dst []float64) error {
	if _, _, err := f.checkBatch(X); err != nil {
		return err
	}
	return f.ScoreMatrix(context.Background(), X, dst)
}

// PredictProbaBatch writes the class probabilities of every row of X into
// the rows of dst, which must be n × NumClasses, or empty (then it is
// resized), spreading the rows over GOMAXPROCS goroutines.
func (f *Forest) PredictProbaBatch(X mat.Matrix, dst *mat.Dense) error {
	n, _, err := f.checkBatch(X)
	if err != nil {
		return err
	}
	if dst.IsEmpty() {
		dst.ReuseAs(n, f.numClasses)
	}
	if r, c := dst.Dims(); r != n || c != f.numClasses {
		return fmt.Errorf("forest: %d×%d probability matrix for %d rows and %d classes: %w", r, c, n, f.numClasses, errs.ErrDimension)
	}
	k := f.numClasses
	return f.batchBlocks(context.Background(), X, blockRows*k, func(rows []int, blk *block, acc []float64) {
		f.sc.probaBlock(blk, acc)
		for r, i := range rows {
			out := dst.RawRowView(i)
			for c, v := range acc[r*k : (r+1)*k] {
				out[c] = v * f.invTrees
			}
		}
	})
}

func (f *Forest) checkBatch(X mat.Matrix) (int, int, error) {
	if f.trees == nil {
		return 0, 0, fmt.Errorf("forest: %w", errs.ErrNotFitted)
	}
	n, p := dims(X)
	if n == 0 {
		return 0, 0, fmt.Errorf("forest: no rows to score: %w", errs.ErrEmpty)
	}
	if p != f.numFeatures {
		return 0, 0, fmt.Errorf("forest: %d columns, want %d: %w", p, f.numFeatures, errs.ErrDimension)
	}
	return n, p, nil
}

// batchCheckRows is the fewest rows a batch worker is started for.
const batchCheckRows = 256

// checkBlocks is how many blocks of rows a batch worker scores between two
// looks at its context.
const checkBlocks = 16

// Batch scoring walks a block of rows through one tree before the next, so
// that the tree's nodes (8 KiB on average on NSL-KDD, against 800 KiB for
// the forest) come from the L1 cache rather than L2 for every row, and the
// block's rows (22 KB of keys for 118 features) stay in L1 too. The rows'
// keys sit in a window buffer, row after row; a block names its rows by
// pointers, eight lanes to a group, so that eight walks of one tree in lock
// step can take rows in any order without copying them (see order.go).
const (
	lanes       = 8
	blockGroups = 3 // 24 rows
	blockRows   = lanes * blockGroups
)

// block is the rows of a batch walked together: ptr[r] points to the keys
// of lane r's row (p of them), a short group's missing lanes repeating its
// first row.
type block struct {
	ptr    [blockRows]*uint64
	p      int
	groups int
	// walked is the number of trees, from the first, whose leaves the
	// ordering of the window found already: leaf[t][r] for lane r.
	walked int
	leaf   [orderTrees][blockRows]int32
}

// group returns the row pointers of group q.
func (b *block) group(q int) *[lanes]*uint64 { return (*[lanes]*uint64)(b.ptr[q*lanes:]) }

// groupLeaves writes to leaves the leaves that the eight rows of group g
// reach in the tree at root, walked in lock step: by walkRows8 in assembly,
// or leavesRows8.
func (s *scorer) groupLeaves(root int32, g *[lanes]*uint64, p int, leaves *[lanes]int32) {
	if useAsm {
		var addrs [lanes]uintptr
		walkRows8(&s.nodes[root], g, &addrs)
		base := uintptr(unsafe.Pointer(unsafe.SliceData(s.nodes)))
		for q, a := range addrs {
			leaves[q] = int32((a - base) / nodeSize)
		}
		runtime.KeepAlive(s)
		return
	}
	var rows [lanes][]uint64
	for q, ptr := range g {
		rows[q] = unsafe.Slice(ptr, p)
	}
	leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], leaves[7] = s.leavesRows8(root, &rows)
}

// leavesRows8 walks the tree at root for the eight rows of keys g in lock
// step and returns their leaves (what walkRows8 does in assembly).
func (s *scorer) leavesRows8(root int32, g *[lanes][]uint64) (i0, i1, i2, i3, i4, i5, i6, i7 int32) {
	nodes := s.nodes
	g0, g1, g2, g3, g4, g5, g6, g7 := g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]
	i0, i1, i2, i3, i4, i5, i6, i7 = root, root, root, root, root, root, root, root
	for {
		n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
		n4, n5, n6, n7 := &nodes[i4], &nodes[i5], &nodes[i6], &nodes[i7]
		j0 := i0 + n0.rel>>nodeShift + b2i(g0[n0.foff>>featShift] > n0.key)
		j1 := i1 + n1.rel>>nodeShift + b2i(g1[n1.foff>>featShift] > n1.key)
		j2 := i2 + n2.rel>>nodeShift + b2i(g2[n2.foff>>featShift] > n2.key)
		j3 := i3 + n3.rel>>nodeShift + b2i(g3[n3.foff>>featShift] > n3.key)
		j4 := i4 + n4.rel>>nodeShift + b2i(g4[n4.foff>>featShift] > n4.key)
		j5 := i5 + n5.rel>>nodeShift + b2i(g5[n5.foff>>featShift] > n5.key)
		j6 := i6 + n6.rel>>nodeShift + b2i(g6[n6.foff>>featShift] > n6.key)
		j7 := i7 + n7.rel>>nodeShift + b2i(g7[n7.foff>>featShift] > n7.key)
		moved := (j0 ^ i0) | (j1 ^ i1) | (j2 ^ i2) | (j3 ^ i3) | (j4 ^ i4) | (j5 ^ i5) | (j6 ^ i6) | (j7 ^ i7)
		i0, i1, i2, i3, i4, i5, i6, i7 = j0, j1, j2, j3, j4, j5, j6, j7
		if moved == 0 {
			return
		}
	}
}

// walkBlock writes the leaves that the rows of blk reach in the tree at
// root (the Go walk, and the assembly one for more than two classes).
func (s *scorer) walkBlock(root int32, blk *block, leaves *[blockRows]int32) {
	for q := range blk.groups {
		s.groupLeaves(root, blk.group(q), blk.p, (*[lanes]int32)(leaves[q*lanes:]))
	}
}

// scoreBlock sets sums[r] to the sum over trees, in tree order, of the leaf
// Score contributions of lane r of blk: the same additions in the same
// order as scoreSum.
func (s *scorer) scoreBlock(blk *block, sums []float64) {
	sums = sums[:blk.groups*lanes]
	clear(sums)
	for t := range blk.walked {
		for r, l := range blk.leaf[t][:len(sums)] {
			sums[r] += s.sval[l]
		}
	}
	roots := s.roots[blk.walked:]
	if !useAsm {
		var leaves [blockRows]int32
		for _, root := range roots {
			s.walkBlock(root, blk, &leaves)
			for r, l := range leaves[:blk.groups*lanes] {
				sums[r] += s.sval[l]
			}
		}
		return
	}
	// A leaf's value is at the same index in sval as the leaf in nodes:
	// half its byte offset, as a float64 is half the size of a knode.
	delta := uintptr(unsafe.Pointer(unsafe.SliceData(s.sval))) - uintptr(unsafe.Pointer(unsafe.SliceData(s.nodes)))/2
	for _, root := range roots {
		r := &s.nodes[root]
		for q := range blk.groups {
			walkRows8Sum(r, blk.group(q), (*[lanes]float64)(sums[q*lanes:]), delta)
		}
	}
	runtime.KeepAlive(s)
}

// probaBlock sets acc[r*K:(r+1)*K] to the sum over trees, in tree order, of
// the class distributions of the leaves lane r of blk reaches, as probaSum
// does.
func (s *scorer) probaBlock(blk *block, acc []float64) {
	n := blk.groups * lanes
	acc = acc[:n*s.k]
	clear(acc)
	for t := range blk.walked {
		s.addLeaves(acc, blk.leaf[t][:n])
	}
	roots := s.roots[blk.walked:]
	if useAsm && s.k == 2 {
		// A leaf's pair is at the same byte offset in pair as the leaf in
		// nodes.
		delta := uintptr(unsafe.Pointer(unsafe.SliceData(s.pair))) - uintptr(unsafe.Pointer(unsafe.SliceData(s.nodes)))
		for _, root := range roots {
			r := &s.nodes[root]
			for q := range blk.groups {
				walkRows8Proba2(r, blk.group(q), (*[2 * lanes]float64)(acc[q*2*lanes:]), delta)
			}
		}
		runtime.KeepAlive(s)
		return
	}
	var leaves [blockRows]int32
	for _, root := range roots {
		s.walkBlock(root, blk, &leaves)
		s.addLeaves(acc, leaves[:n])
	}
}

// addLeaves adds to acc[r·K:(r+1)·K] the class distribution of leaf
// leaves[r], for every lane r.
func (s *scorer) addLeaves(acc []float64, leaves []int32) {
	if s.pair != nil {
		for r, l := range leaves {
			src, dst := s.pair[2*l:2*l+2:2*l+2], acc[2*r:2*r+2:2*r+2]
			dst[0] += src[0]
			dst[1] += src[1]
		}
		return
	}
	k := s.k
	for r, l := range leaves {
		o := int(s.poff[l])
		dst := acc[r*k : (r+1)*k]
		for c, v := range s.probs[o : o+k] {
			dst[c] += v
		}
	}
}

// batchBlocks calls emit for every block of up to blockRows rows of X (n ≥
// 1 rows of p = NumFeatures values) with the numbers of its rows (m ≤
// blockRows of them; lane r holds row rows[r]) and a scratch buffer of
// scratch values, over contiguous ranges of rows, one per goroutine
// (GOMAXPROCS of them), each with its own buffers. Within a range, each
// window of up to windowRows rows is turned into keys in the window buffer
// and walked in the order of the rows' sort keys (order.go). It returns the
// error of the first row with a NaN (the lowest row, whatever the number of
// goroutines) or ctx's error.
func (f *Forest) batchBlocks(ctx context.Context, X mat.Matrix, scratch int, emit func(rows []int, blk *block, scratch []float64)) error {
	n, _ := dims(X)
	workers := max(1, min(runtime.GOMAXPROCS(0), n/batchCheckRows))
	errsOf := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errsOf[w] = f.batchRange(ctx, X, w*n/workers, (w+1)*n/workers, scratch, emit)
		}()
	}
	wg.Wait()
	for _, err := range errsOf {
		if err != nil {
			return err
		}
	}
	return nil
}

// window is the buffers of a batch worker, kept in a pool between batches:
// a window's keys are 3.9 MB on NSL-KDD, and allocating them for every
// batch made BenchmarkBatchProba 1.4× slower.
type window struct {
	keys    []uint64
	rows    []int
	sk, tmp []uint64
	scratch []float64
	blk     block
}

var windows sync.Pool

// getWindow returns buffers for windows of wcap rows of p features and
// scratch values of scratch, from the pool if it has large enough ones.
func getWindow(wcap, p, scratch int) *window {
	w, _ := windows.Get().(*window)
	if w == nil {
		w = &window{}
	}
	if cap(w.keys) < wcap*p {
		w.keys = make([]uint64, wcap*p)
	}
	if cap(w.rows) < wcap {
		w.rows = make([]int, wcap)
		w.sk = make([]uint64, wcap)
		w.tmp = make([]uint64, wcap)
	}
	if cap(w.scratch) < scratch {
		w.scratch = make([]float64, scratch)
	}
	w.keys, w.rows, w.sk, w.tmp, w.scratch = w.keys[:wcap*p], w.rows[:wcap], w.sk[:wcap], w.tmp[:wcap], w.scratch[:scratch]
	return w
}

// batchRange is batchBlocks for rows lo to hi−1 on one goroutine.
func (f *Forest) batchRange(ctx context.Context, X mat.Matrix, lo, hi, scratch int, emit func(rows []int, blk *block, scratch []float64)) error {
	_, p := dims(X)
	rv, raw := X.(mat.RawRowViewer)
	var row []float64
	if !raw {
		row = make([]float64, p)
	}
	wcap := min(windowRowsFor(p), hi-lo)
	wb := getWindow(wcap, p, scratch)
	defer windows.Put(wb)
	win, perm, buf := wb.keys, wb.rows, wb.scratch
	var sk, tmp []uint64
	if orderRows && f.sc.order.trees > 0 && wcap > blockRows {
		sk, tmp = wb.sk, wb.tmp
	}
	blk := &wb.blk
	blk.p = p
	blocks := 0
	for w0 := lo; w0 < hi; w0 += wcap {
		wn := min(wcap, hi-w0)
		for r := range wn {
			if r%(checkBlocks*blockRows) == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("forest: %w", err)
				}
			}
			x := row
			if raw {
				x = rv.RawRowView(w0 + r)
			} else {
				for j := range row {
					row[j] = X.At(w0+r, j)
				}
			}
			if j := toKeys(x, win[r*p:(r+1)*p]); j >= 0 {
				return fmt.Errorf("forest: row %d: feature %d is NaN: %w", w0+r, j, errs.ErrNaN)
			}
		}
		rows := perm[:wn]
		var sorted []uint64 // the rows' sort keys, when ordered
		if sk != nil && wn > blockRows {
			sorted = f.sc.orderWindow(win, p, rows, sk, tmp)
		} else {
			for r := range rows {
				rows[r] = r
			}
		}
		for b := 0; b < wn; b += blockRows {
			if blocks%checkBlocks == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("forest: %w", err)
				}
			}
			blocks++
			br := rows[b:min(b+blockRows, wn)]
			blk.groups = (len(br) + lanes - 1) / lanes
			blk.walked = 0
			if sorted != nil {
				blk.walked = f.sc.order.trees
			}
			for r := range blk.groups * lanes {
				at := b + r/lanes*lanes // a padding lane repeats its group's first row
				if r < len(br) {
					at = b + r
				}
				blk.ptr[r] = &win[rows[at]*p]
				if blk.walked > 0 {
					var l [orderTrees]int32
					f.sc.orderLeaves(sorted[at], &l)
					for t := range blk.walked {
						blk.leaf[t][r] = l[t]
					}
				}
			}
			for r := range br {
				br[r] += w0
			}
			emit(br, blk, buf)
		}
	}
	return nil
}
