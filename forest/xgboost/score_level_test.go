package xgboost

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/nsltest"
	"github.com/netwarden/netwarden/internal/tree"
)

// walkScores returns Score and Margin of every row by the plain walk of the
// trees (useLevels off), the path the levels layout must equal bit for bit.
func walkScores(t *testing.T, m *Model, rows [][]float64) (score, margin []float64) {
	t.Helper()
	defer func(old bool) { useLevels = old }(useLevels)
	useLevels = false
	dst := make([]float64, m.NumOutputs())
	for _, x := range rows {
		s, err := m.Score(x)
		if err != nil {
			s = math.NaN()
		}
		score = append(score, s)
		require.NoError(t, m.Margin(x, dst))
		margin = append(margin, dst[0])
	}
	return score, margin
}

// checkLevels checks that Score, Margin and ScoreBatch (one and two
// workers) give the plain walk's values bit for bit on rows.
func checkLevels(t *testing.T, m *Model, rows [][]float64) {
	t.Helper()
	wantS, wantM := walkScores(t, m, rows)
	dst := make([]float64, m.NumOutputs())
	for i, x := range rows {
		s, err := m.Score(x)
		if err != nil {
			s = math.NaN()
		}
		require.Equal(t, math.Float64bits(wantS[i]), math.Float64bits(s), "row %d: score %v, walk %v", i, s, wantS[i])
		require.NoError(t, m.Margin(x, dst))
		require.Equal(t, math.Float64bits(wantM[i]), math.Float64bits(dst[0]), "row %d: margin", i)
	}
	if m.levelScore() == nil {
		return
	}
	X := mat.NewDense(len(rows), m.NumFeatures(), nil)
	for i, x := range rows {
		X.SetRow(i, x)
	}
	got := make([]float64, len(rows))
	defer func(asm, qs bool) { levelAsm, useQS = asm, qs }(levelAsm, useQS)
	// Every walk a batch can take where the CPU has it: the bit-vector walk
	// from a dense matrix (converted 16 rows at a time) and from another
	// matrix (converted row by row), the 8-row assembly walk, the Go walk.
	for _, mode := range []struct {
		name    string
		asm, qs bool
		matrix  mat.Matrix
	}{
		{"bit vectors, dense", levelAsm, true, X},
		{"bit vectors, rows copied", levelAsm, true, rowMatrix{X}},
		{"8-row assembly", levelAsm, false, X},
		{"Go", false, false, X},
	} {
		levelAsm, useQS = mode.asm, mode.qs
		for _, w := range []int{1, 2} {
			require.NoError(t, m.ScoreBatch(context.Background(), mode.matrix, got, w))
			for i := range rows {
				require.Equal(t, math.Float64bits(wantS[i]), math.Float64bits(got[i]), "batch (%d workers, %s walk) row %d", w, mode.name, i)
			}
		}
	}
}

// rowMatrix hides a matrix's raw data (mat.RawMatrixer), so that a batch
// reads it row by row.
type rowMatrix struct{ mat.Matrix }

// TestLevelsMatchWalkFixtures checks the levels layout against the plain
// walk on the fixture rows (with and without NaN) of every tree model that
// uses it, and that the models which must not use it do not.
func TestLevelsMatchWalkFixtures(t *testing.T) {
	dir := benchFixtures()
	rows := readRows(t, filepath.Join(dir, "test_features.csv"), true)
	nanRows := readRows(t, filepath.Join(dir, "test_features_nan.csv"), true)
	for _, tc := range []struct {
		name   string
		levels bool
	}{
		{"binary_small", true}, {"binary_100", true}, {"binary_logitraw", true},
		{"missing_basescore", true}, {"reg_squarederror", true}, {"reg_logistic", true},
		{"dart", false}, {"multi_softprob", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(filepath.Join(dir, tc.name+".json"))
			require.NoError(t, err)
			require.Equal(t, tc.levels, m.levelScore() != nil)
			checkLevels(t, m, rows)
			checkLevels(t, m, nanRows)
		})
	}
}

// TestLevelsLeafOnly checks a model whose trees are all single leaves
// (XGBoost's on constant features): no levels layout, and Score and
// ScoreBatch give XGBoost's predictions without failing.
func TestLevelsLeafOnly(t *testing.T) {
	m, err := Load(filepath.Join("testdata", "xgb", "leaf_only.json"))
	require.NoError(t, err)
	require.Equal(t, 9, m.NumTrees())
	require.Nil(t, m.levelScore())
	rows := readRows(t, filepath.Join("testdata", "xgb", "test_features.csv"), true)
	want := readRows(t, filepath.Join("testdata", "xgb", "leaf_only_pred.csv"), false)
	checkLevels(t, m, rows)
	X := mat.NewDense(len(rows), m.NumFeatures(), nil)
	for i, x := range rows {
		X.SetRow(i, x)
	}
	got := make([]float64, len(rows))
	require.NoError(t, m.ScoreBatch(context.Background(), X, got, 1))
	for i := range rows {
		require.InDelta(t, want[i][0], got[i], 1e-7, "row %d", i)
	}
}

// TestLevelsMatchWalkEdges checks the levels layout on values at, just
// below and just above every split condition of binary_100 (float32 and
// float64 neighbours), infinities, huge values and NaN.
func TestLevelsMatchWalkEdges(t *testing.T) {
	m, err := Load(filepath.Join(benchFixtures(), "binary_100.json"))
	if err != nil {
		t.Skipf("fixture not found (set XGBOOST_FIXTURES): %v", err)
	}
	var conds []float64
	for _, tr := range m.Trees() {
		for _, n := range tr.Nodes {
			if n.Feature >= 0 {
				c := float64(float32(n.Threshold))
				conds = append(conds, n.Threshold, c, math.Nextafter(c, math.Inf(1)), math.Nextafter(c, math.Inf(-1)),
					float64(math.Nextafter32(float32(c), float32(math.Inf(-1)))), math.Nextafter(n.Threshold, math.Inf(-1)))
			}
		}
	}
	conds = append(conds, math.Inf(1), math.Inf(-1), 1e300, -1e300, math.MaxFloat32, 0, math.Copysign(0, -1))
	rng := rand.New(rand.NewPCG(1, 2))
	rows := make([][]float64, 2000)
	for i := range rows {
		x := make([]float64, m.NumFeatures())
		for j := range x {
			x[j] = conds[rng.IntN(len(conds))]
		}
		if i%10 == 0 {
			x[rng.IntN(len(x))] = math.NaN()
		}
		rows[i] = x
	}
	checkLevels(t, m, rows)
}

// TestLevelsMatchWalkNSLKDD checks binary_100's levels layout against the
// plain walk on every KDDTest+ row, encoded as the fixtures were (118
// columns).
func TestLevelsMatchWalkNSLKDD(t *testing.T) {
	m, err := Load(filepath.Join(benchFixtures(), "binary_100.json"))
	if err != nil {
		t.Skipf("fixture not found (set XGBOOST_FIXTURES): %v", err)
	}
	_, xte, _ := nsltest.Encode(nsltest.Load(t, nsltest.Train20), nsltest.Load(t, nsltest.Test))
	n, c := xte.Dims()
	require.Equal(t, m.NumFeatures(), c)
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = xte.RawRowView(i)
	}
	checkLevels(t, m, rows)
}

// TestLevelsLayout checks the padding of a hand-built tree: a leaf above
// the largest depth fills every slot below it.
func TestLevelsLayout(t *testing.T) {
	// Root splits feature 0 at 1: left a leaf (value 5), right splits
	// feature 1 at 2 into leaves 6 and 7.
	tr := threeLeafTree()
	l := newLevels([]tree.Tree{tr}, 2)
	require.NotNil(t, l)
	require.Equal(t, 2, l.depth)
	require.Equal(t, []float32{5, 5, 6, 7}, l.leaves)
	for _, tc := range []struct {
		x    []float32
		want float32
	}{{[]float32{0, 9}, 5}, {[]float32{1, 1}, 6}, {[]float32{1, 2}, 7}, {[]float32{3, 3}, 7}} {
		require.Equal(t, tc.want, l.add(0, tc.x), "%v", tc.x)
		acc := []float32{0}
		xs := make([]float32, 2*levelBlock)
		xs[0], xs[levelBlock] = tc.x[0], tc.x[1]
		l.addBlock(acc, xs)
		require.Equal(t, tc.want, acc[0], "%v", tc.x)
	}
}

// TestScoreBatchAllocs checks that scoring through the levels layout
// allocates nothing per row: one row allocates nothing, and a batch's few
// allocations (its closures; the buffers are pooled) do not grow with its
// rows.
func TestScoreBatchAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector allocates")
	}
	m, err := Load(filepath.Join(benchFixtures(), "binary_100.json"))
	if err != nil {
		t.Skipf("fixture not found (set XGBOOST_FIXTURES): %v", err)
	}
	rows := readRows(t, filepath.Join(benchFixtures(), "test_features.csv"), true)
	allocs := testing.AllocsPerRun(100, func() { _, _ = m.Score(rows[3]) })
	require.Zero(t, allocs)
	count := func(n int) float64 {
		X := mat.NewDense(n, m.NumFeatures(), nil)
		for i := 0; i < n; i++ {
			X.SetRow(i, rows[i%len(rows)])
		}
		dst := make([]float64, n)
		return testing.AllocsPerRun(5, func() { _ = m.ScoreBatch(context.Background(), X, dst, 1) })
	}
	require.Equal(t, count(64), count(6400), "allocations per batch grow with its rows")
}

// TestPredictBatchMatchesPredict checks PredictBatch against Predict row by
// row on every fixture model, with and without missing values, through a
// dense matrix and through one without raw access, so that the models
// whose batch takes ScoreBatch's block paths give Predict's values bit for
// bit and the others are unchanged.
func TestPredictBatchMatchesPredict(t *testing.T) {
	dir := benchFixtures()
	rows := readRows(t, filepath.Join(dir, "test_features.csv"), true)
	rows = append(rows, readRows(t, filepath.Join(dir, "test_features_nan.csv"), true)...)
	for _, tc := range []struct {
		name  string
		block bool
	}{
		{"binary_small", true}, {"binary_100", true}, {"binary_logitraw", false},
		{"missing_basescore", true}, {"reg_squarederror", true}, {"reg_logistic", true},
		{"dart", true}, {"multi_softprob", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Load(filepath.Join(dir, tc.name+".json"))
			require.NoError(t, err)
			require.Equal(t, tc.block, m.predictIsScore())
			k := m.NumPredictions()
			X := mat.NewDense(len(rows), m.NumFeatures(), nil)
			want := make([]float64, len(rows)*k)
			for i, x := range rows {
				X.SetRow(i, x)
				require.NoError(t, m.Predict(x, want[i*k:(i+1)*k]))
			}
			for _, in := range []mat.Matrix{X, rowMatrix{X}} {
				for _, workers := range []int{1, 2} {
					got := make([]float64, len(want))
					require.NoError(t, m.PredictBatch(context.Background(), in, got, workers))
					for i := range want {
						require.Equal(t, math.Float64bits(want[i]), math.Float64bits(got[i]), "value %d: %v, want %v", i, got[i], want[i])
					}
				}
			}
		})
	}
}

// threeLeafTree is the hand-built tree of the layout tests: the root splits
// feature 0 at 1, its left child a leaf (5), its right child splits feature
// 1 at 2 into leaves 6 and 7.
func threeLeafTree() tree.Tree {
	return tree.Tree{Outputs: 1,
		Nodes: []tree.Node{
			{Feature: 0, Threshold: threshold32(1), Left: 1, Right: 2},
			{Feature: -1},
			{Feature: 1, Threshold: threshold32(2), Left: 3, Right: 4},
			{Feature: -1}, {Feature: -1},
		},
		Values: []float64{0, 5, 0, 6, 7},
	}
}
