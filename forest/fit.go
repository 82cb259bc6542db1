package forest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// Fit trains a Random Forest classifier on the rows of X (n × p, finite
// values) with class labels y (len n, values 0 … K−1; K = max(y)+1, at least
// 2, and at least two classes present: labels of a single class are an
// error wrapping errs.ErrDimension). Trees are built by cfg.Workers goroutines; the result depends only on
// the data, cfg and cfg.Seed, not on the number of workers.
//
// Fit reads X once: the exact splitter keeps one column-major float64 copy
// of it (plus a bitset per 0/1 column and 16-bit ranks for columns with at
// most 4,096 distinct values), the histogram splitter one byte per value.
// It neither modifies X nor y nor keeps a reference to them.
//
// Fit stops early and returns ctx.Err() when ctx is cancelled. Errors wrap
// errs.ErrEmpty (no rows or columns), errs.ErrDimension (len(y) ≠ n, feature
// names of the wrong length, a single class), errs.ErrNaN (a NaN or
// infinite value in X, naming its 0-based row and its column),
// errs.ErrFormat (a negative label) and errs.ErrUnsupported (an invalid
// Config field, or trees larger than MaxTreeNodes and MaxNodes allow).
func Fit(ctx context.Context, X mat.Matrix, y []int, cfg Config) (*Forest, error) {
	n, p := dims(X)
	if n == 0 || p == 0 {
		return nil, fmt.Errorf("forest: %d×%d training matrix: %w", n, p, errs.ErrEmpty)
	}
	if len(y) != n {
		return nil, fmt.Errorf("forest: %d labels for %d rows: %w", len(y), n, errs.ErrDimension)
	}
	if p > MaxColumns || n > math.MaxInt32 {
		return nil, fmt.Errorf("forest: %d×%d training matrix is too large: %w", n, p, errs.ErrUnsupported)
	}
	s, err := cfg.resolve(n, p)
	if err != nil {
		return nil, err
	}
	k := 2
	y32 := make([]int32, n)
	for i, c := range y {
		if c < 0 || c > math.MaxInt32-1 {
			return nil, fmt.Errorf("forest: label y[%d] = %d is not a class index: %w", i, c, errs.ErrFormat)
		}
		k = max(k, c+1)
		y32[i] = int32(c)
	}
	if k > 1<<16 {
		return nil, fmt.Errorf("forest: %d classes: %w", k, errs.ErrUnsupported)
	}
	if c, ok := singleClass(y32); ok {
		// A model of one class scores every row alike: refuse it rather
		// than return a constant.
		return nil, fmt.Errorf("forest: every one of the %d labels is class %d: a classifier needs rows of at least two classes "+
			"(for benign rows only, fit an Isolation Forest): %w", n, c, errs.ErrDimension)
	}
	if cfg.NormalClass < 0 || cfg.NormalClass >= k {
		return nil, fmt.Errorf("forest: normal class %d not in [0, %d): %w", cfg.NormalClass, k, errs.ErrUnsupported)
	}
	var cw []float64
	switch cfg.ClassWeight.kind {
	case weightsBalanced:
		cw = balancedWeights(y32, nil, k)
	case weightsGiven:
		cw = make([]float64, k)
		for c := range cw {
			cw[c] = 1
			if c < len(cfg.ClassWeight.w) {
				cw[c] = cfg.ClassWeight.w[c]
			}
		}
	}

	var d *trainData
	if s.splitter == Exact {
		d, err = columnMajor(X, n, p)
	} else {
		d, err = binned(X, n, p, s.maxBins, s.workers)
	}
	if err != nil {
		var ne *nanError
		if errors.As(err, &ne) && ne.col < len(cfg.FeatureNames) {
			ne.name = cfg.FeatureNames[ne.col]
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	f := &Forest{
		trees:       make([]tree.Tree, s.trees),
		numFeatures: p,
		numClasses:  k,
		normalClass: cfg.NormalClass,
		criterion:   s.criterion,
		oob:         math.NaN(),
	}
	if cfg.FeatureNames != nil {
		f.names = append([]string(nil), cfg.FeatureNames...)
	}
	var inBag [][]uint64
	if cfg.OOB {
		inBag = make([][]uint64, s.trees)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		done     int
		firstErr error
		next     = make(chan int)
	)
	for range min(s.workers, s.trees) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBuilder(d, y32, k, s, cw, cfg.ClassWeight.kind == weightsBalancedSubsample)
			for t := range next {
				tr, bag, err := b.grow(ctx, t, cfg.Seed)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					cancel()
				} else {
					f.trees[t] = tr
					if inBag != nil {
						inBag[t] = bag
					}
					done++
					if cfg.Progress != nil {
						cfg.Progress(done, s.trees)
					}
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for t := range s.trees {
		select {
		case next <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i := range f.trees {
		// The trees are tight: drop the spare capacity of the growing slices.
		t := &f.trees[i]
		t.Nodes = t.Nodes[:len(t.Nodes):len(t.Nodes)]
	}
	if err := checkSize(len(f.trees), treeSize(f.trees)); err != nil {
		return nil, fmt.Errorf("%w (limit MaxDepth or raise MinSamplesLeaf): %w", err, errs.ErrUnsupported)
	}
	f.finish()
	if cfg.OOB {
		f.oob = f.oobScore(d, X, y32, inBag, s.workers)
	}
	return f, nil
}

// oobScore returns the accuracy of the out-of-bag class probabilities'
// argmax over the rows that were out of bag for at least one tree (as
// scikit-learn's oob_score_; with 100 trees every row is out of bag for
// some tree but with probability about 1e-20). Rows are spread over
// workers; each row sums its trees in order, so the result does not depend
// on the number of workers.
func (f *Forest) oobScore(d *trainData, X mat.Matrix, y []int32, inBag [][]uint64, workers int) float64 {
	n, p, k := d.n, d.p, f.numClasses
	read := rowReader(X)
	var (
		wg             sync.WaitGroup
		mu             sync.Mutex
		correct, count int
	)
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float64, p)
			acc := make([]float64, k)
			c, m := 0, 0
			for i := lo; i < hi; i++ {
				if d.cols != nil {
					for j := range x {
						x[j] = d.cols[j*n+i]
					}
				} else {
					read(i, x)
				}
				clear(acc)
				used := 0
				for t := range f.trees {
					if inBag[t][i>>6]&(1<<(i&63)) != 0 {
						continue
					}
					tr := &f.trees[t]
					for c, v := range tr.Value(tr.Leaf(x)) {
						acc[c] += v
					}
					used++
				}
				if used == 0 {
					continue
				}
				m++
				if argmax(acc) == int(y[i]) {
					c++
				}
			}
			mu.Lock()
			correct += c
			count += m
			mu.Unlock()
		}()
	}
	wg.Wait()
	if count == 0 {
		return math.NaN()
	}
	return float64(correct) / float64(count)
}

// argmax returns the index of the largest value, the first one on ties (as
// numpy's argmax).
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// singleClass reports whether every label is the same, and which.
func singleClass(y []int32) (int32, bool) {
	for _, c := range y[1:] {
		if c != y[0] {
			return 0, false
		}
	}
	return y[0], true
}

// Constant reports whether the forest scores every row alike: every tree
// is a single leaf, as a forest trained on rows of one class is (Fit
// refuses such labels; a forest saved by an older build may be one).
// anomaly.Calibrate refuses a classifier that is constant.
func (f *Forest) Constant() bool {
	for i := range f.trees {
		if len(f.trees[i].Nodes) > 1 {
			return false
		}
	}
	return true
}
