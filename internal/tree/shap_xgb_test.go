package tree

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// This file checks the TreeSHAP engine against XGBoost's own pred_contribs
// and approx_contribs on the fixtures of ../shared/fixtures/xgboost. It reads
// the models' JSON with a minimal test-only converter (the library's reader
// is package forest/xgboost, which imports this package).

// xgbFixtureDir returns the XGBoost fixture folder ($XGBOOST_FIXTURES, or
// ../shared/fixtures/xgboost beside the repository), or skips tb.
func xgbFixtureDir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("XGBOOST_FIXTURES")
	if d == "" {
		wd, err := os.Getwd()
		require.NoError(tb, err)
		// The package is internal/tree; the repository root is two up.
		d = filepath.Join(wd, "..", "..", "..", "shared", "fixtures", "xgboost")
	}
	if _, err := os.Stat(filepath.Join(d, "binary_100.json")); err != nil {
		tb.Skipf("fixture test: set XGBOOST_FIXTURES to the folder of the XGBoost fixtures (../shared/fixtures/xgboost): %v", err)
	}
	return d
}

type xgbJSONTree struct {
	Left       []int32   `json:"left_children"`
	Right      []int32   `json:"right_children"`
	Cond       []float64 `json:"split_conditions"`
	Index      []int32   `json:"split_indices"`
	Type       []int     `json:"split_type"`
	DefLeft    []int     `json:"default_left"`
	Hess       []float64 `json:"sum_hessian"`
	CatNodes   []int     `json:"categories_nodes"`
	CatSegs    []int     `json:"categories_segments"`
	CatSizes   []int     `json:"categories_sizes"`
	Categories []int     `json:"categories"`
}

type xgbJSONModel struct {
	Learner struct {
		Booster struct {
			Name       string    `json:"name"`
			WeightDrop []float64 `json:"weight_drop"`
			Model      *struct {
				TreeInfo []int         `json:"tree_info"`
				Trees    []xgbJSONTree `json:"trees"`
			} `json:"model"`
			GBTree *struct {
				Model struct {
					TreeInfo []int         `json:"tree_info"`
					Trees    []xgbJSONTree `json:"trees"`
				} `json:"model"`
			} `json:"gbtree"`
		} `json:"gradient_booster"`
	} `json:"learner"`
}

// f32 rounds to float32 as XGBoost stores and compares values.
func f32(v float64) float64 { return float64(float32(v)) }

// loadXGBJSON converts an XGBoost 1.7 JSON tree model into Trees (renumbered
// depth first so that children follow parents), with the class of each tree
// and the dart weights (nil for gbtree).
func loadXGBJSON(tb testing.TB, path string) (trees []Tree, class []int, weights []float64) {
	tb.Helper()
	b, err := os.ReadFile(path)
	require.NoError(tb, err)
	// XGBoost writes NaN split conditions for categorical nodes.
	var m xgbJSONModel
	require.NoError(tb, json.Unmarshal(fixNaN(b), &m))
	bo := m.Learner.Booster
	var src []xgbJSONTree
	switch bo.Name {
	case "gbtree":
		src, class = bo.Model.Trees, bo.Model.TreeInfo
	case "dart":
		src, class, weights = bo.GBTree.Model.Trees, bo.GBTree.Model.TreeInfo, bo.WeightDrop
	default:
		tb.Fatalf("booster %q", bo.Name)
	}
	for _, jt := range src {
		cats := map[int][]int{}
		for k, n := range jt.CatNodes {
			cats[n] = jt.Categories[jt.CatSegs[k] : jt.CatSegs[k]+jt.CatSizes[k]]
		}
		var t Tree
		t.Outputs = 1
		hasCat := len(cats) > 0
		var add func(j int32) int32
		add = func(j int32) int32 {
			i := int32(len(t.Nodes))
			t.Nodes = append(t.Nodes, Node{Feature: -1})
			t.Values = append(t.Values, 0)
			t.Cover = append(t.Cover, f32(jt.Hess[j]))
			if hasCat {
				t.Categories = append(t.Categories, nil)
			}
			if jt.Left[j] < 0 {
				t.Values[i] = f32(jt.Cond[j])
				return i
			}
			n := Node{Feature: jt.Index[j], Threshold: f32(jt.Cond[j])}
			if jt.DefLeft[j] != 0 {
				n.Flags |= DefaultLeft
			}
			if jt.Type[j] == 1 {
				n.Flags |= Categorical
				n.Threshold = 0
				var set []uint64
				for _, c := range cats[int(j)] {
					for len(set) <= c/64 {
						set = append(set, 0)
					}
					set[c/64] |= 1 << (c % 64)
				}
				if set == nil {
					set = []uint64{0}
				}
				t.Categories[i] = set
			}
			n.Left = add(jt.Left[j])
			n.Right = add(jt.Right[j])
			t.Nodes[i] = n
			return i
		}
		add(0)
		trees = append(trees, t)
	}
	return trees, class, weights
}

// fixNaN replaces the bare NaN tokens XGBoost writes with a number; the
// nodes that hold them are categorical, whose threshold is unused.
func fixNaN(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if i+3 <= len(b) && string(b[i:i+3]) == "NaN" {
			out = append(out, '0')
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// readCSV reads a numeric CSV (header optional); empty cells read as NaN.
func readCSV(tb testing.TB, path string, header bool) [][]float64 {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(tb, err)
	if header {
		recs = recs[1:]
	}
	rows := make([][]float64, len(recs))
	for i, r := range recs {
		rows[i] = make([]float64, len(r))
		for j, s := range r {
			if s == "" {
				rows[i][j] = math.NaN()
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(tb, err, "%s line %d column %d", path, i+1, j+1)
			rows[i][j] = v
		}
	}
	return rows
}

// TestXGBoostContribs compares Explain with XGBoost's pred_contribs and
// ExplainApprox with approx_contribs on every tree-booster fixture (500 rows
// each), to 1e-5 as the issue asks (XGBoost computes in float32). The bias
// column minus Base must be one constant per class: the model's base margin.
func TestXGBoostContribs(t *testing.T) {
	dir := xgbFixtureDir(t)
	for _, tc := range []struct {
		name, input string
		classes     int
		approx      bool
	}{
		{"binary_small", "test_features.csv", 1, true},
		{"binary_100", "test_features.csv", 1, true},
		{"binary_logitraw", "test_features.csv", 1, true},
		{"multi_softprob", "test_features.csv", 5, true},
		{"missing_basescore", "test_features_nan.csv", 1, true},
		{"reg_squarederror", "test_features.csv", 1, true},
		{"reg_logistic", "test_features.csv", 1, true},
		{"dart", "test_features.csv", 1, true},
		{"categorical", "categorical_features.csv", 5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trees, class, drop := loadXGBJSON(t, filepath.Join(dir, tc.name+".json"))
			rows := readCSV(t, filepath.Join(dir, tc.input), true)
			if testing.Short() || raceEnabled {
				rows = rows[:30]
			}
			m := len(rows[0])
			budgets := []int{0, -1} // tables, then leaf by leaf
			if raceEnabled {
				budgets = budgets[:1]
			}
			for _, budget := range budgets {
				e, err := NewEnsemble(trees, m, &Options{TableBudget: budget})
				require.NoError(t, err)
				files := []string{tc.name + "_contribs.csv"}
				if tc.approx {
					files = append(files, tc.name+"_contribs_approx.csv")
				}
				for fi, file := range files {
					want := readCSV(t, filepath.Join(dir, file), false)
					for k := 0; k < tc.classes; k++ {
						w := make([][]float64, len(trees))
						for i := range trees {
							w[i] = []float64{0}
							if class[i] == k {
								w[i][0] = 1
								if drop != nil {
									w[i][0] = drop[i]
								}
							}
						}
						x, err := e.Explainer(w)
						require.NoError(t, err)
						explain := x.Explain
						if fi == 1 {
							explain = x.ExplainApprox
						}
						dst := make([]float64, m)
						row := make([]float64, m)
						var baseMargin, maxDiff float64
						for r, raw := range rows {
							for j, v := range raw {
								row[j] = f32(v)
							}
							base, err := explain(row, dst)
							require.NoError(t, err)
							got := want[r][k*(m+1) : (k+1)*(m+1)]
							for j := 0; j < m; j++ {
								if !assert.InDelta(t, got[j], dst[j], 1e-5, "%s class %d row %d feature %d", file, k, r, j) {
									return
								}
								maxDiff = math.Max(maxDiff, math.Abs(got[j]-dst[j]))
							}
							if r == 0 {
								baseMargin = got[m] - base
							}
							assert.InDelta(t, baseMargin, got[m]-base, 1e-5, "%s class %d row %d: bias", file, k, r)
						}
						t.Logf("%s budget %d class %d: max |difference| %.2g over %d rows", file, budget, k, maxDiff, len(rows))
					}
				}
			}
		})
	}
}
