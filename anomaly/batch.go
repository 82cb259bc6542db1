package anomaly

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// BatchScorer is satisfied by detectors that score many rows faster than
// one Score call per row (for instance by walking each tree over a block of
// rows, as iforest.Forest does). ScoreMatrix writes the score of row i of X
// into dst[i]; dst has one element per row of X. It must give the same
// scores as Score, honour ctx and be safe for concurrent use. Package-level
// ScoreBatch uses it when the detector has it.
type BatchScorer interface {
	ScoreMatrix(ctx context.Context, X mat.Matrix, dst []float64) error
}

// chunkRows is how many rows a worker takes at a time: large enough that
// the atomic counter costs nothing, small enough to balance the load.
const chunkRows = 256

// ScoreBatch scores every row of X with d and writes row i's score into
// dst[i]. The rows are shared out in chunks over workers goroutines
// (GOMAXPROCS when workers <= 0), each with one reusable row buffer, so
// scoring allocates O(workers) memory whatever the number of rows; a
// *mat.Dense (or any mat.RawMatrixer) is read in place without copying.
// When d implements BatchScorer, its ScoreMatrix is called instead and
// workers is ignored.
//
// The results do not depend on workers. On an error the lowest failing row
// is reported (its index is in the message, wrapping the detector's error),
// the same row whatever the number of workers; dst then holds a partial
// result. A cancelled ctx stops the work between chunks and returns
// ctx.Err(). X with zero rows is not an error: there is nothing to do.
// Errors: X's columns differ from d.NumFeatures() or len(dst) from X's rows
// (ErrDimension).
func ScoreBatch(ctx context.Context, d Detector, X mat.Matrix, dst []float64, workers int) error {
	if d == nil {
		return fmt.Errorf("anomaly: score batch: nil detector: %w", ErrNotFitted)
	}
	r, c := X.Dims()
	if r > 0 && c != d.NumFeatures() {
		return fmt.Errorf("anomaly: score batch: matrix has %d columns, detector takes %d: %w", c, d.NumFeatures(), ErrDimension)
	}
	if len(dst) != r {
		return fmt.Errorf("anomaly: score batch: dst has %d elements for %d rows: %w", len(dst), r, ErrDimension)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r == 0 {
		return nil
	}
	if b, ok := d.(BatchScorer); ok {
		return b.ScoreMatrix(ctx, X, dst)
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := (r + chunkRows - 1) / chunkRows
	workers = min(workers, chunks)

	var raw mat.RawMatrixer
	if rm, ok := X.(mat.RawMatrixer); ok {
		raw = rm
	}
	var (
		next    atomic.Int64 // next chunk to take
		failRow atomic.Int64 // lowest failing row so far
		mu      sync.Mutex
		failErr error
		wg      sync.WaitGroup
	)
	failRow.Store(int64(r))
	work := func() {
		defer wg.Done()
		var buf []float64
		if raw == nil {
			buf = make([]float64, c)
		}
		var data []float64
		stride := 0
		if raw != nil {
			g := raw.RawMatrix()
			data, stride = g.Data, g.Stride
		}
		for {
			k := int(next.Add(1) - 1)
			lo := k * chunkRows
			// Chunks are taken in order, so every chunk below a failure
			// is finished by someone: the lowest failing row is found.
			if k >= chunks || int64(lo) >= failRow.Load() || ctx.Err() != nil {
				return
			}
			hi := min(lo+chunkRows, r)
			for i := lo; i < hi; i++ {
				var row []float64
				if raw != nil {
					row = data[i*stride : i*stride+c]
				} else {
					for j := range buf {
						buf[j] = X.At(i, j)
					}
					row = buf
				}
				s, err := d.Score(row)
				if err != nil {
					mu.Lock()
					if int64(i) < failRow.Load() {
						failRow.Store(int64(i))
						failErr = fmt.Errorf("anomaly: score batch: row %d: %w", i, err)
					}
					mu.Unlock()
					break
				}
				dst[i] = s
			}
		}
	}
	wg.Add(workers)
	for range workers {
		go work()
	}
	wg.Wait()
	if failErr != nil {
		return failErr
	}
	return ctx.Err()
}
