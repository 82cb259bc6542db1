package xgboost_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// TestCategoricalFromRawRecords feeds the categorical model from raw
// KDDTest+ records, category strings turned into codes with
// ReadCategoryCodes (an unseen one as NaN), and checks XGBoost's golden
// margins: the path a feature pipeline takes.
func TestCategoricalFromRawRecords(t *testing.T) {
	dir := fixtures(t)
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
