package xgboost_test

import (
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest/xgboost"
)

// Explainers is what a Model must satisfy for the bundle to explain it.
var _ anomaly.Explainer = (*xgboost.Model)(nil)

// contribTol is the tolerance for contributions: XGBoost computes them in
// float32.
const contribTol = 1e-5

// TestExplainFixtures checks ExplainClass against XGBoost's
// predict(pred_contribs=True) and ExplainClassApprox against
// approx_contribs=True, feature by feature and bias included, for every
// fixture with contributions (binary, logitraw, multi-class, NaN default
// directions, regression objectives, dart with its tree weights, gblinear
// and the categorical model), on the 500 rows (30 under -race or -short),
// through every format XGBoost wrote the model in (JSON only under -race or
// -short). It also checks that Explain is ExplainClass(0) for one output
// and −ExplainClass(normal) for several classes, and that bias + Σ dst is
// the margin.
func TestExplainFixtures(t *testing.T) {
	dir := fixtures(t)
	short := testing.Short() || raceEnabled
	for _, f := range fixtureModels {
		exact := filepath.Join(dir, f.name+"_contribs.csv")
		if _, err := os.Stat(exact); err != nil {
			continue // multi_softmax: XGBoost wrote no contributions
		}
		x := inputs(t, dir, f)
		want := readCSV(t, exact, false)
		var wantApprox [][]float64
		if approx := filepath.Join(dir, f.name+"_contribs_approx.csv"); fileExists(approx) {
			wantApprox = readCSV(t, approx, false)
		}
		margins := readCSV(t, filepath.Join(dir, f.name+"_margin.csv"), false)
		if short {
			x = x[:30]
		}
		for _, ext := range []string{"json", "ubj", "model"} {
			path := filepath.Join(dir, f.name+"."+ext)
			if !fileExists(path) || (short && ext != "json") {
				continue
			}
			t.Run(f.name+"."+ext, func(t *testing.T) {
				m, err := xgboost.Load(path)
				require.NoError(t, err)
				nf, nout := m.NumFeatures(), m.NumOutputs()
				require.Len(t, want[0], nout*(nf+1))
				dst := make([]float64, nf)
				score := make([]float64, nf)
				maxDiff := 0.0
				for r, row := range x {
					sb, err := m.Explain(row, score)
					require.NoError(t, err)
					for k := range nout {
						for fi, check := range []struct {
							name    string
							explain func(int, []float64, []float64) (float64, error)
							want    [][]float64
						}{
							{"pred_contribs", m.ExplainClass, want},
							{"approx_contribs", m.ExplainClassApprox, wantApprox},
						} {
							if check.want == nil {
								continue
							}
							base, err := check.explain(k, row, dst)
							require.NoError(t, err)
							got := check.want[r][k*(nf+1) : (k+1)*(nf+1)]
							for j := range nf {
								if !assert.InDelta(t, got[j], dst[j], contribTol, "%s row %d class %d feature %d", check.name, r, k, j) {
									t.FailNow()
								}
								maxDiff = max(maxDiff, math.Abs(got[j]-dst[j]))
							}
							require.InDelta(t, got[nf], base, contribTol, "%s row %d class %d bias", check.name, r, k)
							require.InDelta(t, margins[r][k], base+sum(dst), contribTol, "%s row %d class %d: bias + Σ = margin", check.name, r, k)
							if fi == 0 && nout == 1 {
								assert.Equal(t, base, sb)
								assert.Equal(t, dst, score)
							}
							if fi == 0 && k == m.NormalClass() && m.NumClass() > 0 {
								assert.Equal(t, -base, sb)
								for j := range dst {
									require.Equal(t, -dst[j], score[j])
								}
							}
						}
					}
				}
				t.Logf("max |difference| from XGBoost %.2g over %d rows × %d outputs", maxDiff, len(x), nout)
			})
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// TestExplainApproxScore checks ExplainApprox against approx_contribs on
// binary_100 and the negated normal class of multi_softprob, through
// Explain's own choice of output.
func TestExplainApproxScore(t *testing.T) {
	dir := fixtures(t)
	for _, name := range []string{"binary_100", "multi_softprob"} {
		m, err := xgboost.Load(filepath.Join(dir, name+".json"))
		require.NoError(t, err)
		x := readCSV(t, filepath.Join(dir, "test_features.csv"), true)[:20]
		want := readCSV(t, filepath.Join(dir, name+"_contribs_approx.csv"), false)
		nf := m.NumFeatures()
		dst := make([]float64, nf)
		sign := 1.0
		if m.NumClass() > 0 {
			sign = -1
		}
		for r, row := range x {
			base, err := m.ExplainApprox(row, dst)
			require.NoError(t, err)
			got := want[r][:nf+1] // class 0, the normal class
			for j := range nf {
				require.InDelta(t, sign*got[j], dst[j], contribTol, "%s row %d feature %d", name, r, j)
			}
			require.InDelta(t, sign*got[nf], base, contribTol)
		}
	}
}

// TestExplainNormalClass: WithNormalClass changes the class Explain
// negates, and the copy shares the prepared explainers.
func TestExplainNormalClass(t *testing.T) {
	dir := fixtures(t)
	m, err := xgboost.Load(filepath.Join(dir, "multi_softprob.json"))
	require.NoError(t, err)
	x := readCSV(t, filepath.Join(dir, "test_features.csv"), true)[3]
	nf := m.NumFeatures()
	a, b := make([]float64, nf), make([]float64, nf)
	_, err = m.Explain(x, a) // prepares the explainers
	require.NoError(t, err)
	m2, err := m.WithNormalClass(2)
	require.NoError(t, err)
	base, err := m2.Explain(x, a)
	require.NoError(t, err)
	base2, err := m.ExplainClass(2, x, b)
	require.NoError(t, err)
	assert.Equal(t, -base2, base)
	for j := range a {
		assert.Equal(t, -b[j], a[j])
	}
}

// TestExplainErrors: rows and buffers of the wrong length, an output out of
// range, a multi-target model's Explain and a zero Model are errors that say
// so (vector-leaf trees, saved without sum_hessian: TestVectorLeaves).
func TestExplainErrors(t *testing.T) {
	dir := filepath.Join("testdata", "extra")
	x := readCSV(t, filepath.Join(dir, "input.csv"), true)[0]
	m, err := xgboost.Load(filepath.Join(dir, "boosted_rf.json"))
	require.NoError(t, err)
	nf := m.NumFeatures()
	mt, err := xgboost.Load(filepath.Join(dir, "multi_target.json"))
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		call func() (float64, error)
		is   error
		msg  string
	}{
		{"short row", func() (float64, error) { return m.Explain(x[:5], make([]float64, nf)) }, anomaly.ErrDimension, "row has 5 values"},
		{"short dst", func() (float64, error) { return m.Explain(x, make([]float64, 3)) }, anomaly.ErrDimension, "contribution buffer has 3 values"},
		{"long dst approx", func() (float64, error) { return m.ExplainApprox(x, make([]float64, nf+1)) }, anomaly.ErrDimension, "contribution buffer"},
		{"class out of range", func() (float64, error) { return m.ExplainClass(1, x, make([]float64, nf)) }, anomaly.ErrDimension, "output 1 outside [0, 1)"},
		{"negative class", func() (float64, error) { return m.ExplainClassApprox(-1, x, make([]float64, nf)) }, anomaly.ErrDimension, "output -1"},
		{"multi-target Explain", func() (float64, error) { return mt.Explain(x, make([]float64, nf)) }, anomaly.ErrUnsupported, "use ExplainClass"},
		{"zero model", func() (float64, error) { return new(xgboost.Model).Explain(nil, nil) }, anomaly.ErrNotFitted, "xgboost"},
		{"zero model class", func() (float64, error) { return new(xgboost.Model).ExplainClass(0, nil, nil) }, anomaly.ErrNotFitted, "xgboost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.call()
			require.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Regexp(t, "^xgboost: ", err.Error())
		})
	}
}

// TestExplainNoAllocations: after the first call prepares the explainers,
// explaining a row allocates nothing, for trees, categorical trees, dart and
// gblinear.
func TestExplainNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items on purpose, so scratch space is reallocated")
	}
	dir := fixtures(t)
	for _, tc := range []struct{ model, input string }{
		{"binary_100.json", "test_features.csv"},
		{"multi_softprob.json", "test_features.csv"},
		{"dart.json", "test_features.csv"},
		{"gblinear.json", "test_features.csv"},
		{"categorical.ubj", "categorical_features.csv"},
	} {
		m, err := xgboost.Load(filepath.Join(dir, tc.model))
		require.NoError(t, err)
		x := readCSV(t, filepath.Join(dir, tc.input), true)[0]
		dst := make([]float64, m.NumFeatures())
		for name, f := range map[string]func(){
			"Explain":            func() { _, _ = m.Explain(x, dst) },
			"ExplainApprox":      func() { _, _ = m.ExplainApprox(x, dst) },
			"ExplainClass":       func() { _, _ = m.ExplainClass(0, x, dst) },
			"ExplainClassApprox": func() { _, _ = m.ExplainClassApprox(0, x, dst) },
		} {
			assert.Zero(t, testing.AllocsPerRun(20, f), "%s %s", tc.model, name)
		}
	}
}

// TestExplainConcurrent explains the same rows from several goroutines,
// the first calls racing to prepare the explainers, and expects the
// results of one goroutine (run it under -race).
func TestExplainConcurrent(t *testing.T) {
	dir := fixtures(t)
	m, err := xgboost.Load(filepath.Join(dir, "multi_softprob.json"))
	require.NoError(t, err)
	x := readCSV(t, filepath.Join(dir, "test_features.csv"), true)[:16]
	nf := m.NumFeatures()
	const workers = 4
	got := make([][]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float64, nf)
			for _, row := range x {
				base, err := m.Explain(row, dst)
				if err != nil {
					t.Error(err)
					return
				}
				got[w] = append(got[w], base)
				got[w] = append(got[w], dst...)
			}
		}()
	}
	wg.Wait()
	for w := 1; w < workers; w++ {
		assert.Equal(t, got[0], got[w])
	}
}

// TestExplainExtraModels checks local accuracy, bias + Σ contributions =
// margin, for every output of the models of testdata/extra (random forests,
// boosted random forests, dart with classes, multi-target, the other
// objectives), XGBoost's own margins being the reference.
func TestExplainExtraModels(t *testing.T) {
	dir := filepath.Join("testdata", "extra")
	x := readCSV(t, filepath.Join(dir, "input.csv"), true)
	for _, name := range []string{"rf", "boosted_rf", "multi_rf", "dart_multi", "multi_target", "hinge", "poisson", "gamma", "tweedie", "absoluteerror", "pseudohubererror", "squaredlogerror", "cox", "aft", "pairwise", "ndcg", "map"} {
		t.Run(name, func(t *testing.T) {
			m, err := xgboost.Load(filepath.Join(dir, name+".json"))
			require.NoError(t, err)
			margins := readCSV(t, filepath.Join(dir, name+"_margin.csv"), false)
			dst := make([]float64, m.NumFeatures())
			for r, row := range x {
				for k := range m.NumOutputs() {
					base, err := m.ExplainClass(k, row, dst)
					require.NoError(t, err)
					require.InDelta(t, margins[r][k], base+sum(dst), contribTol, "row %d output %d", r, k)
					base, err = m.ExplainClassApprox(k, row, dst)
					require.NoError(t, err)
					require.InDelta(t, margins[r][k], base+sum(dst), contribTol, "approx row %d output %d", r, k)
				}
			}
		})
	}
}

// TestExplainNoTrees checks the explanations of models without a tree: the
// zero-round fixture, whose golden contributions (XGBoost's
// pred_contribs and approx_contribs) are the bias column alone and which
// TestExplainFixtures compares value by value, and empty iteration ranges
// of a binary and a multi-class model. Every feature must get 0, even in a
// dst that held values, the bias must be the model's margin, and Explain
// must allocate nothing.
func TestExplainNoTrees(t *testing.T) {
	dir := fixtures(t)
	x := inputs(t, dir, fixtureModels[0])[:5]
	zero := func(name string) func(*testing.T) *xgboost.Model {
		return func(t *testing.T) *xgboost.Model {
			m, err := xgboost.Load(filepath.Join(dir, name))
			require.NoError(t, err)
			return m
		}
	}
	ranged := func(name string, round int) func(*testing.T) *xgboost.Model {
		return func(t *testing.T) *xgboost.Model {
			m, err := xgboost.Load(filepath.Join(dir, name))
			require.NoError(t, err)
			c, err := m.WithIterationRange(round, round)
			require.NoError(t, err)
			return c
		}
	}
	for _, tc := range []struct {
		name  string
		model func(*testing.T) *xgboost.Model
		bias  float64 // XGBoost's bias column for one output, else NaN
	}{
		{"zero_trees.json", zero("zero_trees.json"), readCSV(t, filepath.Join(dir, "zero_trees_contribs.csv"), false)[0][10]},
		{"zero_trees.ubj", zero("zero_trees.ubj"), readCSV(t, filepath.Join(dir, "zero_trees_contribs.csv"), false)[0][10]},
		{"zero_trees.model", zero("zero_trees.model"), readCSV(t, filepath.Join(dir, "zero_trees_contribs.csv"), false)[0][10]},
		{"binary_small rounds [2, 2)", ranged("binary_small.json", 2), math.NaN()},
		{"multi_softprob rounds [1, 1)", ranged("multi_softprob.json", 1), math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model(t)
			require.Zero(t, m.NumTrees())
			nf, nout := m.NumFeatures(), m.NumOutputs()
			dst := make([]float64, nf)
			margin := make([]float64, nout)
			for _, row := range x {
				require.NoError(t, m.Margin(row, margin))
				for k := range nout {
					for _, explain := range []func(int, []float64, []float64) (float64, error){m.ExplainClass, m.ExplainClassApprox} {
						for j := range dst {
							dst[j] = 1
						}
						base, err := explain(k, row, dst)
						require.NoError(t, err)
						assert.Equal(t, make([]float64, nf), dst, "class %d", k)
						assert.Equal(t, margin[k], base, "class %d", k)
						assert.Equal(t, m.BaseMargin(k), base, "class %d", k)
						if !math.IsNaN(tc.bias) {
							assert.InDelta(t, tc.bias, base, contribTol)
						}
					}
				}
				base, err := m.Explain(row, dst)
				require.NoError(t, err)
				want := margin[0]
				if m.NumClass() > 0 {
					want = -margin[m.NormalClass()]
				}
				assert.Equal(t, want, base)
				for j := range dst {
					assert.Zero(t, dst[j], "feature %d", j)
				}
			}
			allocs := testing.AllocsPerRun(20, func() { _, _ = m.Explain(x[0], dst) })
			assert.Zero(t, allocs)
		})
	}
}
