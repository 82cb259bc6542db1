package xgboost_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// TestCategoricalFromRawRecords feeds the categorical model from raw
// KDDTest+ records, category strings turned into codes with
// ReadCategoryCodes (an unseen one as NaN), and checks XGBoost's golden
// margins: the path a feature pipeline takes.
func TestCategoricalFromRawRecords(t *testing.T) {
	dir := sharedFixtures(t)
	data := nsltest.Dir(t)
	m, err := xgboost.Load(filepath.Join(dir, "categorical.ubj"))
	require.NoError(t, err)
	cf, err := os.Open(filepath.Join(dir, "categorical_categories.json"))
	require.NoError(t, err)
	defer cf.Close()
	codes, err := xgboost.ReadCategoryCodes(cf)
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(data, nsltest.Test))
	require.NoError(t, err)
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	want := readCSV(t, filepath.Join(dir, "categorical_margin.csv"), false)
	names := m.FeatureNames()
	x := make([]float64, m.NumFeatures())
	dst := make([]float64, m.NumOutputs())
	unseen := 0
	for i := range want {
		for j, name := range names {
			if _, ok := codes[name]; ok {
				x[j] = codes.Code(name, records[i][j])
				if x[j] != x[j] {
					unseen++
				}
				continue
			}
			x[j], err = strconv.ParseFloat(records[i][j], 64)
			require.NoError(t, err)
		}
		require.NoError(t, m.Margin(x, dst))
		require.InDeltaSlice(t, want[i], dst, 1e-6, "row %d", i)
	}
	t.Logf("%d rows, %d unseen categories fed as missing", len(want), unseen)
}

// TestPipelineEncoding scores KDDTest+ encoded by the shared test encoding
// (nsltest.Encode, the same one-hot layout as the fixtures) with
// binary_100: the names must match the model's, and the first 500 scores
// XGBoost's predictions.
func TestPipelineEncoding(t *testing.T) {
	dir := sharedFixtures(t)
	train := nsltest.Load(t, nsltest.Train20)
	test := nsltest.Load(t, nsltest.Test)
	_, xte, names := nsltest.Encode(train, test)
	m, err := xgboost.Load(filepath.Join(dir, "binary_100.ubj"))
	require.NoError(t, err)
	require.NoError(t, m.CheckFeatureNames(names))
	want := readCSV(t, filepath.Join(dir, "binary_100_pred.csv"), false)
	scores := make([]float64, xte.RawMatrix().Rows)
	require.NoError(t, m.ScoreBatch(context.Background(), xte, scores, 0))
	for i := range want {
		require.InDelta(t, want[i][0], scores[i], 1e-6, "row %d", i)
	}
	if testing.Short() {
		return // loading the full training file is slow under -race
	}
	// The full-train encoding has 122 columns: a clear dimension error.
	full := nsltest.Load(t, nsltest.Train)
	_, _, names122 := nsltest.Encode(full, test)
	err = m.CheckFeatureNames(names122)
	require.ErrorIs(t, err, errs.ErrDimension)
	require.ErrorContains(t, err, "pipeline gives 122 features, model takes 118")
}
