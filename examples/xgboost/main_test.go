package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

var (
	daskFull    = flag.Bool("dask.full", false, "TestDaskCluster: train on the whole KDDTrain+ (125,973 rows) instead of a 20 % sample")
	daskWorkers = flag.Int("dask.workers", 2, "TestDaskCluster: dask worker processes of the local cluster")
)

func needData(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files to run it (go run ./examples/nslkdd -fetch downloads them)")
	}
	if _, err := os.Stat(filepath.Join(dir, "KDDTest+.txt")); err != nil {
		t.Skipf("real-data test: NSLKDD_DIR=%s holds no KDDTest+.txt", dir)
	}
	return dir
}

// TestBuiltinOnNSLKDD is the whole example on the model it carries: the
// names match, the Go predictions equal XGBoost's own, the figures are the
// Python reference's, and the bundle scores as the model.
func TestBuiltinOnNSLKDD(t *testing.T) {
	dir := needData(t)
	path := filepath.Join(t.TempDir(), "xgb.nwb")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{Data: dir, Threshold: 0.5, Bundle: path}))
	s := out.String()
	t.Log(s)
	assert.Contains(t, s, "the model this command carries")
	assert.Contains(t, s, "its 118 feature names match the pipeline's")
	assert.Contains(t, s, "Python's predictions (nslkdd_xgb_test_pred.csv): the Go probabilities of the first 1000 test rows differ")
	// sklearn_baseline.json: XGBoost on the same split, ROC AUC 0.9583.
	assert.Contains(t, s, "ROC AUC 0.9583")
	assert.Contains(t, s, "false alarms per 10k benign flows")
	b, err := bundle.Load(path)
	require.NoError(t, err)
	assert.Equal(t, bundle.XGBoost, b.Kind())
	assert.Equal(t, 118, b.Pipeline().NumFeatures())
}

// TestMismatchNamesColumns renames two features in a copy of the built-in
// model: the example must refuse it and name both columns.
func TestMismatchNamesColumns(t *testing.T) {
	dir := needData(t)
	bad := strings.Replace(string(builtinModel), `"service=http"`, `"service_http"`, 1)
	bad = strings.Replace(bad, `"flag=SF"`, `"flag_SF"`, 1)
	require.NotEqual(t, string(builtinModel), bad)
	model := filepath.Join(t.TempDir(), "pandas_names.json")
	require.NoError(t, os.WriteFile(model, []byte(bad), 0o644))
	err := run(context.Background(), &bytes.Buffer{}, config{Data: dir, Model: model, Threshold: 0.5})
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

// TestCheckNamesSynthetic needs no data: a pipeline fitted on synthetic
// traffic does not give the built-in model's 118 columns, and the check says
// so instead of scoring.
func TestCheckNamesSynthetic(t *testing.T) {
	tab, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 500, Seed: 1})
	require.NoError(t, err)
	pipe, err := features.Fit(context.Background(), tab, features.Reference()...)
	require.NoError(t, err)
	m, err := bundle.ParseXGBoost(builtinModel)
	require.NoError(t, err)
	err = checkNames(&bytes.Buffer{}, m, pipe, "synthetic")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fitted on synthetic")
}

// readMatrix reads a CSV of numbers with a header line.
func readMatrix(t *testing.T, path string) *mat.Dense {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	var vals []float64
	cols := 0
	for _, l := range lines {
		f := strings.Split(l, ",")
		cols = len(f)
		for _, s := range f {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			vals = append(vals, v)
		}
	}
	return mat.NewDense(len(lines), cols, vals)
}

// TestCompare checks the comparison with Python's predictions on a binary
// and a multi-class model, with XGBoost's own predictions of them (the
// forest/xgboost test models and their golden outputs).
func TestCompare(t *testing.T) {
	extra := filepath.Join("..", "..", "forest", "xgboost", "testdata", "extra")
	x := readMatrix(t, filepath.Join(extra, "input.csv"))
	for _, tc := range []struct {
		model, want string
	}{
		{"rf", "the Go probabilities of the first 50 test rows"},
		{"multi_rf", "the Go class probabilities (3 a row) of the first 50 test rows"},
		{"dart_multi", "the Go class probabilities (3 a row) of the first 50 test rows"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			path := filepath.Join(extra, tc.model+".json")
			m, err := bundle.LoadXGBoost(path)
			require.NoError(t, err)
			var out bytes.Buffer
			require.NoError(t, compareBeside(&out, path, m, x))
			assert.Contains(t, out.String(), tc.want)

			// One value off by 1e-4 is a mismatch, and says what to check.
			pred, err := os.ReadFile(filepath.Join(extra, tc.model+"_pred.csv"))
			require.NoError(t, err)
			lines := strings.Split(string(pred), "\n")
			f := strings.Split(lines[7], ",")
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			require.NoError(t, err)
			f[len(f)-1] = strconv.FormatFloat(v+1e-4, 'g', -1, 64)
			lines[7] = strings.Join(f, ",")
			err = compare(&out, "p.csv", strings.NewReader(strings.Join(lines, "\n")), m, x)
			assert.ErrorContains(t, err, "is the test file the one Python scored")

			// The wrong number of values a line names the objective.
			err = compare(&out, "p.csv", strings.NewReader("0.5,0.25\n"), m, x)
			if m.NumPredictions() == 2 {
				err = compare(&out, "p.csv", strings.NewReader("0.5\n"), m, x)
			}
			assert.ErrorContains(t, err, "objective "+m.Objective())

			// More predictions than test rows.
			more := strings.TrimSpace(string(pred)) + "\n" + lines[0] + "\n"
			assert.ErrorContains(t, compare(&out, "p.csv", strings.NewReader(more), m, x), "more rows than the 50")
			assert.ErrorContains(t, compare(&out, "p.csv", strings.NewReader(strings.Repeat("x,", m.NumPredictions()-1)+"x\n"), m, x), "p.csv line 1, value 1")
		})
	}
	var out bytes.Buffer
	require.NoError(t, compareBeside(&out, filepath.Join(t.TempDir(), "m.json"), nil, x), "no predictions file: nothing to compare")
	assert.Empty(t, out.String())
}

// TestMultiClassOnNSLKDD runs the example on the shared 5-class fixture (0
// normal, 1 DoS, 2 Probe, 3 R2L, 4 U2R): the class probabilities equal
// XGBoost's and the score is 1 − P(normal).
func TestMultiClassOnNSLKDD(t *testing.T) {
	dir := needData(t)
	fx := os.Getenv("XGBOOST_FIXTURES")
	if fx == "" {
		t.Skip("needs the XGBoost fixtures: set XGBOOST_FIXTURES to the folder holding multi_softprob.json")
	}
	for _, name := range []string{"multi_softprob", "multi_softmax"} {
		model := filepath.Join(fx, name+".json")
		if _, err := os.Stat(model); err != nil {
			t.Skipf("XGBOOST_FIXTURES=%s holds no %s.json", fx, name)
		}
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, config{Data: dir, Model: model, Threshold: 0.5}), name)
		s := out.String()
		assert.Contains(t, s, "a 5-class model: the score of a flow is 1 − P(class 0)")
		assert.Contains(t, s, "of the first 500 test rows differ")
		assert.Contains(t, s, "ROC AUC")
	}
	err := run(context.Background(), &bytes.Buffer{}, config{Data: dir, Model: filepath.Join(fx, "multi_softprob.json"), Threshold: 0.5, NormalClass: 7})
	assert.ErrorContains(t, err, "-normal-class")
}

// python is Debian's Python, which has XGBoost, Dask and pandas as
// packages.
const python = "/usr/bin/python3"

func needDask(t *testing.T) {
	t.Helper()
	const hint = "apt-get install python3-xgboost python3-distributed python3-pandas"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("needs %s with XGBoost and Dask (%s)", python, hint)
	}
	cmd := exec.Command(python, "-c", "import xgboost, xgboost.dask, distributed, dask.dataframe, pandas")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("needs XGBoost, Dask and pandas for %s (%s): %s", python, hint, strings.TrimSpace(string(out)))
	}
}

// TestDaskCluster trains on a Dask cluster of separate processes (a dask
// scheduler and -dask.workers dask workers on 127.0.0.1, started by
// train.py --local-cluster) with xgboost.dask, over a 20 % sample of the
// whole KDDTrain+ (-dask.full: all of it), and checks that the Go
// predictions equal the cluster's own xgboost.dask.predict on every
// KDDTest+ row and that the feature names match the pipeline's.
func TestDaskCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on a Dask cluster (about 40 s on 2 cores): not with -short")
	}
	dir := needData(t)
	if _, err := os.Stat(filepath.Join(dir, "KDDTrain+.txt.gz")); err != nil {
		t.Skipf("needs KDDTrain+.txt.gz in NSLKDD_DIR=%s", dir)
	}
	needDask(t)
	out := filepath.Join(t.TempDir(), "dask_xgb")
	args := []string{"train.py", "--local-cluster", strconv.Itoa(*daskWorkers), out}
	train := out + "_train.txt"
	if !*daskFull {
		args = append(args, "--sample", "0.2")
	} else {
		train = "KDDTrain+.txt.gz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Env = append(os.Environ(), "NSLKDD_DIR="+dir)
	start := time.Now()
	py, err := cmd.CombinedOutput()
	t.Logf("train.py %s (%v):\n%s", strings.Join(args[1:], " "), time.Since(start).Round(time.Second), py)
	require.NoError(t, err)

	var meta struct {
		Workers   int `json:"workers"`
		TrainRows int `json:"train_rows"`
		TestRows  int `json:"test_rows"`
	}
	data, err := os.ReadFile(out + "_meta.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &meta))
	assert.Equal(t, *daskWorkers, meta.Workers)
	assert.Equal(t, 22544, meta.TestRows)

	var report bytes.Buffer
	require.NoError(t, run(context.Background(), &report, config{Data: dir, Train: train, Model: out + ".json", Threshold: 0.5}))
	s := report.String()
	t.Log(s)
	assert.Contains(t, s, "trained by xgboost.dask")
	assert.Contains(t, s, "feature names match the pipeline's")
	assert.Contains(t, s, "the Go probabilities of the first 22544 test rows differ from them by at most")
	_, err = bundle.LoadXGBoost(out + ".ubj")
	assert.NoError(t, err, "the UBJSON copy reads too")
}

func TestFlags(t *testing.T) {
	ctx := context.Background()
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0}), "-threshold")
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0.5}), "NSLKDD_DIR")
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0.5, Model: "/nonexistent.json", Data: "/nonexistent"}), "-model")
	assert.ErrorContains(t, run(ctx, &bytes.Buffer{}, config{Threshold: 0.5, Data: "/nonexistent"}), "-data")
	assert.Equal(t, "/a/b.txt", inData("/d", "/a/b.txt"))
	assert.Equal(t, filepath.Join("/d", "b.txt"), inData("/d", "b.txt"))
}
