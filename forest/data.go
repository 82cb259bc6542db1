package forest

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
)

// trainData is the training matrix in the form the splitters read: either
// one column-major float64 copy of X (the only copy Fit makes, for the exact
// splitter) or one byte of bin code per value (the histogram splitter).
type trainData struct {
	n, p int
	// cols holds column j at cols[j*n:(j+1)*n] (exact splitter).
	cols []float64
	// binary[j] reports that column j holds only zeros and ones (one-hot
	// columns): the exact splitter partitions those instead of sorting.
	binary []bool
	// bits[j] holds binary column j as a bitset (row i is bit i%64 of word
	// i/64): 1/64 of the column's size, so it stays in the L1 cache while
	// a node's samples are counted.
	bits [][]uint64
	// ones[j] lists, in increasing order, the rows where binary column j
	// is 1: for a column whose ones are few beside a node's samples, the
	// exact splitter counts those instead of reading every sample.
	ones [][]int32
	// rank[j], for a non-binary column with at most maxRankValues distinct
	// values, holds each row's rank among the column's distinct values,
	// vals[j]: the exact splitter counts a large node's classes per value
	// instead of sorting it, with the same thresholds.
	rank [][]uint16
	vals [][]float64
	// codes holds the bin codes of column j at codes[j*n:(j+1)*n] and
	// cuts[j][b] the threshold between bins b and b+1: x < cuts[j][b] ⇔
	// code ≤ b (histogram splitter).
	codes []uint8
	cuts  [][]float64
}

// rowFunc copies row i of X into dst.
type rowFunc func(i int, dst []float64)

// rowReader returns a fast row reader for X: a copy from the raw storage of
// a *mat.Dense (or any RawRowViewer), and At calls otherwise.
func rowReader(X mat.Matrix) rowFunc {
	if rv, ok := X.(mat.RawRowViewer); ok {
		return func(i int, dst []float64) { copy(dst, rv.RawRowView(i)) }
	}
	return func(i int, dst []float64) {
		for j := range dst {
			dst[j] = X.At(i, j)
		}
	}
}

// dims returns the shape of X, treating an empty *mat.Dense (whose Dims
// panics on nothing but reports 0, 0) as empty.
func dims(X mat.Matrix) (int, int) {
	if d, ok := X.(*mat.Dense); ok && d.IsEmpty() {
		return 0, 0
	}
	return X.Dims()
}

// columnMajor copies X into one column-major slice, rejecting NaN and
// infinities, and notes which columns hold only zeros and ones.
func columnMajor(X mat.Matrix, n, p int) (*trainData, error) {
	d := &trainData{n: n, p: p, cols: make([]float64, n*p), binary: make([]bool, p)}
	for j := range d.binary {
		d.binary[j] = true
	}
	// Rows are copied by blocks, column by column within a block, so that
	// the writes go to a few runs of consecutive addresses instead of one
	// cache line per value.
	const blk = 64
	rows := make([]float64, blk*p)
	read := rowReader(X)
	for i0 := 0; i0 < n; i0 += blk {
		m := min(blk, n-i0)
		for r := range m {
			read(i0+r, rows[r*p:(r+1)*p])
		}
		for j := range p {
			col := d.cols[j*n+i0 : j*n+i0+m]
			bin := d.binary[j]
			for r := range col {
				v := rows[r*p+j]
				if v-v != 0 { // NaN or ±Inf: report the block's first, row by row
					return nil, firstNonFinite(rows[:m*p], i0, p)
				}
				bin = bin && (v == 0 || v == 1)
				col[r] = v
			}
			d.binary[j] = bin
		}
	}
	d.bits = make([][]uint64, p)
	d.ones = make([][]int32, p)
	d.rank = make([][]uint16, p)
	d.vals = make([][]float64, p)
	var scratch []float64
	for j, bin := range d.binary {
		if !bin {
			if scratch == nil {
				scratch = make([]float64, n)
			}
			d.rankColumn(j, scratch)
			continue
		}
		bs := make([]uint64, (n+63)/64)
		var ones []int32
		for i, v := range d.cols[j*n : (j+1)*n] {
			if v != 0 {
				bs[i>>6] |= 1 << (i & 63)
				ones = append(ones, int32(i))
			}
		}
		d.bits[j] = bs
		d.ones[j] = ones
	}
	return d, nil
}

// nanError is a NaN or infinite value of the training matrix; Fit adds
// the column's name when the Config names the features.
type nanError struct {
	row, col int
	v        float64
	name     string
}

func (e *nanError) Error() string {
	col := fmt.Sprintf("column %d", e.col)
	if e.name != "" {
		col = fmt.Sprintf("column %d (%q)", e.col, e.name)
	}
	return fmt.Sprintf("forest: X row %d (0-based), %s: value %v: %v", e.row, col, e.v, errs.ErrNaN)
}

func (e *nanError) Unwrap() error { return errs.ErrNaN }

// firstNonFinite returns the error for the first NaN or infinite value of
// rows (m rows of p values, the first being row i0 of X), row by row.
func firstNonFinite(rows []float64, i0, p int) error {
	for q, v := range rows {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &nanError{row: i0 + q/p, col: q % p, v: v}
		}
	}
	return nil
}

// maxRankValues bounds the distinct values of a column for which the
// exact splitter keeps ranks.
const maxRankValues = 4096

// rankColumn sets rank[j] and vals[j] when column j has few distinct
// values; scratch (len n) is reused from column to column.
func (d *trainData) rankColumn(j int, scratch []float64) {
	col := d.cols[j*d.n : (j+1)*d.n]
	sorted := scratch[:d.n]
	copy(sorted, col)
	slices.Sort(sorted)
	vals := slices.Compact(sorted)
	if len(vals) > maxRankValues {
		return
	}
	vals = slices.Clone(vals)
	r := make([]uint16, d.n)
	for i, v := range col {
		r[i] = uint16(rankOf(vals, v))
	}
	d.rank[j], d.vals[j] = r, vals
}

// rankOf returns the index of v in vals (sorted, distinct, holding v) by a
// binary search whose steps are conditional moves, not branches (the
// branches of a search mispredict half the time).
func rankOf(vals []float64, v float64) int {
	base, n := 0, len(vals)
	for n > 1 {
		half := n >> 1
		base += half & -int(b2i(vals[base+half] <= v))
		n -= half
	}
	return base
}

// maxBinSample caps the number of rows whose values choose the bin edges of
// a feature (LightGBM's bin_construct_sample_cnt plays the same role).
const maxBinSample = 200_000

// binned bins every column of X into at most maxBins quantile bins. A
// column with at most maxBins distinct values gets one bin per value and the
// cut between two values is their midpoint, so those features split exactly
// as with the exact splitter. Columns are processed by workers goroutines;
// the result does not depend on their number.
func binned(X mat.Matrix, n, p, maxBins, workers int) (*trainData, error) {
	d := &trainData{n: n, p: p, codes: make([]uint8, n*p), cuts: make([][]float64, p)}
	// Reading X column by column through At is slow for a *mat.Dense, so
	// columns are read from the raw storage when there is one.
	var raw []float64
	stride := 0
	if rm, ok := X.(mat.RawMatrixer); ok {
		b := rm.RawMatrix()
		raw, stride = b.Data, b.Stride
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			col := make([]float64, n)
			var sorted []float64
			for j := range next {
				for i := range col {
					var v float64
					if raw != nil {
						v = raw[i*stride+j]
					} else {
						v = X.At(i, j)
					}
					if math.IsNaN(v) || math.IsInf(v, 0) {
						mu.Lock()
						if first == nil {
							first = &nanError{row: i, col: j, v: v}
						}
						mu.Unlock()
						break
					}
					col[i] = v
				}
				// A deterministic subsample (every k-th row) keeps edge
				// finding O(s log s) on very large inputs.
				sorted = sorted[:0]
				step := max(1, n/maxBinSample)
				for i := 0; i < n; i += step {
					sorted = append(sorted, col[i])
				}
				slices.Sort(sorted)
				cuts := binCuts(sorted, maxBins)
				d.cuts[j] = cuts
				codes := d.codes[j*n : (j+1)*n]
				for i, v := range col {
					codes[i] = uint8(sort.Search(len(cuts), func(k int) bool { return cuts[k] > v }))
				}
			}
		}()
	}
	for j := 0; j < p; j++ {
		next <- j
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return d, nil
}

// binCuts returns at most maxBins-1 increasing cut points for sorted values
// (scikit-learn's midpoint rule between consecutive distinct values, falling
// back to the upper value when the midpoint rounds to it), so that bin b
// holds cuts[b-1] ≤ x < cuts[b].
func binCuts(sorted []float64, maxBins int) []float64 {
	// Distinct values and their counts.
	var vals []float64
	var cnt []int
	for i, v := range sorted {
		if i > 0 && v == sorted[i-1] {
			cnt[len(cnt)-1]++
			continue
		}
		vals = append(vals, v)
		cnt = append(cnt, 1)
	}
	cut := func(a, b float64) float64 {
		m := a/2 + b/2
		if m <= a || m > b {
			m = b
		}
		return m
	}
	var cuts []float64
	if len(vals) <= maxBins {
		for k := 1; k < len(vals); k++ {
			cuts = append(cuts, cut(vals[k-1], vals[k]))
		}
		return cuts
	}
	// Greedy quantile bins: close a bin once it reaches its share of the
	// remaining samples; a value heavier than a share gets a bin of its own.
	total := len(sorted)
	acc, seen := 0, 0
	for k := 0; k < len(vals)-1 && len(cuts) < maxBins-1; k++ {
		acc += cnt[k]
		seen += cnt[k]
		left := maxBins - len(cuts)
		share := float64(total-seen+acc) / float64(left)
		if float64(acc) >= share || float64(cnt[k+1]) >= share {
			cuts = append(cuts, cut(vals[k], vals[k+1]))
			acc = 0
		}
	}
	return cuts
}
