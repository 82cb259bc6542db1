package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/iforest"
)

// timer measures the Go half. Every measurement runs with GOMAXPROCS set to
// the column's thread count and restores it afterwards.
type timer struct {
	reps     int // timed repetitions after one warm-up
	rowCalls int // single-row calls per latency figure
}

// median runs f once to warm up, then reps times, at GOMAXPROCS procs, and
// returns the median wall time in seconds.
func (t timer) median(procs int, f func() error) (float64, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	if err := f(); err != nil {
		return 0, err
	}
	times := make([]float64, t.reps)
	for i := range times {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times[i] = time.Since(start).Seconds()
	}
	return medianOf(times), nil
}

// rowBlock is the number of single-row calls timed together: long enough
// that the clock's resolution and cost do not matter, short enough that the
// median over blocks shrugs off a preemption by another process.
const rowBlock = 50

// latency calls one(i) for rowCalls rows of X (cycling) on one thread and
// returns the median over blocks of rowBlock calls of the time per call in
// microseconds, and the allocations per call (testing.AllocsPerRun).
func (t timer) latency(X *mat.Dense, one func(row []float64) error) (us, allocs float64, err error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	n, _ := X.Dims()
	// Warm up: caches, branch predictors, the page faults of a first walk.
	for i := range min(n, 200) {
		if err := one(X.RawRowView(i)); err != nil {
			return 0, 0, err
		}
	}
	blocks := max(1, t.rowCalls/rowBlock)
	per := make([]float64, blocks)
	i := 0
	for b := range per {
		start := time.Now()
		for range rowBlock {
			if err := one(X.RawRowView(i)); err != nil {
				return 0, 0, err
			}
			if i++; i == n {
				i = 0
			}
		}
		per[b] = float64(time.Since(start).Nanoseconds()) / 1e3 / rowBlock
	}
	row := X.RawRowView(0)
	allocs = testing.AllocsPerRun(100, func() { err = one(row) })
	return medianOf(per), allocs, err
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// goResult holds the Go half's figures by metric key and what it noticed.
type goResult struct {
	vals  map[string]float64
	notes []string
	xgbP  []float64 // Go's probabilities on the XGBoost rows
	shap  []float64 // Go's TreeSHAP values of the first shapRows rows (row-major, features then bias)
}

// attack turns 0/1 labels into the booleans the metrics take.
func attack(y []float64) []bool {
	b := make([]bool, len(y))
	for i, v := range y {
		b[i] = v == 1
	}
	return b
}

// benchIForest fits, times and scores the Isolation Forest.
func benchIForest(ctx context.Context, d *Data, tm timer, threads, trees int, res *goResult) error {
	cfg := iforest.Config{Trees: trees, SampleSize: 256, Seed: 1}
	var f *iforest.Forest
	for _, c := range []struct {
		key   string
		procs int
	}{{"if.fit_1", 1}, {"if.fit_all", threads}} {
		cfg.Workers = c.procs
		s, err := tm.median(c.procs, func() (err error) {
			f, err = iforest.Fit(ctx, d.Normal, cfg)
			return err
		})
		if err != nil {
			return fmt.Errorf("isolation forest: %w", err)
		}
		res.vals[c.key] = s
	}
	n, _ := d.Test.Dims()
	scores := make([]float64, n)
	for _, c := range []struct {
		key   string
		procs int
	}{{"if.rows_1", 1}, {"if.rows_all", threads}} {
		s, err := tm.median(c.procs, func() error { return f.ScoreMatrix(ctx, d.Test, scores) })
		if err != nil {
			return fmt.Errorf("isolation forest: %w", err)
		}
		res.vals[c.key] = float64(n) / s
	}
	auc, err := anomaly.ROCAUC(scores, attack(d.TestY))
	if err != nil {
		return fmt.Errorf("isolation forest: %w", err)
	}
	res.vals["if.auc"] = auc
	us, allocs, err := tm.latency(d.Test, func(x []float64) error { _, err := f.Score(x); return err })
	if err != nil {
		return fmt.Errorf("isolation forest: %w", err)
	}
	res.vals["if.row"], res.vals["if.row_allocs"] = us, allocs
	return nil
}

// benchForest fits, times and scores the Random Forest.
func benchForest(ctx context.Context, d *Data, tm timer, threads, trees int, res *goResult) error {
	y := make([]int, len(d.TrainY))
	for i, v := range d.TrainY {
		y[i] = int(v)
	}
	cfg := forest.Config{Trees: trees, Seed: 1}
	var f *forest.Forest
	for _, c := range []struct {
		key   string
		procs int
	}{{"rf.fit_1", 1}, {"rf.fit_all", threads}} {
		cfg.Workers = c.procs
		s, err := tm.median(c.procs, func() (err error) {
			f, err = forest.Fit(ctx, d.Train, y, cfg)
			return err
		})
		if err != nil {
			return fmt.Errorf("random forest: %w", err)
		}
		res.vals[c.key] = s
	}
	n, _ := d.Test.Dims()
	proba := mat.NewDense(n, f.NumClasses(), nil)
	for _, c := range []struct {
		key   string
		procs int
	}{{"rf.rows_1", 1}, {"rf.rows_all", threads}} {
		s, err := tm.median(c.procs, func() error { return f.PredictProbaBatch(d.Test, proba) })
		if err != nil {
			return fmt.Errorf("random forest: %w", err)
		}
		res.vals[c.key] = float64(n) / s
	}
	scores := mat.Col(nil, 1, proba)
	auc, err := anomaly.ROCAUC(scores, attack(d.TestY))
	if err != nil {
		return fmt.Errorf("random forest: %w", err)
	}
	res.vals["rf.auc"] = auc
	right := 0
	for i, p := range scores {
		// The argmax, the first class on a tie, as predict does.
		pred := 0.0
		if p > proba.At(i, 0) {
			pred = 1
		}
		if pred == d.TestY[i] {
			right++
		}
	}
	res.vals["rf.acc"] = float64(right) / float64(n)
	dst := make([]float64, f.NumClasses())
	us, allocs, err := tm.latency(d.Test, func(x []float64) error { return f.PredictProba(x, dst) })
	if err != nil {
		return fmt.Errorf("random forest: %w", err)
	}
	res.vals["rf.row"], res.vals["rf.row_allocs"] = us, allocs
	return nil
}

// benchXGBoost times scoring and explaining the XGBoost model on X. The
// first shapRows rows are explained; their values are kept for the
// cross-check against XGBoost's own.
func benchXGBoost(ctx context.Context, m *xgboost.Model, X *mat.Dense, shapRows int, tm timer, threads int, res *goResult) error {
	n, p := X.Dims()
	probs := make([]float64, n)
	for _, c := range []struct {
		key   string
		procs int
	}{{"xgb.rows_1", 1}, {"xgb.rows_all", threads}} {
		s, err := tm.median(c.procs, func() error { return m.PredictBatch(ctx, X, probs, c.procs) })
		if err != nil {
			return fmt.Errorf("xgboost: %w", err)
		}
		res.vals[c.key] = float64(n) / s
	}
	res.xgbP = probs
	dst := make([]float64, 1)
	us, allocs, err := tm.latency(X, func(x []float64) error { return m.Predict(x, dst) })
	if err != nil {
		return fmt.Errorf("xgboost: %w", err)
	}
	res.vals["xgb.row"], res.vals["xgb.row_allocs"] = us, allocs

	var ex anomaly.Explainer = m // exact TreeSHAP of the margin, as XGBoost's pred_contribs
	shapRows = min(shapRows, n)
	sub := X.Slice(0, shapRows, 0, p).(*mat.Dense)
	// Each row's values and then the bias, as pred_contribs lays them out.
	out := make([]float64, shapRows*(p+1))
	explain := func(workers int) error {
		var wg sync.WaitGroup
		errs := make([]error, workers)
		chunk := (shapRows + workers - 1) / workers
		for w := range workers {
			lo, hi := w*chunk, min(shapRows, (w+1)*chunk)
			if lo >= hi {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					row := out[i*(p+1) : (i+1)*(p+1)]
					base, err := ex.Explain(sub.RawRowView(i), row[:p])
					if err != nil {
						errs[w] = err
						return
					}
					row[p] = base
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range []struct {
		key   string
		procs int
	}{{"xgb.shap_1", 1}, {"xgb.shap_all", threads}} {
		s, err := tm.median(c.procs, func() error { return explain(c.procs) })
		if err != nil {
			return fmt.Errorf("xgboost TreeSHAP: %w", err)
		}
		res.vals[c.key] = float64(shapRows) / s
	}
	res.shap = out
	shapDst := make([]float64, p)
	shapTimer := tm
	shapTimer.rowCalls = max(rowBlock, tm.rowCalls/10) // an explanation costs tens of predictions
	us, allocs, err = shapTimer.latency(sub, func(x []float64) error { _, err := ex.Explain(x, shapDst); return err })
	if err != nil {
		return fmt.Errorf("xgboost TreeSHAP: %w", err)
	}
	res.vals["xgb.shap_row"], res.vals["xgb.shap_allocs"] = us, allocs
	return nil
}
