package anomaly_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
)

// sumDetector scores a row by the sum of its values; a row whose first
// value is negative is an error. It is the kind of fake the tests need: the
// right answer is obvious.
type sumDetector struct{ n int }

var errNegative = errors.New("negative first value")

func (d sumDetector) NumFeatures() int { return d.n }

func (d sumDetector) Score(x []float64) (float64, error) {
	if len(x) != d.n {
		return 0, fmt.Errorf("sum: %w", anomaly.ErrDimension)
	}
	if x[0] < 0 {
		return 0, errNegative
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s, nil
}

// batchDetector records that its own batch method was used.
type batchDetector struct {
	sumDetector
	called *bool
}

func (d batchDetector) ScoreMatrix(_ context.Context, X mat.Matrix, dst []float64) error {
	*d.called = true
	for i := range dst {
		dst[i] = -1
	}
	return nil
}

func testMatrix(r, c int) *mat.Dense {
	X := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			X.Set(i, j, float64(i*c+j))
		}
	}
	return X
}

func TestScoreBatch(t *testing.T) {
	X := testMatrix(1000, 3)
	want := make([]float64, 1000)
	for i := range want {
		want[i] = float64(9*i + 3)
	}
	for _, workers := range []int{0, 1, 2, 7, 64} {
		for _, m := range []mat.Matrix{X, X.T().T(), mat.DenseCopyOf(X.T()).T()} {
			t.Run(fmt.Sprintf("workers=%d/%T", workers, m), func(t *testing.T) {
				dst := make([]float64, 1000)
				require.NoError(t, anomaly.ScoreBatch(context.Background(), sumDetector{3}, m, dst, workers))
				assert.Equal(t, want, dst)
			})
		}
	}
}

func TestScoreBatchErrors(t *testing.T) {
	ctx := context.Background()
	X := testMatrix(2000, 3)
	err := anomaly.ScoreBatch(ctx, sumDetector{4}, X, make([]float64, 2000), 2)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	err = anomaly.ScoreBatch(ctx, sumDetector{3}, X, make([]float64, 10), 2)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	err = anomaly.ScoreBatch(ctx, nil, X, make([]float64, 2000), 2)
	assert.Error(t, err)

	// The lowest failing row is reported whatever the number of workers.
	for _, i := range []int{1500, 1900, 300} {
		X.Set(i, 0, -1)
	}
	for _, workers := range []int{1, 2, 8} {
		err = anomaly.ScoreBatch(ctx, sumDetector{3}, X, make([]float64, 2000), workers)
		assert.ErrorIs(t, err, errNegative)
		assert.EqualError(t, err, "anomaly: score batch: row 300: negative first value", "workers=%d", workers)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = anomaly.ScoreBatch(cancelled, sumDetector{3}, testMatrix(10, 3), make([]float64, 10), 2)
	assert.ErrorIs(t, err, context.Canceled)

	// No rows: nothing to do.
	assert.NoError(t, anomaly.ScoreBatch(ctx, sumDetector{3}, &mat.Dense{}, nil, 2))
}

func TestScoreBatchUsesBatchScorer(t *testing.T) {
	called := false
	dst := make([]float64, 4)
	require.NoError(t, anomaly.ScoreBatch(context.Background(), batchDetector{sumDetector{2}, &called}, testMatrix(4, 2), dst, 0))
	assert.True(t, called)
	assert.Equal(t, []float64{-1, -1, -1, -1}, dst)
}

// constDetector scores every row with the same constant, without work.
type constDetector struct{ n int }

func (d constDetector) NumFeatures() int                   { return d.n }
func (d constDetector) Score(x []float64) (float64, error) { return x[0], nil }

func BenchmarkScoreBatch(b *testing.B) {
	const rows, cols = 100000, 122
	X := mat.NewDense(rows, cols, nil)
	data := X.RawMatrix().Data
	for i := range data {
		data[i] = float64(i % 7) // touch every page before timing
	}
	dst := make([]float64, rows)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("rows=1e5/workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := anomaly.ScoreBatch(context.Background(), constDetector{cols}, X, dst, workers); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	b.Run("rows=1e5/generic-matrix", func(b *testing.B) {
		b.ReportAllocs()
		T := mat.DenseCopyOf(X.T()).T() // a mat.Transpose: read through At
		for b.Loop() {
			if err := anomaly.ScoreBatch(context.Background(), constDetector{cols}, T, dst, 2); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

func BenchmarkROCAUC(b *testing.B) {
	const n = 100000
	scores := make([]float64, n)
	attack := make([]bool, n)
	for i := range scores {
		attack[i] = i%3 == 0
		scores[i] = math.Mod(float64(i)*0.6180339887, 1)
		if attack[i] {
			scores[i] += 0.3
		}
	}
	b.Run("n=1e5", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := anomaly.ROCAUC(scores, attack); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "scores/s")
	})
	b.Run("n=1e5/average-precision", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := anomaly.AveragePrecision(scores, attack); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "scores/s")
	})
}
