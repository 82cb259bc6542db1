package xgboost

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/errs"
)

func TestTinyModel(t *testing.T) {
	for _, enc := range []struct {
		name string
		f    func(any) []byte
	}{{"json", toJSON}, {"ubjson", toUBJ}} {
		m, err := Parse(enc.f(tinyModel()))
		require.NoError(t, err, enc.name)
		assert.Equal(t, enc.name, m.Format())
		nan := math.NaN()
		for _, tc := range []struct {
			x      []float64
			margin float32
		}{
			{[]float64{0, 0}, 0.25},
			{[]float64{nan, 100}, 0.25},       // NaN goes left at the root
			{[]float64{0.5, 2.9999}, -0.5},    // x0 = 0.5 is not < 0.5
			{[]float64{0.5, 2.99999999}, 1.5}, // float32(2.99999999) = 3
			{[]float64{1, nan}, 1.5},          // NaN goes right at node 2
			{[]float64{1, 3}, 1.5},
			// float32(0.49999999999) = 0.5, so XGBoost sends it right.
			{[]float64{0.49999999999, 0}, -0.5},
		} {
			dst := []float64{0}
			require.NoError(t, m.Margin(tc.x, dst))
			assert.Equal(t, float64(tc.margin), dst[0], "%v", tc.x)
			s, err := m.Score(tc.x)
			require.NoError(t, err)
			assert.InDelta(t, 1/(1+math.Exp(-float64(tc.margin))), s, 1e-7)
		}
	}
}

// TestRefusals checks that each damaged or unsupported model is an error
// naming the field and value found, wrapping the right sentinel.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(doc *jobj)
		target error
		text   string
	}{
		{"unknown objective", func(d *jobj) { d.path("learner", "objective").set("name", "reg:fancy") }, errs.ErrUnsupported, `objective "reg:fancy"`},
		{"unknown booster", func(d *jobj) { d.path("learner", "gradient_booster").set("name", "gbforest") }, errs.ErrUnsupported, `booster "gbforest"`},
		{"newer version", func(d *jobj) { d.set("version", nums(3, 7, 0)) }, errs.ErrVersion, "3.7.0, newer than 3.1.x"},
		{"unknown split type", func(d *jobj) { tinyTree(d).set("split_type", nums(2, 0, 0, 0, 0)) }, errs.ErrUnsupported, "split_type 2"},
		{"unknown feature type", func(d *jobj) { d.path("learner").set("feature_types", []any{"float", "datetime"}) }, errs.ErrUnsupported, `feature 1 has type "datetime"`},
		{"child out of range", func(d *jobj) { tinyTree(d).set("left_children", nums(1, -1, 7, -1, -1)) }, errs.ErrFormat, "children 7, 4 outside [0, 5)"},
		{"cycle", func(d *jobj) { tinyTree(d).set("left_children", nums(1, -1, 0, -1, -1)) }, errs.ErrFormat, "reached twice"},
		{"shared child", func(d *jobj) { tinyTree(d).set("right_children", nums(2, -1, 1, -1, -1)) }, errs.ErrFormat, "reached twice"},
		{"feature out of range", func(d *jobj) { tinyTree(d).set("split_indices", nums(5, 0, 1, 0, 0)) }, errs.ErrFormat, "split feature 5 outside [0, 2)"},
		{"short array", func(d *jobj) { tinyTree(d).set("split_conditions", nums(0.5, 0.25)) }, errs.ErrFormat, "split_conditions: 2 entries, want 5"},
		{"absurd num_nodes", func(d *jobj) { tinyTree(d).path("tree_param").set("num_nodes", "99999999999") }, errs.ErrFormat, "num_nodes"},
		{"wrong type", func(d *jobj) { tinyTree(d).set("split_indices", "zero") }, errs.ErrFormat, "split_indices: array expected, found string"},
		{"NaN condition", func(d *jobj) { tinyTree(d).set("split_conditions", nums(math.NaN(), 0.25, 3, -0.5, 1.5)) }, errs.ErrFormat, "NaN split condition"},
		{"tree count", func(d *jobj) {
			d.path("learner", "gradient_booster", "model", "gbtree_model_param").set("num_trees", "2")
		}, errs.ErrFormat, "num_trees: 2, but 1 trees"},
		{"tree_info", func(d *jobj) { d.path("learner", "gradient_booster", "model").set("tree_info", nums(3)) }, errs.ErrFormat, "tree_info 3 outside [0, 1)"},
		{"base score", func(d *jobj) { d.path("learner", "learner_model_param").set("base_score", "1.5") }, errs.ErrFormat, "base_score 1.5 outside (0, 1)"},
		{"base score vector", func(d *jobj) { d.path("learner", "learner_model_param").set("base_score", "[5E-1,2E-1]") }, errs.ErrFormat, `2 values ("[5E-1,2E-1]") for 1 outputs`},
		{"names", func(d *jobj) { d.path("learner").set("feature_names", []any{"a"}) }, errs.ErrFormat, "1 names for 2 features"},
		{"indptr", func(d *jobj) { d.path("learner", "gradient_booster", "model").set("iteration_indptr", nums(0, 2)) }, errs.ErrFormat, "iteration_indptr"},
		{"category node", func(d *jobj) { tinyTree(d).set("split_type", nums(1, 0, 0, 0, 0)) }, errs.ErrFormat, "categorical node 0 has no categories"},
		{"category code", func(d *jobj) {
			tr := tinyTree(d)
			tr.set("split_type", nums(1, 0, 0, 0, 0))
			tr.set("categories_nodes", nums(0))
			tr.set("categories_segments", nums(0))
			tr.set("categories_sizes", nums(1))
			tr.set("categories", nums(1e9))
		}, errs.ErrFormat, "category 1000000000 outside [0, 2^24)"},
		{"leaf vector size", func(d *jobj) {
			tinyTree(d).path("tree_param").set("size_leaf_vector", "3")
			tinyTree(d).set("base_weights", nums(make([]float64, 15)...))
		}, errs.ErrUnsupported, "size_leaf_vector 3 for a model with 1 outputs"},
		{"multi-class with targets", func(d *jobj) {
			d.path("learner", "learner_model_param").set("num_class", "3")
			d.path("learner", "learner_model_param").set("num_target", "2")
		}, errs.ErrUnsupported, "num_class 3 together with num_target 2"},
		{"classes for binary", func(d *jobj) { d.path("learner", "learner_model_param").set("num_class", "3") }, errs.ErrUnsupported, "objective binary:logistic with num_class 3"},
		{"no learner", func(d *jobj) { d.del("learner") }, errs.ErrFormat, "no learner object"},
		// Values beyond the model's float32, and covers TreeSHAP cannot use.
		{"leaf beyond float32", func(d *jobj) { tinyTree(d).set("split_conditions", nums(0.5, 1e300, 3, -0.5, 1.5)) }, errs.ErrFormat, "split_conditions: element 1: 1e+300 does not fit a float32"},
		{"condition beyond float32", func(d *jobj) { tinyTree(d).set("split_conditions", nums(-1e39, 0.25, 3, -0.5, 1.5)) }, errs.ErrFormat, "-1e+39 does not fit a float32"},
		{"infinite leaf", func(d *jobj) { tinyTree(d).set("split_conditions", nums(0.5, math.Inf(1), 3, -0.5, 1.5)) }, errs.ErrFormat, "leaf 1: value is +Inf"},
		{"base weight beyond float32", func(d *jobj) { tinyTree(d).set("base_weights", nums(0.1, 0.25, 4e38, -0.5, 1.5)) }, errs.ErrFormat, "base_weights: element 2: 4e+38 does not fit"},
		{"zero hessian", func(d *jobj) { tinyTree(d).set("sum_hessian", nums(10, 4, 0, 3, 3)) }, errs.ErrFormat, "node 2: sum_hessian 0"},
		{"negative hessian", func(d *jobj) { tinyTree(d).set("sum_hessian", nums(10, -5, 6, 3, 3)) }, errs.ErrFormat, "node 1: sum_hessian -5"},
		{"NaN hessian", func(d *jobj) { tinyTree(d).set("sum_hessian", nums(math.NaN(), 4, 6, 3, 3)) }, errs.ErrFormat, "node 0: sum_hessian NaN"},
		{"hessian beyond float32", func(d *jobj) { tinyTree(d).set("sum_hessian", nums(1e40, 4, 6, 3, 3)) }, errs.ErrFormat, "sum_hessian: element 0: 1e+40 does not fit"},
		{"dart weight beyond float32", func(d *jobj) {
			gb := d.path("learner", "gradient_booster")
			inner := &jobj{}
			inner.set("name", "gbtree")
			inner.set("model", gb.get("model"))
			gb.del("model")
			gb.set("name", "dart")
			gb.set("gbtree", inner)
			gb.set("weight_drop", nums(1e300))
		}, errs.ErrFormat, "weight_drop: element 0: 1e+300 does not fit"},
		{"linear weight beyond float32", func(d *jobj) {
			gb := d.path("learner", "gradient_booster")
			m := &jobj{}
			m.set("weights", nums(0.5, -1e300, 0.25))
			gb.set("model", m)
			gb.set("name", "gblinear")
		}, errs.ErrFormat, "weights: element 1: -1e+300 does not fit"},
		{"trees twice", func(d *jobj) {
			model := d.path("learner", "gradient_booster", "model")
			model.keys = append(model.keys, "trees")
			model.vals = append(model.vals, model.get("trees"))
		}, errs.ErrFormat, "field trees given twice"},
		{"best_iteration", func(d *jobj) { d.path("learner", "attributes").set("best_iteration", "1.5") }, errs.ErrFormat, "best_iteration: 1.5"},
	} {
		for _, enc := range []struct {
			name string
			f    func(any) []byte
		}{{"json", toJSON}, {"ubjson", toUBJ}} {
			t.Run(tc.name+"/"+enc.name, func(t *testing.T) {
				doc := tinyModel()
				tc.edit(doc)
				m, err := Parse(enc.f(doc))
				require.Error(t, err)
				assert.Nil(t, m)
				assert.True(t, errors.Is(err, tc.target), "%v does not wrap %v", err, tc.target)
				assert.Contains(t, err.Error(), tc.text)
				assert.Contains(t, err.Error(), "xgboost: ")
			})
		}
	}
}

// TestZeroRounds: a model trained for zero rounds (num_boost_round=0,
// valid in XGBoost) has no trees, predicts its base_score and explains
// every row by its base margin alone.
func TestZeroRounds(t *testing.T) {
	doc := tinyModel()
	model := doc.path("learner", "gradient_booster", "model")
	model.set("trees", []any{})
	model.set("tree_info", nums())
	model.path("gbtree_model_param").set("num_trees", "0")
	doc.path("learner", "learner_model_param").set("base_score", "2E-1")
	for _, enc := range []struct {
		name string
		f    func(any) []byte
	}{{"json", toJSON}, {"ubjson", toUBJ}} {
		t.Run(enc.name, func(t *testing.T) {
			m, err := Parse(enc.f(doc))
			require.NoError(t, err)
			assert.Zero(t, m.NumTrees())
			assert.Zero(t, m.Rounds())
			s, err := m.Score([]float64{1, 2})
			require.NoError(t, err)
			assert.InDelta(t, 0.2, s, 1e-7)
			mg := []float64{0}
			require.NoError(t, m.Margin([]float64{1, 2}, mg))
			assert.InDelta(t, math.Log(0.2/0.8), mg[0], 1e-6)
			// Its explanation is XGBoost's: the bias alone.
			dst := []float64{5, 5}
			bias, err := m.Explain([]float64{1, 2}, dst)
			require.NoError(t, err)
			assert.Equal(t, mg[0], bias)
			assert.Equal(t, []float64{0, 0}, dst)
		})
	}
	raw := &rawModel{format: "json"}
	require.NoError(t, decodeDoc(&lexer{buf: toJSON(doc)}, raw))
	m, err := Parse(writeLegacy(raw, true))
	require.NoError(t, err)
	s, err := m.Score([]float64{1, 2})
	require.NoError(t, err)
	assert.InDelta(t, 0.2, s, 1e-7)
}

// TestDamagedBytes checks truncations and absurd sizes at the byte level.
func TestDamagedBytes(t *testing.T) {
	js, ub := toJSON(tinyModel()), toUBJ(tinyModel())
	for _, tc := range []struct {
		name string
		b    []byte
		text string
	}{
		{"empty", nil, "empty model"},
		{"truncated json", js[:len(js)/2], "json: offset"},
		{"truncated ubjson", ub[:len(ub)/2], "ubjson: offset"},
		{"trailing comma", []byte(`{"learner":{},}`), "expected an object key"},
		{"absurd ubjson count", []byte("{L\x00\x00\x00\x00\x00\x00\x00\x07learner[$d#L\x7f\xff\xff\xff\xff\xff\xff\xff"), "exceeds"},
		{"absurd ubjson string", []byte("{L\x7f\xff\xff\xff\xff\xff\xff\xff"), "exceeds"},
		{"deep nesting", append([]byte(`{"other":`), bytesRepeat('[', 1000)...), "nested more than"},
		{"legacy garbage", []byte("binf\x00\x00\x00\x3f"), "truncated"},
		{"base64", []byte("bs64AAAA"), "base64"},
		{"json trailing bytes", append(append([]byte(nil), js...), "{}"...), "2 unexpected bytes after the document"},
		{"ubjson trailing bytes", append(append([]byte(nil), ub...), 'Z'), "1 unexpected bytes after the document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.text)
		})
	}
}

func bytesRepeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

// TestManyClasses exercises the pooled buffer used beyond stackOutputs
// outputs.
func TestManyClasses(t *testing.T) {
	doc := tinyModel()
	doc.path("learner", "learner_model_param").set("num_class", "40")
	doc.path("learner", "objective").set("name", "multi:softprob")
	doc.path("learner", "gradient_booster", "model").set("tree_info", nums(7))
	m, err := Parse(toUBJ(doc))
	require.NoError(t, err)
	require.Equal(t, 40, m.NumClass())
	mg := make([]float64, 40)
	require.NoError(t, m.Margin([]float64{0, 0}, mg))
	for k, v := range mg {
		want := 0.5
		if k == 7 {
			want = 0.75
		}
		assert.Equal(t, want, v, "class %d", k)
	}
	p := make([]float64, 40)
	require.NoError(t, m.PredictProba([]float64{0, 0}, p))
	e := math.Exp(0.25)
	assert.InDelta(t, e/(39+e), p[7], 1e-6)
	s, err := m.Score([]float64{0, 0})
	require.NoError(t, err)
	assert.InDelta(t, 1-1/(39+e), s, 1e-6)
	if !raceOn {
		assert.Zero(t, testing.AllocsPerRun(20, func() { _, _ = m.Score([]float64{0, 0}) }))
	}
}

// TestLegacyRefusals damages a 1.7 legacy binary at known offsets, the
// committed binary_small.model and, with XGBOOST_FIXTURES, the shared one.
func TestLegacyRefusals(t *testing.T) {
	for _, dir := range fixtureSets(t) {
		t.Run(dir, func(t *testing.T) { legacyRefusals(t, filepath.Join(dir, "binary_small.model")) })
	}
}

func legacyRefusals(t *testing.T, path string) {
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	// Offsets: magic 4, LearnerModelParam 136, "binary:logistic" 8+15,
	// "gbtree" 8+6, then GBTreeModelParam.
	gb := 4 + learnerParamSize + 8 + 15 + 8 + 6
	tree0 := gb + gbtreeParamSize
	nodes := int(binary.LittleEndian.Uint32(orig[tree0+4:]))
	right := int32(binary.LittleEndian.Uint32(orig[tree0+treeParamSize+8:])) // the root's right child
	put := func(b []byte, off int, v uint32) []byte {
		c := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	cut := tree0 + treeParamSize + nodes*nodeSize/2 // inside the first tree
	for _, tc := range []struct {
		name   string
		b      []byte
		target error
		text   string
	}{
		{"truncated", orig[:cut], errs.ErrFormat, "cannot fit in"},
		{"truncated in a tree", orig[:len(orig)-200], errs.ErrFormat, "cannot fit in"},
		{"truncated header", orig[:100], errs.ErrFormat, "truncated: 136 bytes needed, 96 left"},
		{"trailing bytes", append(append([]byte(nil), orig...), 1, 2, 3), errs.ErrFormat, "3 unexpected bytes after the model"},
		{"absurd trees", put(orig, gb, 1<<30), errs.ErrFormat, "1073741824 trees cannot fit"},
		{"pbuffer", put(orig, gb+16, 5), errs.ErrUnsupported, "num_pbuffer 5"},
		{"roots", put(orig, tree0, 2), errs.ErrUnsupported, "num_roots 2"},
		{"absurd nodes", put(orig, tree0+4, 1<<30), errs.ErrFormat, "nodes cannot fit"},
		{"child out of range", put(orig, tree0+treeParamSize+4, 99), errs.ErrFormat, fmt.Sprintf("children 99, %d outside [0, %d)", right, nodes)},
		{"absurd name", put(orig, 4+learnerParamSize, 1<<31), errs.ErrFormat, "objective name: 2147483648 elements exceed"},
		{"header", put(orig, 8, 1<<31), errs.ErrFormat, "implausible header"},
		{"booster", append(append(append([]byte(nil), orig[:4+learnerParamSize+8+15]...), 6, 0, 0, 0, 0, 0, 0, 0, 'g', 'b', 'f', 'o', 'o', 'o'), orig[4+learnerParamSize+8+15+14:]...), errs.ErrUnsupported, `booster "gbfooo"`},
		{"leaf beyond float32", putLeaf(orig, tree0, nodes, math.Inf(1)), errs.ErrFormat, "value is +Inf"},
		{"zero hessian", put(orig, tree0+treeParamSize+nodes*nodeSize+4, 0), errs.ErrFormat, "sum_hessian 0"},
		{"negative hessian", put(orig, tree0+treeParamSize+nodes*nodeSize+4, math.Float32bits(-5)), errs.ErrFormat, "sum_hessian -5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.b)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.target)
			assert.Contains(t, err.Error(), tc.text)
		})
	}
}

// putLeaf sets the value of the first leaf of the tree at off (nodes
// nodes) in a legacy binary.
func putLeaf(b []byte, off, nodes int, v float64) []byte {
	c := append([]byte(nil), b...)
	for i := range nodes {
		n := off + treeParamSize + i*nodeSize
		if int32(binary.LittleEndian.Uint32(c[n+4:])) == -1 {
			binary.LittleEndian.PutUint32(c[n+16:], math.Float32bits(float32(v)))
			return c
		}
	}
	panic("no leaf")
}

// TestEscapedNames: JSON escapes (RFC 8259 section 7) in kept strings are
// decoded, surrogate pairs included; bad ones are errors.
func TestEscapedNames(t *testing.T) {
	doc := tinyModel()
	b := toJSON(doc)
	good := bytes.Replace(b, []byte(`["a","b"]`), []byte(`["\u00e9\n\"\ud83d\ude00\/","\\\ud800"]`), 1)
	require.NotEqual(t, b, good)
	m, err := Parse(good)
	require.NoError(t, err)
	assert.Equal(t, []string{"é\n\"😀/", "\\\uFFFD"}, m.FeatureNames())
	for _, bad := range []string{`["\x","b"]`, `["\u12","b"]`, `["a\`} {
		_, err := Parse(bytes.Replace(b, []byte(`["a","b"]`), []byte(bad), 1))
		assert.ErrorIs(t, err, errs.ErrFormat, bad)
	}
}
