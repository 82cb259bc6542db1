package xgboost

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/errs"
)

// The encodings of XGBoost 2.x and 3.x, tested by re-encoding XGBoost 1.7.4
// fixture models the way the newer releases write them (the changes are
// encodings only, so XGBoost's golden outputs stay valid), following
// XGBoost's source at v3.1.0: src/learner.cc (base_score as a JSON array in
// a string, one value per output), src/gbm/gbtree_model.cc
// (iteration_indptr, "cats"), src/data/cat_container.cc (the category
// container), src/tree/multi_target_tree_model.cc (vector leaves).

// fixtureDir is the folder of the NSL-KDD XGBoost fixtures named by
// XGBOOST_FIXTURES (../shared/fixtures/xgboost), for the benchmarks and
// the tests that need those models; the tests that only need a model
// XGBoost wrote check testdata/xgb and, when set, this folder too
// (fixtureSets).
var fixtureDir = sharedFixtureDir()

func sharedFixtureDir() string {
	if d := os.Getenv("XGBOOST_FIXTURES"); d != "" {
		return d
	}
	return "(XGBOOST_FIXTURES not set)"
}

// fixtureSets returns the committed fixtures (testdata/xgb, made by
// testdata/make_fixtures.py) and, when XGBOOST_FIXTURES is set, the
// shared ones.
func fixtureSets(tb testing.TB) []string {
	tb.Helper()
	dirs := []string{filepath.Join("testdata", "xgb")}
	if d := os.Getenv("XGBOOST_FIXTURES"); d != "" {
		_, err := os.Stat(filepath.Join(d, "manifest.json"))
		require.NoError(tb, err, "XGBOOST_FIXTURES=%s is not a fixture folder", d)
		dirs = append(dirs, d)
	}
	return dirs
}

func readRows(tb testing.TB, path string, header bool) [][]float64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Skipf("fixture %s not found: %v", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out [][]float64
	for first := true; sc.Scan(); first = false {
		if first && header {
			continue
		}
		var row []float64
		for _, c := range strings.Split(strings.TrimSpace(sc.Text()), ",") {
			v := math.NaN()
			if c != "" && c != "nan" {
				v, err = strconv.ParseFloat(c, 64)
				require.NoError(tb, err)
			}
			row = append(row, v)
		}
		out = append(out, row)
	}
	return out
}

// checkGolden checks m's margins on the fixture rows against name's golden
// margins, with shift[k] added to output k.
func checkGolden(t *testing.T, m *Model, dir, name, input string, shift []float64) {
	t.Helper()
	x := readRows(t, filepath.Join(dir, input), true)
	want := readRows(t, filepath.Join(dir, name+"_margin.csv"), false)
	require.Len(t, want, len(x))
	dst := make([]float64, m.NumOutputs())
	for i, row := range x {
		require.NoError(t, m.Margin(row, dst))
		for k := range dst {
			w := want[i][k]
			if shift != nil {
				w += shift[k]
			}
			require.InDelta(t, w, dst[k], 1e-5, "row %d output %d", i, k)
		}
	}
}

func bothEncodings(t *testing.T, doc *jobj, f func(t *testing.T, m *Model)) {
	for _, enc := range []struct {
		name string
		b    []byte
	}{{"json", toJSON(doc)}, {"ubjson", toUBJ(doc)}} {
		t.Run(enc.name, func(t *testing.T) {
			m, err := Parse(enc.b)
			require.NoError(t, err)
			f(t, m)
		})
	}
}

// TestBaseScoreArray: 3.1 writes base_score as "[5E-1]", and from 3.1 one
// value per output; the link (logit here) applies to each.
func TestBaseScoreArray(t *testing.T) {
	for _, dir := range fixtureSets(t) {
		t.Run(dir, func(t *testing.T) {
			doc := loadDOM(t, filepath.Join(dir, "binary_small.json"))
			doc.set("version", nums(3, 1, 0))
			doc.path("learner", "learner_model_param").set("base_score", "[5E-1]")
			bothEncodings(t, doc, func(t *testing.T, m *Model) {
				checkGolden(t, m, dir, "binary_small", "test_features.csv", nil)
			})
			// Per-class intercepts on the softprob model: identity link, so
			// each margin moves by its intercept minus the 0.5 it was
			// trained with.
			doc = loadDOM(t, filepath.Join(dir, "multi_softprob.json"))
			doc.set("version", nums(3, 1, 0))
			nc, err := strconv.Atoi(doc.path("learner", "learner_model_param").get("num_class").(string))
			require.NoError(t, err)
			var parts []string
			shift := make([]float64, nc)
			for k := range nc {
				v := 0.1 * float64(k+1)
				if k == nc-1 {
					v = 0.5
				}
				parts = append(parts, strconv.FormatFloat(v, 'E', -1, 32))
				shift[k] = float64(float32(v)) - 0.5
			}
			doc.path("learner", "learner_model_param").set("base_score", "["+strings.Join(parts, ",")+"]")
			bothEncodings(t, doc, func(t *testing.T, m *Model) {
				checkGolden(t, m, dir, "multi_softprob", "test_features.csv", shift)
			})
		})
	}
	// A logistic per-output intercept goes through the logit: 0.3 → -0.847.
	doc := tinyModel()
	doc.path("learner", "learner_model_param").set("base_score", "[3E-1]")
	m, err := Parse(toJSON(doc))
	require.NoError(t, err)
	assert.InDelta(t, math.Log(0.3/0.7), m.BaseMargin(0), 1e-6)
}

// TestIterationIndptr: 2.0 and later record where each boosting round's
// trees start.
func TestIterationIndptr(t *testing.T) {
	for _, dir := range fixtureSets(t) {
		t.Run(dir, func(t *testing.T) {
			doc := loadDOM(t, filepath.Join(dir, "multi_softprob.json"))
			doc.set("version", nums(2, 1, 0))
			nc, err := strconv.Atoi(doc.path("learner", "learner_model_param").get("num_class").(string))
			require.NoError(t, err)
			nt := len(doc.path("learner", "gradient_booster", "model").get("trees").([]any))
			rounds := nt / nc
			p := make([]float64, rounds+1)
			for i := range p {
				p[i] = float64(nc * i)
			}
			doc.path("learner", "gradient_booster", "model").set("iteration_indptr", nums(p...))
			bothEncodings(t, doc, func(t *testing.T, m *Model) {
				assert.Equal(t, rounds, m.Rounds())
				assert.Equal(t, nt, m.NumTrees())
				checkGolden(t, m, dir, "multi_softprob", "test_features.csv", nil)
				// A range counts rounds through iteration_indptr.
				c, err := m.WithIterationRange(1, rounds)
				require.NoError(t, err)
				assert.Equal(t, nt-nc, c.NumTrees())
			})
		})
	}
}

// TestCatsContainer: 3.1 stores the training categories in the model
// ("cats"); the codes it gives must be the ones the trees split on.
func TestCatsContainer(t *testing.T) {
	for _, dir := range fixtureSets(t) {
		t.Run(dir, func(t *testing.T) { checkCatsContainer(t, dir) })
	}
}

func checkCatsContainer(t *testing.T, dir string) {
	doc := loadDOM(t, filepath.Join(dir, "categorical.json"))
	b, err := os.ReadFile(filepath.Join(dir, "categorical_categories.json"))
	require.NoError(t, err)
	var lists map[string][]string
	require.NoError(t, json.Unmarshal(b, &lists))
	names := doc.path("learner").get("feature_names").([]any)
	segs := []float64{0}
	var enc []any
	for _, n := range names {
		list := lists[n.(string)]
		var offsets, values []float64
		if list != nil {
			offsets = []float64{0}
			for _, c := range list {
				for _, ch := range []byte(c) {
					values = append(values, float64(ch))
				}
				offsets = append(offsets, float64(len(values)))
			}
			o := &jobj{}
			o.set("offsets", nums(offsets...))
			o.set("values", nums(values...))
			enc = append(enc, o)
		} else {
			o := &jobj{}
			o.set("type", 7.0)
			o.set("values", []any{})
			enc = append(enc, o)
		}
		segs = append(segs, segs[len(segs)-1]+float64(len(list)))
	}
	cats := &jobj{}
	cats.set("enc", enc)
	cats.set("feature_segments", nums(segs...))
	cats.set("sorted_idx", nums())
	doc.path("learner", "gradient_booster", "model").set("cats", cats)
	doc.set("version", nums(3, 1, 0))
	bothEncodings(t, doc, func(t *testing.T, m *Model) {
		codes := m.CategoryCodes()
		require.Len(t, codes, 3)
		want, err := NewCategoryCodes(lists)
		require.NoError(t, err)
		assert.Equal(t, want, codes)
		proto := "protocol_type" // the NSL-KDD column; "proto" in testdata
		if _, ok := codes["proto"]; ok {
			proto = "proto"
		}
		assert.Equal(t, 1.0, codes.Code(proto, "tcp"))
		assert.True(t, math.IsNaN(codes.Code("service", "never-seen")))
		checkGolden(t, m, dir, "categorical", "categorical_features.csv", nil)
	})
}

// TestVectorLeaves: multi_strategy=multi_output_tree (2.0 and later) saves
// trees with size_leaf_vector > 1, whose base_weights hold one vector per
// node and whose leaves add to every target. The model is hand-made, with
// its expected margins worked out by hand.
func TestVectorLeaves(t *testing.T) {
	doc := tinyModel()
	doc.set("version", nums(3, 1, 0))
	lp := doc.path("learner", "learner_model_param")
	lp.set("num_target", "2")
	lp.set("base_score", "[1E0,2E0]")
	doc.path("learner", "objective").set("name", "reg:squarederror")
	tr := tinyTree(doc)
	tr.path("tree_param").set("size_leaf_vector", "2")
	tr.set("base_weights", nums(0, 0, 0.25, -0.25, 0, 0, -0.5, 0.5, 1.5, 2.5))
	tr.del("sum_hessian")
	tr.del("loss_changes")
	tr.set("split_conditions", nums(0.5, 0, 3, 0, 0))
	model := doc.path("learner", "gradient_booster", "model")
	model.set("iteration_indptr", nums(0, 1))
	bothEncodings(t, doc, func(t *testing.T, m *Model) {
		require.Equal(t, 2, m.NumOutputs())
		assert.Equal(t, -1, m.TreeOutput(0))
		dst := make([]float64, 2)
		for _, tc := range []struct {
			x    []float64
			want []float64
		}{
			{[]float64{0, 0}, []float64{1.25, 1.75}},
			{[]float64{1, 0}, []float64{0.5, 2.5}},
			{[]float64{1, 5}, []float64{2.5, 4.5}},
		} {
			require.NoError(t, m.Margin(tc.x, dst))
			assert.Equal(t, tc.want, dst)
			require.NoError(t, m.Predict(tc.x, dst))
			assert.Equal(t, tc.want, dst)
		}
		_, err := m.Score([]float64{0, 0})
		assert.ErrorContains(t, err, "2 targets")
		// Saved without sum_hessian, vector-leaf trees cannot be explained.
		_, err = m.ExplainClass(0, []float64{0, 0}, dst)
		assert.ErrorIs(t, err, errs.ErrNoExplanation)
		assert.ErrorContains(t, err, "no cover statistics")
	})
}

// TestPre10Binary: the binary format before 1.0 is 1.x's without the magic
// and with zero version fields.
func TestPre10Binary(t *testing.T) {
	checked := 0
	for _, dir := range fixtureSets(t) {
		for _, name := range []string{"binary_small", "binary_100", "multi_softprob", "missing_basescore"} {
			b, err := os.ReadFile(filepath.Join(dir, name+".model"))
			if err != nil {
				continue // binary_100 is JSON only in testdata
			}
			t.Run(dir+"/"+name, func(t *testing.T) {
				m, err := Parse(Pre10Binary(b))
				require.NoError(t, err)
				assert.Equal(t, "legacy binary (pre-1.0)", m.Format())
				input := "test_features.csv"
				if name == "missing_basescore" {
					input = "test_features_nan.csv"
				}
				checkGolden(t, m, dir, name, input, nil)
			})
			checked++
		}
	}
	assert.GreaterOrEqual(t, checked, 3)
}

// Pre10Binary rewrites a 1.x legacy binary model as XGBoost 0.90 wrote it:
// no "binf" magic, zero version and num_target fields, no attributes.
func Pre10Binary(b []byte) []byte {
	out := append([]byte(nil), b[4:]...)
	binary.LittleEndian.PutUint32(out[12:], 0) // contain_extra_attrs
	for o := 20; o < learnerParamSize; o += 4 {
		binary.LittleEndian.PutUint32(out[o:], 0)
	}
	// 0.90 filled GBTreeModelParam's num_feature and num_output_group, which
	// 1.x leaves at zero (and leaves relies on).
	numFeature := binary.LittleEndian.Uint32(out[4:])
	numClass := binary.LittleEndian.Uint32(out[8:])
	p := learnerParamSize
	for range 2 { // the objective and booster names
		p += 8 + int(binary.LittleEndian.Uint64(out[p:]))
	}
	binary.LittleEndian.PutUint32(out[p+8:], numFeature)
	binary.LittleEndian.PutUint32(out[p+24:], max(1, numClass))
	// Drop the attributes at the end.
	return out[:legacyEnd(b)-4]
}

// legacyEnd returns the offset where the booster ends in a legacy binary.
func legacyEnd(b []byte) int {
	r := &binReader{b: b, pos: 4 + learnerParamSize}
	r.str("", nil)
	booster, _ := r.str("", nil)
	m := &rawModel{booster: booster}
	if booster == "gblinear" {
		r.pos += gblinearParamSize
		r.floats("", nil)
	} else {
		decodeLegacyTrees(r, m)
	}
	return r.pos
}
