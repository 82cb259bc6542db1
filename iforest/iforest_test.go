package iforest_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// blob returns n rows of d independent standard normal values.
func blob(n, d int, seed uint64) *mat.Dense {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return mat.NewDense(n, d, x)
}

func fit(t *testing.T, X mat.Matrix, cfg iforest.Config) *iforest.Forest {
	t.Helper()
	f, err := iforest.Fit(context.Background(), X, cfg)
	require.NoError(t, err)
	return f
}

// On a 2-D Gaussian cluster the answer is obvious: a far point is isolated
// quickly (scikit-learn's IsolationForest gives (8, −8) 0.746–0.762 on such a
// blob of 1000 points, seeds 0–2: splits stay inside the training range, so
// the point is isolated together with the blob's most extreme rows), the
// centre is harder to isolate than a typical row (sklearn: 0.404–0.410).
func TestObvious2D(t *testing.T) {
	X := blob(1000, 2, 1)
	for _, tc := range []struct {
		name string
		ext  int
	}{{"classic", 0}, {"extended", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			f := fit(t, X, iforest.Config{Seed: 7, ExtensionLevel: tc.ext})
			far, err := f.Score([]float64{8, -8})
			require.NoError(t, err)
			centre, err := f.Score([]float64{0, 0})
			require.NoError(t, err)
			edge, err := f.Score([]float64{2.5, 0})
			require.NoError(t, err)
			t.Logf("far %.3f edge %.3f centre %.3f", far, edge, centre)
			assert.Greater(t, far, 0.7)
			assert.LessOrEqual(t, far, 1.0)
			assert.Less(t, centre, 0.5)
			assert.Greater(t, centre, 0.0)
			assert.Greater(t, edge, centre)
			assert.Greater(t, far, edge)
		})
	}
}

// The extended forest's point: the classic one's scores show axis-parallel
// "ghost" ridges; on a round blob, points at equal radius should score
// alike. Compare the spread of scores along a circle.
func TestExtendedRemovesArtefacts(t *testing.T) {
	X := blob(2000, 2, 3)
	spread := func(ext int) float64 {
		f := fit(t, X, iforest.Config{Seed: 1, Trees: 300, ExtensionLevel: ext})
		lo, hi := math.Inf(1), math.Inf(-1)
		for a := 0.0; a < 2*math.Pi; a += math.Pi / 32 {
			s, err := f.Score([]float64{2.5 * math.Cos(a), 2.5 * math.Sin(a)})
			require.NoError(t, err)
			lo, hi = min(lo, s), max(hi, s)
		}
		return hi - lo
	}
	c, e := spread(0), spread(1)
	t.Logf("score spread on a circle of radius 2.5: classic %.3f, extended %.3f", c, e)
	assert.Less(t, e, c)
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	X := blob(3000, 6, 2)
	for _, tc := range []struct {
		name string
		cfg  iforest.Config
	}{
		{"classic", iforest.Config{Seed: 42}},
		{"bootstrap", iforest.Config{Seed: 42, Bootstrap: true, MaxFeatures: 4}},
		{"extended", iforest.Config{Seed: 42, ExtensionLevel: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var enc [][]byte
			for _, w := range []int{1, 4, 3} {
				cfg := tc.cfg
				cfg.Workers = w
				b, err := fit(t, X, cfg).MarshalBinary()
				require.NoError(t, err)
				enc = append(enc, b)
			}
			assert.Equal(t, enc[0], enc[1], "workers 1 vs 4")
			assert.Equal(t, enc[0], enc[2], "workers 1 vs 3")
			cfg := tc.cfg
			cfg.Seed++
			other, err := fit(t, X, cfg).MarshalBinary()
			require.NoError(t, err)
			assert.NotEqual(t, enc[0], other, "another seed, another forest")
		})
	}
}

func TestFitErrors(t *testing.T) {
	nan := blob(10, 3, 1)
	nan.Set(4, 2, math.NaN())
	inf := blob(10, 3, 1)
	inf.Set(7, 0, math.Inf(-1))
	ok := blob(10, 3, 1)
	for _, tc := range []struct {
		name string
		X    mat.Matrix
		cfg  iforest.Config
		is   error
		msg  string
	}{
		{"nil", nil, iforest.Config{}, errs.ErrEmpty, "nil matrix"},
		{"empty", &mat.Dense{}, iforest.Config{}, errs.ErrEmpty, "0×0"},
		{"one row", blob(1, 3, 1), iforest.Config{}, errs.ErrEmpty, "at least 2 rows"},
		{"nan", nan, iforest.Config{}, errs.ErrNaN, "row 4 (0-based), column 2"},
		{"inf", inf, iforest.Config{}, errs.ErrNaN, "row 7 (0-based), column 0"},
		{"names", ok, iforest.Config{FeatureNames: []string{"a"}}, errs.ErrDimension, "feature names"},
		{"trees", ok, iforest.Config{Trees: -1}, nil, "trees"},
		{"sample size 1", ok, iforest.Config{SampleSize: 1}, errs.ErrEmpty, "sample size 1"},
		{"both sizes", ok, iforest.Config{SampleSize: 5, SampleFraction: 0.5}, nil, "both"},
		{"fraction", ok, iforest.Config{SampleFraction: 1.5}, nil, "fraction"},
		{"max features", ok, iforest.Config{MaxFeatures: 4}, nil, "max features"},
		{"extension", ok, iforest.Config{ExtensionLevel: 3}, nil, "extension level"},
		{"extension vs features", ok, iforest.Config{ExtensionLevel: 2, MaxFeatures: 2}, nil, "extension level"},
		{"workers", ok, iforest.Config{Workers: -2}, nil, "workers"},
		{"depth", ok, iforest.Config{MaxDepth: 65}, nil, "max depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := iforest.Fit(context.Background(), tc.X, tc.cfg)
			require.Error(t, err)
			assert.Nil(t, f)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Contains(t, err.Error(), tc.msg)
			assert.Contains(t, err.Error(), "iforest: ")
		})
	}
}

func TestScoreErrors(t *testing.T) {
	f := fit(t, blob(50, 3, 1), iforest.Config{Trees: 5})
	var unfitted iforest.Forest
	var nilForest *iforest.Forest
	dst := make([]float64, 3)
	for _, tc := range []struct {
		name string
		call func() error
		is   error
	}{
		{"short", func() error { _, err := f.Score([]float64{1, 2}); return err }, errs.ErrDimension},
		{"long", func() error { _, err := f.Score(make([]float64, 4)); return err }, errs.ErrDimension},
		{"nan", func() error { _, err := f.Score([]float64{1, math.NaN(), 2}); return err }, errs.ErrNaN},
		{"inf", func() error { _, err := f.PathLength([]float64{1, 2, math.Inf(1)}); return err }, errs.ErrNaN},
		{"unfitted", func() error { _, err := unfitted.Score([]float64{1, 2, 3}); return err }, errs.ErrNotFitted},
		{"nil", func() error { _, err := nilForest.Score([]float64{1, 2, 3}); return err }, errs.ErrNotFitted},
		{"unfitted marshal", func() error { _, err := unfitted.MarshalBinary(); return err }, errs.ErrNotFitted},
		{"contrib dst", func() error { return f.Contributions([]float64{1, 2, 3}, dst[:2]) }, errs.ErrDimension},
		{"contrib nan", func() error { return f.Contributions([]float64{1, 2, math.NaN()}, dst) }, errs.ErrNaN},
		{"batch dst", func() error { return f.ScoreMatrix(context.Background(), blob(4, 3, 1), dst) }, errs.ErrDimension},
		{"batch width", func() error { return f.ScoreMatrix(context.Background(), blob(3, 2, 1), dst) }, errs.ErrDimension},
		{"batch row", func() error {
			return f.ScoreBatch(context.Background(), [][]float64{{1, 2, 3}, {1, 2}, {1, 2, 3}}, dst)
		}, errs.ErrDimension},
		{"batch nan", func() error {
			return f.ScoreBatch(context.Background(), [][]float64{{1, 2, 3}, {1, 2, 3}, {math.NaN(), 2, 3}}, dst)
		}, errs.ErrNaN},
		{"unfitted batch", func() error { return unfitted.ScoreBatch(context.Background(), nil, nil) }, errs.ErrNotFitted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
		})
	}
	err := f.ScoreBatch(context.Background(), [][]float64{{1, 2, 3}, {1, 2, 3}, {math.NaN(), 2, 3}}, dst)
	assert.Contains(t, err.Error(), "row 2 (0-based), column 0")
}

func TestDegenerateData(t *testing.T) {
	t.Run("all rows equal", func(t *testing.T) {
		X := mat.NewDense(300, 4, nil)
		f := fit(t, X, iforest.Config{Trees: 10})
		// No split is possible: every tree is one leaf of ψ rows, h = c(ψ),
		// so every row scores exactly 2^-1.
		for _, x := range [][]float64{{0, 0, 0, 0}, {5, -3, 1, 1e9}} {
			s, err := f.Score(x)
			require.NoError(t, err)
			assert.Equal(t, 0.5, s)
		}
		for _, tr := range f.Trees() {
			assert.Len(t, tr.Nodes, 1)
			assert.Equal(t, []float64{256}, tr.Cover)
		}
	})
	t.Run("constant columns and duplicates", func(t *testing.T) {
		X := mat.NewDense(400, 3, nil)
		for i := range 400 {
			X.Set(i, 0, 7)            // constant
			X.Set(i, 1, float64(i%4)) // four duplicated values
			X.Set(i, 2, -1)           // constant
		}
		f := fit(t, X, iforest.Config{Trees: 20, Seed: 3})
		for _, tr := range f.Trees() {
			for _, n := range tr.Nodes {
				if n.Feature >= 0 {
					assert.Equal(t, int32(1), n.Feature, "only column 1 varies")
				}
			}
		}
		in, err := f.Score([]float64{7, 2, -1})
		require.NoError(t, err)
		out, err := f.Score([]float64{7, 40, -1})
		require.NoError(t, err)
		assert.Greater(t, out, in)
	})
	t.Run("fewer rows than psi", func(t *testing.T) {
		f := fit(t, blob(10, 2, 4), iforest.Config{})
		assert.Equal(t, 10, f.SampleSize())
		assert.Equal(t, 4, f.MaxDepth())
		for _, tr := range f.Trees() {
			assert.Equal(t, 10.0, tr.Cover[0], "every row, none padded")
		}
	})
	t.Run("sample fraction", func(t *testing.T) {
		f := fit(t, blob(1000, 2, 4), iforest.Config{SampleFraction: 0.1001, Trees: 3})
		assert.Equal(t, 101, f.SampleSize())
		assert.Equal(t, 7, f.MaxDepth())
	})
	t.Run("two rows", func(t *testing.T) {
		f := fit(t, mat.NewDense(2, 1, []float64{0, 1}), iforest.Config{Trees: 4})
		s, err := f.Score([]float64{0.5})
		require.NoError(t, err)
		// One split at depth 1, a leaf of one row each: h = 1 = c(2).
		assert.Equal(t, 0.5, s)
	})
}

func TestTreeLayout(t *testing.T) {
	X := blob(2000, 5, 9)
	f := fit(t, X, iforest.Config{Seed: 5, Trees: 30})
	require.Len(t, f.Trees(), 30)
	for ti, tr := range f.Trees() {
		require.NoError(t, tr.Validate(5))
		require.Equal(t, 1, tr.Outputs)
		assert.LessOrEqual(t, tr.MaxDepth(), 8)
		assert.Equal(t, 256.0, tr.Cover[0])
		depth := make([]int, len(tr.Nodes))
		for i, n := range tr.Nodes {
			if n.Feature < 0 {
				want := float64(depth[i]) + iforest.AveragePathLength(int(tr.Cover[i]))
				assert.InDelta(t, want, tr.Values[i], 1e-12, "tree %d leaf %d", ti, i)
				continue
			}
			depth[n.Left], depth[n.Right] = depth[i]+1, depth[i]+1
			l, r := tr.Cover[n.Left], tr.Cover[n.Right]
			assert.Equal(t, tr.Cover[i], l+r)
			assert.Positive(t, l)
			assert.Positive(t, r)
			mean := (l*tr.Values[n.Left] + r*tr.Values[n.Right]) / tr.Cover[i]
			assert.InDelta(t, mean, tr.Values[i], 1e-9)
		}
	}
	// PathLength is the mean of the leaf values reached with tree.Leaf.
	for i := range 50 {
		x := X.RawRowView(i)
		var sum float64
		for _, tr := range f.Trees() {
			sum += tr.Value(tr.Leaf(x))[0]
		}
		h, err := f.PathLength(x)
		require.NoError(t, err)
		assert.InDelta(t, sum/30, h, 1e-12)
		s, err := f.Score(x)
		require.NoError(t, err)
		assert.InDelta(t, math.Exp2(-h/iforest.AveragePathLength(256)), s, 1e-15)
	}
}

// The split value is uniform in [min, max): rows at the minimum go left and
// rows at the maximum go right, so both children are non-empty even when a
// feature takes only two values.
func TestSplitEdges(t *testing.T) {
	X := mat.NewDense(64, 1, nil)
	for i := range 64 {
		X.Set(i, 0, float64(i%2))
	}
	f := fit(t, X, iforest.Config{Trees: 50, Seed: 11})
	for _, tr := range f.Trees() {
		require.Len(t, tr.Nodes, 3)
		assert.Equal(t, []float64{64, 32, 32}, tr.Cover)
		assert.Greater(t, tr.Nodes[0].Threshold, 0.0)
		assert.LessOrEqual(t, tr.Nodes[0].Threshold, 1.0)
	}
}

func TestAveragePathLength(t *testing.T) {
	// Values of scikit-learn's _average_path_length.
	for _, tc := range []struct {
		n    int
		want float64
	}{
		{0, 0}, {1, 0}, {2, 1}, {3, 1.207392357589623}, {256, 10.244770920119917}, {13449, 18.167751389921232},
	} {
		assert.InDelta(t, tc.want, iforest.AveragePathLength(tc.n), 1e-12, "n=%d", tc.n)
	}
}

func TestBatchMatchesScore(t *testing.T) {
	X := blob(1000, 4, 3)
	for _, ext := range []int{0, 2} {
		f := fit(t, X, iforest.Config{Seed: 1, ExtensionLevel: ext})
		Y := blob(333, 4, 4)
		got := make([]float64, 333)
		require.NoError(t, f.ScoreMatrix(context.Background(), Y, got))
		rows := make([][]float64, 333)
		for i := range rows {
			rows[i] = Y.RawRowView(i)
			s, err := f.Score(rows[i])
			require.NoError(t, err)
			assert.Equal(t, s, got[i], "row %d", i)
		}
		got2 := make([]float64, 333)
		require.NoError(t, f.ScoreBatch(context.Background(), rows, got2))
		assert.Equal(t, got, got2)
		// A matrix that is not a *mat.Dense takes the At path.
		got3 := make([]float64, 333)
		require.NoError(t, f.ScoreMatrix(context.Background(), Y.T().T(), got3))
		assert.Equal(t, got, got3)
	}
}

func TestNonDenseFit(t *testing.T) {
	X := blob(500, 3, 5)
	a, err := fit(t, X, iforest.Config{Seed: 2}).MarshalBinary()
	require.NoError(t, err)
	// X.T().T() is a mat.Transpose: not a RawMatrixer, same values.
	b, err := fit(t, X.T().T(), iforest.Config{Seed: 2}).MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestCancelAndProgress(t *testing.T) {
	X := blob(1000, 3, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := iforest.Fit(ctx, X, iforest.Config{})
	assert.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var seen []int
	_, err = iforest.Fit(ctx, X, iforest.Config{Trees: 500, Workers: 2, Progress: func(done, total int) {
		seen = append(seen, done)
		assert.Equal(t, 500, total)
		if done == 10 {
			cancel()
		}
	}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, len(seen), 500)

	seen = nil
	_, err = iforest.Fit(context.Background(), X, iforest.Config{Trees: 40, Workers: 3, Progress: func(done, total int) {
		seen = append(seen, done)
	}})
	require.NoError(t, err)
	require.Len(t, seen, 40)
	for i, d := range seen {
		assert.Equal(t, i+1, d)
	}

	f := fit(t, X, iforest.Config{Trees: 5})
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	err = f.ScoreMatrix(ctx, X, make([]float64, 1000))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestContributions(t *testing.T) {
	X := blob(2000, 5, 8)
	f := fit(t, X, iforest.Config{Seed: 3, FeatureNames: []string{"a", "b", "c", "d", "e"}})
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, f.FeatureNames())
	for j := range 5 {
		x := make([]float64, 5)
		x[j] = 9 // an outlier in feature j only
		dst := make([]float64, 5)
		require.NoError(t, f.Contributions(x, dst))
		for k := range 5 {
			assert.GreaterOrEqual(t, dst[k], 0.0)
			if k != j {
				assert.Greater(t, dst[j], 1.5*dst[k], "feature %d isolates %v: %v", j, x, dst)
			}
		}
	}
	e := fit(t, X, iforest.Config{ExtensionLevel: 1, Trees: 5})
	err := e.Contributions(make([]float64, 5), make([]float64, 5))
	assert.ErrorIs(t, err, errs.ErrNoExplanation)
}

func TestThresholdForContamination(t *testing.T) {
	for _, tc := range []struct {
		scores []float64
		rate   float64
		want   float64
	}{
		// numpy.percentile(s, 100*(1-rate)).
		{[]float64{1, 2, 3, 4, 5}, 0.2, 4.2},
		{[]float64{5, 1, 4, 2, 3}, 0.5, 3},
		{[]float64{0.3}, 0.1, 0.3},
		{[]float64{0.1, 0.9}, 0.25, 0.7},
	} {
		got, err := iforest.ThresholdForContamination(tc.scores, tc.rate)
		require.NoError(t, err)
		assert.InDelta(t, tc.want, got, 1e-12)
	}
	for _, tc := range []struct {
		scores []float64
		rate   float64
	}{{nil, 0.1}, {[]float64{1}, 0}, {[]float64{1}, 1}, {[]float64{1}, math.NaN()}, {[]float64{math.NaN()}, 0.1}} {
		_, err := iforest.ThresholdForContamination(tc.scores, tc.rate)
		assert.Error(t, err)
	}

	X := blob(5000, 3, 6)
	f := fit(t, X, iforest.Config{Seed: 1})
	thr, err := f.ThresholdForContamination(context.Background(), X, 0.05)
	require.NoError(t, err)
	s := make([]float64, 5000)
	require.NoError(t, f.ScoreMatrix(context.Background(), X, s))
	flagged := 0
	for _, v := range s {
		if v > thr {
			flagged++
		}
	}
	assert.InDelta(t, 250, flagged, 2)
	_, err = f.ThresholdForContamination(context.Background(), &mat.Dense{}, 0.05)
	assert.ErrorIs(t, err, errs.ErrEmpty)
}

func TestNoAllocations(t *testing.T) {
	X := blob(1000, 8, 3)
	x := X.RawRowView(17)
	dst := make([]float64, 8)
	for _, ext := range []int{0, 3} {
		f := fit(t, X, iforest.Config{ExtensionLevel: ext})
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.Score(x) }))
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.PathLength(x) }))
		// Contributions keeps its counts in a sync.Pool, which the race
		// detector empties at random: its count means nothing there.
		if ext == 0 && !raceEnabled {
			assert.Zero(t, testing.AllocsPerRun(100, func() { _ = f.Contributions(x, dst) }))
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	X := blob(500, 4, 3)
	f := fit(t, X, iforest.Config{Trees: 20})
	want := make([]float64, 500)
	require.NoError(t, f.ScoreMatrix(context.Background(), X, want))
	done := make(chan error)
	for g := range 4 {
		go func() {
			dst := make([]float64, 4)
			for i := g; i < 500; i += 4 {
				s, err := f.Score(X.RawRowView(i))
				if err == nil && s != want[i] {
					err = errors.New("score differs")
				}
				if err == nil {
					err = f.Contributions(X.RawRowView(i), dst)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		assert.NoError(t, <-done)
	}
}

// ThresholdForContamination and anomaly.ContaminationThreshold make the
// same cut, one for "score > t", the other for "score >= t".
func TestThresholdMatchesAnomaly(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 100, 1001} {
		s := make([]float64, n)
		for i := range s {
			s[i] = r.Float64()
		}
		for _, rate := range []float64{0.001, 0.01, 0.1, 0.25, 0.5, 0.9} {
			mine, err := iforest.ThresholdForContamination(s, rate)
			require.NoError(t, err)
			theirs, err := anomaly.ContaminationThreshold(s, rate)
			require.NoError(t, err)
			assert.Equal(t, math.Nextafter(mine, math.Inf(1)), float64(theirs), "n=%d rate=%v", n, rate)
		}
	}
}

// The classic trees carry what TreeSHAP needs: over internal/tree's
// explainer with weight 1/trees per tree, base plus the contributions add
// up to PathLength, and the base is the mean path length of the training
// subsamples (the cover-weighted mean of the leaves).
func TestTreesExplainPathLength(t *testing.T) {
	X := blob(1000, 4, 12)
	f := fit(t, X, iforest.Config{Seed: 3, Trees: 25})
	ens, err := tree.NewEnsemble(f.Trees(), 4, nil)
	require.NoError(t, err)
	w := make([][]float64, f.NumTrees())
	for i := range w {
		w[i] = []float64{1 / float64(f.NumTrees())}
	}
	ex, err := ens.Explainer(w)
	require.NoError(t, err)
	var base float64
	for _, tr := range f.Trees() {
		base += tr.Values[0] / float64(f.NumTrees())
	}
	assert.InDelta(t, base, ex.Base(), 1e-12)
	phi := make([]float64, 4)
	for _, x := range [][]float64{{0, 0, 0, 0}, {6, 0, 0, 0}, {0.5, -3, 1, 2}} {
		b, err := ex.Explain(x, phi)
		require.NoError(t, err)
		h, err := f.PathLength(x)
		require.NoError(t, err)
		assert.InDelta(t, h, b+phi[0]+phi[1]+phi[2]+phi[3], 1e-9, "%v", x)
	}
	// A row far out on feature 0 is isolated by feature 0: its path is
	// shorter than average because of it.
	_, err = ex.Explain([]float64{6, 0, 0, 0}, phi)
	require.NoError(t, err)
	assert.Less(t, phi[0], phi[1])
	assert.Less(t, phi[0], 0.0)
}
