package iforest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// Forest is a fitted Isolation Forest (classic or extended). It satisfies
// anomaly.Detector. A Forest is read-only once returned by Fit or filled by
// UnmarshalBinary and is safe for concurrent use by many goroutines; its
// zero value is an unfitted forest whose methods return errors wrapping
// ErrNotFitted.
type Forest struct {
	numFeatures int
	psi         int     // subsample size ψ the trees were grown with
	maxDepth    int     // height limit
	ext         int     // extension level; 0 = classic
	cpsi        float64 // c(ψ)
	names       []string

	// Classic forest: the shared layout (what TreeSHAP explains and what is
	// saved), a compact copy with sibling-adjacent nodes (walked by
	// Contributions) and the batch layout (walked by Score and the batch
	// when the packed layout below is nil).
	trees []tree.Tree
	nodes []snode
	// The batch layout: nodes again, but a leaf points to itself with
	// threshold +Inf (every row stays), its path length in leafs, so that a
	// block of rows can walk a tree in depths[t] branch-free steps.
	bnodes []snode
	leafs  []float64
	depths []int32
	// The packed layout (layout.go), which Score and the batch walk when
	// every tree fits it; nil otherwise.
	packed []ptree

	// Extended forest: nodes of all trees in one slice, children adjacent;
	// the hyperplane of node i is idx/coef[nodes[i].off : +k].
	enodes []hnode
	eidx   []int32
	ecoef  []float64

	roots []int32 // root of each tree in nodes or enodes

	shap *shapState // classic forest: TreeSHAP explainer, prepared on first use
}

// snode is a classic node in the compact layouts: children adjacent (the
// right child is left+1) so that one 16-byte read decides each step. In
// Forest.nodes a leaf has feature −1 and its path length in v; in
// Forest.bnodes it points to itself with v = +Inf.
type snode struct {
	v    float64 // threshold (x < v goes left) or the leaf's path length
	f    int32   // feature, -1 for a leaf
	left int32   // index of the left child in Forest.nodes
}

// hnode is an extended node in the scoring layout: x·n ≤ b goes left (to
// left), otherwise right (to left+1); a leaf has left < 0 and its path
// length in b.
type hnode struct {
	b    float64
	left int32
	off  int32
}

// Fit grows an Isolation Forest on the rows of X (one row per sample, one
// column per feature). It returns an error wrapping ErrEmpty when X has fewer
// than 2 rows or no column, ErrNaN (naming the row and column) when X holds
// a NaN or an infinity, and ctx.Err() when ctx is cancelled. Trees are built
// on cfg.Workers goroutines; the result depends only on X and cfg, not on
// the number of workers.
func Fit(ctx context.Context, X mat.Matrix, cfg Config) (*Forest, error) {
	data, err := readMatrix(X)
	if err != nil {
		return nil, err
	}
	rc, err := cfg.resolve(data.n, data.d)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("iforest: fit: %w", err)
	}
	f := &Forest{
		numFeatures: data.d,
		psi:         rc.psi,
		maxDepth:    rc.maxDepth,
		ext:         rc.ext,
		cpsi:        AveragePathLength(rc.psi),
	}
	if cfg.FeatureNames != nil {
		f.names = append([]string(nil), cfg.FeatureNames...)
	}
	type extTree struct {
		nodes []enode
		idx   []int32
		coef  []float64
	}
	var (
		classic  []tree.Tree
		extended []extTree
	)
	if rc.ext == 0 {
		classic = make([]tree.Tree, rc.trees)
	} else {
		extended = make([]extTree, rc.trees)
	}
	var (
		next atomic.Int64
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	for range rc.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBuilder(&rc, data)
			for {
				if ctx.Err() != nil {
					return
				}
				t := int(next.Add(1) - 1)
				if t >= rc.trees {
					return
				}
				if rc.ext == 0 {
					classic[t] = b.buildClassic(t)
				} else {
					b.buildExtended(t)
					extended[t] = extTree{
						nodes: append([]enode(nil), b.enodes...),
						idx:   append([]int32(nil), b.eidx...),
						coef:  append([]float64(nil), b.ecoef...),
					}
				}
				if cfg.Progress != nil {
					mu.Lock()
					done++
					cfg.Progress(done, rc.trees)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("iforest: fit: %w", err)
	}
	if rc.ext == 0 {
		f.trees = classic
		f.compactClassic()
		return f, nil
	}
	k := rc.ext + 1
	for _, t := range extended {
		f.appendExtended(t.nodes, t.idx, t.coef, k)
	}
	return f, nil
}

// readMatrix returns X's data row-major, without copying a *mat.Dense,
// after checking that it has rows and columns and no NaN or infinity.
func readMatrix(X mat.Matrix) (*matrix, error) {
	if X == nil {
		return nil, fmt.Errorf("iforest: nil matrix: %w", errs.ErrEmpty)
	}
	n, d := X.Dims()
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("iforest: %d×%d matrix: %w", n, d, errs.ErrEmpty)
	}
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("iforest: %d rows (at most %d): %w", n, math.MaxInt32, errs.ErrDimension)
	}
	m := &matrix{n: n, d: d}
	if rm, ok := X.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		m.x, m.stride = raw.Data, raw.Stride
	} else {
		m.x, m.stride = make([]float64, n*d), d
		for i := range n {
			for j := range d {
				m.x[i*d+j] = X.At(i, j)
			}
		}
	}
	for i := range n {
		row := m.x[i*m.stride : i*m.stride+d]
		if j := firstNonFinite(row); j >= 0 {
			return nil, fmt.Errorf("iforest: X row %d (0-based), column %d: %v: %w", i, j, row[j], errs.ErrNaN)
		}
	}
	return m, nil
}

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1.
func firstNonFinite(x []float64) int {
	// v-v is 0 for a finite v and NaN for NaN and ±Inf; checking a sum of
	// them first keeps the common case to one branch per 4 values.
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s := (x[i] - x[i]) + (x[i+1] - x[i+1]) + (x[i+2] - x[i+2]) + (x[i+3] - x[i+3])
		if s != 0 {
			break
		}
	}
	for ; i < len(x); i++ {
		if x[i]-x[i] != 0 {
			return i
		}
	}
	return -1
}

// compactClassic builds f.nodes and f.roots from f.trees: each tree's nodes
// renumbered breadth first so that siblings are adjacent.
func (f *Forest) compactClassic() {
	total := 0
	for i := range f.trees {
		total += len(f.trees[i].Nodes)
	}
	f.nodes = make([]snode, 0, total)
	f.roots = make([]int32, 0, len(f.trees))
	f.depths = make([]int32, 0, len(f.trees))
	var queue, newIdx []int32
	for ti := range f.trees {
		t := &f.trees[ti]
		base := int32(len(f.nodes))
		f.roots = append(f.roots, base)
		f.nodes = f.nodes[:int(base)+len(t.Nodes)]
		newIdx = append(newIdx[:0], make([]int32, len(t.Nodes))...)
		queue = append(queue[:0], 0)
		next := int32(1)
		for q := 0; q < len(queue); q++ {
			old := queue[q]
			nd := &t.Nodes[old]
			dst := &f.nodes[base+newIdx[old]]
			if nd.Feature < 0 {
				*dst = snode{v: t.Values[old], f: -1, left: -1}
				continue
			}
			newIdx[nd.Left], newIdx[nd.Right] = next, next+1
			*dst = snode{v: nd.Threshold, f: nd.Feature, left: base + next}
			next += 2
			queue = append(queue, nd.Left, nd.Right)
		}
		f.depths = append(f.depths, int32(t.MaxDepth()))
	}
	f.bnodes = slices.Clone(f.nodes)
	f.leafs = make([]float64, len(f.nodes))
	for i := range f.bnodes {
		if n := &f.bnodes[i]; n.f < 0 {
			f.leafs[i] = n.v
			*n = snode{v: math.Inf(1), f: 0, left: int32(i)}
		}
	}
	f.packed = packTrees(f.trees, f.numFeatures)
	f.shap = &shapState{}
}

// appendExtended adds one extended tree, given with explicit children, to
// the forest's scoring layout (breadth first, siblings adjacent).
func (f *Forest) appendExtended(nodes []enode, idx []int32, coef []float64, k int) {
	base := int32(len(f.enodes))
	f.roots = append(f.roots, base)
	for range nodes {
		f.enodes = append(f.enodes, hnode{})
	}
	newIdx := make([]int32, len(nodes))
	queue := []int32{0}
	next := int32(1)
	for q := 0; q < len(queue); q++ {
		old := queue[q]
		nd := &nodes[old]
		dst := &f.enodes[base+newIdx[old]]
		if nd.left < 0 {
			*dst = hnode{b: nd.b, left: -1}
			continue
		}
		newIdx[nd.left], newIdx[nd.right] = next, next+1
		off := int32(len(f.eidx))
		f.eidx = append(f.eidx, idx[nd.off:int(nd.off)+k]...)
		f.ecoef = append(f.ecoef, coef[nd.off:int(nd.off)+k]...)
		*dst = hnode{b: nd.b, left: base + next, off: off}
		next += 2
		queue = append(queue, nd.left, nd.right)
	}
}

// NumFeatures returns the number of features (columns) the forest was fitted
// on: the length Score expects. It is 0 for an unfitted forest.
func (f *Forest) NumFeatures() int {
	if f == nil {
		return 0
	}
	return f.numFeatures
}

// NumTrees returns the number of trees.
func (f *Forest) NumTrees() int {
	if f == nil {
		return 0
	}
	return len(f.roots)
}

// SampleSize returns ψ, the number of rows each tree was grown on; the score
// is normalised by AveragePathLength(SampleSize()).
func (f *Forest) SampleSize() int {
	if f == nil {
		return 0
	}
	return f.psi
}

// MaxDepth returns the height limit the trees were grown with.
func (f *Forest) MaxDepth() int {
	if f == nil {
		return 0
	}
	return f.maxDepth
}

// ExtensionLevel returns the Extended Isolation Forest level (0: classic).
func (f *Forest) ExtensionLevel() int {
	if f == nil {
		return 0
	}
	return f.ext
}

// FeatureNames returns a copy of the feature names given in Config, or nil.
func (f *Forest) FeatureNames() []string {
	if f == nil || f.names == nil {
		return nil
	}
	return append([]string(nil), f.names...)
}

// Trees returns the classic forest's trees in the shared flat layout of
// internal/tree: one output per node (a leaf's value is its path length,
// depth + c(leaf cover); an internal node's value is the cover-weighted mean
// of its leaves' values), Cover is the number of subsample rows that reached
// each node (duplicates counted when Bootstrap is set), Threshold follows
// "x < Threshold goes left". The mean over trees of the leaf values a row
// reaches is PathLength. It returns nil for an extended forest. The trees
// belong to the forest: do not modify them.
func (f *Forest) Trees() []tree.Tree {
	if f == nil {
		return nil
	}
	return f.trees
}

func (f *Forest) check(x []float64) error {
	if f == nil || f.numFeatures == 0 {
		return fmt.Errorf("iforest: %w", errs.ErrNotFitted)
	}
	if len(x) != f.numFeatures {
		return fmt.Errorf("iforest: row of %d values, want %d: %w", len(x), f.numFeatures, errs.ErrDimension)
	}
	if j := firstNonFinite(x); j >= 0 {
		return fmt.Errorf("iforest: column %d: %v: %w", j, x[j], errs.ErrNaN)
	}
	return nil
}

// PathLength returns E[h(x)], the mean over the trees of x's path length
// (leaf depth plus c(leaf size)): the raw output the anomaly score is made
// of and what a TreeSHAP explanation of the classic forest adds up to. A
// row of the wrong length is an error wrapping ErrDimension, a NaN or
// infinity one wrapping ErrNaN. It does not allocate.
func (f *Forest) PathLength(x []float64) (float64, error) {
	if err := f.check(x); err != nil {
		return 0, err
	}
	return f.pathSum(x) / float64(len(f.roots)), nil
}

// Score returns the anomaly score s(x) = 2^(−E[h(x)]/c(ψ)) of one row, in
// (0, 1]: higher is more anomalous; above 0.5 means easier to isolate than a
// typical training row (scikit-learn's score_samples is −s). A row of the
// wrong length is an error wrapping ErrDimension, a NaN or infinity one
// wrapping ErrNaN. Score does not allocate and is safe for concurrent use.
func (f *Forest) Score(x []float64) (float64, error) {
	if f != nil && f.ext == 0 && f.packed != nil && len(x) == f.numFeatures {
		// The common case: the row's keys and its finiteness in one pass.
		var g rowKeys
		if fillKeysFinite(&g, x) {
			return f.scoreOf(packedPathSum(f.packed, &g)), nil
		}
	}
	if err := f.check(x); err != nil {
		return 0, err
	}
	return f.scoreOf(f.pathSum(x)), nil
}

func (f *Forest) scoreOf(sum float64) float64 {
	return math.Exp2(-sum / (float64(len(f.roots)) * f.cpsi))
}

// pathSum returns the sum over the trees of x's path length; x is checked.
//
// When the forest has the packed layout (layout.go), x is turned into row
// keys on the stack and the trees are walked eight at a time, each in exactly
// eight branch-free steps. Otherwise the classic trees are walked eight at a
// time through the batch layout, in a fixed number of branch-free steps (the
// deepest of the eight; a leaf holds the walk in place): the eight walks are
// independent, so they overlap in the CPU instead of waiting on one
// mispredicted branch after another. The sum is taken in tree order, as the
// batch does, so both give the same bits.
func (f *Forest) pathSum(x []float64) float64 {
	if f.ext != 0 {
		return f.pathSumExt(x)
	}
	if f.packed != nil {
		var g rowKeys
		fillKeysFinite(&g, x) // x is checked
		return packedPathSum(f.packed, &g)
	}
	return f.batchLayoutSum(x)
}

// batchLayoutSum is pathSum through the batch layout, for classic forests
// that do not fit the packed one.
func (f *Forest) batchLayoutSum(x []float64) float64 {
	nodes, leafs := f.bnodes, f.leafs
	roots, depths := f.roots, f.depths
	var sum float64
	t := 0
	for ; t+8 <= len(roots); t += 8 {
		r, dd := roots[t:t+8:t+8], depths[t:t+8:t+8]
		i0, i1, i2, i3, i4, i5, i6, i7 := r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
		for range max(dd[0], dd[1], dd[2], dd[3], dd[4], dd[5], dd[6], dd[7]) {
			n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
			n4, n5, n6, n7 := &nodes[i4], &nodes[i5], &nodes[i6], &nodes[i7]
			i0 = n0.left + right(x[n0.f], n0.v)
			i1 = n1.left + right(x[n1.f], n1.v)
			i2 = n2.left + right(x[n2.f], n2.v)
			i3 = n3.left + right(x[n3.f], n3.v)
			i4 = n4.left + right(x[n4.f], n4.v)
			i5 = n5.left + right(x[n5.f], n5.v)
			i6 = n6.left + right(x[n6.f], n6.v)
			i7 = n7.left + right(x[n7.f], n7.v)
		}
		sum += leafs[i0]
		sum += leafs[i1]
		sum += leafs[i2]
		sum += leafs[i3]
		sum += leafs[i4]
		sum += leafs[i5]
		sum += leafs[i6]
		sum += leafs[i7]
	}
	for ; t < len(roots); t++ {
		i := roots[t]
		for range depths[t] {
			n := &nodes[i]
			i = n.left + right(x[n.f], n.v)
		}
		sum += leafs[i]
	}
	return sum
}

func (f *Forest) pathSumExt(x []float64) float64 {
	nodes := f.enodes
	k := f.ext + 1
	var sum float64
	for _, i := range f.roots {
		for {
			n := &nodes[i]
			if n.left < 0 {
				sum += n.b
				break
			}
			idx := f.eidx[n.off : int(n.off)+k]
			coef := f.ecoef[n.off : int(n.off)+k]
			var dot float64
			for q, j := range idx {
				dot += coef[q] * x[j]
			}
			i = n.left
			if dot > n.b {
				i++
			}
		}
	}
	return sum
}
