package forest_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// The benchmarks run on the reference encoding of NSL-KDD (train on
// KDDTrain+_20Percent, 25,192 × 118; score KDDTest+, 22,544 rows) and are
// skipped without $NSLKDD_DIR. Compare with testdata/bench_sklearn.py run
// right after them on the same machine:
//
//	NSLKDD_DIR=… go test -run '^$' -bench . -benchtime 3x ./forest/
//	NSLKDD_DIR=… /usr/bin/python3 forest/testdata/bench_sklearn.py
var benchData struct {
	once     sync.Once
	xtr, xte *mat.Dense
	ytr      []int
	f        *forest.Forest
}

func loadBench(b testing.TB) (xtr, xte *mat.Dense, ytr []int) {
	b.Helper()
	train := nsltest.Load(b, nsltest.Train20)
	test := nsltest.Load(b, nsltest.Test)
	benchData.once.Do(func() {
		benchData.xtr, benchData.xte, _ = nsltest.Encode(train, test)
		benchData.ytr = nsltest.Binary(train)
		f, err := forest.Fit(context.Background(), benchData.xtr, benchData.ytr, forest.Config{Seed: 0})
		if err != nil {
			panic(err)
		}
		benchData.f = f
	})
	return benchData.xtr, benchData.xte, benchData.ytr
}

// BenchmarkFit trains 100 trees on KDDTrain+_20Percent with each splitter,
// on one worker and on GOMAXPROCS; cpu-s/op is the process CPU time.
func BenchmarkFit(b *testing.B) {
	xtr, _, ytr := loadBench(b)
	n, _ := xtr.Dims()
	for _, sp := range []forest.Splitter{forest.Exact, forest.Histogram} {
		for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("splitter=%s/workers=%d", sp, w), func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					if _, err := forest.Fit(context.Background(), xtr, ytr, forest.Config{Workers: w, Splitter: sp}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkScoreBatch scores KDDTest+ with ScoreBatch (GOMAXPROCS workers);
// rows/cpu-s divides by the CPU time of all workers, for comparison with a
// single-threaded scorer.
func BenchmarkScoreBatch(b *testing.B) {
	_, xte, _ := loadBench(b)
	n, _ := xte.Dims()
	dst := make([]float64, n)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if err := benchData.f.ScoreBatch(xte, dst); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu).Seconds(), "rows/cpu-s")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkScoreMatrix scores KDDTest+ with ScoreMatrix on one goroutine
// (GOMAXPROCS=1 for the call) and on GOMAXPROCS: rows/cpu-s is the figure
// to set beside scikit-learn's predict_proba rows per CPU second.
func BenchmarkScoreMatrix(b *testing.B) {
	_, xte, _ := loadBench(b)
	n, _ := xte.Dims()
	dst := make([]float64, n)
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(w))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if err := benchData.f.ScoreMatrix(context.Background(), xte, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-cpu).Seconds(), "rows/cpu-s")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkScoreOneRow calls Score once per row of KDDTest+ (an operation
// is the whole file, one row per call) and reports the time a call.
func BenchmarkScoreOneRow(b *testing.B) {
	_, xte, _ := loadBench(b)
	n, _ := xte.Dims()
	f := benchData.f
	b.ReportAllocs()
	for b.Loop() {
		for i := range n {
			if _, err := f.Score(xte.RawRowView(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	perRow := b.Elapsed().Seconds() / float64(b.N) / float64(n)
	b.ReportMetric(perRow*1e9, "ns/row")
	b.ReportMetric(1/perRow, "rows/s")
}

// BenchmarkPredictProbaOneRow is BenchmarkScoreOneRow for PredictProba.
func BenchmarkPredictProbaOneRow(b *testing.B) {
	_, xte, _ := loadBench(b)
	n, _ := xte.Dims()
	f := benchData.f
	p := make([]float64, f.NumClasses())
	b.ReportAllocs()
	for b.Loop() {
		for i := range n {
			if err := f.PredictProba(xte.RawRowView(i), p); err != nil {
				b.Fatal(err)
			}
		}
	}
	perRow := b.Elapsed().Seconds() / float64(b.N) / float64(n)
	b.ReportMetric(perRow*1e9, "ns/row")
	b.ReportMetric(1/perRow, "rows/s")
}
