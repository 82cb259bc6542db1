package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// The tests run in examples/xgboost: the shared folder is three levels up.
var testFixture = filepath.Join("..", "..", "..", "shared", "fixtures", "xgboost", "binary_100.json")

func needFixture(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(testFixture); err != nil {
		t.Skipf("needs the shared XGBoost fixture %s (a clone with ../shared beside it)", testFixture)
	}
	old := fixture
	fixture = testFixture
	t.Cleanup(func() { fixture = old })
}

func needData(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files to run it")
	}
	return dir
}

// TestFixtureOnNSLKDD is the whole example on the shared fixture: the names
// match, the Go scores equal XGBoost's own predictions, the figures are the
// Python reference's, and the bundle scores as the model.
func TestFixtureOnNSLKDD(t *testing.T) {
	needFixture(t)
	dir := needData(t)
	path := filepath.Join(t.TempDir(), "xgb.nwb")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{Data: dir, Threshold: 0.5, Bundle: path}))
	s := out.String()
	t.Log(s)
	assert.Contains(t, s, "the shared fixture, trained by make_xgb_fixtures.py")
	assert.Contains(t, s, "its 118 feature names match the pipeline's")
	assert.Contains(t, s, "Python's predictions (binary_100_pred.csv): the first 500 Go scores differ")
	// sklearn_baseline.json: XGBoost on the same split, ROC AUC 0.9583.
	assert.Contains(t, s, "ROC AUC 0.9583")
	assert.Contains(t, s, "false alarms per 10k benign flows")
	b, err := bundle.Load(path)
	require.NoError(t, err)
	assert.Equal(t, bundle.XGBoost, b.Kind())
	assert.Equal(t, 118, b.Pipeline().NumFeatures())
}

// TestMismatchNamesColumns renames two features in a copy of the fixture:
// the example must refuse it and name both columns.
func TestMismatchNamesColumns(t *testing.T) {
	needFixture(t)
	dir := needData(t)
	data, err := os.ReadFile(testFixture)
	require.NoError(t, err)
	bad := strings.Replace(string(data), `"service=http"`, `"service_http"`, 1)
	bad = strings.Replace(bad, `"flag=SF"`, `"flag_SF"`, 1)
	require.NotEqual(t, string(data), bad)
	model := filepath.Join(t.TempDir(), "pandas_names.json")
	require.NoError(t, os.WriteFile(model, []byte(bad), 0o644))
	err = run(context.Background(), &bytes.Buffer{}, config{Data: dir, Model: model, Threshold: 0.5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at 2 positions")
	assert.Contains(t, err.Error(), `model "service_http"`)
	assert.Contains(t, err.Error(), `pipeline "service=http"`)
	assert.Contains(t, err.Error(), `"flag_SF"`)

	// A pipeline fitted on another file has other one-hot columns.
	err = run(context.Background(), &bytes.Buffer{}, config{Data: dir, Train: "KDDTest+.txt", Threshold: 0.5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fitted on KDDTest+.txt")
}

// TestCheckNamesSynthetic needs only the fixture: a pipeline fitted on
// synthetic traffic does not give the fixture's 118 columns, and the check
// says so instead of scoring.
func TestCheckNamesSynthetic(t *testing.T) {
	needFixture(t)
	tab, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 500, Seed: 1})
	require.NoError(t, err)
	pipe, err := features.Fit(context.Background(), tab, features.Reference()...)
	require.NoError(t, err)
	m, err := bundle.LoadXGBoost(testFixture)
	require.NoError(t, err)
	err = checkNames(&bytes.Buffer{}, m, pipe, "synthetic")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fitted on synthetic")
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.json")
	var out bytes.Buffer
	require.NoError(t, compare(&out, model, []float64{0.5}), "no predictions file: nothing to compare")
	assert.Empty(t, out.String())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m_test_pred.csv"), []byte("0.25\n0.75\n"), 0o644))
	require.NoError(t, compare(&out, model, []float64{0.25, 0.75000001, 0.1}))
	assert.Contains(t, out.String(), "the first 2 Go scores")
	assert.ErrorContains(t, compare(&out, model, []float64{0.25, 0.5}), "differ from Python's")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m_test_pred.csv"), []byte("x\n"), 0o644))
	assert.Error(t, compare(&out, model, []float64{0.25}))
}

func TestFlags(t *testing.T) {
	ctx := context.Background()
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0}), "-threshold")
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0.5, Model: "/nonexistent.json", Data: "/nonexistent"}), "-data")
	old := fixture
	fixture = "/nonexistent/binary_100.json"
	defer func() { fixture = old }()
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0.5}), "train.py")
}
