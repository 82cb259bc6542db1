package forest_test

import (
	"testing"
)

// BenchmarkExplain explains KDDTest+ rows one per call on one goroutine
// with the benchmarks' forest (100 fully grown trees on KDDTrain+_20Percent,
// binary, 118 features): exact TreeSHAP (Explain, mostly leaf by leaf: the
// trees are too deep for tables) and Saabas (ExplainApprox). cpu-ns/row is
// the process CPU time per row.
func BenchmarkExplain(b *testing.B) {
	_, xte, _ := loadBench(b)
	f := benchData.f
	n, d := xte.Dims()
	dst := make([]float64, d)
	for _, mode := range []struct {
		name string
		f    func(x, dst []float64) (float64, error)
	}{{"exact", f.Explain}, {"saabas", f.ExplainApprox}} {
		b.Run(mode.name, func(b *testing.B) {
			if _, err := mode.f(xte.RawRowView(0), dst); err != nil { // prepares the explainers
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := cpuTime()
			i := 0
			for b.Loop() {
				if _, err := mode.f(xte.RawRowView(i), dst); err != nil {
					b.Fatal(err)
				}
				if i++; i == n {
					i = 0
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/row")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
