package forest_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/nsltest"
	"github.com/netwarden/netwarden/internal/tree"
	"github.com/netwarden/netwarden/internal/tree/treetest"
)

var _ anomaly.Explainer = (*forest.Forest)(nil)

// bruteShapley returns the Shapley values of v(S) = w·Σ_t E[P_k(x) | x_S]
// for output k, enumerating every subset S of the features
// (treetest.Shapley).
func bruteShapley(f *forest.Forest, k int, w float64, x []float64) []float64 {
	trees := make([]tree.Tree, f.NumTrees())
	ws := make([][]float64, f.NumTrees())
	for i := range trees {
		trees[i] = *forest.TreeForTest(f, i)
		ws[i] = make([]float64, f.NumClasses())
		ws[i][k] = w
	}
	phi, _ := treetest.Shapley(trees, ws, x, f.NumFeatures())
	return phi
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// smallData returns n rows of nf features (one of them a 0/1 column, one
// with ties) and labels of the given number of classes that depend on the
// first features, with some noise.
func smallData(n, nf, classes int, seed uint64) (*mat.Dense, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	X := mat.NewDense(n, nf, nil)
	y := make([]int, n)
	for i := range n {
		for j := range nf {
			v := rng.NormFloat64()
			switch j {
			case 1:
				v = math.Round(v)
			case 2:
				v = float64(rng.IntN(2))
			}
			X.Set(i, j, v)
		}
		c := 0
		if X.At(i, 0)+0.5*X.At(i, 1) > 0.3 {
			c = 1
		}
		if classes > 2 && X.At(i, 2) == 1 && X.At(i, 0) < 0 {
			c = 2
		}
		if rng.Float64() < 0.1 {
			c = rng.IntN(classes)
		}
		y[i] = c
	}
	return X, y
}

// TestExplainBruteForce checks Explain and ExplainClass against Shapley
// values enumerated over every subset of features, on small binary and
// 3-class forests of 4 and 5 features (normal class 0 or 2), and local accuracy:
// base + Σ = Score, and = PredictProba's class k for ExplainClass.
func TestExplainBruteForce(t *testing.T) {
	for _, tc := range []struct{ nf, classes, depth, normal int }{{4, 2, 0, 0}, {5, 3, 6, 0}, {4, 3, 0, 2}} {
		X, y := smallData(200, tc.nf, tc.classes, uint64(tc.nf*10+tc.classes))
		f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 6, Seed: 4, MaxDepth: tc.depth, NormalClass: tc.normal})
		require.NoError(t, err)
		require.Equal(t, tc.classes, f.NumClasses())
		w := 1 / float64(f.NumTrees())
		dst := make([]float64, tc.nf)
		p := make([]float64, tc.classes)
		for r := range 6 {
			x := X.RawRowView(r * 7)
			base, err := f.Explain(x, dst)
			require.NoError(t, err)
			want := make([]float64, tc.nf)
			if tc.classes == 2 {
				want = bruteShapley(f, 1, w, x)
			} else {
				for j, v := range bruteShapley(f, f.NormalClass(), -w, x) {
					want[j] = v
				}
			}
			for j := range want {
				assert.InDelta(t, want[j], dst[j], 1e-9, "%+v row %d feature %d", tc, r, j)
			}
			s, err := f.Score(x)
			require.NoError(t, err)
			assert.InDelta(t, s, base+sum(dst), 1e-9, "%+v row %d: base + Σ = Score", tc, r)
			require.NoError(t, f.PredictProba(x, p))
			for k := range tc.classes {
				base, err := f.ExplainClass(k, x, dst)
				require.NoError(t, err)
				for j, v := range bruteShapley(f, k, w, x) {
					assert.InDelta(t, v, dst[j], 1e-9, "%+v row %d class %d feature %d", tc, r, k, j)
				}
				assert.InDelta(t, p[k], base+sum(dst), 1e-9)
				base, err = f.ExplainClassApprox(k, x, dst)
				require.NoError(t, err)
				assert.InDelta(t, p[k], base+sum(dst), 1e-9)
			}
			base, err = f.ExplainApprox(x, dst)
			require.NoError(t, err)
			assert.InDelta(t, s, base+sum(dst), 1e-9)
		}
	}
}

// TestExplainNSLKDD checks local accuracy on NSL-KDD, base + Σ
// contributions = Score to 1e-9, for a binary forest (attack or not) and a
// five-class one (Score = 1 − P(normal)) trained on KDDTrain+_20Percent
// (118 features, fully grown trees), on KDDTest+ rows; and that a saved and
// loaded forest explains identically.
func TestExplainNSLKDD(t *testing.T) {
	tr := nsltest.Load(t, nsltest.Train20)
	te := nsltest.Load(t, nsltest.Test)
	xtr, xte, _ := nsltest.Encode(tr, te)
	_, nf := xtr.Dims()
	trees, rows := 20, 300
	if testing.Short() || raceEnabled {
		trees, rows = 4, 20
	}
	for _, tc := range []struct {
		name string
		y    []int
	}{{"binary", nsltest.Binary(tr)}, {"classes", nsltest.Classes(tr)}} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := forest.Fit(context.Background(), xtr, tc.y, forest.Config{Trees: trees, Seed: 1})
			require.NoError(t, err)
			b, err := f.MarshalBinary()
			require.NoError(t, err)
			var g forest.Forest
			require.NoError(t, g.UnmarshalBinary(b))
			dst, dst2 := make([]float64, nf), make([]float64, nf)
			worst := 0.0
			n, _ := xte.Dims()
			for i := 0; i < rows; i++ {
				x := xte.RawRowView(i * (n / rows))
				s, err := f.Score(x)
				require.NoError(t, err)
				base, err := f.Explain(x, dst)
				require.NoError(t, err)
				require.InDelta(t, s, base+sum(dst), 1e-9, "row %d", i)
				worst = max(worst, math.Abs(s-base-sum(dst)))
				base2, err := g.Explain(x, dst2)
				require.NoError(t, err)
				require.Equal(t, base, base2)
				require.Equal(t, dst, dst2)
				base, err = f.ExplainApprox(x, dst)
				require.NoError(t, err)
				require.InDelta(t, s, base+sum(dst), 1e-9, "approx row %d", i)
			}
			t.Logf("largest |Score − (base + Σ contributions)| over %d rows: %.2g", rows, worst)
		})
	}
}

// TestExplainErrors: rows and buffers of the wrong length, NaN, a class
// out of range and an unfitted forest.
func TestExplainErrors(t *testing.T) {
	X, y := smallData(100, 4, 2, 3)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 3, Seed: 1})
	require.NoError(t, err)
	x := X.RawRowView(0)
	dst := make([]float64, 4)
	for _, tc := range []struct {
		name string
		call func() (float64, error)
		is   error
		msg  string
	}{
		{"short row", func() (float64, error) { return f.Explain(x[:3], dst) }, anomaly.ErrDimension, "row of 3 values, want 4"},
		{"long dst", func() (float64, error) { return f.ExplainApprox(x, make([]float64, 5)) }, anomaly.ErrDimension, "dst of 5 values, want 4"},
		{"NaN", func() (float64, error) { return f.Explain([]float64{0, 0, math.NaN(), 0}, dst) }, anomaly.ErrNaN, "feature 2"},
		{"class", func() (float64, error) { return f.ExplainClass(2, x, dst) }, anomaly.ErrDimension, "class 2 outside [0, 2)"},
		{"class approx", func() (float64, error) { return f.ExplainClassApprox(-1, x, dst) }, anomaly.ErrDimension, "class -1"},
		{"unfitted", func() (float64, error) { return new(forest.Forest).Explain(x, dst) }, anomaly.ErrNotFitted, "forest"},
		{"unfitted class", func() (float64, error) { return new(forest.Forest).ExplainClass(0, x, dst) }, anomaly.ErrNotFitted, "forest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.call()
			require.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Regexp(t, "^forest: ", err.Error())
		})
	}
}

// TestExplainNoAllocs: after the first call prepares the explainers,
// explaining a row allocates nothing.
func TestExplainNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose, so scratch space is reallocated")
	}
	X, y := smallData(500, 6, 3, 8)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 10, Seed: 1})
	require.NoError(t, err)
	x := X.RawRowView(3)
	dst := make([]float64, 6)
	for name, fn := range map[string]func(){
		"Explain":            func() { _, _ = f.Explain(x, dst) },
		"ExplainApprox":      func() { _, _ = f.ExplainApprox(x, dst) },
		"ExplainClass":       func() { _, _ = f.ExplainClass(1, x, dst) },
		"ExplainClassApprox": func() { _, _ = f.ExplainClassApprox(1, x, dst) },
	} {
		assert.Zero(t, testing.AllocsPerRun(50, fn), name)
	}
}

// TestExplainConcurrent explains from several goroutines at once, the
// first calls racing to prepare the explainers (run it under -race).
func TestExplainConcurrent(t *testing.T) {
	X, y := smallData(300, 5, 3, 9)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 8, Seed: 2})
	require.NoError(t, err)
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

// TestExplainMatchesLeafwiseNSLKDD checks Explain (Linear TreeSHAP) against
// the leaf-wise walk it replaced on KDDTest+ rows with the benchmarks'
// forest (100 fully grown trees): the contributions agree to 1e-9 of the
// row's largest one and the bases to 1e-12. It takes every 10th row (every
// 100th with -short); NETWARDEN_ALL_ROWS=1 takes all 22,544, about 140 s of
// CPU (two explanations of about 3 ms a row), too long for the default test
// timeout on a busy machine.
func TestExplainMatchesLeafwiseNSLKDD(t *testing.T) {
	_, xte, _ := loadBench(t)
	f := benchData.f
	n, d := xte.Dims()
	trees := make([]tree.Tree, f.NumTrees())
	w := make([][]float64, len(trees))
	for i := range trees {
		trees[i] = *forest.TreeForTest(f, i)
		w[i] = []float64{0, 1 / float64(len(trees))}
	}
	e, err := tree.NewEnsemble(trees, d, &tree.Options{Method: tree.Leafwise})
	require.NoError(t, err)
	old, err := e.Explainer(w)
	require.NoError(t, err)
	step := 10
	switch {
	case testing.Short() || raceEnabled:
		step = 100
	case os.Getenv("NETWARDEN_ALL_ROWS") == "1":
		step = 1
	}
	workers := runtime.GOMAXPROCS(0)
	worst := make([]float64, workers)
	var g errgroup
	for wk := range workers {
		g.Go(func() error {
			a, b := make([]float64, d), make([]float64, d)
			for r := wk * step; r < n; r += workers * step {
				x := xte.RawRowView(r)
				base, err := f.Explain(x, a)
				if err != nil {
					return err
				}
				want, err := old.Explain(x, b)
				if err != nil {
					return err
				}
				if math.Abs(base-want) > 1e-12 {
					return fmt.Errorf("row %d: base %v, leaf-wise %v", r, base, want)
				}
				d, err := relDiff(a, b)
				if err != nil {
					return fmt.Errorf("row %d: %w", r, err)
				}
				worst[wk] = max(worst[wk], d)
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	t.Logf("%d rows: largest difference %.2g of the row's largest contribution", (n+step-1)/step, slices.Max(worst))
}

// relDiff returns the largest |got − want| relative to want's largest
// magnitude, or an error when it exceeds 1e-9.
func relDiff(got, want []float64) (float64, error) {
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	if scale == 0 {
		scale = 1
	}
	worst := 0.0
	for j := range want {
		d := math.Abs(got[j]-want[j]) / scale
		worst = max(worst, d)
		if d > 1e-9 {
			return worst, fmt.Errorf("feature %d: %v, want %v (%.2g of the largest, %v)", j, got[j], want[j], d, scale)
		}
	}
	return worst, nil
}

// errgroup runs functions on goroutines and keeps the first error.
type errgroup struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs error
}

func (g *errgroup) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.mu.Lock()
			if g.errs == nil {
				g.errs = err
			}
			g.mu.Unlock()
		}
	}()
}

func (g *errgroup) Wait() error {
	g.wg.Wait()
	return g.errs
}
