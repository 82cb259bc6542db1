package tree_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/internal/tree"
)

// TestLinearMatchesTablesXGBoost checks Linear TreeSHAP (the default)
// against Fast TreeSHAP v2 tables and the leaf-wise walk, the evaluations
// it replaced, on every row of every fixture: the contributions agree to
// 1e-9 of the row's largest one.
func TestLinearMatchesTablesXGBoost(t *testing.T) {
	dir := xgbFixtureDir(t)
	for _, tc := range []struct{ name, input string }{
		{"binary_small", "test_features.csv"},
		{"binary_100", "test_features.csv"},
		{"binary_logitraw", "test_features.csv"},
		{"multi_softprob", "test_features.csv"},
		{"missing_basescore", "test_features_nan.csv"},
		{"reg_squarederror", "test_features.csv"},
		{"reg_logistic", "test_features.csv"},
		{"dart", "test_features.csv"},
		{"categorical", "categorical_features.csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := xgboost.Load(filepath.Join(dir, tc.name+".json"))
			require.NoError(t, err)
			rows := readCSV(t, filepath.Join(dir, tc.input), true)
			nf := m.NumFeatures()
			lin, err := tree.NewEnsemble(m.Trees(), nf, nil)
			require.NoError(t, err)
			tab, err := tree.NewEnsemble(m.Trees(), nf, &tree.Options{TableBudget: 1 << 30, Method: tree.Tables})
			require.NoError(t, err)
			leaf, err := tree.NewEnsemble(m.Trees(), nf, &tree.Options{Method: tree.Leafwise})
			require.NoError(t, err)
			a, b := make([]float64, nf), make([]float64, nf)
			worst := 0.0
			for k := range m.NumOutputs() {
				w := classWeights(m, k)
				xl, err := lin.Explainer(w)
				require.NoError(t, err)
				for _, old := range []*tree.Ensemble{tab, leaf} {
					xo, err := old.Explainer(w)
					require.NoError(t, err)
					for r, row := range rows {
						bl, err := xl.Explain(row, a)
						require.NoError(t, err)
						bo, err := xo.Explain(row, b)
						require.NoError(t, err)
						require.InDelta(t, bo, bl, 1e-12*(1+math.Abs(bo)))
						worst = max(worst, compareRel(t, a, b, r))
					}
				}
			}
			t.Logf("%d rows: largest difference %.2g of the row's largest contribution", len(rows), worst)
		})
	}
}

// compareRel fails t unless got and want agree to 1e-9 of want's largest
// magnitude, and returns the largest difference relative to it.
func compareRel(t *testing.T, got, want []float64, row int) float64 {
	t.Helper()
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	if scale == 0 {
		scale = 1
	}
	worst := 0.0
	for j := range want {
		d := math.Abs(got[j]-want[j]) / scale
		worst = max(worst, d)
		if d > 1e-9 {
			t.Fatalf("row %d feature %d: %v, want %v (relative to the row's largest %v: %.2g)", row, j, got[j], want[j], scale, d)
		}
	}
	return worst
}
