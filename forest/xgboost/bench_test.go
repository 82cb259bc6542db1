package xgboost

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/dmitryikh/leaves"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// The benchmarks score binary_100 (100 trees, depth 6) on the 500 fixture
// rows, beside github.com/dmitryikh/leaves on the same model written as a
// pre-1.0 binary (the only XGBoost format leaves reads). Compare with
// XGBoost itself: /usr/bin/python3 testdata/bench_xgboost.py.

type benchData struct {
	m     *Model
	lv    *leaves.Ensemble
	rows  [][]float64
	dense []float64 // the rows tiled to batchRows
}

const batchRows = 20000

// benchFixtures returns $XGBOOST_FIXTURES, or fixtureDir (the shared
// folder beside the repository) when it is unset.
func benchFixtures() string {
	if d := os.Getenv("XGBOOST_FIXTURES"); d != "" {
		return d
	}
	return fixtureDir
}

func loadBench(tb testing.TB) *benchData {
	tb.Helper()
	dir := benchFixtures()
	b, err := os.ReadFile(filepath.Join(dir, "binary_100.model"))
	if err != nil {
		tb.Skipf("fixture not found (set XGBOOST_FIXTURES): %v", err)
	}
	m, err := Load(filepath.Join(dir, "binary_100.json"))
	require.NoError(tb, err)
	lv, err := leaves.XGEnsembleFromReader(bufio.NewReader(bytes.NewReader(Pre10Binary(b))), false)
	require.NoError(tb, err)
	rows := readRows(tb, filepath.Join(dir, "test_features.csv"), true)
	d := &benchData{m: m, lv: lv, rows: rows}
	for i := range batchRows {
		d.dense = append(d.dense, rows[i%len(rows)]...)
	}
	return d
}

// TestLeavesSameModel checks that leaves reads the pre-1.0 binary written
// from binary_100, so that the benchmarks compare the two on the same
// trees, and records how often leaves disagrees with XGBoost: leaves sends
// x <= threshold left (LightGBM's rule) where XGBoost sends x < threshold
// left, so a value equal to a split condition (every one-hot column here)
// can take the wrong branch, and it starts from base_score (0.5) where
// XGBoost starts from logit(0.5) = 0.
func TestLeavesSameModel(t *testing.T) {
	d := loadBench(t)
	want := readRows(t, filepath.Join(benchFixtures(), "binary_100_margin.csv"), false)
	dst := []float64{0}
	wrong := 0
	for i, x := range d.rows {
		require.NoError(t, d.m.Margin(x, dst))
		require.InDelta(t, want[i][0], dst[0], 1e-6)
		lv := d.lv.PredictSingle(x, 0)
		require.False(t, math.IsNaN(lv))
		if math.Abs(lv-0.5-want[i][0]) > 1e-4 {
			wrong++
		}
		// Nudged up by less than any gap between a value and a split
		// condition, x <= t becomes x < t and leaves agrees on every row:
		// the trees it read are the same.
		y := make([]float64, len(x))
		for j, v := range x {
			y[j] = v + math.Max(math.Abs(v)*1e-7, 1e-9)
		}
		require.InDelta(t, want[i][0], d.lv.PredictSingle(y, 0)-0.5, 1e-4, "row %d", i)
	}
	t.Logf("leaves differs from XGBoost's margin by more than 1e-4 on %d of %d rows", wrong, len(d.rows))
}

// BenchmarkScoreOne scores one row per call: netwarden (the levels
// layout), netwarden's plain walk of the trees (impl=walk, what the levels
// layout replaced for rows without missing values) and leaves.
func BenchmarkScoreOne(b *testing.B) {
	d := loadBench(b)
	for _, impl := range []struct {
		name   string
		levels bool
	}{{"netwarden", true}, {"walk", false}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			defer func(old bool) { useLevels = old }(useLevels)
			useLevels = impl.levels
			b.ReportAllocs()
			i, s := 0, 0.0
			for b.Loop() {
				v, _ := d.m.Score(d.rows[i])
				s += v
				if i++; i == len(d.rows) {
					i = 0
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	b.Run("impl=leaves", func(b *testing.B) {
		b.ReportAllocs()
		i, s := 0, 0.0
		for b.Loop() {
			s += d.lv.PredictSingle(d.rows[i], 0)
			if i++; i == len(d.rows) {
				i = 0
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkScoreBatch scores batchRows rows in one call: netwarden (the
// bit-vector walk on a CPU with AVX-512), Score in a loop, the levels
// layout's eight-row walk (impl=levels8), the plain walk and leaves.
func BenchmarkScoreBatch(b *testing.B) {
	d := loadBench(b)
	X := mat.NewDense(batchRows, d.m.NumFeatures(), d.dense)
	out := make([]float64, batchRows)
	for _, w := range []int{1, 2} {
		b.Run("impl=netwarden/threads="+string(rune('0'+w)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := d.m.ScoreBatch(context.Background(), X, out, w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batchRows)/b.Elapsed().Seconds(), "rows/s")
		})
		if w == 1 {
			// What the batch path must beat: Score in a loop.
			b.Run("impl=score-loop/threads=1", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for i := range batchRows {
						v, err := d.m.Score(X.RawRowView(i))
						if err != nil {
							b.Fatal(err)
						}
						out[i] = v
					}
				}
				b.ReportMetric(float64(b.N*batchRows)/b.Elapsed().Seconds(), "rows/s")
			})
			// The batch walk of a CPU without AVX-512: the levels
			// layout, eight rows in lock step.
			b.Run("impl=levels8/threads=1", func(b *testing.B) {
				defer func(old bool) { useQS = old }(useQS)
				useQS = false
				b.ReportAllocs()
				for b.Loop() {
					if err := d.m.ScoreBatch(context.Background(), X, out, w); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batchRows)/b.Elapsed().Seconds(), "rows/s")
			})
			b.Run("impl=walk/threads=1", func(b *testing.B) {
				defer func(old bool) { useLevels = old }(useLevels)
				useLevels = false
				b.ReportAllocs()
				for b.Loop() {
					if err := d.m.ScoreBatch(context.Background(), X, out, w); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batchRows)/b.Elapsed().Seconds(), "rows/s")
			})
		}
		b.Run("impl=leaves/threads="+string(rune('0'+w)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := d.lv.PredictDense(d.dense, batchRows, d.m.NumFeatures(), out, 0, w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batchRows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for _, ext := range []string{"json", "ubj", "model"} {
		buf, err := os.ReadFile(filepath.Join(fixtureDir, "binary_100."+ext))
		if err != nil {
			b.Skipf("fixture not found: %v", err)
		}
		b.Run("format="+ext, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, err := Parse(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExplain explains one row per call on one goroutine (binary_100:
// 100 trees of depth 6 over 118 features; the 500 fixture rows in turn):
// exact TreeSHAP (Explain) and Saabas (ExplainApprox). Compare with
// XGBoost's own pred_contribs in the same run:
// /usr/bin/python3 ../../internal/tree/testdata/bench_xgb_contribs.py ../../../shared/fixtures/xgboost.
// On Linux it also reports cpu-ns/row, the benchmark thread's CPU time per
// row, which stays meaningful when other processes share the cores.
func BenchmarkExplain(b *testing.B) {
	d := loadBench(b)
	dst := make([]float64, d.m.NumFeatures())
	for _, mode := range []struct {
		name string
		f    func(x, dst []float64) (float64, error)
	}{{"exact", d.m.Explain}, {"saabas", d.m.ExplainApprox}} {
		b.Run(mode.name, func(b *testing.B) {
			if _, err := mode.f(d.rows[0], dst); err != nil { // prepares the explainers
				b.Fatal(err)
			}
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			c0, cpuOK := threadCPU()
			i := 0
			for b.Loop() {
				if _, err := mode.f(d.rows[i], dst); err != nil {
					b.Fatal(err)
				}
				if i++; i == len(d.rows) {
					i = 0
				}
			}
			if c1, ok := threadCPU(); ok && cpuOK {
				b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/row")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkExplainPrepare measures what the first explanation of a freshly
// parsed binary_100 costs beyond the row itself: building the TreeSHAP
// explainers (node means, Fast TreeSHAP v2 tables), which Parse defers.
func BenchmarkExplainPrepare(b *testing.B) {
	buf, err := os.ReadFile(filepath.Join(fixtureDir, "binary_100.json"))
	if err != nil {
		b.Skipf("fixture not found: %v", err)
	}
	rows := readRows(b, filepath.Join(fixtureDir, "test_features.csv"), true)
	dst := make([]float64, len(rows[0]))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		m, err := Parse(buf)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := m.Explain(rows[0], dst); err != nil {
			b.Fatal(err)
		}
	}
}
