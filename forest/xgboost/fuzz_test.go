package xgboost

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/tree"
)

// parseAs is Parse with the decoder chosen by format ("json", "ubjson"
// or "legacy") rather than sniffed, so that each fuzz target feeds its own.
func parseAs(b []byte, format string) (*Model, error) {
	raw := &rawModel{format: format, bud: newBudget(len(b))}
	if err := decode(b, raw); err != nil {
		return nil, err
	}
	m, err := build(raw)
	if err != nil {
		return nil, err
	}
	m.src = bytes.Clone(b)
	return m, nil
}

// allocBound is what reading a model of n bytes may allocate: Parse's
// copy of the input plus the decoding budget, within 4n + 64 KiB.
func allocBound(n int) uint64 { return 4*uint64(n) + 64<<10 }

// fuzzOne decodes b with one decoder and, if a model comes out, scores
// rows with it: nothing may panic or hang, and decoding may allocate no
// more than allocBound.
func fuzzOne(t *testing.T, b []byte, format string) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := parseAs(b, format)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > allocBound(len(b)) {
		t.Fatalf("decoding %d bytes allocated %d bytes, more than %d (err %v)", len(b), alloc, allocBound(len(b)), err)
	}
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty error")
		}
		return
	}
	if m.NumFeatures() > 1<<16 {
		// A model may declare billions of (sparse) features; reading it
		// costs nothing, but a dense row to score it with would.
		return
	}
	for _, v := range []float64{0, math.NaN(), 1e30, -1, 3} {
		x := make([]float64, m.NumFeatures())
		for i := range x {
			x[i] = v
		}
		_, _ = m.Score(x)
		_ = m.Margin(x, make([]float64, m.NumOutputs()))
		_ = m.Predict(x, make([]float64, m.NumPredictions()))
		// Explanations must not panic either, whatever the covers.
		dst := make([]float64, m.NumFeatures())
		_, _ = m.Explain(x, dst)
		_, _ = m.ExplainApprox(x, dst)
		for k := range min(m.NumOutputs(), 4) {
			_, _ = m.ExplainClass(k, x, dst)
			_, _ = m.ExplainClassApprox(k, x, dst)
		}
	}
	if r := m.Rounds(); r > 1 {
		c, err := m.WithIterationRange(1, r)
		if err == nil {
			_, _ = c.Score(make([]float64, c.NumFeatures()))
		}
	}
}

func FuzzJSON(f *testing.F) {
	f.Add(toJSON(tinyModel()))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzOne(t, b, "json") })
}

func FuzzUBJSON(f *testing.F) {
	f.Add(toUBJ(tinyModel()))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzOne(t, b, "ubjson") })
}

func FuzzLegacy(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) { fuzzOne(t, b, "legacy") })
}

// damagedModels returns the damaged variants of tinyModel used as fuzz
// seeds: each refusal case, plus truncations.
func damagedModels() map[string]*jobj {
	out := map[string]*jobj{"tiny": tinyModel()}
	edits := map[string]func(d *jobj){
		"cycle":        func(d *jobj) { tinyTree(d).set("left_children", nums(1, -1, 0, -1, -1)) },
		"child_range":  func(d *jobj) { tinyTree(d).set("left_children", nums(1, -1, 70000, -1, -1)) },
		"wrong_type":   func(d *jobj) { tinyTree(d).set("split_indices", "zero") },
		"absurd_nodes": func(d *jobj) { tinyTree(d).path("tree_param").set("num_nodes", "99999999999") },
		"categorical": func(d *jobj) {
			tr := tinyTree(d)
			tr.set("split_type", nums(1, 0, 0, 0, 0))
			tr.set("categories_nodes", nums(0))
			tr.set("categories_segments", nums(0))
			tr.set("categories_sizes", nums(2))
			tr.set("categories", nums(1, 70))
		},
		"vector_leaf": func(d *jobj) {
			d.path("learner", "learner_model_param").set("num_target", "2")
			d.path("learner", "objective").set("name", "reg:squarederror")
			tr := tinyTree(d)
			tr.path("tree_param").set("size_leaf_vector", "2")
			tr.set("base_weights", nums(0, 0, 0.25, -0.25, 0, 0, -0.5, 0.5, 1.5, 2.5))
		},
		"multiclass": func(d *jobj) {
			d.path("learner", "learner_model_param").set("num_class", "2")
			d.path("learner", "learner_model_param").set("base_score", "[5E-1,5E-1]")
			d.path("learner", "objective").set("name", "multi:softprob")
		},
		"dart": func(d *jobj) {
			gb := d.path("learner", "gradient_booster")
			inner := &jobj{}
			inner.set("name", "gbtree")
			inner.set("model", gb.get("model"))
			gb.del("model")
			gb.set("name", "dart")
			gb.set("gbtree", inner)
			gb.set("weight_drop", nums(0.5))
		},
		"gblinear": func(d *jobj) {
			gb := d.path("learner", "gradient_booster")
			m := &jobj{}
			m.set("weights", nums(0.5, -1, 0.25))
			gb.set("model", m)
			gb.set("name", "gblinear")
		},
		"version": func(d *jobj) { d.set("version", nums(99, 0, 0)) },
	}
	for name, e := range edits {
		d := tinyModel()
		e(d)
		out[name] = d
	}
	return out
}

// TestWriteCorpus writes the committed fuzz seed corpus; run it with
// XGB_WRITE_CORPUS=1 after changing the seeds. It reads the committed
// fixtures for real models (binary_small in all three formats, gblinear,
// zero rounds, and the first trees of the categorical
// model), and adds small hostile files (crafted below).
func TestWriteCorpus(t *testing.T) {
	if os.Getenv("XGB_WRITE_CORPUS") == "" {
		t.Skip("set XGB_WRITE_CORPUS=1 to rewrite testdata/fuzz")
	}
	dir := filepath.Join("testdata", "xgb")
	write := func(target, name string, b []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "go test fuzz v1\n[]byte(%q)\n", b)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644))
	}
	for name, d := range damagedModels() {
		j, u := toJSON(d), toUBJ(d)
		write("FuzzJSON", name, j)
		write("FuzzUBJSON", name, u)
		write("FuzzJSON", name+"_truncated", j[:len(j)*2/3])
		write("FuzzUBJSON", name+"_truncated", u[:len(u)*2/3])
	}
	for name, b := range craftedSeeds() {
		target := "FuzzJSON"
		if b[0] == '{' && len(b) > 1 && b[1] == 'L' {
			target = "FuzzUBJSON"
		}
		write(target, name, b)
	}
	cat := loadDOM(t, filepath.Join(dir, "categorical.json"))
	model := cat.path("learner", "gradient_booster", "model")
	model.set("trees", model.get("trees").([]any)[:2])
	model.set("tree_info", model.get("tree_info").([]any)[:2])
	model.path("gbtree_model_param").set("num_trees", "2")
	cat.path("learner", "learner_model_param").set("num_class", "2")
	cat.path("learner", "objective").set("name", "multi:softprob")
	write("FuzzJSON", "categorical_small", toJSON(cat))
	write("FuzzUBJSON", "categorical_small", toUBJ(cat))
	for _, n := range []string{"binary_small", "gblinear", "zero_trees"} {
		for ext, target := range map[string]string{"json": "FuzzJSON", "ubj": "FuzzUBJSON", "model": "FuzzLegacy"} {
			b, err := os.ReadFile(filepath.Join(dir, n+"."+ext))
			require.NoError(t, err)
			write(target, n, b)
		}
	}
	for name, d := range damagedModels() {
		if name != "tiny" && name != "dart" && name != "multiclass" {
			continue
		}
		raw := &rawModel{format: "json"}
		require.NoError(t, decodeDoc(&lexer{buf: toJSON(d)}, raw))
		b := writeLegacy(raw, true)
		write("FuzzLegacy", name, b)
		write("FuzzLegacy", name+"_pre10", writeLegacy(raw, false))
		write("FuzzLegacy", name+"_truncated", b[:len(b)*2/3])
	}
}

// TestAllocationBound checks that reading a model of N bytes allocates at
// most a small multiple of N, on real models and on damaged ones.
func TestAllocationBound(t *testing.T) {
	inputs := map[string][]byte{}
	for name, d := range damagedModels() {
		inputs[name+".json"] = toJSON(d)
		inputs[name+".ubj"] = toUBJ(d)
	}
	for _, target := range []string{"FuzzJSON", "FuzzUBJSON", "FuzzLegacy"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			// The corpus file holds a Go-quoted []byte.
			var s string
			_, err = fmt.Sscanf(string(bytes.TrimPrefix(b, []byte("go test fuzz v1\n[]byte("))), "%q", &s)
			require.NoError(t, err, f)
			inputs[f] = []byte(s)
		}
	}
	var files []string
	for _, dir := range fixtureSets(t) {
		f, _ := filepath.Glob(filepath.Join(dir, "*.[jmu][sob][ojd]*"))
		files = append(files, f...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		inputs[f] = b
	}
	// Absurd declared sizes must not be believed.
	inputs["absurd.ubj"] = []byte("{L\x00\x00\x00\x00\x00\x00\x00\x07learner{L\x00\x00\x00\x00\x00\x00\x00\x0dfeature_names[#L\x00\x00\x00\x00\x00\x10\x00\x00")
	inputs["absurd.model"] = append([]byte("binf"), make([]byte, 200)...)
	var worst float64
	for name, b := range inputs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _ = Parse(b)
		runtime.ReadMemStats(&after)
		alloc := float64(after.TotalAlloc - before.TotalAlloc)
		ratio := alloc / float64(len(b)+1024)
		worst = max(worst, ratio)
		assert.LessOrEqual(t, uint64(alloc), allocBound(len(b)), "%s: %d bytes allocated for %d bytes of input", name, int(alloc), len(b))
	}
	t.Logf("largest allocation: %.1f × (input size + 1 KiB) over %d inputs", worst, len(inputs))
}

// craftedSeeds returns small hostile files for the fuzz corpus: arrays of
// empty trees, numbers and names packed as densely as each encoding
// allows, category lists of empty names, in JSON and UBJSON.
func craftedSeeds() map[string][]byte {
	const n = 256
	list := func(s string) string { return strings.TrimSuffix(strings.Repeat(s+",", n), ",") }
	doc := func(learner, model string) []byte {
		return []byte(`{"learner":{` + learner + `"gradient_booster":{"name":"gbtree","model":{` + model +
			`}},"learner_model_param":{"base_score":"5E-1","num_feature":"2"},"objective":{"name":"binary:logistic"}},"version":[1,7,4]}`)
	}
	out := map[string][]byte{
		"crafted_empty_trees":   doc("", `"gbtree_model_param":{"num_trees":"256"},"trees":[`+list("{}")+`]`),
		"crafted_packed_floats": doc("", `"tree_info":[`+list("0")+`]`),
		"crafted_empty_names":   doc(`"feature_names":[`+list(`""`)+`],`, ""),
		"crafted_cats_enc":      doc("", `"cats":{"enc":[`+list(`{"offsets":[0,0,0],"values":[]}`)+`]}`),
		"crafted_escapes":       doc(`"feature_names":["\u00e9\n\"\ud83d\ude00\/",`+list(`"\\"`)+`],`, ""),
		"crafted_base_score":    doc("", "")[:0],
	}
	out["crafted_base_score"] = []byte(`{"learner":{"learner_model_param":{"base_score":"[` + strings.Repeat(",", n) + `]"}}}`)
	// UBJSON: a key is 'L', an int64 length and the bytes.
	key := func(b *bytes.Buffer, k string) {
		b.WriteByte('L')
		_ = binary.Write(b, binary.BigEndian, int64(len(k)))
		b.WriteString(k)
	}
	ubj := func(inner func(b *bytes.Buffer)) []byte {
		var b bytes.Buffer
		b.WriteByte('{')
		key(&b, "learner")
		b.WriteByte('{')
		key(&b, "gradient_booster")
		b.WriteByte('{')
		key(&b, "model")
		b.WriteByte('{')
		inner(&b)
		b.WriteString("}}}}")
		return b.Bytes()
	}
	out["crafted_ubj_empty_trees"] = ubj(func(b *bytes.Buffer) { key(b, "trees"); b.WriteString("[" + strings.Repeat("{}", n) + "]") })
	out["crafted_ubj_packed"] = ubj(func(b *bytes.Buffer) {
		key(b, "tree_info")
		b.WriteString("[$i#L")
		_ = binary.Write(b, binary.BigEndian, int64(n))
		b.Write(make([]byte, n))
	})
	out["crafted_ubj_untyped"] = ubj(func(b *bytes.Buffer) { key(b, "tree_info"); b.WriteString("[" + strings.Repeat("i\x00", n) + "]") })
	return out
}

// writeLegacy writes a decoded gbtree or dart model in the 1.x legacy
// binary layout (see legacy.go), for small fuzz seeds.
func writeLegacy(r *rawModel, magic bool) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	str := func(s string) { le(uint64(len(s))); b.WriteString(s) }
	if magic {
		b.WriteString(legacyMagic)
	}
	hdr := make([]byte, learnerParamSize)
	binary.LittleEndian.PutUint32(hdr[0:], math.Float32bits(float32(r.baseScore[0])))
	binary.LittleEndian.PutUint32(hdr[4:], uint32(r.numFeature))
	binary.LittleEndian.PutUint32(hdr[8:], uint32(r.numClass))
	if magic {
		binary.LittleEndian.PutUint32(hdr[20:], 1)
		binary.LittleEndian.PutUint32(hdr[24:], 7)
		binary.LittleEndian.PutUint32(hdr[28:], 1)
	}
	b.Write(hdr)
	str(r.objective)
	str(r.booster)
	gp := make([]byte, gbtreeParamSize)
	binary.LittleEndian.PutUint32(gp[0:], uint32(len(r.trees)))
	binary.LittleEndian.PutUint32(gp[4:], 1)
	b.Write(gp)
	for _, t := range r.trees {
		tp := make([]byte, treeParamSize)
		binary.LittleEndian.PutUint32(tp[0:], 1)
		binary.LittleEndian.PutUint32(tp[4:], uint32(len(t.Nodes)))
		binary.LittleEndian.PutUint32(tp[16:], uint32(r.numFeature))
		b.Write(tp)
		for i, n := range t.Nodes {
			if n.IsLeaf() {
				le([]int32{-1, -1, -1})
				le(uint32(0))
				le(float32(t.Values[i]))
				continue
			}
			s := uint32(n.Feature)
			if n.Flags&tree.DefaultLeft != 0 {
				s |= 1 << 31
			}
			// The float32 condition c whose boundary is the Threshold.
			c := float32(n.Threshold)
			if threshold32(c) != n.Threshold {
				c = math.Nextafter32(c, float32(math.Inf(1)))
			}
			le([]int32{-1, n.Left, n.Right})
			le(s)
			le(c)
		}
		for i := range t.Nodes {
			le([]float32{0, float32(t.Cover[i]), float32(t.Values[i])})
			le(int32(0))
		}
	}
	for _, g := range r.treeInfo {
		le(int32(g))
	}
	if r.booster == "dart" {
		le(uint64(len(r.weightDrop)))
		for _, w := range r.weightDrop {
			le(w)
		}
	}
	return b.Bytes()
}

func TestWriteLegacy(t *testing.T) {
	for name, d := range damagedModels() {
		if name != "tiny" && name != "dart" && name != "multiclass" {
			continue
		}
		raw := &rawModel{format: "json"}
		require.NoError(t, decodeDoc(&lexer{buf: toJSON(d)}, raw))
		want, err := build(raw)
		require.NoError(t, err)
		for _, magic := range []bool{true, false} {
			m, err := Parse(writeLegacy(raw, magic))
			require.NoError(t, err, name)
			x := []float64{1, 2}
			a, b := make([]float64, m.NumOutputs()), make([]float64, want.NumOutputs())
			require.NoError(t, m.Margin(x, a))
			require.NoError(t, want.Margin(x, b))
			assert.Equal(t, b, a, name)
		}
	}
}
