package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testConfig is a -quick, Go-only run with fewer trees under -short (the race
// detector makes forest training about ten times slower).
func testConfig(t *testing.T) Config {
	cfg := Config{Quick: true, NoPython: true, Threads: 2}
	if testing.Short() {
		cfg.Trees, cfg.rows, cfg.rowCalls, cfg.shapRows = 10, 1000, 200, 50
	}
	return cfg
}

// haveFixture reports whether $XGBOOST_FIXTURES holds the XGBoost fixture.
func haveFixture() bool {
	_, err := findFixture("binary_100.json")
	return err == nil
}

// checkRows checks that the report holds every metric row in order, with a
// Go figure wherever the Go half measures one.
func checkRows(t *testing.T, rep *Report, xgb bool) {
	t.Helper()
	ms := metrics(rep.Threads)
	require.Len(t, rep.Rows, len(ms))
	for i, m := range ms {
		row := rep.Rows[i]
		assert.Equal(t, m.Key, row.Key)
		goMeasured := !strings.HasPrefix(m.Key, "xgb.") || xgb
		if strings.HasSuffix(m.Key, "maxdiff") {
			goMeasured = goMeasured && rep.Python.Ran
		}
		if !goMeasured {
			assert.True(t, math.IsNaN(row.Go), "%s: Go figure %v, want n/a", m.Key, row.Go)
			continue
		}
		if assert.False(t, math.IsNaN(row.Go), "%s: no Go figure", m.Key) {
			switch {
			case strings.HasSuffix(m.Key, "_allocs"):
				if !raceEnabled {
					assert.Zero(t, row.Go, "%s: one-row hot paths must not allocate", m.Key)
				}
			case strings.HasSuffix(m.Key, "maxdiff"):
				assert.GreaterOrEqual(t, row.Go, 0.0, m.Key)
			default:
				assert.Greater(t, row.Go, 0.0, m.Key)
			}
		}
	}
}

func TestGoHalfSynthetic(t *testing.T) {
	rep, err := Run(context.Background(), testConfig(t))
	require.NoError(t, err)
	checkRows(t, rep, haveFixture())
	assert.Contains(t, rep.Data, "SYNTHETIC")
	assert.False(t, rep.Python.Ran)
	assert.Equal(t, "-no-python", rep.Python.Missing)
	for _, row := range rep.Rows {
		assert.True(t, math.IsNaN(row.Reference), "%s: reference figure without Python", row.Key)
		if row.Key == "if.auc" || row.Key == "rf.auc" {
			assert.Greater(t, row.Go, 0.8, "%s on synthetic traffic", row.Key)
		}
	}

	var md bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&md))
	out := md.String()
	for _, want := range []string{
		"| model | metric | Go | reference | ratio |",
		"| Isolation Forest | fit time, 1 thread |",
		"| Isolation Forest | batch scoring, 2 threads |",
		"| Isolation Forest | one-row latency |",
		"| Isolation Forest | ROC AUC |",
		"| Random Forest | fit time, 2 threads |",
		"| Random Forest | predict_proba, 1 thread |",
		"| Random Forest | accuracy |",
		"| XGBoost binary_100 | batch scoring, 1 thread |",
		"| XGBoost binary_100 | exact TreeSHAP, 1 thread |",
		"| XGBoost binary_100 | exact TreeSHAP one-row allocations |",
		"reference: not run: -no-python",
		"machine: ",
		"load average before",
	} {
		assert.Contains(t, out, want)
	}
	// Every table row has five cells.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| ") {
			assert.Equal(t, 6, strings.Count(line, "|"), "row %q", line)
		}
	}

	var js bytes.Buffer
	require.NoError(t, rep.WriteJSON(&js))
	var back struct {
		Rows []struct {
			Key       string   `json:"key"`
			Go        *float64 `json:"go"`
			Reference *float64 `json:"reference"`
			Ratio     *float64 `json:"ratio"`
		} `json:"rows"`
		Python struct {
			Ran bool `json:"ran"`
		} `json:"python"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Len(t, back.Rows, len(rep.Rows))
	assert.Equal(t, "if.fit_1", back.Rows[0].Key)
	assert.NotNil(t, back.Rows[0].Go)
	assert.Nil(t, back.Rows[0].Reference, "n/a is null in JSON")
}

// TestPythonHalf runs the Python half (about 30 s): only when
// NETWARDEN_PYTHON_BENCH=1 is set, never under -short, and skipped with a
// message when Python, scikit-learn or XGBoost is missing. Without the
// XGBoost fixture it checks the scikit-learn rows and says the XGBoost rows
// were not checked.
func TestPythonHalf(t *testing.T) {
	if testing.Short() {
		t.Skip("the Python half takes tens of seconds: skipped under -short")
	}
	if os.Getenv("NETWARDEN_PYTHON_BENCH") != "1" {
		t.Skip("the Python half takes about 30 s: set NETWARDEN_PYTHON_BENCH=1 to run it")
	}
	cfg := testConfig(t)
	cfg.NoPython = false
	cfg.Python = defaultPython()
	cfg.Trees = 20 // the reference fits with the same count: keep it short
	if _, missing := checkPython(context.Background(), cfg.Python); missing != "" {
		t.Skipf("Python reference unavailable: %s", missing)
	}
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.True(t, rep.Python.Ran, rep.Python.Missing)
	xgb := haveFixture()
	checkRows(t, rep, xgb)
	assert.NotEmpty(t, rep.Python.Versions["sklearn"])
	if !xgb {
		t.Log("XGBoost fixture binary_100.json not found beside the repository: the XGBoost rows are not checked")
	}
	for _, row := range rep.Rows {
		switch {
		case strings.HasSuffix(row.Key, "_allocs") || strings.HasSuffix(row.Key, "maxdiff"):
			assert.True(t, math.IsNaN(row.Reference), row.Key)
		case strings.HasPrefix(row.Key, "xgb.") && !xgb:
		default:
			assert.Greater(t, row.Reference, 0.0, "%s: no reference figure", row.Key)
			assert.False(t, math.IsNaN(row.Ratio), row.Key)
		}
		if strings.HasPrefix(row.Key, "xgb.") && (!xgb || math.IsNaN(row.Go)) {
			continue // nothing measured to compare
		}
		switch row.Key {
		case "xgb.maxdiff":
			// XGBoost accumulates margins in float32.
			assert.Less(t, row.Go, 1e-6, "Go and XGBoost probabilities differ")
		case "xgb.shap_maxdiff":
			assert.Less(t, row.Go, 1e-4, "Go and XGBoost TreeSHAP values differ")
		case "if.auc", "rf.auc":
			// Different random trees, same algorithm: close, not equal.
			assert.InDelta(t, row.Reference, row.Go, 0.05, row.Key)
		}
	}
}

func TestRealData(t *testing.T) {
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("NSLKDD_DIR is unset: the real-data run is skipped (CI sets it to ../shared/data/nsl-kdd)")
	}
	cfg := testConfig(t)
	cfg.DataDir = dir
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	xgb := haveFixture()
	checkRows(t, rep, xgb)
	assert.Contains(t, rep.Data, "NSL-KDD KDDTrain+_20Percent.txt → KDDTest+.txt")
	if xgb {
		// The Reference encoding fitted on the kept training rows need
		// not see every level the model's columns hold; either way the model
		// must score rows of its own encoding.
		assert.Contains(t, rep.XGBData, "binary_100.json")
	}
	for _, row := range rep.Rows {
		if row.Key == "rf.auc" {
			assert.Greater(t, row.Go, 0.75, "random forest ROC AUC on KDDTest+")
		}
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.DataDir = filepath.Join(t.TempDir(), "missing")
	_, err := Run(ctx, cfg)
	assert.Error(t, err, "a data folder without NSL-KDD files")

	cfg = testConfig(t)
	cfg.Threads = -1
	_, err = Run(ctx, cfg)
	assert.ErrorContains(t, err, "-threads")

	cfg = testConfig(t)
	cfg.Reps = -2
	_, err = Run(ctx, cfg)
	assert.ErrorContains(t, err, "-reps")

	_, missing := checkPython(ctx, filepath.Join(t.TempDir(), "no-python"))
	assert.Contains(t, missing, "no Python interpreter")

	// An interpreter that lacks the libraries, or prints garbage, leaves the
	// reference column empty and says why; the Go half still stands.
	if runtime.GOOS != "windows" {
		for script, want := range map[string]string{
			`echo '{"missing": "python3 cannot import sklearn"}'`: "python3 cannot import sklearn",
			`echo 'Traceback'; exit 1`:                            "the Python half failed",
			`echo 'not json'`:                                     "the Python half failed",
		} {
			fake := filepath.Join(t.TempDir(), "python")
			require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\n"+script+"\n"), 0o755))
			cfg = testConfig(t)
			cfg.NoPython, cfg.Python = false, fake
			rep, err := Run(ctx, cfg)
			require.NoError(t, err)
			assert.False(t, rep.Python.Ran)
			assert.Contains(t, rep.Python.Missing, want)
			checkRows(t, rep, haveFixture())
		}
	}

	// A -model that cannot be read is an error naming the flag.
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{not a model"), 0o644))
	cfg = testConfig(t)
	cfg.Model = bad
	_, err = Run(ctx, cfg)
	assert.ErrorContains(t, err, "-model")

	ctxc, cancel := context.WithCancel(ctx)
	cancel()
	_, err = Run(ctxc, testConfig(t))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestNPYRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name       string
		data       []float64
		rows, cols int
	}{
		{"matrix", []float64{1, -2.5, math.Inf(1), math.NaN(), 0, 1e-300}, 2, 3},
		{"vector", []float64{0, 1, 1}, 3, -1},
		{"empty", nil, 0, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".npy")
			require.NoError(t, writeNPY(p, c.data, c.rows, c.cols))
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Zero(t, (10+int(b[8])+int(b[9])<<8)%64, "header padded to 64 bytes")
			got, err := readNPY(p)
			require.NoError(t, err)
			require.Len(t, got, len(c.data))
			for i := range got {
				assert.Equal(t, math.Float64bits(c.data[i]), math.Float64bits(got[i]), "value %d", i)
			}
		})
	}
	for name, b := range map[string][]byte{
		"not npy":   []byte("hello world, not numpy"),
		"short":     []byte("\x93NUMPY"),
		"version 9": []byte("\x93NUMPY\x09\x00\x00\x00"),
		"float32":   append([]byte("\x93NUMPY\x01\x00\x3a\x00"), []byte("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n")...),
		"truncated": []byte("\x93NUMPY\x01\x00\xff\x00{'descr'"),
	} {
		p := filepath.Join(dir, "bad.npy")
		require.NoError(t, os.WriteFile(p, b, 0o644))
		_, err := readNPY(p)
		assert.Error(t, err, name)
	}
}

func TestFormatAndRatio(t *testing.T) {
	assert.Equal(t, "1,234,568 rows/s", format(1234567.8, "rows/s"))
	assert.Equal(t, "999 rows/s", format(999, "rows/s"))
	assert.Equal(t, "1.50 ms", format(1500, "µs"))
	assert.Equal(t, "2.25 µs", format(2.25, "µs"))
	assert.Equal(t, "0.123 s", format(0.1234, "s"))
	assert.Equal(t, "n/a", format(math.NaN(), "s"))
	assert.Equal(t, "0", format(0, ""))
	assert.Equal(t, "3.2e-06", format(3.2e-6, ""))

	assert.InDelta(t, 4.0, ratio(lower, 0.5, 2), 1e-12, "reference time ÷ Go time")
	assert.InDelta(t, 4.0, ratio(higher, 400, 100), 1e-12, "Go rows/s ÷ reference rows/s")
	assert.True(t, math.IsNaN(ratio(none, 1, 1)))
	assert.True(t, math.IsNaN(ratio(lower, math.NaN(), 1)))
	assert.True(t, math.IsNaN(ratio(higher, 1, 0)))
}

// checkPython asks the interpreter for the versions of what bench.py
// imports; missing says why the reference cannot run ("" when it can).
func checkPython(ctx context.Context, python string) (versions map[string]string, missing string) {
	if _, err := exec.LookPath(python); err != nil {
		return nil, fmt.Sprintf("no Python interpreter at %s (set -python or $PYTHON)", python)
	}
	cmd := exec.CommandContext(ctx, python, "-", "--check")
	cmd.Stdin = bytes.NewReader(benchPy)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Sprintf("%s failed: %v: %s", python, err, lastLine(stderr.String()))
	}
	var out pyOutput
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Sprintf("%s printed no JSON: %s", python, lastLine(string(b)))
	}
	return out.Versions, out.Missing
}
