package iforest

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
)

// blockRows is how many rows a batch walks through one tree before moving to
// the next, so that the tree stays in cache while it serves them all.
const blockRows = 32

// ScoreMatrix writes the anomaly score of each row of X into dst, which must
// have one element per row. The rows are split into contiguous blocks, one
// per goroutine (runtime.GOMAXPROCS(0) of them). A row of the wrong width is
// an error wrapping ErrDimension; a NaN or infinity one wrapping ErrNaN that
// names the first bad row (dst is then incomplete). ctx is checked between
// blocks of rows.
func (f *Forest) ScoreMatrix(ctx context.Context, X mat.Matrix, dst []float64) error {
	if f == nil || f.numFeatures == 0 {
		return fmt.Errorf("iforest: %w", errs.ErrNotFitted)
	}
	if X == nil {
		return fmt.Errorf("iforest: nil matrix: %w", errs.ErrEmpty)
	}
	n, d := X.Dims()
	if d != f.numFeatures {
		return fmt.Errorf("iforest: matrix of %d columns, want %d: %w", d, f.numFeatures, errs.ErrDimension)
	}
	if len(dst) != n {
		return fmt.Errorf("iforest: %d scores for %d rows: %w", len(dst), n, errs.ErrDimension)
	}
	if n == 0 {
		return nil
	}
	src := batchRows{d: d, stride: d}
	if rm, ok := X.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		src.x, src.stride = raw.Data, raw.Stride
	} else {
		src.x = make([]float64, n*d)
		for i := range n {
			for j := range d {
				src.x[i*d+j] = X.At(i, j)
			}
		}
	}
	return f.scoreRows(ctx, n, src, dst)
}

// ScoreBatch writes the anomaly score of each of rows into dst, which must
// have the same length, as ScoreMatrix does. A batch of up to 32 rows, or
// any batch when GOMAXPROCS is 1, is scored on the calling goroutine and
// allocates nothing: the call for each datagram of a stream.
func (f *Forest) ScoreBatch(ctx context.Context, rows [][]float64, dst []float64) error {
	if f == nil || f.numFeatures == 0 {
		return fmt.Errorf("iforest: %w", errs.ErrNotFitted)
	}
	if len(dst) != len(rows) {
		return fmt.Errorf("iforest: %d scores for %d rows: %w", len(dst), len(rows), errs.ErrDimension)
	}
	return f.scoreRows(ctx, len(rows), batchRows{rows: rows}, dst)
}

// batchRows gives a batch's rows: a slice of rows, or (rows nil) the rows
// of a row-major array of d columns at stride. A value, not a closure, so
// that the one-worker path allocates nothing.
type batchRows struct {
	rows      [][]float64
	x         []float64
	d, stride int
}

// row returns row i.
func (s *batchRows) row(i int) []float64 {
	if s.rows != nil {
		return s.rows[i]
	}
	return s.x[i*s.stride : i*s.stride+s.d]
}

// scoreRows scores n rows across workers, each taking a contiguous range
// of at least blockRows rows; with one worker, on the calling goroutine.
func (f *Forest) scoreRows(ctx context.Context, n int, src batchRows, dst []float64) error {
	workers := runtime.GOMAXPROCS(0)
	if max := (n + blockRows - 1) / blockRows; workers > max {
		workers = max
	}
	if workers <= 1 {
		return f.scoreRange(ctx, 0, n, src, dst)
	}
	errsOf := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		part := src // a copy per goroutine, declared here: the one-worker path keeps src on the stack
		wg.Add(1)
		go func() {
			defer wg.Done()
			errsOf[w] = f.scoreRange(ctx, lo, hi, part, dst)
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

// scoreRange scores rows [lo, hi) block by block, tree by tree.
func (f *Forest) scoreRange(ctx context.Context, lo, hi int, src batchRows, dst []float64) error {
	if f.packed != nil {
		return f.scoreRangePacked(ctx, lo, hi, &src, dst)
	}
	var xs [blockRows][]float64
	var sums [blockRows]float64
	for b := lo; b < hi; b += blockRows {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("iforest: score: %w", err)
		}
		m := min(blockRows, hi-b)
		for r := range m {
			x := src.row(b + r)
			if len(x) != f.numFeatures {
				return fmt.Errorf("iforest: row %d: %d values, want %d: %w", b+r, len(x), f.numFeatures, errs.ErrDimension)
			}
			if j := firstNonFinite(x); j >= 0 {
				return fmt.Errorf("iforest: row %d (0-based), column %d: %v: %w", b+r, j, x[j], errs.ErrNaN)
			}
			xs[r] = x
			sums[r] = 0
		}
		if f.ext == 0 {
			f.blockClassic(xs[:m], sums[:m])
		} else {
			for r := range m {
				sums[r] = f.pathSumExt(xs[r])
			}
		}
		for r := range m {
			dst[b+r] = f.scoreOf(sums[r])
		}
	}
	return nil
}

// packedGroups is how many groups of eight rows the packed batch walks
// through one tree before the next: the assembly kernel walks the 24 rows at
// once (faster than 16, and than 32, whose keys crowd the tree out of L1).
const packedGroups = 3

// packedLanesMin is the fewest rows that walk the trees in a group of
// eight lanes: a group costs as much as about four rows walked one by one
// (BenchmarkScoreBatch, rows=1 against Score), so fewer walk alone.
const packedLanesMin = 4

// batchKeys holds the packed batches' key arrays (50 KiB each): taken and
// given back per call, so that a stream of small batches neither allocates
// nor clears one per call. Lanes a short block leaves unfilled hold keys of
// earlier rows, or zeros: valid walks whose sums are not read.
var batchKeys = sync.Pool{New: func() any { return new([packedGroups][8]laneKeys) }}

// scoreRangePacked scores rows [lo, hi) through the packed layout: blocks of
// packedGroups×8 rows, turned into row keys, walk each tree in turn.
func (f *Forest) scoreRangePacked(ctx context.Context, lo, hi int, src *batchRows, dst []float64) error {
	keys := batchKeys.Get().(*[packedGroups][8]laneKeys)
	defer batchKeys.Put(keys)
	var sums [packedGroups][8]float64
	const block = packedGroups * 8
	for b := lo; b < hi; b += block {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("iforest: score: %w", err)
		}
		m := min(block, hi-b)
		for r := range m {
			x := src.row(b + r)
			if len(x) != f.numFeatures {
				return fmt.Errorf("iforest: row %d: %d values, want %d: %w", b+r, len(x), f.numFeatures, errs.ErrDimension)
			}
			if !fillKeysFinite(&keys[r/8][r%8].k, x) {
				j := firstNonFinite(x)
				return fmt.Errorf("iforest: row %d (0-based), column %d: %v: %w", b+r, j, x[j], errs.ErrNaN)
			}
		}
		// Rows too few to fill most of a group's eight lanes walk the
		// trees alone, as Score walks them (the same sums, bit for bit):
		// 18 rows go as two groups and two rows alone, not three groups.
		lanes := m
		if rest := m % 8; rest < packedLanesMin {
			lanes = m - rest
		}
		for r := lanes; r < m; r++ {
			dst[b+r] = f.scoreOf(packedPathSum(f.packed, &keys[r/8][r%8].k))
		}
		if lanes == 0 {
			continue
		}
		groups := (lanes + 7) / 8
		sums = [packedGroups][8]float64{}
		for t := range f.packed {
			p := &f.packed[t]
			switch {
			case !useAsm:
				for q := range groups {
					p.packedGroup(&keys[q], &sums[q])
				}
			case groups == 3:
				packedAsm3(p, keys, &sums)
			case groups == 2:
				packedAsm2(p, (*[2][8]laneKeys)(keys[:2]), (*[2][8]float64)(sums[:2]))
			default:
				packedAsm1(p, (*[1][8]laneKeys)(keys[:1]), (*[1][8]float64)(sums[:1]))
			}
		}
		for r := range lanes {
			dst[b+r] = f.scoreOf(sums[r/8][r%8])
		}
	}
	return nil
}

// blockClassic adds each row's path length in every tree to sums, walking
// all the rows through one tree before the next. Rows go eight at a time
// through the batch layout: a fixed number of branch-free steps (the tree's
// depth; leaves hold rows in place), so the eight walks overlap in the CPU
// instead of stalling on mispredicted branches (eight measured 1.5× faster
// than four, four 1.5× faster than a branchy walk of one row at a time).
func (f *Forest) blockClassic(xs [][]float64, sums []float64) {
	nodes, leafs := f.bnodes, f.leafs
	sums = sums[:len(xs)]
	for t, root := range f.roots {
		depth := f.depths[t]
		r := 0
		for ; r+8 <= len(xs); r += 8 {
			x0, x1, x2, x3 := xs[r], xs[r+1], xs[r+2], xs[r+3]
			x4, x5, x6, x7 := xs[r+4], xs[r+5], xs[r+6], xs[r+7]
			i0, i1, i2, i3, i4, i5, i6, i7 := root, root, root, root, root, root, root, root
			for range depth {
				n0, n1, n2, n3 := &nodes[i0], &nodes[i1], &nodes[i2], &nodes[i3]
				n4, n5, n6, n7 := &nodes[i4], &nodes[i5], &nodes[i6], &nodes[i7]
				i0 = n0.left + right(x0[n0.f], n0.v)
				i1 = n1.left + right(x1[n1.f], n1.v)
				i2 = n2.left + right(x2[n2.f], n2.v)
				i3 = n3.left + right(x3[n3.f], n3.v)
				i4 = n4.left + right(x4[n4.f], n4.v)
				i5 = n5.left + right(x5[n5.f], n5.v)
				i6 = n6.left + right(x6[n6.f], n6.v)
				i7 = n7.left + right(x7[n7.f], n7.v)
			}
			sums[r] += leafs[i0]
			sums[r+1] += leafs[i1]
			sums[r+2] += leafs[i2]
			sums[r+3] += leafs[i3]
			sums[r+4] += leafs[i4]
			sums[r+5] += leafs[i5]
			sums[r+6] += leafs[i6]
			sums[r+7] += leafs[i7]
		}
		for ; r < len(xs); r++ {
			x, i := xs[r], root
			for range depth {
				n := &nodes[i]
				i = n.left + right(x[n.f], n.v)
			}
			sums[r] += leafs[i]
		}
	}
}

// right is 1 when x ≥ t (x goes right) and 0 when x < t, for finite x and
// finite or infinite t, without a branch: the complement of the sign bit of
// x − t (adding +0 turns a −0 difference into +0).
func right(x, t float64) int32 {
	return int32(1 - math.Float64bits(x-t+0)>>63)
}
