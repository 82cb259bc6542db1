package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest/xgboost"
)

//go:embed bench.py
var benchPy []byte

// Config is one benchmark run. The zero value (with Log nil) runs on synthetic
// data with all CPUs, 5 repetitions and the Python reference at $PYTHON or
// /usr/bin/python3.
type Config struct {
	// DataDir holds KDDTrain+_20Percent.txt and KDDTest+.txt; empty means
	// synthetic traffic.
	DataDir string
	// Threads is the thread count of the all-threads columns; 0 means
	// runtime.NumCPU().
	Threads int
	// Reps is the number of timed repetitions (medians); 0 means 5.
	Reps int
	// Quick trims repetitions, rows and single-row calls for a smoke test.
	Quick bool
	// Python is the interpreter of the reference half; empty means
	// $PYTHON or /usr/bin/python3.
	Python string
	// NoPython skips the reference half.
	NoPython bool
	// Model is the XGBoost model; empty means binary_100.json in
	// $XGBOOST_FIXTURES (skipped when that is unset).
	Model string
	// JSON selects JSON output in main.
	JSON bool
	// Trees overrides the forests' 100 trees (tests under -race use fewer).
	Trees int
	// Log receives progress lines; nil discards them.
	Log io.Writer

	// rows, rowCalls and shapRows, when positive, override the -quick
	// sizes (tests under the race detector use smaller ones).
	rows, rowCalls, shapRows int
}

// Sizes of a run: full and -quick.
const (
	rowCalls      = 20000 // single-row calls per latency figure
	shapRows      = 5000  // rows explained per TreeSHAP timing
	quickRows     = 3000  // rows of each file kept by -quick
	quickRowCalls = 1000
	quickShapRows = 300
)

// Run loads the data, runs the Go half, then the Python half, and joins them.
// It sets GOMAXPROCS while it measures (restoring it after each measurement),
// so it must not run concurrently with other work, another Run included.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	start := time.Now()
	if cfg.Threads == 0 {
		cfg.Threads = runtime.NumCPU()
	}
	if cfg.Reps == 0 {
		cfg.Reps = 5
	}
	if cfg.Threads < 1 || cfg.Reps < 1 {
		return nil, fmt.Errorf("-threads (%d) and -reps (%d) must be at least 1", cfg.Threads, cfg.Reps)
	}
	if cfg.Trees == 0 {
		cfg.Trees = 100
	}
	if cfg.Python == "" {
		cfg.Python = defaultPython()
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	logf := func(format string, a ...any) { fmt.Fprintf(logw, "benchmark: "+format+"\n", a...) }

	tm := timer{reps: cfg.Reps, rowCalls: rowCalls}
	maxRows, nShap, rowSeconds := 0, shapRows, "5"
	if cfg.Quick {
		tm.reps, tm.rowCalls, maxRows, nShap, rowSeconds = 1, quickRowCalls, quickRows, quickShapRows, "0.5"
		if cfg.rows > 0 {
			maxRows = cfg.rows
		}
		if cfg.rowCalls > 0 {
			tm.rowCalls = cfg.rowCalls
		}
		if cfg.shapRows > 0 {
			nShap = cfg.shapRows
		}
	}
	rep := &Report{
		Machine: machine(), Threads: cfg.Threads, Reps: tm.reps, Quick: cfg.Quick,
	}
	rep.Machine.LoadBefore = loadAverage()

	logf("loading and encoding the data")
	d, err := loadData(ctx, cfg.DataDir, maxRows, 1)
	if err != nil {
		return nil, err
	}
	rep.Data = d.Source

	// The XGBoost model and the rows it scores: the test matrix when the
	// model was trained on this encoding (NSL-KDD), else the fixture's
	// encoded test rows.
	var (
		model *xgboost.Model
		xgbX  *mat.Dense
	)
	if model, xgbX, rep.XGBData, err = xgbInput(cfg.Model, d); err != nil {
		if cfg.Model != "" {
			return nil, fmt.Errorf("-model: %w", err)
		}
		// No XGBoost fixtures named: the rest still runs.
		rep.XGBData = "not run: " + err.Error()
		logf("XGBoost part skipped: %v", err)
		model = nil
	}

	// bench.py itself says when it cannot import what it needs: a separate
	// check would pay for importing scikit-learn and XGBoost twice.
	py := Python{Interpreter: cfg.Python}
	if cfg.NoPython {
		py.Missing = "-no-python"
	} else if _, err := exec.LookPath(cfg.Python); err != nil {
		py.Missing = fmt.Sprintf("no Python interpreter at %s (set -python or $PYTHON)", cfg.Python)
	}
	var dir string
	if py.Missing == "" {
		if dir, err = os.MkdirTemp("", "netwarden-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if err := writeInputs(dir, d, xgbX); err != nil {
			return nil, err
		}
	}

	res := &goResult{vals: map[string]float64{}}
	logf("Go: Isolation Forest")
	if err := benchIForest(ctx, d, tm, cfg.Threads, cfg.Trees, res); err != nil {
		return nil, err
	}
	logf("Go: Random Forest")
	if err := benchForest(ctx, d, tm, cfg.Threads, cfg.Trees, res); err != nil {
		return nil, err
	}
	if model != nil {
		logf("Go: XGBoost")
		if err := benchXGBoost(ctx, model, xgbX, nShap, tm, cfg.Threads, res); err != nil {
			return nil, err
		}
	}
	rep.Notes = append(rep.Notes, res.notes...)

	ref := map[string]float64{}
	if py.Missing == "" {
		logf("Python: %s", cfg.Python)
		args := []string{filepath.Join(dir, "bench.py"), "--dir", dir,
			"--threads", strconv.Itoa(cfg.Threads), "--reps", strconv.Itoa(tm.reps),
			"--row-calls", strconv.Itoa(tm.rowCalls), "--shap-rows", strconv.Itoa(nShap),
			"--trees", strconv.Itoa(cfg.Trees), "--row-seconds", rowSeconds}
		if model != nil {
			args = append(args, "--model", modelPath(cfg.Model))
		}
		out, err := runPython(ctx, cfg.Python, args, cfg.Threads, logw)
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil:
			// The Go half stands on its own: print it and say what failed.
			py.Missing = "the Python half failed: " + err.Error()
			logf("%s", py.Missing)
		case out.Missing != "":
			py.Missing = out.Missing
		default:
			py.Ran, py.Versions, ref = true, out.Versions, out.Metrics
			rep.Notes = append(rep.Notes, out.Notes...)
			if model != nil {
				crossCheck(dir, res, &rep.Notes)
			}
		}
	}
	rep.Python = py
	rep.Rows = buildRows(cfg.Threads, res.vals, ref)
	rep.Machine.LoadAfter = loadAverage()
	rep.TotalSecs = time.Since(start).Seconds()
	return rep, nil
}

// modelPath is the -model flag or $XGBOOST_FIXTURES/binary_100.json.
func modelPath(flag string) string {
	if flag != "" {
		return flag
	}
	p, _ := findFixture("binary_100.json")
	return p
}

// xgbInput loads the XGBoost model and picks the rows it scores.
func xgbInput(path string, d *Data) (*xgboost.Model, *mat.Dense, string, error) {
	if path == "" {
		var err error
		if path, err = findFixture("binary_100.json"); err != nil {
			return nil, nil, "", err
		}
	}
	m, err := xgboost.Load(path)
	if err != nil {
		return nil, nil, "", err
	}
	if err := m.CheckFeatureNames(d.Names); err == nil {
		n, _ := d.Test.Dims()
		return m, d.Test, fmt.Sprintf("%s on the %d encoded test rows", path, n), nil
	}
	// Not the encoding the model was trained on (synthetic data): score the
	// fixture's own encoded NSL-KDD test rows, repeated to the test size.
	feat := filepath.Join(filepath.Dir(path), "test_features.csv")
	names, x, err := readFeatureCSV(feat)
	if err != nil {
		return nil, nil, "", fmt.Errorf("the model's features differ from this data's and %w", err)
	}
	if err := m.CheckFeatureNames(names); err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", feat, err)
	}
	n, _ := d.Test.Dims()
	r, _ := x.Dims()
	return m, tile(x, n), fmt.Sprintf("%s on %s (%d NSL-KDD rows repeated to %d: the model does not take this data's encoding)", path, feat, r, n), nil
}

// writeInputs hands the matrices to bench.py as .npy files, with the script.
func writeInputs(dir string, d *Data, xgbX *mat.Dense) error {
	if err := os.WriteFile(filepath.Join(dir, "bench.py"), benchPy, 0o644); err != nil {
		return err
	}
	for name, m := range map[string]*mat.Dense{"train.npy": d.Train, "normal.npy": d.Normal, "test.npy": d.Test} {
		if err := writeDense(filepath.Join(dir, name), m); err != nil {
			return err
		}
	}
	if err := writeNPY(filepath.Join(dir, "train_y.npy"), d.TrainY, len(d.TrainY), -1); err != nil {
		return err
	}
	if err := writeNPY(filepath.Join(dir, "test_y.npy"), d.TestY, len(d.TestY), -1); err != nil {
		return err
	}
	if xgbX != nil {
		return writeDense(filepath.Join(dir, "xgb.npy"), xgbX)
	}
	return nil
}

// pyOutput is what bench.py prints.
type pyOutput struct {
	Versions map[string]string  `json:"versions"`
	Missing  string             `json:"missing"`
	Metrics  map[string]float64 `json:"metrics"`
	Notes    []string           `json:"notes"`
}

// runPython runs bench.py with args, streaming its stderr to logw, and
// decodes the JSON it prints.
func runPython(ctx context.Context, python string, args []string, threads int, logw io.Writer) (*pyOutput, error) {
	cmd := exec.CommandContext(ctx, python, args...)
	// OpenMP and BLAS pools sized to the thread budget, as GOMAXPROCS is.
	t := strconv.Itoa(threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = logw
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", python, filepath.Base(args[0]), err)
	}
	var out pyOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("bench.py output: %w: %s", err, lastLine(stdout.String()))
	}
	return &out, nil
}

// crossCheck compares Go's XGBoost probabilities and TreeSHAP values with
// the ones bench.py saved, and records the largest differences as Go figures
// (they have no reference column: they are measured against it).
func crossCheck(dir string, res *goResult, notes *[]string) {
	maxDiff := func(a, b []float64) float64 {
		if len(a) != len(b) || len(a) == 0 {
			return math.NaN()
		}
		m := 0.0
		for i := range a {
			m = max(m, math.Abs(a[i]-b[i]))
		}
		return m
	}
	if p, err := readNPY(filepath.Join(dir, "xgb_pred.npy")); err == nil {
		res.vals["xgb.maxdiff"] = maxDiff(res.xgbP, p)
	} else {
		*notes = append(*notes, "no XGBoost predictions to compare: "+err.Error())
	}
	if s, err := readNPY(filepath.Join(dir, "xgb_shap.npy")); err == nil {
		res.vals["xgb.shap_maxdiff"] = maxDiff(res.shap, s)
	} else {
		*notes = append(*notes, "no XGBoost SHAP values to compare: "+err.Error())
	}
}

// machine describes the CPU and the Go toolchain.
func machine() Machine {
	m := Machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
