package tree

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/errs"
)

// genSpec describes a family of random trees.
type genSpec struct {
	features int     // split features are drawn from [0, features)
	depth    int     // maximal depth
	outputs  int     // values per node
	leafProb float64 // chance that a node above the maximal depth is a leaf
	catProb  float64 // chance that a split is categorical
	zeroProb float64 // chance that a leaf child gets cover 0
	loose    bool    // covers of children need not add up to the parent's
	spine    bool    // one child of every node on a random spine goes on to the maximal depth
	minCover float64 // a node with less cover is a leaf (as in a fully grown forest tree)
	root     float64 // the root's cover (default uniform in [50, 1050))
}

// genTree draws a random tree: features from [0, spec.features), numerical
// thresholds in [0, 10), categorical sets over codes 0..9 (and sometimes a
// 2-word set), random default directions and covers that split the parent's.
func genTree(rng *rand.Rand, spec genSpec) Tree {
	t := Tree{Outputs: spec.outputs}
	var add func(depth int, cover float64, spine bool) int32
	add = func(depth int, cover float64, spine bool) int32 {
		i := int32(len(t.Nodes))
		t.Nodes = append(t.Nodes, Node{Feature: -1})
		t.Cover = append(t.Cover, cover)
		t.Categories = append(t.Categories, nil)
		for k := 0; k < spec.outputs; k++ {
			t.Values = append(t.Values, rng.NormFloat64())
		}
		if depth >= spec.depth || cover == 0 || cover < spec.minCover || (depth > 0 && !spine && rng.Float64() < spec.leafProb) {
			return i
		}
		n := Node{Feature: int32(rng.IntN(spec.features)), Threshold: 10 * rng.Float64()}
		if rng.IntN(2) == 0 {
			n.Flags |= DefaultLeft
		}
		if rng.Float64() < spec.catProb {
			n.Flags |= Categorical
			set := make([]uint64, 1+rng.IntN(2))
			for c := 0; c < 10; c++ {
				if rng.IntN(2) == 0 {
					set[0] |= 1 << c
				}
			}
			t.Categories[i] = set
		}
		frac := 0.05 + 0.9*rng.Float64()
		cl, cr := cover*frac, cover*(1-frac)
		if rng.Float64() < spec.zeroProb {
			cl = 0
		}
		if spec.loose {
			cl *= 0.5 + rng.Float64()
			cr *= 0.5 + rng.Float64()
		}
		if spine && cl == 0 {
			cl = cover * frac
		}
		left := spine && rng.IntN(2) == 0
		n.Left = add(depth+1, cl, left)
		n.Right = add(depth+1, cr, spine && !left)
		t.Nodes[i] = n
		return i
	}
	root := spec.root
	if root == 0 {
		root = 50 + 1000*rng.Float64()
	}
	add(0, root, spec.spine)
	return t
}

// genRow draws a row: values in [0, 10) on a coarse grid (so that rows hit
// thresholds and category codes), a few NaN.
func genRow(rng *rand.Rand, m int, nanProb float64) []float64 {
	x := make([]float64, m)
	for j := range x {
		if rng.Float64() < nanProb {
			x[j] = math.NaN()
			continue
		}
		x[j] = float64(rng.IntN(40)) / 4
	}
	return x
}

// leafValue is Σ_k w[k]·values of node i.
func leafValue(t *Tree, w []float64, i int32) float64 {
	s := 0.0
	for k, v := range t.Value(i) {
		s += w[k] * v
	}
	return s
}

// condExp is the cover-weighted conditional expectation E[f(x) | x_S] of one
// tree by its recursive definition: features in S follow x, the others
// average their children weighted by Cover[child]/Cover[node].
func condExp(t *Tree, w []float64, x []float64, s uint32, i int32) float64 {
	n := &t.Nodes[i]
	if n.IsLeaf() {
		return leafValue(t, w, i)
	}
	if s>>uint(n.Feature)&1 != 0 {
		if t.GoesLeft(i, x) {
			return condExp(t, w, x, s, n.Left)
		}
		return condExp(t, w, x, s, n.Right)
	}
	return (t.Cover[n.Left]*condExp(t, w, x, s, n.Left) + t.Cover[n.Right]*condExp(t, w, x, s, n.Right)) / t.Cover[i]
}

// bruteShapley returns the exact Shapley values of the game
// v(S) = Σ_t condExp(tree t, S) over m features, enumerating all 2^m
// coalitions, and v(∅).
func bruteShapley(trees []Tree, w [][]float64, x []float64, m int) ([]float64, float64) {
	v := make([]float64, 1<<m)
	for s := range v {
		for t := range trees {
			v[s] += condExp(&trees[t], w[t], x, uint32(s), 0)
		}
	}
	fact := make([]float64, m+1)
	fact[0] = 1
	for k := 1; k <= m; k++ {
		fact[k] = fact[k-1] * float64(k)
	}
	phi := make([]float64, m)
	for i := 0; i < m; i++ {
		for s := 0; s < 1<<m; s++ {
			if s>>i&1 != 0 {
				continue
			}
			k := bitsSet(uint32(s))
			phi[i] += fact[k] * fact[m-k-1] / fact[m] * (v[s|1<<i] - v[s])
		}
	}
	return phi, v[0]
}

func bitsSet(s uint32) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}

func randWeights(rng *rand.Rand, trees []Tree) [][]float64 {
	w := make([][]float64, len(trees))
	for t := range trees {
		w[t] = make([]float64, trees[t].Outputs)
		for k := range w[t] {
			w[t][k] = rng.NormFloat64()
		}
		if rng.IntN(5) == 0 {
			clear(w[t]) // a tree that does not count (another class)
		}
	}
	return w
}

// TestExplainMatchesBruteForce checks exactness: on many random small
// ensembles (numerical, categorical, NaN routing, duplicated features on a
// path, zero and inconsistent covers, multiple outputs), both the Fast
// TreeSHAP v2 tables and the leaf-wise walk give the Shapley values of the
// cover-weighted conditional expectation computed by enumerating every
// coalition.
func TestExplainMatchesBruteForce(t *testing.T) {
	specs := []struct {
		name string
		spec genSpec
	}{
		{"numeric", genSpec{features: 5, depth: 4, outputs: 1, leafProb: 0.1}},
		{"few features deep", genSpec{features: 3, depth: 6, outputs: 1, leafProb: 0.1}},
		{"eight features", genSpec{features: 8, depth: 6, outputs: 1, leafProb: 0.2}},
		{"categorical", genSpec{features: 6, depth: 5, outputs: 1, leafProb: 0.1, catProb: 0.4}},
		{"multi-output", genSpec{features: 6, depth: 5, outputs: 3, leafProb: 0.2, catProb: 0.2}},
		{"zero covers", genSpec{features: 6, depth: 5, outputs: 1, leafProb: 0.1, zeroProb: 0.2}},
		{"loose covers", genSpec{features: 7, depth: 5, outputs: 2, leafProb: 0.1, loose: true}},
	}
	for si, sc := range specs {
		t.Run(sc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(si), 42))
			for rep := 0; rep < 30; rep++ {
				m := sc.spec.features
				trees := make([]Tree, 1+rng.IntN(4))
				for i := range trees {
					trees[i] = genTree(rng, sc.spec)
				}
				w := randWeights(rng, trees)
				lin, err := NewEnsemble(trees, m, nil)
				require.NoError(t, err)
				fast, err := NewEnsemble(trees, m, &Options{Method: Tables})
				require.NoError(t, err)
				slow, err := NewEnsemble(trees, m, &Options{Method: Leafwise})
				require.NoError(t, err)
				for i := range trees {
					require.NotNil(t, lin.trees[i].lin)
					require.True(t, fast.trees[i].fast)
					require.False(t, slow.trees[i].fast)
					require.Nil(t, slow.trees[i].lin)
				}
				xl, err := lin.Explainer(w)
				require.NoError(t, err)
				xf, err := fast.Explainer(w)
				require.NoError(t, err)
				xs, err := slow.Explainer(w)
				require.NoError(t, err)
				for r := 0; r < 5; r++ {
					x := genRow(rng, m, 0.15)
					want, wantBase := bruteShapley(trees, w, x, m)
					for _, ex := range []*Explainer{xl, xf, xs} {
						dst := make([]float64, m)
						base, err := ex.Explain(x, dst)
						require.NoError(t, err)
						assert.InDelta(t, wantBase, base, 1e-9)
						for j := range want {
							assert.InDelta(t, want[j], dst[j], 1e-9, "rep %d row %d feature %d", rep, r, j)
						}
					}
				}
			}
		})
	}
}

// TestLocalAccuracyDeep checks base + Σ contributions = output on deep
// trees (as a fully grown Random Forest has), where the leaf-wise walk runs, and on
// moderately deep ones where the tables do.
func TestLocalAccuracyDeep(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  genSpec
		trees int
		fast  bool
	}{
		{"depth 30 leaf-wise", genSpec{features: 40, depth: 30, outputs: 2, leafProb: 0.6, catProb: 0.05, spine: true}, 3, false},
		{"depth 7 tables", genSpec{features: 30, depth: 7, outputs: 1, leafProb: 0.05, catProb: 0.05}, 10, true},
		{"chain of depth 600 over 5 features", genSpec{features: 5, depth: 600, outputs: 1, leafProb: 1, spine: true, root: 1e300}, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 7))
			var trees []Tree
			for len(trees) < tc.trees {
				trees = append(trees, genTree(rng, tc.spec))
			}
			if !tc.fast {
				require.Equal(t, tc.spec.depth, trees[0].MaxDepth())
			}
			budget := 1 << 20
			if !tc.fast {
				budget = -1
			}
			e, err := NewEnsemble(trees, tc.spec.features, &Options{TableBudget: budget, Method: Tables})
			require.NoError(t, err)
			for _, p := range e.trees {
				require.Equal(t, tc.fast, p.fast)
			}
			lin, err := NewEnsemble(trees, tc.spec.features, nil)
			require.NoError(t, err)
			for _, p := range lin.trees {
				require.NotNil(t, p.lin)
			}
			w := randWeights(rng, trees)
			w[0][0] = 1
			for _, e := range []*Ensemble{e, lin} {
				x, err := e.Explainer(w)
				require.NoError(t, err)
				dst := make([]float64, tc.spec.features)
				for r := 0; r < 20; r++ {
					row := genRow(rng, tc.spec.features, 0.1)
					base, err := x.Explain(row, dst)
					require.NoError(t, err)
					want, err := x.Value(row)
					require.NoError(t, err)
					sum := base
					for _, v := range dst {
						sum += v
					}
					assert.InDelta(t, want, sum, 1e-9*(1+math.Abs(want)))
					base2, err := x.ExplainApprox(row, dst)
					require.NoError(t, err)
					assert.Equal(t, base, base2)
					sum = base2
					for _, v := range dst {
						sum += v
					}
					assert.InDelta(t, want, sum, 1e-9*(1+math.Abs(want)))
				}
			}
		})
	}
}

// TestSaabas checks Saabas attribution on a hand-computed tree.
func TestSaabas(t *testing.T) {
	// Root splits feature 1 at 5 (cover 10 = 4 left + 6 right); the left
	// child splits feature 0 at 2 (cover 4 = 1 + 3) into leaves 1 and 5;
	// the right leaf holds 10. Means: node 1 = (1·1 + 3·5)/4 = 4, root =
	// (4·4 + 6·10)/10 = 7.6.
	tr := Tree{
		Nodes: []Node{
			{Feature: 1, Threshold: 5, Left: 1, Right: 4},
			{Feature: 0, Threshold: 2, Left: 2, Right: 3},
			{Feature: -1}, {Feature: -1}, {Feature: -1},
		},
		Outputs: 1,
		Values:  []float64{0, 0, 1, 5, 10},
		Cover:   []float64{10, 4, 1, 3, 6},
	}
	e, err := NewEnsemble([]Tree{tr}, 2, nil)
	require.NoError(t, err)
	x, err := e.Explainer(nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		row, want []float64
	}{
		{[]float64{1, 1}, []float64{1 - 4, 4 - 7.6}},
		{[]float64{3, 1}, []float64{5 - 4, 4 - 7.6}},
		{[]float64{3, 9}, []float64{0, 10 - 7.6}},
	} {
		dst := make([]float64, 2)
		base, err := x.ExplainApprox(tc.row, dst)
		require.NoError(t, err)
		assert.InDelta(t, 7.6, base, 1e-12)
		assert.InDeltaSlice(t, tc.want, dst, 1e-12)
	}
}

func TestExplainErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	good := genTree(rng, genSpec{features: 4, depth: 3, outputs: 2})
	noCover := good
	noCover.Cover = nil
	badCover := good
	badCover.Cover = append([]float64(nil), good.Cover...)
	badCover.Cover[0] = math.NaN()
	zeroCover := good
	zeroCover.Cover = append([]float64(nil), good.Cover...)
	zeroCover.Cover[0] = 0
	badNode := good
	badNode.Nodes = append([]Node(nil), good.Nodes...)
	badNode.Nodes[0].Feature = 9

	for _, tc := range []struct {
		name  string
		trees []Tree
		want  error
		text  string
	}{
		{"no trees", nil, errs.ErrEmpty, "no trees"},
		{"no cover", []Tree{good, noCover}, errs.ErrNoExplanation, "tree 1 has no cover"},
		{"NaN cover", []Tree{badCover}, errs.ErrFormat, "node 0: cover NaN"},
		{"zero cover", []Tree{zeroCover}, errs.ErrFormat, "internal node 0 has cover 0"},
		{"invalid tree", []Tree{good, good, badNode}, errs.ErrFormat, "tree 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEnsemble(tc.trees, 4, nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.text)
		})
	}

	e, err := NewEnsemble([]Tree{good, good}, 4, nil)
	require.NoError(t, err)
	for _, w := range [][][]float64{{{1, 1}}, {{1, 1}, {1}}} {
		_, err = e.Explainer(w)
		assert.ErrorIs(t, err, errs.ErrDimension)
	}
	_, err = e.Explainer([][]float64{{1, 1}, {1, math.Inf(1)}})
	assert.ErrorIs(t, err, errs.ErrNaN)

	x, err := e.Explainer(nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		name      string
		row, dst  []float64
		errSubstr string
	}{
		{"short row", make([]float64, 3), make([]float64, 4), "row of 3 values, want 4"},
		{"long row", make([]float64, 5), make([]float64, 4), "row of 5 values, want 4"},
		{"short dst", make([]float64, 4), make([]float64, 3), "dst of 3 values, want 4"},
		{"nil dst", make([]float64, 4), nil, "dst of 0 values, want 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []func([]float64, []float64) (float64, error){x.Explain, x.ExplainApprox} {
				_, err := f(tc.row, tc.dst)
				require.Error(t, err)
				assert.True(t, errors.Is(err, errs.ErrDimension))
				assert.Contains(t, err.Error(), tc.errSubstr)
			}
		})
	}
	_, err = x.Value(nil)
	assert.ErrorIs(t, err, errs.ErrDimension)
}

// TestExplainNoAllocs checks that explaining a row allocates nothing, with
// tables, by Linear TreeSHAP and leaf by leaf.
func TestExplainNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose, so scratch space is reallocated")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	trees := make([]Tree, 10)
	for i := range trees {
		trees[i] = genTree(rng, genSpec{features: 20, depth: 6, outputs: 2, leafProb: 0.1, catProb: 0.1})
	}
	row := genRow(rng, 20, 0.1)
	dst := make([]float64, 20)
	for _, budget := range []int{0, -1, -2} {
		opt := &Options{TableBudget: budget}
		switch budget {
		case 0:
			opt.Method = Tables
		case -2:
			opt.Method = Leafwise
		}
		e, err := NewEnsemble(trees, 20, opt)
		require.NoError(t, err)
		x, err := e.Explainer(randWeights(rng, trees))
		require.NoError(t, err)
		for name, f := range map[string]func([]float64, []float64) (float64, error){"exact": x.Explain, "approx": x.ExplainApprox} {
			allocs := testing.AllocsPerRun(100, func() {
				if _, err := f(row, dst); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "budget %d %s", budget, name)
		}
	}
}

// TestExplainConcurrent runs many goroutines on one Explainer (run with
// -race) and checks that they all get the single-threaded answers.
func TestExplainConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	trees := make([]Tree, 8)
	for i := range trees {
		spec := genSpec{features: 12, depth: 6, outputs: 1, leafProb: 0.1}
		if i%2 == 1 {
			spec.depth, spec.leafProb, spec.spine = 20, 0.5, true // over the table budget: leaf-wise
		}
		trees[i] = genTree(rng, spec)
	}
	e, err := NewEnsemble(trees, 12, &Options{TableBudget: 1 << 13, Method: Tables})
	require.NoError(t, err)
	modes := map[bool]int{}
	for _, p := range e.trees {
		modes[p.fast]++
	}
	require.Len(t, modes, 2, "tables for the shallow trees, leaf-wise for the deep ones")
	testConcurrent(t, e, rng)
	lin, err := NewEnsemble(trees, 12, nil)
	require.NoError(t, err)
	testConcurrent(t, lin, rng)
}

func testConcurrent(t *testing.T, e *Ensemble, rng *rand.Rand) {
	x, err := e.Explainer(nil)
	require.NoError(t, err)
	rows := make([][]float64, 20)
	want := make([][]float64, len(rows))
	for i := range rows {
		rows[i] = genRow(rng, 12, 0.1)
		want[i] = make([]float64, 12)
		_, err := x.Explain(rows[i], want[i])
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float64, 12)
			for rep := 0; rep < 3; rep++ {
				for i, row := range rows {
					if _, err := x.Explain(row, dst); err != nil {
						errc <- err
						return
					}
					for j := range dst {
						if dst[j] != want[i][j] {
							errc <- fmt.Errorf("goroutine %d row %d feature %d: %v != %v", g, i, j, dst[j], want[i][j])
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}
