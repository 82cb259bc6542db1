package forest_test

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
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/errs"
)

// treeProba is the reference the scoring form must reproduce bit for bit:
// each tree walked with internal/tree's Leaf and its leaf distribution
// added tree after tree, then divided by the number of trees.
func treeProba(f *forest.Forest, x []float64) []float64 {
	p := make([]float64, f.NumClasses())
	for i := range f.NumTrees() {
		tr := forest.TreeForTest(f, i)
		for c, v := range tr.Value(tr.Leaf(x)) {
			p[c] += v
		}
	}
	for c := range p {
		p[c] *= 1 / float64(f.NumTrees())
	}
	return p
}

// treeScore is Score computed from treeProba's sums.
func treeScore(f *forest.Forest, x []float64) float64 {
	s := 0.0
	c := 1
	if f.NumClasses() > 2 {
		c = f.NormalClass()
	}
	for i := range f.NumTrees() {
		tr := forest.TreeForTest(f, i)
		s += tr.Value(tr.Leaf(x))[c]
	}
	s *= 1 / float64(f.NumTrees())
	if f.NumClasses() > 2 {
		s = 1 - s
	}
	return min(1, max(0, s))
}

// edgeRows returns rows mixing training-like values with the values a
// comparison of integer keys could get wrong: both zeros, infinities,
// subnormals and the thresholds themselves and their neighbours.
func edgeRows(f *forest.Forest, n int, seed uint64) *mat.Dense {
	var thr []float64
	for i := range f.NumTrees() {
		for _, nd := range forest.TreeForTest(f, i).Nodes {
			if nd.Feature >= 0 {
				thr = append(thr, nd.Threshold)
			}
		}
	}
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64, 1, -1, 0.5}
	r := rand.New(rand.NewPCG(seed, 9))
	p := f.NumFeatures()
	X := mat.NewDense(n, p, nil)
	for i := range n {
		for j := range p {
			var v float64
			switch r.IntN(4) {
			case 0:
				v = special[r.IntN(len(special))]
			case 1:
				t := thr[r.IntN(len(thr))]
				v = []float64{t, math.Nextafter(t, math.Inf(-1)), math.Nextafter(t, math.Inf(1))}[r.IntN(3)]
			default:
				v = r.NormFloat64() * 3
			}
			X.Set(i, j, v)
		}
	}
	return X
}

// TestScoringFormMatchesTrees checks Score, PredictProba, Predict,
// ScoreMatrix, ScoreBatch and PredictProbaBatch against a plain walk of the
// trees, to the last bit, for binary and multi-class forests, tree counts
// that are and are not multiples of the eight walked in lock step, and rows
// full of edge values; and a forest read back from its bytes.
func TestScoringFormMatchesTrees(t *testing.T) {
	for _, tc := range []struct {
		name   string
		k      int
		trees  int
		normal int
	}{
		{"binary/8 trees", 2, 8, 0},
		{"binary/13 trees", 2, 13, 0},
		{"3 classes/21 trees", 3, 21, 0},
		{"4 classes/normal 2/5 trees", 4, 5, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			X, y := blobs(400, 7, tc.k, 1.5, 11)
			// A column of zeros and ones, one with both zeros, one with
			// a zero threshold next to subnormals.
			for i := range 400 {
				X.Set(i, 4, float64(i%2))
				X.Set(i, 5, []float64{0, math.Copysign(0, -1), 1}[i%3])
				X.Set(i, 6, []float64{-5e-324, 0, 5e-324, -1e-300}[(i+y[i])%4])
			}
			f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: tc.trees, NormalClass: tc.normal, Seed: 3})
			require.NoError(t, err)
			b, err := f.MarshalBinary()
			require.NoError(t, err)
			var g forest.Forest
			require.NoError(t, g.UnmarshalBinary(b))
			E := edgeRows(f, 300, 5)
			for _, m := range []*mat.Dense{X, E} {
				n, _ := m.Dims()
				scores := make([]float64, n)
				require.NoError(t, f.ScoreMatrix(context.Background(), m, scores))
				batch := make([]float64, n)
				require.NoError(t, g.ScoreBatch(m.T().T(), batch)) // not a *mat.Dense: read through At
				var proba mat.Dense
				require.NoError(t, f.PredictProbaBatch(m, &proba))
				// The Go walk gives the same batches as the assembly one,
				// for every size of a block's last group of eight.
				for _, rows := range []int{1, 7, 8, 9, 23, 24, 25, 47, n} {
					sub := m.Slice(0, rows, 0, f.NumFeatures()).(*mat.Dense)
					asm, gw := make([]float64, rows), make([]float64, rows)
					var pa, pg mat.Dense
					require.NoError(t, f.ScoreMatrix(context.Background(), sub, asm))
					require.NoError(t, f.PredictProbaBatch(sub, &pa))
					restore := forest.UseAsm(false)
					require.NoError(t, f.ScoreMatrix(context.Background(), sub, gw))
					require.NoError(t, f.PredictProbaBatch(sub, &pg))
					restore()
					require.Equal(t, scores[:rows], asm, "%d rows", rows)
					require.Equal(t, scores[:rows], gw, "%d rows", rows)
					require.Equal(t, pg.RawMatrix().Data, pa.RawMatrix().Data, "%d rows", rows)
				}
				p := make([]float64, tc.k)
				for i := range n {
					x := m.RawRowView(i)
					want := treeScore(f, x)
					s, err := f.Score(x)
					require.NoError(t, err)
					require.Equal(t, want, s, "row %d", i)
					require.Equal(t, want, scores[i], "row %d", i)
					require.Equal(t, want, batch[i], "row %d", i)
					wp := treeProba(f, x)
					require.NoError(t, f.PredictProba(x, p))
					require.Equal(t, wp, p, "row %d", i)
					require.Equal(t, wp, proba.RawRowView(i), "row %d", i)
					c, err := g.Predict(x)
					require.NoError(t, err)
					best := 0
					for k, v := range wp {
						if v > wp[best] {
							best = k
						}
					}
					require.Equal(t, best, c, "row %d", i)
				}
			}
		})
	}
}

// TestScoreMatrix checks the anomaly.BatchScorer method: its errors, an
// empty matrix, the lowest NaN row reported whatever the number of
// goroutines, a cancelled context, and that anomaly.ScoreBatch uses it.
func TestScoreMatrix(t *testing.T) {
	X, y := blobs(3000, 4, 2, 2, 12)
	f, err := forest.Fit(context.Background(), X, y, forest.Config{Trees: 9})
	require.NoError(t, err)
	var _ anomaly.BatchScorer = f
	ctx := context.Background()
	var zero forest.Forest
	assert.ErrorIs(t, zero.ScoreMatrix(ctx, X, make([]float64, 3000)), errs.ErrNotFitted)
	assert.ErrorIs(t, f.ScoreMatrix(ctx, X, make([]float64, 2999)), errs.ErrDimension)
	assert.ErrorIs(t, f.ScoreMatrix(ctx, mat.NewDense(3, 5, nil), make([]float64, 3)), errs.ErrDimension)
	assert.NoError(t, f.ScoreMatrix(ctx, &mat.Dense{}, nil))

	bad := mat.DenseCopyOf(X)
	bad.Set(2900, 3, math.NaN())
	bad.Set(1700, 1, math.NaN())
	err = f.ScoreMatrix(ctx, bad, make([]float64, 3000))
	assert.ErrorIs(t, err, errs.ErrNaN)
	assert.ErrorContains(t, err, "row 1700: feature 1")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	assert.True(t, errors.Is(f.ScoreMatrix(cancelled, X, make([]float64, 3000)), context.Canceled))

	want := make([]float64, 3000)
	require.NoError(t, f.ScoreMatrix(ctx, X, want))
	got := make([]float64, 3000)
	require.NoError(t, anomaly.ScoreBatch(ctx, f, X, got, 1))
	assert.Equal(t, want, got)
}

// TestScoringFormNSLKDD checks ScoreMatrix against the plain tree walk on
// KDDTest+ with a forest of 100 trees grown on KDDTrain+_20Percent (the
// benchmark's forest); skipped without $NSLKDD_DIR.
func TestScoringFormNSLKDD(t *testing.T) {
	_, xte, _ := loadBench(t)
	f := benchData.f
	n, _ := xte.Dims()
	if testing.Short() {
		n = 2000
	}
	xs := xte.Slice(0, n, 0, f.NumFeatures()).(*mat.Dense)
	scores := make([]float64, n)
	require.NoError(t, f.ScoreMatrix(context.Background(), xs, scores))
	for i := range n {
		require.Equal(t, treeScore(f, xs.RawRowView(i)), scores[i], "row %d", i)
	}
}
