package xgboost_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest/xgboost"
)

// TestNoAllocations checks that one-row scoring allocates nothing, for
// every kind of model.
func TestNoAllocations(t *testing.T) {
	x := readCSV(t, filepath.Join("testdata", "extra", "input.csv"), true)[0]
	for _, name := range []string{"boosted_rf", "multi_rf", "dart_multi", "multi_target", "poisson", "hinge"} {
		m, err := xgboost.Load(filepath.Join("testdata", "extra", name+".json"))
		require.NoError(t, err)
		mg := make([]float64, m.NumOutputs())
		pr := make([]float64, m.NumPredictions())
		assert.Zero(t, testing.AllocsPerRun(50, func() { _ = m.Margin(x, mg) }), "%s Margin", name)
		assert.Zero(t, testing.AllocsPerRun(50, func() { _ = m.Predict(x, pr) }), "%s Predict", name)
		if m.NumOutputs() == 1 || m.NumClass() > 0 {
			assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = m.Score(x) }), "%s Score", name)
		}
		if m.NumClass() > 0 {
			p := make([]float64, m.NumClass())
			assert.Zero(t, testing.AllocsPerRun(50, func() { _ = m.PredictProba(x, p) }), "%s PredictProba", name)
		}
	}
	dir := fixtures(t)
	m, err := xgboost.Load(filepath.Join(dir, "categorical.ubj"))
	require.NoError(t, err)
	xc := readCSV(t, filepath.Join(dir, "categorical_features.csv"), true)[0]
	assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = m.Score(xc) }), "categorical Score")
	m, err = xgboost.Load(filepath.Join(dir, "gblinear.json"))
	require.NoError(t, err)
	xl := readCSV(t, filepath.Join(dir, "test_features.csv"), true)[0]
	assert.Zero(t, testing.AllocsPerRun(50, func() { _, _ = m.Score(xl) }), "gblinear Score")
}

// readBound is what reading a model of n bytes may allocate: Parse's copy
// of the input, the decoding budget (2.5 bytes a byte plus 48 KiB) and
// some slack for the decoder's fixed costs.
func readBound(n int) uint64 { return 4*uint64(n) + 64<<10 }

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc)
// and the number of allocations of one call (testing.AllocsPerRun).
func allocated(f func()) (uint64, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, testing.AllocsPerRun(1, f)
}

// ubjKey writes a UBJSON key as XGBoost does (an int64 length).
func ubjKey(b *bytes.Buffer, k string) {
	b.WriteByte('L')
	_ = binary.Write(b, binary.BigEndian, int64(len(k)))
	b.WriteString(k)
}

// craftedModels returns, for a payload of about n bytes, the model files
// a hostile source could send: arrays of empty trees, numbers packed one
// byte each, empty feature names and empty category lists, in JSON and
// UBJSON. Each is refused.
func craftedModels(n int) map[string][]byte {
	rep := func(s string, bytes int) string { return strings.Repeat(s, max(1, bytes/len(s))) }
	list := func(s string, bytes int) string { return strings.TrimSuffix(rep(s+",", bytes), ",") }
	json := func(learner, model string) []byte {
		return []byte(`{"learner":{` + learner + `"gradient_booster":{"name":"gbtree","model":{` + model +
			`}},"learner_model_param":{"base_score":"5E-1","num_feature":"2"},"objective":{"name":"binary:logistic"}},"version":[1,7,4]}`)
	}
	ubj := func(learner, model func(b *bytes.Buffer)) []byte {
		var b bytes.Buffer
		b.WriteByte('{')
		ubjKey(&b, "learner")
		b.WriteByte('{')
		learner(&b)
		ubjKey(&b, "gradient_booster")
		b.WriteByte('{')
		ubjKey(&b, "model")
		b.WriteByte('{')
		model(&b)
		b.WriteString("}}}}")
		return b.Bytes()
	}
	none := func(*bytes.Buffer) {}
	typed := func(key string, typ byte, elem []byte, count int) func(b *bytes.Buffer) {
		return func(b *bytes.Buffer) {
			ubjKey(b, key)
			b.WriteString("[$")
			b.WriteByte(typ)
			b.WriteString("#L")
			_ = binary.Write(b, binary.BigEndian, int64(count))
			b.Write(bytes.Repeat(elem, count))
		}
	}
	untyped := func(key, elem string, count int) func(b *bytes.Buffer) {
		return func(b *bytes.Buffer) {
			ubjKey(b, key)
			b.WriteByte('[')
			b.WriteString(strings.Repeat(elem, count))
			b.WriteByte(']')
		}
	}
	return map[string][]byte{
		"json empty trees":             json("", `"trees":[`+list("{}", n)+`]`),
		"json empty trees, counted":    json("", fmt.Sprintf(`"gbtree_model_param":{"num_trees":"%d"},"trees":[`, n/3)+list("{}", n)+`]`),
		"json packed tree_info":        json("", `"tree_info":[`+list("0", n)+`]`),
		"json packed leaves":           json("", `"trees":[{"split_conditions":[`+list("0", n)+`]}]`),
		"json empty feature names":     json(`"feature_names":[`+list(`""`, n)+`],`, ""),
		"json feature names, one byte": json(`"feature_names":[`+list(`"a"`, n)+`],`, ""),
		"json empty cats.enc":          json("", `"cats":{"enc":[`+list("{}", n)+`]}`),
		"json cats.enc offsets":        json("", `"cats":{"enc":[{"offsets":[`+list("0", n)+`],"values":[]}]}`),
		"json cats.enc names":          json("", `"cats":{"enc":[{"offsets":[`+list("1", n/2)+`],"values":[`+list("97", n/2)+`]}]}`),
		"json base_score array":        []byte(`{"learner":{"learner_model_param":{"base_score":"[` + rep(",", n) + `]"}}}`),
		"ubjson empty trees":           ubj(none, untyped("trees", "{}", n/2)),
		"ubjson packed tree_info":      ubj(none, typed("tree_info", 'i', []byte{0}, n)),
		"ubjson untyped tree_info":     ubj(none, untyped("tree_info", "i\x00", n/2)),
		"ubjson packed leaves": ubj(none, func(b *bytes.Buffer) {
			ubjKey(b, "trees")
			b.WriteByte('[')
			b.WriteByte('{')
			typed("split_conditions", 'i', []byte{0}, n)(b)
			b.WriteString("}]")
		}),
		"ubjson empty feature names":   ubj(typed("feature_names", 'S', []byte{'i', 0}, n/2), none),
		"ubjson untyped feature names": ubj(untyped("feature_names", "Si\x00", n/3), none),
		"ubjson empty cats.enc": ubj(none, func(b *bytes.Buffer) {
			ubjKey(b, "cats")
			b.WriteByte('{')
			untyped("enc", "{}", n/2)(b)
			b.WriteByte('}')
		}),
		"ubjson cats.enc offsets": ubj(none, func(b *bytes.Buffer) {
			ubjKey(b, "cats")
			b.WriteString("{")
			ubjKey(b, "enc")
			b.WriteString("[{")
			typed("offsets", 'i', []byte{0}, n)(b)
			b.WriteString("}]}")
		}),
	}
}

// TestCraftedModelsBounded reads hostile model files of 64 KiB to 2 MiB:
// each is refused, allocating at most 4 times its size plus 64 KiB, in a
// number of allocations that does not grow with the file (no allocation
// per element).
func TestCraftedModelsBounded(t *testing.T) {
	sizes := []int{64 << 10, 512 << 10, 2 << 20}
	if testing.Short() {
		sizes = sizes[:2]
	}
	counts := map[string][]float64{}
	worst, worstName := 0.0, ""
	for _, n := range sizes {
		for name, b := range craftedModels(n) {
			if len(b) == 0 {
				continue
			}
			var err error
			bytes, count := allocated(func() { _, err = xgboost.Parse(b) })
			require.Error(t, err, "%s (%d bytes)", name, len(b))
			assert.LessOrEqual(t, bytes, readBound(len(b)), "%s: %d bytes allocated for %d bytes: %v", name, bytes, len(b), err)
			counts[name] = append(counts[name], count)
			if r := float64(bytes) / float64(len(b)); n == sizes[len(sizes)-1] && r > worst {
				worst, worstName = r, name
			}
		}
	}
	t.Logf("largest allocation at %d bytes: %.2f bytes per byte (%s)", sizes[len(sizes)-1], worst, worstName)
	for name, c := range counts {
		assert.LessOrEqual(t, c[len(c)-1], c[0]+16, "%s: allocations grow with the input: %v", name, c)
	}
}

// TestModelsBounded: XGBoost's own files stay within the same bound, and
// well inside it.
func TestModelsBounded(t *testing.T) {
	var files []string
	for _, dir := range fixtureDirs(t) {
		for _, pat := range []string{"*.json", "*.ubj", "*.model"} {
			f, err := filepath.Glob(filepath.Join(dir, pat))
			require.NoError(t, err)
			files = append(files, f...)
		}
	}
	for _, pat := range []string{"*.json", "*.ubj"} {
		f, err := filepath.Glob(filepath.Join("testdata", "extra", pat))
		require.NoError(t, err)
		files = append(files, f...)
	}
	worst := 0.0
	for _, f := range files {
		if strings.HasSuffix(f, "manifest.json") || strings.HasSuffix(f, "_categories.json") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var m *xgboost.Model
		n, _ := allocated(func() { m, err = xgboost.Parse(b) })
		require.NoError(t, err, f)
		require.NotNil(t, m)
		assert.LessOrEqual(t, n, readBound(len(b)), f)
		// Per byte beyond the fixed costs, which dominate the smallest files.
		worst = max(worst, float64(n)/float64(len(b)+4<<10))
	}
	// The levels layout of shallow models (a second, padded copy of the
	// trees, and on AVX-512 a third, bit-vector copy, paid from the same
	// budget) takes up to about 1.3 bytes per byte of the file on top of the
	// plain scoring copy.
	assert.Less(t, worst, 3.75, "largest allocation per byte (+ 4 KiB) of an XGBoost file")
	t.Logf("%d files: at most %.2f bytes allocated per byte read (+ 4 KiB)", len(files), worst)
}

// TestDenseModelRefused: a valid model packed denser than XGBoost writes
// (UBJSON arrays of one-byte integers, 7 bytes a node that take some 70 in
// memory) is refused once its share of memory runs out, rather than read.
func TestDenseModelRefused(t *testing.T) {
	const nodes = 1 << 17
	var b bytes.Buffer
	b.WriteByte('{')
	ubjKey(&b, "learner")
	b.WriteByte('{')
	ubjKey(&b, "gradient_booster")
	b.WriteByte('{')
	ubjKey(&b, "model")
	b.WriteByte('{')
	ubjKey(&b, "trees")
	b.WriteString("[{")
	ubjKey(&b, "tree_param")
	b.WriteByte('{')
	ubjKey(&b, "num_nodes")
	b.WriteString(fmt.Sprintf("SL\x00\x00\x00\x00\x00\x00\x00\x06%06d", nodes))
	b.WriteByte('}')
	for _, k := range []string{"left_children", "right_children", "split_indices", "split_conditions", "default_left", "base_weights", "sum_hessian"} {
		ubjKey(&b, k)
		b.WriteString("[$i#L")
		_ = binary.Write(&b, binary.BigEndian, int64(nodes))
		b.Write(bytes.Repeat([]byte{1}, nodes))
	}
	b.WriteString("}]}}}}")
	var err error
	n, _ := allocated(func() { _, err = xgboost.Parse(b.Bytes()) })
	require.Error(t, err)
	assert.ErrorIs(t, err, anomaly.ErrFormat)
	assert.Contains(t, err.Error(), "decoding would allocate more than")
	assert.LessOrEqual(t, n, readBound(b.Len()))
}
