package xgboost_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest/xgboost"
)

// The batch path is what anomaly.ScoreBatch uses for a Model; it must give
// Score's values.
var _ anomaly.BatchScorer = (*xgboost.Model)(nil)

func TestScoreMatrixEqualsScore(t *testing.T) {
	dir := fixtures(t)
	m, err := xgboost.Load(dir + "/binary_small.json")
	require.NoError(t, err)
	n, p := 64, m.NumFeatures()
	X := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			X.Set(i, j, float64((i*31+j*7)%13))
		}
	}
	got := make([]float64, n)
	require.NoError(t, anomaly.ScoreBatch(context.Background(), m, X, got, 0))
	for i := 0; i < n; i++ {
		want, err := m.Score(X.RawRowView(i))
		require.NoError(t, err)
		require.Equal(t, want, got[i], "row %d", i)
	}
}
