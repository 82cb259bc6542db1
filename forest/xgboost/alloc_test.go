package xgboost_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest/xgboost"
)

// TestNoAllocations checks that one-row scoring allocates nothing, for
// every kind of model.
func TestNoAllocations(t *testing.T) {
	x := readCSV(t, filepath.Join("testdata", "extra", "input.csv"), true)[0]
	for _, name := range []string{"boosted_rf", "multi_rf", "dart_multi", "multi_target", "poisson", "hinge"} {
		m, err := xgboost.Load(filepath.Join("testdata", "extra", name+".json"))
		require.NoError(t, err)
		mg := make([]float64, m.NumOutputs())
		pr := make([]float64, m.NumPredictions())
		assert.Zero(t, testing.AllocsPerRun(50, func() { _ = m.Margin(x, mg) }), "%s Margin", name)
		assert.Zero(t, testing.AllocsPerRun(50, func() { _ = m.Predict(x, pr) }), "%s Predict", name)
		if m.NumOutputs() == 1 || m.NumClass() > 0 {
			assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = m.Score(x) }), "%s Score", name)
		}
		if m.NumClass() > 0 {
			p := make([]float64, m.NumClass())
			assert.Zero(t, testing.AllocsPerRun(50, func() { _ = m.PredictProba(x, p) }), "%s PredictProba", name)
		}
	}
	dir := fixtures(t)
	m, err := xgboost.Load(filepath.Join(dir, "categorical.ubj"))
	require.NoError(t, err)
	xc := readCSV(t, filepath.Join(dir, "categorical_features.csv"), true)[0]
	assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = m.Score(xc) }), "categorical Score")
	m, err = xgboost.Load(filepath.Join(dir, "gblinear.json"))
	require.NoError(t, err)
	xl := readCSV(t, filepath.Join(dir, "test_features.csv"), true)[0]
	assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = m.Score(xl) }), "gblinear Score")
}
