package forest

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// Forest is a fitted Random Forest classifier: trees in the flat layout of
// internal/tree whose leaves hold class probability distributions. Its
// prediction is the mean of the trees' distributions.
//
// A Forest is read-only once returned by Fit or UnmarshalBinary and safe for
// concurrent use by many goroutines; the zero Forest is not fitted, and its
// methods return errors wrapping errs.ErrNotFitted.
type Forest struct {
	trees       []tree.Tree
	numFeatures int
	numClasses  int
	normalClass int
	criterion   Criterion
	names       []string
	oob         float64 // NaN when not computed

	// Derived by finish.
	scoreClass int     // class whose probability Score returns, or −1 for 1 − P(normal)
	invTrees   float64 // 1 / number of trees
	mdi        []float64
	mdiStd     []float64
	// The scoring form of the trees: every tree renumbered depth first,
	// left child first, so that the left child of node i is i+1 and a node
	// needs only its right child's index (16 bytes a node instead of 24,
	// and the path that goes left stays on the cache line).
	flat     []flatNode
	roots    []int32
	leafVals []float64 // K class probabilities per leaf

	shap *shapState // TreeSHAP explainers, prepared on first use
}

// flatNode is a node of the scoring form. A leaf has feat −1, thr holds the
// leaf's Score contribution (P(class 1), or P(NormalClass) for a
// multi-class forest) and right the offset of its class probabilities in
// leafVals.
type flatNode struct {
	thr   float64
	feat  int32
	right int32
}

// finish computes the fields derived from the trees.
func (f *Forest) finish() {
	f.invTrees = 1 / float64(len(f.trees))
	f.scoreClass = 1
	if f.numClasses > 2 {
		f.scoreClass = -1
	}
	f.mdi, f.mdiStd = f.meanDecreaseImpurity()
	f.compile()
	f.shap = &shapState{}
}

// compile builds the scoring form of the trees.
func (f *Forest) compile() {
	total := 0
	for i := range f.trees {
		total += len(f.trees[i].Nodes)
	}
	sc := f.scoreClass
	if sc < 0 {
		sc = f.normalClass
	}
	f.flat = make([]flatNode, 0, total)
	f.roots = make([]int32, len(f.trees))
	f.leafVals = f.leafVals[:0]
	type item struct{ node, parent int32 }
	var items []item
	for ti := range f.trees {
		t := &f.trees[ti]
		f.roots[ti] = int32(len(f.flat))
		// Depth first, left first; a right child is numbered when popped,
		// and the parent that waits for it is patched then.
		items = append(items[:0], item{0, -1})
		for len(items) > 0 {
			it := items[len(items)-1]
			items = items[:len(items)-1]
			id := int32(len(f.flat))
			if it.parent >= 0 {
				f.flat[it.parent].right = id
			}
			n := &t.Nodes[it.node]
			if n.IsLeaf() {
				v := t.Value(it.node)
				f.flat = append(f.flat, flatNode{thr: v[sc], feat: -1, right: int32(len(f.leafVals))})
				f.leafVals = append(f.leafVals, v...)
				continue
			}
			f.flat = append(f.flat, flatNode{thr: n.Threshold, feat: n.Feature})
			// The left child is pushed last so that it is numbered id+1.
			items = append(items, item{n.Right, id}, item{n.Left, -1})
		}
	}
}

// NumFeatures returns the number of features (columns) the forest was
// trained on; rows given to Score must have this length.
func (f *Forest) NumFeatures() int { return f.numFeatures }

// NumClasses returns the number of classes K (at least 2).
func (f *Forest) NumClasses() int { return f.numClasses }

// NumTrees returns the number of trees.
func (f *Forest) NumTrees() int { return len(f.trees) }

// NormalClass returns the class that Score treats as benign in a
// multi-class forest.
func (f *Forest) NormalClass() int { return f.normalClass }

// Criterion returns the impurity criterion the trees were grown with.
func (f *Forest) Criterion() Criterion { return f.criterion }

// FeatureNames returns the names of the features (a copy): those given in
// Config.FeatureNames, or "f0", "f1", … when none were.
func (f *Forest) FeatureNames() []string {
	out := make([]string, f.numFeatures)
	for j := range out {
		out[j] = f.featureName(j)
	}
	return out
}

func (f *Forest) featureName(j int) string {
	if f.names != nil {
		return f.names[j]
	}
	return fmt.Sprintf("f%d", j)
}

// OOBScore returns the out-of-bag accuracy computed by Fit when Config.OOB
// was set: the accuracy of the argmax of each training row's class
// probabilities averaged over the trees whose bootstrap sample left it out
// (scikit-learn's oob_score_). ok is false when it was not computed.
func (f *Forest) OOBScore() (score float64, ok bool) {
	if f.trees == nil || math.IsNaN(f.oob) {
		return math.NaN(), false
	}
	return f.oob, true
}

// check validates a row.
func (f *Forest) check(x []float64) error {
	if f.trees == nil {
		return fmt.Errorf("forest: %w", errs.ErrNotFitted)
	}
	if len(x) != f.numFeatures {
		return fmt.Errorf("forest: row of %d values, want %d: %w", len(x), f.numFeatures, errs.ErrDimension)
	}
	for j, v := range x {
		if v != v {
			return fmt.Errorf("forest: feature %d is NaN: %w", j, errs.ErrNaN)
		}
	}
	return nil
}

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

func (f *Forest) score(x []float64) float64 {
	s := 0.0
	for _, r := range f.roots {
		s += f.flat[f.leaf(r, x)].thr
	}
	return f.finalScore(s)
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

// leaf walks the scoring form from root r and returns the index of the
// leaf x reaches. x has no NaN (rows are checked first).
func (f *Forest) leaf(r int32, x []float64) int32 {
	nodes := f.flat
	i := r
	for {
		n := &nodes[i]
		if n.feat < 0 {
			return i
		}
		if x[n.feat] < n.thr {
			i++
		} else {
			i = n.right
		}
	}
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

func (f *Forest) proba(x, dst []float64) {
	clear(dst)
	k := f.numClasses
	for _, r := range f.roots {
		o := int(f.flat[f.leaf(r, x)].right)
		for c, v := range f.leafVals[o : o+k] {
			dst[c] += v
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
		for _, r := range f.roots {
			s += f.leafVals[int(f.flat[f.leaf(r, x)].right)+c]
		}
		if s > bestP {
			best, bestP = c, s
		}
	}
	return best, nil
}

// batchBlock is the number of rows a worker copies and scores at a time.
const batchBlock = 64

// ScoreBatch writes Score of every row of X into dst (length the number of
// rows), spreading the rows over GOMAXPROCS goroutines.
func (f *Forest) ScoreBatch(X mat.Matrix, dst []float64) error {
	n, _, err := f.checkBatch(X)
	if err != nil {
		return err
	}
	if len(dst) != n {
		return fmt.Errorf("forest: score buffer of %d values for %d rows: %w", len(dst), n, errs.ErrDimension)
	}
	return f.batch(X, false, func(lo, nr int, acc []float64) {
		for r := range nr {
			dst[lo+r] = f.finalScore(acc[r])
		}
	})
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
	return f.batch(X, true, func(lo, nr int, acc []float64) {
		for r := range nr {
			out := dst.RawRowView(lo + r)
			for c := range out {
				out[c] = acc[r*k+c] * f.invTrees
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

// batch scores X by blocks of rows over GOMAXPROCS goroutines; for each
// block, emit receives the first row index, the number of rows and, per
// row, the sum over trees of the leaves' Score contributions (proba false)
// or of their class distributions (proba true, nr × K).
func (f *Forest) batch(X mat.Matrix, proba bool, emit func(lo, nr int, acc []float64)) error {
	n, p := dims(X)
	k := f.numClasses
	read := rowReader(X)
	workers := min(runtime.GOMAXPROCS(0), (n+batchBlock-1)/batchBlock)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	blocks := (n + batchBlock - 1) / batchBlock
	per := (blocks + workers - 1) / workers
	for w := range workers {
		b0, b1 := w*per, min(blocks, (w+1)*per)
		if b0 >= b1 {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows := make([]float64, batchBlock*p)
			acc := make([]float64, batchBlock*k)
			for blk := b0; blk < b1; blk++ {
				lo := blk * batchBlock
				nr := min(batchBlock, n-lo)
				for r := range nr {
					x := rows[r*p : (r+1)*p]
					read(lo+r, x)
					for j, v := range x {
						if v != v {
							mu.Lock()
							if first == nil {
								first = fmt.Errorf("forest: row %d: feature %d is NaN: %w", lo+r, j, errs.ErrNaN)
							}
							mu.Unlock()
							return
						}
					}
				}
				// Row by row, all trees for a row: the row stays in the L1
				// cache and the trees stream through L2 (walking a block of
				// rows tree by tree measured slower).
				for r := range nr {
					x := rows[r*p : (r+1)*p]
					if !proba {
						sum := 0.0
						for _, root := range f.roots {
							sum += f.flat[f.leaf(root, x)].thr
						}
						acc[r] = sum
						continue
					}
					a := acc[r*k : (r+1)*k]
					clear(a)
					for _, root := range f.roots {
						o := int(f.flat[f.leaf(root, x)].right)
						for c, v := range f.leafVals[o : o+k] {
							a[c] += v
						}
					}
				}
				emit(lo, nr, acc)
			}
		}()
	}
	wg.Wait()
	return first
}
