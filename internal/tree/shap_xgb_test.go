package tree_test

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/internal/tree"
)

// This file checks the engine's modes against XGBoost's own pred_contribs
// and approx_contribs on the XGBoost fixtures (forest/xgboost/testdata/xgb,
// and $XGBOOST_FIXTURES when set), reading
// the models with the library's reader (forest/xgboost, which an external
// test package may import). The public API, (*xgboost.Model).Explain, is
// checked on every fixture in forest/xgboost; here the point is the engine:
// Fast TreeSHAP v2 tables and the leaf-by-leaf walk (the path the deep trees
// of a Random Forest take) must each equal XGBoost's values.

// xgbTestdata is forest/xgboost's committed fixture folder (small models
// made by its testdata/make_fixtures.py with XGBoost, with XGBoost's own
// contributions); the package is internal/tree, the repository root two up.
var xgbTestdata = filepath.Join("..", "..", "forest", "xgboost", "testdata", "xgb")

// xgbFixtureDirs returns the committed fixture folder and, when
// XGBOOST_FIXTURES names one, the shared NSL-KDD fixtures, which extend it.
func xgbFixtureDirs(tb testing.TB) []string {
	tb.Helper()
	dirs := []string{xgbTestdata}
	if d := os.Getenv("XGBOOST_FIXTURES"); d != "" {
		_, err := os.Stat(filepath.Join(d, "binary_100.json"))
		require.NoError(tb, err, "XGBOOST_FIXTURES=%s is not the XGBoost fixture folder", d)
		dirs = append(dirs, d)
	}
	return dirs
}

// xgbFixtureDir returns the shared XGBoost fixture folder
// ($XGBOOST_FIXTURES, ../shared/fixtures/xgboost), whose 100-tree model
// the benchmarks measure, or skips tb.
func xgbFixtureDir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("XGBOOST_FIXTURES")
	if d == "" {
		tb.Skip("set XGBOOST_FIXTURES to the folder of the XGBoost fixtures (../shared/fixtures/xgboost)")
	}
	if _, err := os.Stat(filepath.Join(d, "binary_100.json")); err != nil {
		tb.Skipf("XGBOOST_FIXTURES=%s: %v", d, err)
	}
	return d
}

// readCSV reads a numeric CSV, skipping a header line when asked; empty and
// "nan" cells read as NaN.
func readCSV(tb testing.TB, path string, header bool) [][]float64 {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var rows [][]float64
	for line := 1; sc.Scan(); line++ {
		if line == 1 && header {
			continue
		}
		cells := strings.Split(sc.Text(), ",")
		row := make([]float64, len(cells))
		for j, s := range cells {
			if s == "" || s == "nan" {
				row[j] = math.NaN()
				continue
			}
			row[j], err = strconv.ParseFloat(s, 64)
			require.NoError(tb, err, "%s line %d column %d", path, line, j+1)
		}
		rows = append(rows, row)
	}
	require.NoError(tb, sc.Err())
	return rows
}

// classWeights returns the Explainer weights of class k of m: the tree's
// dart weight for the trees of class k, 0 for the others.
func classWeights(m *xgboost.Model, k int) [][]float64 {
	w := make([][]float64, m.NumTrees())
	for i := range w {
		w[i] = []float64{0}
		if m.TreeOutput(i) == k {
			w[i][0] = m.TreeWeight(i)
		}
	}
	return w
}

// TestXGBoostContribs compares Explain with XGBoost's pred_contribs and
// ExplainApprox with approx_contribs, with tables for every tree and leaf by
// leaf only, on every tree-booster fixture, to 1e-5
// (XGBoost computes in float32); the bias column minus Base must be the
// model's base margin.
func TestXGBoostContribs(t *testing.T) {
	for _, dir := range xgbFixtureDirs(t) {
		xgbContribs(t, dir)
	}
}

func xgbContribs(t *testing.T, dir string) {
	for _, tc := range []struct {
		name, input string
		approx      bool
	}{
		{"binary_small", "test_features.csv", true},
		{"binary_100", "test_features.csv", true},
		{"binary_logitraw", "test_features.csv", true},
		{"multi_softprob", "test_features.csv", true},
		{"missing_basescore", "test_features_nan.csv", true},
		{"reg_squarederror", "test_features.csv", true},
		{"reg_logistic", "test_features.csv", true},
		{"dart", "test_features.csv", true},
		{"categorical", "categorical_features.csv", false},
	} {
		t.Run(dir+"/"+tc.name, func(t *testing.T) {
			m, err := xgboost.Load(filepath.Join(dir, tc.name+".json"))
			require.NoError(t, err)
			rows := readCSV(t, filepath.Join(dir, tc.input), true)
			if testing.Short() || tree.RaceEnabled {
				rows = rows[:30]
			}
			nf := m.NumFeatures()
			files := []string{tc.name + "_contribs.csv"}
			if tc.approx {
				files = append(files, tc.name+"_contribs_approx.csv")
			}
			budgets := []int{1 << 30, -1} // tables for every tree, then none
			if tree.RaceEnabled {
				budgets = budgets[1:]
			}
			for _, budget := range budgets {
				e, err := tree.NewEnsemble(m.Trees(), nf, &tree.Options{TableBudget: budget})
				require.NoError(t, err)
				for fi, file := range files {
					want := readCSV(t, filepath.Join(dir, file), false)
					for k := range m.NumOutputs() {
						x, err := e.Explainer(classWeights(m, k))
						require.NoError(t, err)
						explain := x.Explain
						if fi == 1 {
							explain = x.ExplainApprox
						}
						dst := make([]float64, nf)
						maxDiff := 0.0
						for r, row := range rows {
							base, err := explain(row, dst)
							require.NoError(t, err)
							got := want[r][k*(nf+1) : (k+1)*(nf+1)]
							for j := range nf {
								if !assert.InDelta(t, got[j], dst[j], 1e-5, "%s budget %d class %d row %d feature %d", file, budget, k, r, j) {
									t.FailNow()
								}
								maxDiff = max(maxDiff, math.Abs(got[j]-dst[j]))
							}
							require.InDelta(t, got[nf], base+m.BaseMargin(k), 1e-5, "%s class %d row %d: bias", file, k, r)
						}
						t.Logf("%s budget %d class %d: max |difference| %.2g over %d rows", file, budget, k, maxDiff, len(rows))
					}
				}
			}
		})
	}
}

// BenchmarkExplainXGBoost measures one row per call on one goroutine on
// XGBoost's binary_100 fixture (100 trees of depth 6 over 118 features; the
// 500 test rows in turn), with tables, leaf by leaf and Saabas. Compare
// with XGBoost's pred_contribs in the same run:
// /usr/bin/python3 internal/tree/testdata/bench_xgb_contribs.py ../shared/fixtures/xgboost.
func BenchmarkExplainXGBoost(b *testing.B) {
	dir := xgbFixtureDir(b)
	m, err := xgboost.Load(filepath.Join(dir, "binary_100.json"))
	if err != nil {
		b.Fatal(err)
	}
	rows := readCSV(b, filepath.Join(dir, "test_features.csv"), true)
	b.Run("fixture=binary_100", func(b *testing.B) {
		tree.BenchModes(b, m.Trees(), rows, nil)
	})
}

// BenchmarkNewEnsemble measures the one-off preparation (node means and Fast
// TreeSHAP v2 tables) of XGBoost's binary_100 fixture.
func BenchmarkNewEnsemble(b *testing.B) {
	dir := xgbFixtureDir(b)
	m, err := xgboost.Load(filepath.Join(dir, "binary_100.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tree.NewEnsemble(m.Trees(), m.NumFeatures(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
