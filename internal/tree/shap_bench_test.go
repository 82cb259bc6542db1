package tree

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchExplain times one row per call, one goroutine, over rows in turn. On
// Linux it also reports cpu-ns/row, the CPU time of the benchmark's thread
// per row, which stays meaningful when other processes share the cores.
func benchExplain(b *testing.B, f func(row, dst []float64) (float64, error), rows [][]float64) {
	dst := make([]float64, len(rows[0]))
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0, cpuOK := threadCPU()
	i := 0
	for b.Loop() {
		if _, err := f(rows[i], dst); err != nil {
			b.Fatal(err)
		}
		i++
		if i == len(rows) {
			i = 0
		}
	}
	if c1, ok := threadCPU(); ok && cpuOK {
		b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/row")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchModes runs exact TreeSHAP by Linear TreeSHAP (the default, and with
// its reciprocals always from tables and always computed), with Fast
// TreeSHAP v2 tables within the default budget and leaf by leaf beyond it,
// leaf by leaf only, and Saabas on trees.
func benchModes(b *testing.B, trees []Tree, rows [][]float64, w [][]float64) {
	m := len(rows[0])
	for _, mode := range []struct {
		name    string
		budget  int
		rbudget int
		method  Method
		approx  bool
	}{
		{"exact", 0, 0, Auto, false},
		{"exact-reciprocals-tabled", 0, 1 << 62, Auto, false},
		{"exact-reciprocals-computed", 0, -1, Auto, false},
		{"exact-tables", 0, 0, Tables, false},
		{"exact-leafwise", -1, 0, Leafwise, false},
		{"saabas", 0, 0, Auto, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			e, err := NewEnsemble(trees, m, &Options{TableBudget: mode.budget, ReciprocalBudget: mode.rbudget, Method: mode.method})
			if err != nil {
				b.Fatal(err)
			}
			x, err := e.Explainer(w)
			if err != nil {
				b.Fatal(err)
			}
			f := x.Explain
			if mode.approx {
				f = x.ExplainApprox
			}
			benchExplain(b, f, rows)
		})
	}
}

// BenchmarkExplain measures one row per call on one goroutine (XGBoost's
// binary_100 fixture: BenchmarkExplainXGBoost):
//   - random/trees=100/depth=6: 100 nearly full random trees of depth 6 over
//     118 features;
//   - random/trees=10/depth=30: 10 deep, Random-Forest-like trees (grown
//     until a node covers fewer than 40 of 25000 samples, uneven splits, at
//     most depth 30) over 118 features, two outputs.
func BenchmarkExplain(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	rows := make([][]float64, 256)
	for i := range rows {
		rows[i] = genRow(rng, 118, 0.02)
	}
	b.Run("random/trees=100/depth=6", func(b *testing.B) {
		trees := make([]Tree, 100)
		for i := range trees {
			trees[i] = genTree(rng, genSpec{features: 118, depth: 6, outputs: 1, leafProb: 0.05})
		}
		benchModes(b, trees, rows, nil)
	})
	b.Run("random/trees=10/depth=30", func(b *testing.B) {
		trees := make([]Tree, 10)
		w := make([][]float64, len(trees))
		for i := range trees {
			trees[i] = genTree(rng, genSpec{features: 118, depth: 30, outputs: 2, minCover: 40, root: 25000})
			w[i] = []float64{0, 0.1}
		}
		benchModes(b, trees, rows, w)
	})
}
