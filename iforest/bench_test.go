package iforest_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// benchData loads the encoded NSL-KDD data (normal training rows, KDDTest+),
// skipping the benchmark when $NSLKDD_DIR is unset.
func benchData(b *testing.B) (normal, test *mat.Dense) {
	b.Helper()
	tr := nsltest.Load(b, nsltest.Train20)
	te := nsltest.Load(b, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(tr, te)
	var rows []float64
	for i, y := range nsltest.Binary(tr) {
		if y == 0 {
			rows = append(rows, xtr.RawRowView(i)...)
		}
	}
	_, d := xtr.Dims()
	return mat.NewDense(len(rows)/d, d, rows), xte
}

// cpuMeter reports the CPU time a benchmark used: the process's (all
// threads) when the work runs on several goroutines, the benchmark
// thread's otherwise (the goroutine is then locked to its thread until
// report). On a machine shared with other jobs, CPU time is steadier than
// wall-clock time.
type cpuMeter struct {
	thread bool
	c0     time.Duration
	ok     bool
}

func startCPU(thread bool) *cpuMeter {
	m := &cpuMeter{thread: thread}
	if thread {
		runtime.LockOSThread()
		m.c0, m.ok = threadCPU()
	} else {
		m.c0, m.ok = processCPU()
	}
	return m
}

// report adds the metric "cpu-<unit>" per item: CPU time / (b.N × perOp)
// in nanoseconds divided by scale (1 for ns, 1e6 for ms).
func (m *cpuMeter) report(b *testing.B, perOp float64, scale float64, unit string) {
	var c1 time.Duration
	var ok bool
	if m.thread {
		c1, ok = threadCPU()
		runtime.UnlockOSThread()
	} else {
		c1, ok = processCPU()
	}
	if ok && m.ok {
		b.ReportMetric(float64((c1-m.c0).Nanoseconds())/(float64(b.N)*perOp)/scale, "cpu-"+unit)
	}
}

// BenchmarkFit fits 100 trees of ψ = 256 on the 13,449 normal rows of
// KDDTrain+_20Percent (118 columns) with GOMAXPROCS workers (run with
// -cpu 1,2 to compare one and two). cpu-ms/op is the process's CPU time
// per fit, all threads together.
func BenchmarkFit(b *testing.B) {
	normal, _ := benchData(b)
	for _, ext := range []int{0, 1} {
		b.Run(fmt.Sprintf("ext=%d", ext), func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU(false)
			for b.Loop() {
				if _, err := iforest.Fit(context.Background(), normal, iforest.Config{ExtensionLevel: ext}); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b, 1, 1e6, "ms/op")
		})
	}
}

// BenchmarkScore scores KDDTest+ (22,544 rows) one row per call, on one
// goroutine; cpu-ns/row is its thread's CPU time per row.
func BenchmarkScore(b *testing.B) {
	normal, test := benchData(b)
	n, _ := test.Dims()
	for _, ext := range []int{0, 1} {
		f, err := iforest.Fit(context.Background(), normal, iforest.Config{ExtensionLevel: ext})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("ext=%d", ext), func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU(true)
			i := 0
			for b.Loop() {
				if _, err := f.Score(test.RawRowView(i)); err != nil {
					b.Fatal(err)
				}
				if i++; i == n {
					i = 0
				}
			}
			cpu.report(b, 1, 1, "ns/row")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkScoreMatrix scores all of KDDTest+ per iteration, in batch over
// GOMAXPROCS workers (run with -cpu 1,2 to compare). cpu-ns/row is the
// process's CPU time per row, all threads together, and cpu-rows/s its
// inverse: the figure to set beside scikit-learn's CPU-time throughput.
func BenchmarkScoreMatrix(b *testing.B) {
	normal, test := benchData(b)
	n, _ := test.Dims()
	dst := make([]float64, n)
	for _, ext := range []int{0, 1} {
		f, err := iforest.Fit(context.Background(), normal, iforest.Config{ExtensionLevel: ext})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("ext=%d", ext), func(b *testing.B) {
			b.ReportAllocs()
			c0, ok0 := processCPU()
			for b.Loop() {
				if err := f.ScoreMatrix(context.Background(), test, dst); err != nil {
					b.Fatal(err)
				}
			}
			if c1, ok1 := processCPU(); ok0 && ok1 {
				ns := float64((c1 - c0).Nanoseconds()) / float64(b.N*n)
				b.ReportMetric(ns, "cpu-ns/row")
				b.ReportMetric(1e9/ns, "cpu-rows/s")
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkContributions explains KDDTest+ rows one per call (Local-DIFFI).
func BenchmarkContributions(b *testing.B) {
	normal, test := benchData(b)
	n, d := test.Dims()
	f, err := iforest.Fit(context.Background(), normal, iforest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, d)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := f.Contributions(test.RawRowView(i), dst); err != nil {
			b.Fatal(err)
		}
		if i++; i == n {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkUnmarshal decodes a 100-tree forest.
func BenchmarkUnmarshal(b *testing.B) {
	f, err := iforest.Fit(context.Background(), blob(5000, 20, 1), iforest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	data, err := f.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var g iforest.Forest
		if err := g.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExplain explains KDDTest+ rows one per call on one goroutine
// with a classic forest of 100 trees of ψ = 256 (118 features): exact
// TreeSHAP (Explain), Saabas (ExplainApprox) and Local-DIFFI
// (Contributions) for comparison. On Linux it also reports cpu-ns/row, the
// benchmark thread's CPU time per row, meaningful on a shared machine.
func BenchmarkExplain(b *testing.B) {
	normal, test := benchData(b)
	n, d := test.Dims()
	f, err := iforest.Fit(context.Background(), normal, iforest.Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float64, d)
	for _, mode := range []struct {
		name string
		f    func(x, dst []float64) error
	}{
		{"exact", func(x, dst []float64) error { _, err := f.Explain(x, dst); return err }},
		{"saabas", func(x, dst []float64) error { _, err := f.ExplainApprox(x, dst); return err }},
		{"diffi", f.Contributions},
	} {
		b.Run(mode.name, func(b *testing.B) {
			if err := mode.f(test.RawRowView(0), dst); err != nil { // prepares the explainer
				b.Fatal(err)
			}
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			c0, cpuOK := threadCPU()
			i := 0
			for b.Loop() {
				if err := mode.f(test.RawRowView(i), dst); err != nil {
					b.Fatal(err)
				}
				if i++; i == n {
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
