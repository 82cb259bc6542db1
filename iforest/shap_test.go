package iforest_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/nsltest"
	"github.com/netwarden/netwarden/internal/tree"
	"github.com/netwarden/netwarden/internal/tree/treetest"
)

var _ anomaly.Explainer = (*iforest.Forest)(nil)

// bruteShapley returns the Shapley values of the game
// v(S) = Σ_t w_t·E[h_t(x) | x_S], by enumerating every subset S of the nf
// features (treetest.Shapley).
func bruteShapley(trees []tree.Tree, w []float64, x []float64, nf int) []float64 {
	ws := make([][]float64, len(trees))
	for i := range ws {
		ws[i] = []float64{w[i]}
	}
	phi, _ := treetest.Shapley(trees, ws, x, nf)
	return phi
}

// TestExplainBruteForce checks Explain against Shapley values enumerated
// over every subset of features, on small forests of 3 to 6 features, with
// ties and an outlier row; and that base + Σ = PathLength.
func TestExplainBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, nf := range []int{3, 4, 6} {
		X := mat.NewDense(300, nf, nil)
		for i := range 300 {
			for j := range nf {
				v := rng.NormFloat64()
				if j == 1 {
					v = math.Round(v) // ties
				}
				X.Set(i, j, v)
			}
		}
		f := fit(t, X, iforest.Config{Trees: 7, SampleSize: 32, Seed: uint64(nf)})
		w := make([]float64, f.NumTrees())
		for i := range w {
			w[i] = 1 / float64(f.NumTrees())
		}
		dst := make([]float64, nf)
		rows := [][]float64{X.RawRowView(0), X.RawRowView(1), make([]float64, nf)}
		out := make([]float64, nf)
		out[0] = 8 // far out on feature 0
		rows = append(rows, out)
		for r, x := range rows {
			base, err := f.Explain(x, dst)
			require.NoError(t, err)
			want := bruteShapley(f.Trees(), w, x, nf)
			for j := range nf {
				assert.InDelta(t, want[j], dst[j], 1e-9, "nf %d row %d feature %d", nf, r, j)
			}
			h, err := f.PathLength(x)
			require.NoError(t, err)
			assert.InDelta(t, h, base+sum(dst), 1e-9)
			// The base is the mean path length of the training subsamples.
			mean := 0.0
			for _, tr := range f.Trees() {
				mean += treetest.CondExpect(&tr, []float64{1}, x, func(int32) bool { return false }, 0) / float64(f.NumTrees())
			}
			assert.InDelta(t, mean, base, 1e-12)
		}
		// The outlier is isolated by feature 0: a shorter path because of it.
		_, err := f.Explain(out, dst)
		require.NoError(t, err)
		for j := 1; j < nf; j++ {
			assert.Less(t, dst[0], dst[j])
		}
		assert.Negative(t, dst[0])
	}
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// TestExplainNSLKDD checks local accuracy, base + Σ contributions =
// PathLength to 1e-9, for Explain and ExplainApprox on KDDTest+ rows with a
// forest fitted on the normal rows of KDDTrain+_20Percent (118 features),
// and that a saved and loaded forest explains identically.
func TestExplainNSLKDD(t *testing.T) {
	tr := nsltest.Load(t, nsltest.Train20)
	te := nsltest.Load(t, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(tr, te)
	var normal []float64
	for i, y := range nsltest.Binary(tr) {
		if y == 0 {
			normal = append(normal, xtr.RawRowView(i)...)
		}
	}
	_, nf := xtr.Dims()
	trees, n := 100, 400
	if testing.Short() || raceEnabled {
		trees, n = 10, 40
	}
	f, err := iforest.Fit(context.Background(), mat.NewDense(len(normal)/nf, nf, normal), iforest.Config{Seed: 2, Trees: trees})
	require.NoError(t, err)
	b, err := f.MarshalBinary()
	require.NoError(t, err)
	var g iforest.Forest
	require.NoError(t, g.UnmarshalBinary(b))
	dst, dst2 := make([]float64, nf), make([]float64, nf)
	worst := 0.0
	for i := range n {
		x := xte.RawRowView(i * 50)
		h, err := f.PathLength(x)
		require.NoError(t, err)
		base, err := f.Explain(x, dst)
		require.NoError(t, err)
		require.InDelta(t, h, base+sum(dst), 1e-9, "row %d", i*50)
		worst = max(worst, math.Abs(h-base-sum(dst)))
		base2, err := g.Explain(x, dst2)
		require.NoError(t, err)
		require.Equal(t, base, base2)
		require.Equal(t, dst, dst2)
		base, err = f.ExplainApprox(x, dst)
		require.NoError(t, err)
		require.InDelta(t, h, base+sum(dst), 1e-9, "approx row %d", i*50)
	}
	t.Logf("largest |PathLength − (base + Σ contributions)| over %d rows: %.2g", n, worst)
}

// TestExplainErrors: an extended forest, rows and buffers of the wrong
// length, NaN and an unfitted forest.
func TestExplainErrors(t *testing.T) {
	X := blob(300, 4, 9)
	f := fit(t, X, iforest.Config{Trees: 10})
	ext := fit(t, X, iforest.Config{Trees: 10, ExtensionLevel: 1})
	x := X.RawRowView(0)
	for _, tc := range []struct {
		name string
		f    *iforest.Forest
		x    []float64
		dst  int
		is   []error
		msg  string
	}{
		{"extended", ext, x, 4, []error{anomaly.ErrUnsupported, anomaly.ErrNoExplanation}, "hyperplanes of 2 features"},
		{"short row", f, x[:3], 4, []error{anomaly.ErrDimension}, "row of 3 values, want 4"},
		{"long dst", f, x, 5, []error{anomaly.ErrDimension}, "dst of 5 values, want 4"},
		{"NaN", f, []float64{0, math.NaN(), 0, 0}, 4, []error{anomaly.ErrNaN}, "column 1"},
		{"unfitted", &iforest.Forest{}, x, 4, []error{anomaly.ErrNotFitted}, "iforest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, explain := range []func([]float64, []float64) (float64, error){tc.f.Explain, tc.f.ExplainApprox} {
				_, err := explain(tc.x, make([]float64, tc.dst))
				for _, is := range tc.is {
					require.ErrorIs(t, err, is)
				}
				assert.Contains(t, err.Error(), tc.msg)
				assert.Regexp(t, "^iforest: ", err.Error())
			}
		})
	}
}

// TestExplainNoAllocs: after the first call prepares the explainer,
// Explain and ExplainApprox allocate nothing.
func TestExplainNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose, so scratch space is reallocated")
	}
	X := blob(1000, 8, 3)
	f := fit(t, X, iforest.Config{})
	x := X.RawRowView(17)
	dst := make([]float64, 8)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.Explain(x, dst) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.ExplainApprox(x, dst) }))
}

// TestExplainConcurrent explains from several goroutines at once, the
// first calls racing to prepare the explainer (run it under -race).
func TestExplainConcurrent(t *testing.T) {
	X := blob(500, 5, 4)
	f := fit(t, X, iforest.Config{Trees: 30})
	const workers = 4
	got := make([][]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float64, 5)
			for i := range 20 {
				base, err := f.Explain(X.RawRowView(i), dst)
				if err != nil {
					t.Error(err)
					return
				}
				got[w] = append(append(got[w], base), dst...)
			}
		}()
	}
	wg.Wait()
	for w := 1; w < workers; w++ {
		assert.Equal(t, got[0], got[w])
	}
}

// BenchmarkExplainMethods explains KDDTest+ rows with a classic forest of
// 100 trees of ψ = 256 by each exact TreeSHAP evaluation of internal/tree,
// in one process: Fast TreeSHAP v2 tables within the explainer's budget
// and Linear TreeSHAP for the other trees (what Explain runs), tables and
// the leaf-wise walk (the evaluation Linear TreeSHAP replaced), and each
// method alone (Linear TreeSHAP with its reciprocals from tables, as the
// default budget has it for this forest, and computed).
func BenchmarkExplainMethods(b *testing.B) {
	normal, test := benchData(b)
	n, d := test.Dims()
	f, err := iforest.Fit(context.Background(), normal, iforest.Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	trees := f.Trees()
	w := make([][]float64, len(trees))
	for i := range w {
		w[i] = []float64{1 / float64(len(trees))}
	}
	dst := make([]float64, d)
	for _, m := range []struct {
		name string
		opt  tree.Options
	}{
		{"tables+linear", tree.Options{TableBudget: 1 << 18}},
		{"tables+leafwise", tree.Options{TableBudget: 1 << 18, Method: tree.Leafwise}},
		{"linear", tree.Options{TableBudget: -1}},
		{"linear-reciprocals-computed", tree.Options{TableBudget: -1, ReciprocalBudget: -1}},
		{"leafwise", tree.Options{TableBudget: -1, Method: tree.Leafwise}},
		{"tables", tree.Options{TableBudget: 1 << 30}},
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
			i := 0
			for b.Loop() {
				if _, err := x.Explain(test.RawRowView(i), dst); err != nil {
					b.Fatal(err)
				}
				if i++; i == n {
					i = 0
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// TestExplainMatchesOldNSLKDD checks Explain (Linear TreeSHAP) against the
// evaluation it replaced (Fast TreeSHAP v2 tables within 2 MiB, the
// leaf-wise walk for the other trees) on every KDDTest+ row (every 100th
// with -short) with 100 trees of ψ = 256 fitted on the normal rows of
// KDDTrain+_20Percent: the contributions agree to 1e-9 of the row's
// largest one, the bases to 1e-12.
func TestExplainMatchesOldNSLKDD(t *testing.T) {
	tr := nsltest.Load(t, nsltest.Train20)
	te := nsltest.Load(t, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(tr, te)
	var normal []float64
	for i, y := range nsltest.Binary(tr) {
		if y == 0 {
			normal = append(normal, xtr.RawRowView(i)...)
		}
	}
	n, nf := xte.Dims()
	f, err := iforest.Fit(context.Background(), mat.NewDense(len(normal)/nf, nf, normal), iforest.Config{Seed: 1})
	require.NoError(t, err)
	trees := f.Trees()
	w := make([][]float64, len(trees))
	for i := range w {
		w[i] = []float64{1 / float64(len(trees))}
	}
	e, err := tree.NewEnsemble(trees, nf, &tree.Options{TableBudget: 1 << 18, Method: tree.Tables})
	require.NoError(t, err)
	old, err := e.Explainer(w)
	require.NoError(t, err)
	step := 1
	if testing.Short() || raceEnabled {
		step = 100
	}
	a, b := make([]float64, nf), make([]float64, nf)
	worst := 0.0
	for r := 0; r < n; r += step {
		x := xte.RawRowView(r)
		base, err := f.Explain(x, a)
		require.NoError(t, err)
		want, err := old.Explain(x, b)
		require.NoError(t, err)
		require.InDelta(t, want, base, 1e-12, "row %d", r)
		scale := 0.0
		for _, v := range b {
			scale = max(scale, math.Abs(v))
		}
		for j := range b {
			d := math.Abs(a[j]-b[j]) / max(scale, 1e-300)
			worst = max(worst, d)
			require.LessOrEqual(t, d, 1e-9, "row %d feature %d: %v, want %v", r, j, a[j], b[j])
		}
	}
	t.Logf("%d rows: largest difference %.2g of the row's largest contribution", (n+step-1)/step, worst)
}
