package forest_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/errs"
)

// blobs returns n rows of p features: class c (0 … k−1) centred at c·sep on
// feature 0 and c·sep/2 on feature 1; the other features are noise.
func blobs(n, p, k int, sep float64, seed uint64) (*mat.Dense, []int) {
	r := rand.New(rand.NewPCG(seed, 1))
	X := mat.NewDense(n, p, nil)
	y := make([]int, n)
	for i := range n {
		c := i % k
		y[i] = c
		for j := range p {
			v := r.NormFloat64()
			switch j {
			case 0:
				v += float64(c) * sep
			case 1:
				v += float64(c) * sep / 2
			}
			X.Set(i, j, v)
		}
	}
	return X, y
}

func accuracy(t *testing.T, f *forest.Forest, X *mat.Dense, y []int) float64 {
	n, _ := X.Dims()
	ok := 0
	for i := range n {
		c, err := f.Predict(X.RawRowView(i))
		require.NoError(t, err)
		if c == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(n)
}

func TestFitLearns(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    int
		cfg  forest.Config
	}{
		{"binary exact", 2, forest.Config{Trees: 30}},
		{"binary histogram", 2, forest.Config{Trees: 30, Splitter: forest.Histogram}},
		{"binary histogram 16 bins", 2, forest.Config{Trees: 30, Splitter: forest.Histogram, MaxBins: 16}},
		{"three classes entropy", 3, forest.Config{Trees: 30, Criterion: forest.Entropy}},
		{"five classes log2 depth 6", 5, forest.Config{Trees: 30, MaxFeatures: forest.Log2Features, MaxDepth: 6}},
		{"all features no bootstrap", 2, forest.Config{Trees: 5, MaxFeatures: forest.AllFeatures, NoBootstrap: true}},
		{"count and fraction", 3, forest.Config{Trees: 20, MaxFeatures: forest.FeatureCount(3), SampleFraction: 0.5, MinSamplesLeaf: 3, MinSamplesSplit: 8}},
		{"balanced subsample", 3, forest.Config{Trees: 20, ClassWeight: forest.BalancedSubsample, MaxFeatures: forest.FeatureFraction(0.5)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			Xtr, ytr := blobs(600, 8, tc.k, 4, 1)
			Xte, yte := blobs(300, 8, tc.k, 4, 2)
			f, err := forest.Fit(context.Background(), Xtr, ytr, tc.cfg)
			require.NoError(t, err)
			assert.Equal(t, tc.k, f.NumClasses())
			assert.Equal(t, 8, f.NumFeatures())
			assert.Greater(t, accuracy(t, f, Xte, yte), 0.9)
			p := make([]float64, tc.k)
			for i := range 20 {
				require.NoError(t, f.PredictProba(Xte.RawRowView(i), p))
				sum := 0.0
				for _, v := range p {
					assert.True(t, v >= 0 && v <= 1)
					sum += v
				}
				assert.InDelta(t, 1, sum, 1e-9)
				s, err := f.Score(Xte.RawRowView(i))
				require.NoError(t, err)
				if tc.k == 2 {
					assert.InDelta(t, p[1], s, 1e-12)
				} else {
					assert.InDelta(t, 1-p[0], s, 1e-12)
				}
			}
		})
	}
}

func TestFitErrors(t *testing.T) {
	X, y := blobs(50, 3, 2, 3, 1)
	nan := mat.DenseCopyOf(X)
	nan.Set(7, 2, math.NaN())
	inf := mat.DenseCopyOf(X)
	inf.Set(3, 0, math.Inf(-1))
	neg := append([]int(nil), y...)
	neg[4] = -1
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		X    mat.Matrix
		y    []int
		cfg  forest.Config
		want error
	}{
		{"empty matrix", &mat.Dense{}, nil, forest.Config{}, errs.ErrEmpty},
		{"short labels", X, y[:10], forest.Config{}, errs.ErrDimension},
		{"NaN", nan, y, forest.Config{}, errs.ErrNaN},
		{"NaN histogram", nan, y, forest.Config{Splitter: forest.Histogram}, errs.ErrNaN},
		{"infinity", inf, y, forest.Config{}, errs.ErrNaN},
		{"negative label", X, neg, forest.Config{}, errs.ErrFormat},
		{"too many columns", wide{rows: 50, cols: forest.MaxColumns + 1}, y, forest.Config{}, errs.ErrUnsupported},
		{"negative trees", X, y, forest.Config{Trees: -1}, errs.ErrUnsupported},
		{"fraction of features", X, y, forest.Config{MaxFeatures: forest.FeatureFraction(1.5)}, errs.ErrUnsupported},
		{"zero feature count", X, y, forest.Config{MaxFeatures: forest.FeatureCount(0)}, errs.ErrUnsupported},
		{"sample fraction", X, y, forest.Config{SampleFraction: 2}, errs.ErrUnsupported},
		{"min split", X, y, forest.Config{MinSamplesSplit: 1}, errs.ErrUnsupported},
		{"min leaf", X, y, forest.Config{MinSamplesLeaf: -2}, errs.ErrUnsupported},
		{"depth", X, y, forest.Config{MaxDepth: -1}, errs.ErrUnsupported},
		{"bins", X, y, forest.Config{MaxBins: 300}, errs.ErrUnsupported},
		{"workers", X, y, forest.Config{Workers: -3}, errs.ErrUnsupported},
		{"oob without bootstrap", X, y, forest.Config{OOB: true, NoBootstrap: true}, errs.ErrUnsupported},
		{"names", X, y, forest.Config{FeatureNames: []string{"a"}}, errs.ErrDimension},
		{"normal class", X, y, forest.Config{NormalClass: 2}, errs.ErrUnsupported},
		{"class weight", X, y, forest.Config{ClassWeight: forest.ClassWeights(1, math.NaN())}, errs.ErrUnsupported},
		{"criterion", X, y, forest.Config{Criterion: 9}, errs.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := forest.Fit(ctx, tc.X, tc.y, tc.cfg)
			assert.Nil(t, f)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), "forest: ")
		})
	}
}

func TestScoreErrors(t *testing.T) {
	X, y := blobs(60, 4, 2, 3, 1)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 3})
	require.NoError(t, err)
	var zero forest.Forest
	for _, tc := range []struct {
		name string
		f    *forest.Forest
		x    []float64
		want error
	}{
		{"short row", f, []float64{1, 2, 3}, errs.ErrDimension},
		{"long row", f, make([]float64, 5), errs.ErrDimension},
		{"NaN", f, []float64{0, math.NaN(), 0, 0}, errs.ErrNaN},
		{"not fitted", &zero, make([]float64, 4), errs.ErrNotFitted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.f.Score(tc.x)
			assert.ErrorIs(t, err, tc.want)
			_, err = tc.f.Predict(tc.x)
			assert.ErrorIs(t, err, tc.want)
			assert.ErrorIs(t, tc.f.PredictProba(tc.x, make([]float64, 2)), tc.want)
		})
	}
	assert.ErrorIs(t, f.PredictProba(make([]float64, 4), make([]float64, 3)), errs.ErrDimension)
	assert.ErrorIs(t, f.ScoreBatch(X, make([]float64, 3)), errs.ErrDimension)
	assert.ErrorIs(t, f.ScoreBatch(mat.NewDense(2, 3, nil), make([]float64, 2)), errs.ErrDimension)
	assert.ErrorIs(t, f.ScoreBatch(&mat.Dense{}, nil), errs.ErrEmpty)
	bad := mat.DenseCopyOf(X)
	bad.Set(59, 1, math.NaN())
	assert.ErrorIs(t, f.ScoreBatch(bad, make([]float64, 60)), errs.ErrNaN)
	assert.ErrorIs(t, f.PredictProbaBatch(X, mat.NewDense(60, 3, nil)), errs.ErrDimension)
	assert.ErrorIs(t, zero.ScoreBatch(X, make([]float64, 60)), errs.ErrNotFitted)
	_, err = zero.MarshalBinary()
	assert.ErrorIs(t, err, errs.ErrNotFitted)
}

// TestSameForestWhateverWorkers checks that the seed alone fixes the
// forest: one worker and four give the same bytes, another seed does not.
func TestSameForestWhateverWorkers(t *testing.T) {
	X, y := blobs(400, 10, 3, 1.5, 3)
	for _, sp := range []forest.Splitter{forest.Exact, forest.Histogram} {
		t.Run(sp.String(), func(t *testing.T) {
			fit := func(workers int, seed uint64) []byte {
				f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 24, Workers: workers, Seed: seed, Splitter: sp, OOB: true})
				require.NoError(t, err)
				b, err := f.MarshalBinary()
				require.NoError(t, err)
				return b
			}
			one := fit(1, 42)
			assert.Equal(t, one, fit(4, 42))
			assert.Equal(t, one, fit(3, 42))
			assert.NotEqual(t, one, fit(4, 43))
		})
	}
}

func TestFitLeavesInputAlone(t *testing.T) {
	X, y := blobs(200, 5, 2, 2, 4)
	Xc, yc := mat.DenseCopyOf(X), append([]int(nil), y...)
	for _, sp := range []forest.Splitter{forest.Exact, forest.Histogram} {
		_, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 5, Splitter: sp, OOB: true})
		require.NoError(t, err)
		assert.True(t, mat.Equal(X, Xc))
		assert.Equal(t, yc, y)
	}
}

func TestBatchMatchesRows(t *testing.T) {
	X, y := blobs(500, 6, 5, 2, 5)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 20})
	require.NoError(t, err)
	scores := make([]float64, 500)
	require.NoError(t, f.ScoreBatch(X, scores))
	var proba mat.Dense
	require.NoError(t, f.PredictProbaBatch(X, &proba))
	p := make([]float64, 5)
	for i := range 500 {
		s, err := f.Score(X.RawRowView(i))
		require.NoError(t, err)
		assert.InDelta(t, s, scores[i], 1e-12)
		require.NoError(t, f.PredictProba(X.RawRowView(i), p))
		assert.InDeltaSlice(t, p, proba.RawRowView(i), 1e-12)
	}
	// A matrix that is not a *mat.Dense goes through At.
	require.NoError(t, f.ScoreBatch(X.T().T(), scores))
}

func TestScoringDoesNotAllocate(t *testing.T) {
	X, y := blobs(300, 6, 3, 2, 6)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 10})
	require.NoError(t, err)
	x := X.RawRowView(3)
	p := make([]float64, 3)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.Score(x) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = f.PredictProba(x, p) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.Predict(x) }))
}

func TestCancelAndProgress(t *testing.T) {
	X, y := blobs(300, 6, 2, 1, 7)
	var calls []int
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 12, Workers: 3,
		Progress: func(done, total int) {
			assert.Equal(t, 12, total)
			calls = append(calls, done)
		}})
	require.NoError(t, err)
	require.NotNil(t, f)
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, calls)

	ctx, cancel := context.WithCancel(context.Background())
	_, err = forest.Fit(ctx, X, y, forest.Config{Trees: 50, Progress: func(done, _ int) {
		if done == 2 {
			cancel()
		}
	}})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = forest.Fit(ctx, X, y, forest.Config{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestImportances(t *testing.T) {
	X, y := blobs(600, 6, 2, 3, 8)
	names := []string{"signal", "weak", "n1", "n2", "n3", "n4"}
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 40, FeatureNames: names, OOB: true})
	require.NoError(t, err)
	assert.Equal(t, names, f.FeatureNames())
	mdi := f.Importances()
	sum := 0.0
	for j, im := range mdi {
		assert.Equal(t, names[j], im.Name)
		assert.Equal(t, j, im.Index)
		sum += im.Value
	}
	assert.InDelta(t, 1, sum, 1e-9)
	sort.Slice(mdi, func(a, b int) bool { return mdi[a].Value > mdi[b].Value })
	assert.Equal(t, "signal", mdi[0].Name)

	Xte, yte := blobs(400, 6, 2, 3, 9)
	pi, err := f.PermutationImportance(context.Background(), Xte, yte, 3, 1)
	require.NoError(t, err)
	require.Len(t, pi, 6)
	assert.Greater(t, pi[0].Value, 0.1)
	for _, im := range pi[2:] {
		assert.Less(t, math.Abs(im.Value), 0.03, im.Name)
	}
	again, err := f.PermutationImportance(context.Background(), Xte, yte, 3, 1)
	require.NoError(t, err)
	assert.Equal(t, pi, again)
	_, err = f.PermutationImportance(context.Background(), Xte, yte[:3], 3, 1)
	assert.ErrorIs(t, err, errs.ErrDimension)
	_, err = f.PermutationImportance(context.Background(), Xte, yte, 0, 1)
	assert.ErrorIs(t, err, errs.ErrUnsupported)

	oob, ok := f.OOBScore()
	assert.True(t, ok)
	assert.InDelta(t, accuracy(t, f, Xte, yte), oob, 0.05)
	g, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 2})
	require.NoError(t, err)
	_, ok = g.OOBScore()
	assert.False(t, ok)
	_, ok = new(forest.Forest).OOBScore()
	assert.False(t, ok, "a zero Forest has no out-of-bag score")
	assert.Equal(t, "f5", g.FeatureNames()[5])
}

func TestClassWeights(t *testing.T) {
	X, y := blobs(300, 4, 2, 1, 10)
	// Class 1 weighs nothing: every leaf says class 0 with certainty.
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 5, ClassWeight: forest.ClassWeights(1, 0)})
	require.NoError(t, err)
	for i := range 50 {
		s, err := f.Score(X.RawRowView(i))
		require.NoError(t, err)
		assert.Zero(t, s)
	}
	// Balanced weights on an imbalanced set raise the minority's scores.
	var idx []int
	for i, c := range y {
		if c == 0 || i%10 == 1 {
			idx = append(idx, i)
		}
	}
	Xi := mat.NewDense(len(idx), 4, nil)
	yi := make([]int, len(idx))
	for r, i := range idx {
		Xi.SetRow(r, X.RawRowView(i))
		yi[r] = y[i]
	}
	mean := func(cfg forest.Config) float64 {
		cfg.Trees, cfg.MinSamplesLeaf = 20, 10
		f, err := forest.Fit(context.Background(), Xi, yi, cfg)
		require.NoError(t, err)
		s := make([]float64, len(yi))
		require.NoError(t, f.ScoreBatch(Xi, s))
		m := 0.0
		for _, v := range s {
			m += v / float64(len(s))
		}
		return m
	}
	assert.Greater(t, mean(forest.Config{ClassWeight: forest.Balanced}), mean(forest.Config{})+0.05)
}

func TestNormalClass(t *testing.T) {
	X, y := blobs(300, 4, 3, 4, 11)
	f0, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 10, Seed: 1})
	require.NoError(t, err)
	f2, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 10, Seed: 1, NormalClass: 2})
	require.NoError(t, err)
	assert.Equal(t, 2, f2.NormalClass())
	p := make([]float64, 3)
	x := X.RawRowView(2) // a class 2 row
	require.NoError(t, f0.PredictProba(x, p))
	s0, _ := f0.Score(x)
	s2, _ := f2.Score(x)
	assert.InDelta(t, 1-p[0], s0, 1e-12)
	assert.InDelta(t, 1-p[2], s2, 1e-12)
}

func TestMarshalRoundTrip(t *testing.T) {
	X, y := blobs(300, 5, 3, 2, 12)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 8, OOB: true, Criterion: forest.Entropy,
		FeatureNames: []string{"a", "b", "c", "d", "é"}})
	require.NoError(t, err)
	b, err := f.MarshalBinary()
	require.NoError(t, err)
	var g forest.Forest
	require.NoError(t, g.UnmarshalBinary(b))
	b2, err := g.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, b2)
	assert.Equal(t, f.Importances(), g.Importances())
	assert.Equal(t, forest.Entropy, g.Criterion())
	assert.Equal(t, 8, g.NumTrees())
	o1, _ := f.OOBScore()
	o2, _ := g.OOBScore()
	assert.Equal(t, o1, o2)
	for i := range 300 {
		s1, _ := f.Score(X.RawRowView(i))
		s2, _ := g.Score(X.RawRowView(i))
		require.Equal(t, s1, s2)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	X, y := blobs(100, 3, 2, 2, 13)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 2})
	require.NoError(t, err)
	good, err := f.MarshalBinary()
	require.NoError(t, err)
	mutate := func(fn func(b []byte) []byte) []byte { return fn(bytes.Clone(good)) }
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, errs.ErrFormat},
		{"foreign", []byte("PK\x03\x04 not a forest at all"), errs.ErrFormat},
		{"header only", good[:8], errs.ErrFormat},
		{"truncated", good[:len(good)/2], errs.ErrChecksum},
		{"one byte short", good[:len(good)-1], errs.ErrChecksum},
		{"flipped bit", mutate(func(b []byte) []byte { b[40] ^= 1; return b }), errs.ErrChecksum},
		{"newer version", mutate(func(b []byte) []byte { b[4] = 2; return b }), errs.ErrVersion},
		{"version zero", mutate(func(b []byte) []byte { b[4] = 0; return b }), errs.ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g forest.Forest
			err := g.UnmarshalBinary(tc.b)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), "forest: ")
			assert.Zero(t, g.NumTrees(), "a failed decode leaves the forest alone")
		})
	}
	// A corrupt payload with a recomputed checksum is caught by validation.
	var g forest.Forest
	bad := forest.Reseal(mutate(func(b []byte) []byte { b[8] = 0; return b })) // feature count 0
	assert.ErrorIs(t, g.UnmarshalBinary(bad), errs.ErrFormat)
	bad = forest.Reseal(mutate(func(b []byte) []byte { // feature count MaxColumns + 1
		binary.LittleEndian.PutUint32(b[8:], forest.MaxColumns+1)
		return b
	}))
	assert.ErrorContains(t, g.UnmarshalBinary(bad), fmt.Sprintf("%d features", forest.MaxColumns+1))
	bad = forest.Reseal(append(bytes.Clone(good[:len(good)-4]), 0, 0, 0, 0, 0))
	assert.ErrorIs(t, g.UnmarshalBinary(bad), errs.ErrFormat)
}

func TestErrorsAreSentinels(t *testing.T) {
	_, err := forest.Fit(context.Background(), &mat.Dense{}, nil, forest.Config{})
	assert.True(t, errors.Is(err, errs.ErrEmpty))
}

// wide is a matrix too wide to fit; Fit must refuse it from its dimensions
// alone, without reading a value.
type wide struct{ rows, cols int }

func (w wide) Dims() (int, int)    { return w.rows, w.cols }
func (w wide) At(i, j int) float64 { panic("wide: At called") }
func (w wide) T() mat.Matrix       { return mat.Transpose{Matrix: w} }
