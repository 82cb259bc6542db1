package forest_test

import (
	"testing"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/tree"
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

// BenchmarkExplainMethods explains KDDTest+ rows with the benchmarks'
// forest by each exact TreeSHAP evaluation of internal/tree, in one
// process: Linear TreeSHAP (the default for these trees; its reciprocals,
// as the default budget has it for this forest, computed, and from tables)
// and the leaf-wise walk it replaced.
func BenchmarkExplainMethods(b *testing.B) {
	_, xte, _ := loadBench(b)
	f := benchData.f
	n, d := xte.Dims()
	trees := make([]tree.Tree, f.NumTrees())
	w := make([][]float64, len(trees))
	for i := range trees {
		trees[i] = *forest.TreeForTest(f, i)
		w[i] = []float64{0, 1 / float64(len(trees))}
	}
	dst := make([]float64, d)
	for _, m := range []struct {
		name string
		opt  tree.Options
	}{
		{"linear", tree.Options{}},
		{"linear-reciprocals-tabled", tree.Options{ReciprocalBudget: 1 << 62}},
		{"leafwise", tree.Options{Method: tree.Leafwise}},
	} {
		b.Run(m.name, func(b *testing.B) {
			e, err := tree.NewEnsemble(trees, d, &m.opt)
			if err != nil {
				b.Fatal(err)
			}
			x, err := e.Explainer(w)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu := cpuTime()
			i := 0
			for b.Loop() {
				if _, err := x.Explain(xte.RawRowView(i), dst); err != nil {
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
