package xgboost_test

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest/xgboost"
)

// testFixtures is the committed fixture folder: small models trained by
// testdata/make_fixtures.py with XGBoost 1.7.4, and XGBoost's own golden
// outputs for them.
const testFixtures = "testdata/xgb"

// fixtures returns the committed fixture folder, which every checkout has.
func fixtures(tb testing.TB) string {
	tb.Helper()
	return testFixtures
}

// fixtureDirs returns the folders to check against XGBoost: the committed
// one and, when XGBOOST_FIXTURES names one, the larger fixtures there
// (models trained on NSL-KDD, 500 rows each), which extend it.
func fixtureDirs(tb testing.TB) []string {
	tb.Helper()
	dirs := []string{testFixtures}
	if d := os.Getenv("XGBOOST_FIXTURES"); d != "" {
		_, err := os.Stat(filepath.Join(d, "manifest.json"))
		require.NoError(tb, err, "XGBOOST_FIXTURES=%s is not a fixture folder", d)
		dirs = append(dirs, d)
	}
	return dirs
}

// sharedFixtures returns $XGBOOST_FIXTURES, for the tests that need its
// NSL-KDD models, or skips.
func sharedFixtures(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("XGBOOST_FIXTURES")
	if d == "" {
		tb.Skip("needs the NSL-KDD XGBoost fixtures: set XGBOOST_FIXTURES to their folder (../shared/fixtures/xgboost)")
	}
	if _, err := os.Stat(filepath.Join(d, "manifest.json")); err != nil {
		tb.Skipf("XGBOOST_FIXTURES=%s holds no fixtures: %v", d, err)
	}
	return d
}

func haveFile(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readCSV reads a numeric CSV ("nan" and empty cells are NaN), skipping a
// header line when asked.
func readCSV(tb testing.TB, path string, header bool) [][]float64 {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out [][]float64
	for first := true; sc.Scan(); first = false {
		if first && header {
			continue
		}
		cells := strings.Split(strings.TrimSpace(sc.Text()), ",")
		row := make([]float64, len(cells))
		for j, c := range cells {
			if c == "" || c == "nan" {
				row[j] = math.NaN()
				continue
			}
			row[j], err = strconv.ParseFloat(c, 64)
			require.NoError(tb, err, "%s: %q", path, c)
		}
		out = append(out, row)
	}
	require.NoError(tb, sc.Err())
	return out
}

type fixture struct {
	name    string
	input   string
	objName string
	classes int
}

var fixtureModels = []fixture{
	{"binary_small", "test_features.csv", "binary:logistic", 0},
	{"binary_100", "test_features.csv", "binary:logistic", 0},
	{"binary_logitraw", "test_features.csv", "binary:logitraw", 0},
	{"multi_softprob", "test_features.csv", "multi:softprob", 5},
	{"multi_softmax", "test_features.csv", "multi:softmax", 5},
	{"missing_basescore", "test_features_nan.csv", "binary:logistic", 0},
	{"reg_squarederror", "test_features.csv", "reg:squarederror", 0},
	{"reg_logistic", "test_features.csv", "reg:logistic", 0},
	{"dart", "test_features.csv", "binary:logistic", 0},
	{"gblinear", "test_features.csv", "binary:logistic", 0},
	{"categorical", "categorical_features.csv", "multi:softprob", 5},
	{"early_stopping", "test_features.csv", "binary:logistic", 0},
	{"zero_trees", "test_features.csv", "binary:logistic", 0},
	{"leaf_only", "test_features.csv", "binary:logistic", 0},
}

// inputs returns the fixture rows of model f (gblinear's scaled).
func inputs(tb testing.TB, dir string, f fixture) [][]float64 {
	x := readCSV(tb, filepath.Join(dir, f.input), true)
	if f.name == "gblinear" {
		scale := readCSV(tb, filepath.Join(dir, "scale_gblinear.csv"), false)
		for _, r := range x {
			for j := range r {
				r[j] /= scale[j][0]
			}
		}
	}
	return x
}

const tol = 1e-6

// TestFixtures checks every fixture model, in every format XGBoost wrote
// it, against XGBoost's own margins and predictions on every row, in the
// committed fixtures and in $XGBOOST_FIXTURES when set. The class count
// of the multi-class models is the one the folder's manifest records.
func TestFixtures(t *testing.T) {
	checked := 0
	for _, dir := range fixtureDirs(t) {
		for _, f := range fixtureModels {
			if !haveFile(filepath.Join(dir, f.name+"_margin.csv")) {
				continue // a model only one folder has
			}
			x := inputs(t, dir, f)
			margin := readCSV(t, filepath.Join(dir, f.name+"_margin.csv"), false)
			pred := readCSV(t, filepath.Join(dir, f.name+"_pred.csv"), false)
			require.Len(t, margin, len(x))
			for _, ext := range []string{"model", "json", "ubj"} {
				path := filepath.Join(dir, f.name+"."+ext)
				if !haveFile(path) {
					continue // categorical has no legacy binary
				}
				checked++
				t.Run(path, func(t *testing.T) {
					m, err := xgboost.Load(path)
					require.NoError(t, err)
					assert.Equal(t, f.objName, m.Objective())
					if f.classes > 0 {
						assert.Positive(t, m.NumClass())
						assert.Len(t, margin[0], m.NumClass())
					} else {
						assert.Zero(t, m.NumClass())
					}
					mg := make([]float64, m.NumOutputs())
					pr := make([]float64, m.NumPredictions())
					bad := 0
					for i, row := range x {
						require.NoError(t, m.Margin(row, mg))
						require.NoError(t, m.Predict(row, pr))
						require.Len(t, margin[i], len(mg))
						require.Len(t, pred[i], len(pr))
						for k := range mg {
							if !assert.InDelta(t, margin[i][k], mg[k], tol, "row %d margin %d", i, k) {
								bad++
							}
						}
						for k := range pr {
							if !assert.InDelta(t, pred[i][k], pr[k], tol, "row %d prediction %d", i, k) {
								bad++
							}
						}
						if bad > 10 {
							t.FailNow()
						}
					}
				})
			}
		}
	}
	assert.GreaterOrEqual(t, checked, 30, "model files checked against XGBoost")
}

// TestEarlyStopping reads a model XGBClassifier saved with early stopping
// (testdata/make_fixtures.py: best_iteration in the learner's attributes,
// rounds trained past it). By default a Model scores every round, as
// Booster.predict does; WithIterationRange(0, best+1) scores as
// XGBClassifier.predict_proba does, and any other range as
// predict(iteration_range=…).
func TestEarlyStopping(t *testing.T) {
	dir := fixtures(t)
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	var manifest struct {
		EarlyStopping struct {
			Best   int `json:"best_iteration"`
			Rounds int `json:"rounds"`
		} `json:"early_stopping"`
	}
	require.NoError(t, json.Unmarshal(b, &manifest))
	es := manifest.EarlyStopping
	require.Positive(t, es.Best)
	x := readCSV(t, filepath.Join(dir, "test_features.csv"), true)
	pred := readCSV(t, filepath.Join(dir, "early_stopping_pred.csv"), false)
	margin := readCSV(t, filepath.Join(dir, "early_stopping_margin.csv"), false)
	proba := readCSV(t, filepath.Join(dir, "early_stopping_proba.csv"), false)
	best := readCSV(t, filepath.Join(dir, "early_stopping_best_margin.csv"), false)
	ranged := readCSV(t, filepath.Join(dir, "early_stopping_range_margin.csv"), false)
	for _, ext := range []string{"json", "ubj", "model"} {
		t.Run(ext, func(t *testing.T) {
			m, err := xgboost.Load(filepath.Join(dir, "early_stopping."+ext))
			require.NoError(t, err)
			got, ok := m.BestIteration()
			require.True(t, ok)
			assert.Equal(t, es.Best, got)
			assert.Equal(t, es.Rounds, m.Rounds())
			mb, err := m.WithIterationRange(0, got+1)
			require.NoError(t, err)
			assert.Equal(t, got+1, mb.Rounds())
			assert.Equal(t, got+1, mb.NumTrees())
			mr, err := m.WithIterationRange(2, 5)
			require.NoError(t, err)
			one, two := []float64{0}, []float64{0, 0}
			differ := 0.0
			for i, row := range x {
				// Default: every round, Booster.predict.
				require.NoError(t, m.Predict(row, one))
				require.InDelta(t, pred[i][0], one[0], tol, "row %d predict", i)
				require.NoError(t, m.Margin(row, one))
				require.InDelta(t, margin[i][0], one[0], tol, "row %d margin", i)
				// Rounds [0, best+1): XGBClassifier.predict_proba.
				require.NoError(t, mb.PredictProba(row, two))
				require.InDeltaSlice(t, proba[i], two, tol, "row %d predict_proba", i)
				s, err := mb.Score(row)
				require.NoError(t, err)
				require.InDelta(t, proba[i][1], s, tol, "row %d score", i)
				require.NoError(t, mb.Margin(row, one))
				require.InDelta(t, best[i][0], one[0], tol, "row %d best margin", i)
				differ = max(differ, math.Abs(pred[i][0]-proba[i][1]))
				// Rounds [2, 5): predict(iteration_range=(2, 5)).
				require.NoError(t, mr.Margin(row, one))
				require.InDelta(t, ranged[i][0], one[0], tol, "row %d range margin", i)
			}
			// The two defaults differ: the test tells them apart.
			assert.Greater(t, differ, 0.01)
			// A range cannot be saved in XGBoost's format.
			_, err = mb.MarshalBinary()
			assert.ErrorIs(t, err, anomaly.ErrUnsupported)
			full, err := m.WithIterationRange(0, 0)
			require.NoError(t, err)
			assert.Same(t, m, full)
			for _, r := range [][2]int{{-1, 3}, {4, 2}, {0, es.Rounds + 1}} {
				_, err := m.WithIterationRange(r[0], r[1])
				assert.ErrorIs(t, err, anomaly.ErrDimension, "%v", r)
			}
		})
	}
	// XGBoost 1.7's train records the last round as best_iteration when it
	// did not stop early: the range is then the whole model.
	m, err := xgboost.Load(filepath.Join(dir, "binary_small.json"))
	require.NoError(t, err)
	got, ok := m.BestIteration()
	require.True(t, ok)
	assert.Equal(t, m.Rounds()-1, got)
	c, err := m.WithIterationRange(0, got+1)
	require.NoError(t, err)
	assert.Same(t, m, c)
	// With no round trained it writes -1: no best iteration.
	m, err = xgboost.Load(filepath.Join(dir, "zero_trees.json"))
	require.NoError(t, err)
	_, ok = m.BestIteration()
	assert.False(t, ok)
}
