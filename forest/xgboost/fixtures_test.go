package xgboost_test

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
)

// fixtureDir is ../shared/fixtures/xgboost beside the repository (CI checks
// the shared folder out next to the clone).
const fixtureDir = "../../../shared/fixtures/xgboost"

func fixtures(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(fixtureDir, "manifest.json")); err != nil {
		tb.Skipf("XGBoost fixtures not found at %s (the shared folder beside the repository): %v", fixtureDir, err)
	}
	return fixtureDir
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
// it, against XGBoost's own margins and predictions on all 500 rows.
func TestFixtures(t *testing.T) {
	dir := fixtures(t)
	for _, f := range fixtureModels {
		x := inputs(t, dir, f)
		margin := readCSV(t, filepath.Join(dir, f.name+"_margin.csv"), false)
		pred := readCSV(t, filepath.Join(dir, f.name+"_pred.csv"), false)
		require.Len(t, x, 500)
		for _, ext := range []string{"model", "json", "ubj"} {
			path := filepath.Join(dir, f.name+"."+ext)
			if _, err := os.Stat(path); err != nil {
				continue // categorical has no legacy binary
			}
			t.Run(f.name+"."+ext, func(t *testing.T) {
				m, err := xgboost.Load(path)
				require.NoError(t, err)
				assert.Equal(t, f.objName, m.Objective())
				assert.Equal(t, f.classes, m.NumClass())
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
