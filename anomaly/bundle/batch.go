package bundle

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// rowsScratch is ScoreRows' reusable memory, grown to the largest batch.
type rowsScratch struct {
	x      []float64 // the batch's outputs, one row of NumFeatures each
	scores []float64
	m      mat.Dense // x as a matrix, for the detector's batch path
	unseen []int     // one row's unseen columns
	all    []int     // every row's unseen columns, row after row
	upto   []int     // all[upto[i]:upto[i+1]] are row i's
}

// ScoreRows scores the raw rows (of the pipeline's schema) and writes
// their verdicts into dst, which must have one element per row (an error
// wrapping ErrDimension otherwise): each result is the one ScoreRow gives
// the row, bit for bit. The pipeline transforms the rows one by one into
// one matrix and the detector scores that matrix at once (through its
// ScoreMatrix when it has one, anomaly.BatchScorer); an Isolation Forest
// scores a batch of up to 32 rows on the calling goroutine, about half
// the cost per row of a ScoreRow call each. It allocates nothing once
// the bundle has scored a batch as large (unless a row has two or more
// columns with unseen values), and is safe for concurrent use.
//
// n is how many results were written, dst[:n]. When a row cannot be
// scored (the pipeline's error naming the column, or the detector's), n
// is its index and err says why, wrapped with the index; rows[n+1:] are
// not scored, so a caller that skips a bad row continues with them.
// UnseenCounts counts the unseen values of each row scored, and of a row
// whose detector failed, as ScoreRow does. ctx is passed to the detector.
func (b *Bundle) ScoreRows(ctx context.Context, rows []dataset.Row, dst []Result) (n int, err error) {
	if len(dst) != len(rows) {
		return 0, fmt.Errorf("bundle: %d results for %d rows: %w", len(dst), len(rows), anomaly.ErrDimension)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	s := b.rows.Get().(*rowsScratch)
	defer b.rows.Put(s)
	d := b.pipeline.NumFeatures()
	s.x = grow(s.x, len(rows)*d)
	s.all, s.upto = s.all[:0], append(s.upto[:0], 0)
	// Transform until the first row the pipeline rejects: the rows before
	// it are scored and returned, and the error after them.
	var terr error
	m := len(rows)
	for i := range rows {
		s.unseen, terr = b.pipeline.TransformRowUnseen(&rows[i], s.x[i*d:(i+1)*d], s.unseen)
		if terr != nil {
			terr = fmt.Errorf("bundle: row %d: %w", i, terr)
			m = i
			break
		}
		s.all = append(s.all, s.unseen...)
		s.upto = append(s.upto, len(s.all))
	}
	n, err = b.scoreBatch(ctx, s, m, d)
	// Counted as ScoreRow counts: every row transformed up to and
	// including one the detector failed on.
	counted := n
	if err != nil {
		counted++
	}
	for _, j := range s.all[:s.upto[counted]] {
		b.unseenCount[j].Add(1)
	}
	for i := range n {
		v := s.scores[i]
		dst[i] = Result{Score: v, Attack: b.threshold.Decide(v), Unseen: b.unseenNamesOf(s.all[s.upto[i]:s.upto[i+1]])}
	}
	if err != nil {
		return n, err
	}
	return n, terr
}

// scoreBatch scores the first m transformed rows of s into s.scores and
// returns how many were scored before the first the detector failed on.
func (b *Bundle) scoreBatch(ctx context.Context, s *rowsScratch, m, d int) (int, error) {
	s.scores = grow(s.scores, m)
	if m == 0 {
		return 0, nil
	}
	if bs, ok := b.detector.(anomaly.BatchScorer); ok {
		s.m.SetRawMatrix(blas64.General{Rows: m, Cols: d, Stride: d, Data: s.x[:m*d]})
		if bs.ScoreMatrix(ctx, &s.m, s.scores) == nil {
			return m, nil
		}
		// The batch names the first bad row but leaves the rows around
		// it unscored: score one by one to find it, with the scores before.
	}
	for i := range m {
		v, err := b.detector.Score(s.x[i*d : (i+1)*d])
		if err != nil {
			return i, fmt.Errorf("bundle: row %d: %w", i, err)
		}
		s.scores[i] = v
	}
	return m, nil
}

// grow returns buf resliced to n elements, reallocated when it is too
// short.
func grow(buf []float64, n int) []float64 {
	if cap(buf) < n {
		return make([]float64, n)
	}
	return buf[:n]
}
