package xgboost

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// A small document model for tests: it reads XGBoost JSON (with NaN) into
// values that tests can edit and writes them back as JSON or UBJSON, the way
// XGBoost writes them (typed, counted arrays; keys with a length marker).

type jobj struct {
	keys []string
	vals []any
}

func (o *jobj) get(k string) any {
	for i, kk := range o.keys {
		if kk == k {
			return o.vals[i]
		}
	}
	return nil
}

func (o *jobj) set(k string, v any) {
	for i, kk := range o.keys {
		if kk == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *jobj) del(k string) {
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			o.vals = append(o.vals[:i], o.vals[i+1:]...)
			return
		}
	}
}

// path walks nested objects.
func (o *jobj) path(keys ...string) *jobj {
	cur := o
	for _, k := range keys {
		cur = cur.get(k).(*jobj)
	}
	return cur
}

func parseDOM(tb testing.TB, b []byte, ubj bool) any {
	tb.Helper()
	l := &lexer{buf: b, ubj: ubj}
	require.NoError(tb, l.value())
	v, err := domValue(l)
	require.NoError(tb, err)
	return v
}

func domValue(l *lexer) (any, error) {
	switch l.kind {
	case tObj:
		o := &jobj{}
		for {
			k, ok, err := l.key()
			if err != nil {
				return nil, err
			}
			if !ok {
				return o, nil
			}
			ks := string(k)
			if err := l.value(); err != nil {
				return nil, err
			}
			v, err := domValue(l)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, ks)
			o.vals = append(o.vals, v)
		}
	case tArr:
		a := []any{}
		for {
			if err := l.next(); err != nil {
				return nil, err
			}
			if l.kind == tEnd {
				return a, nil
			}
			v, err := domValue(l)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case tStr:
		return string(l.s), nil
	case tNum:
		return l.f, nil
	case tBool:
		return l.f == 1, nil
	case tNull:
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected %v", l.kind)
}

func loadDOM(tb testing.TB, path string) *jobj {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("fixture %s not found: %v", path, err)
	}
	return parseDOM(tb, b, false).(*jobj)
}

func writeJSON(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case *jobj:
		buf.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(strconv.Quote(k))
			buf.WriteByte(':')
			writeJSON(buf, v.vals[i])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, e)
		}
		buf.WriteByte(']')
	case string:
		buf.WriteString(strconv.Quote(v))
	case float64:
		switch {
		case math.IsNaN(v):
			buf.WriteString("NaN")
		case math.IsInf(v, 1):
			buf.WriteString("Infinity")
		case math.IsInf(v, -1):
			buf.WriteString("-Infinity")
		default:
			buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case nil:
		buf.WriteString("null")
	}
}

func toJSON(v any) []byte {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.Bytes()
}

func ubjLen(buf *bytes.Buffer, n int) {
	buf.WriteByte('L')
	binary.Write(buf, binary.BigEndian, int64(n))
}

// needsFloat64 reports whether v is finite but beyond float32's range, so
// that a UBJSON writer must use 'D' (XGBoost itself never does).
func needsFloat64(v float64) bool {
	return !math.IsInf(v, 0) && math.IsInf(float64(float32(v)), 0)
}

func isIntVal(f float64) bool { return f == math.Trunc(f) && math.Abs(f) < 1<<31 }

func writeUBJ(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case *jobj:
		buf.WriteByte('{')
		for i, k := range v.keys {
			ubjLen(buf, len(k))
			buf.WriteString(k)
			writeUBJ(buf, v.vals[i])
		}
		buf.WriteByte('}')
	case []any:
		allNum, allInt := len(v) > 0, true
		for _, e := range v {
			f, ok := e.(float64)
			if !ok {
				allNum = false
				break
			}
			if !isIntVal(f) {
				allInt = false
			}
		}
		if allNum {
			typ := byte('d')
			if allInt {
				typ = 'l'
			}
			for _, e := range v {
				if f := e.(float64); needsFloat64(f) {
					typ = 'D'
				}
			}
			buf.WriteString("[$")
			buf.WriteByte(typ)
			buf.WriteByte('#')
			ubjLen(buf, len(v))
			for _, e := range v {
				if typ == 'l' {
					binary.Write(buf, binary.BigEndian, int32(e.(float64)))
				} else if typ == 'D' {
					binary.Write(buf, binary.BigEndian, e.(float64))
				} else {
					binary.Write(buf, binary.BigEndian, float32(e.(float64)))
				}
			}
			return
		}
		buf.WriteByte('[')
		for _, e := range v {
			writeUBJ(buf, e)
		}
		buf.WriteByte(']')
	case string:
		buf.WriteByte('S')
		ubjLen(buf, len(v))
		buf.WriteString(v)
	case float64:
		if isIntVal(v) {
			buf.WriteByte('L')
			binary.Write(buf, binary.BigEndian, int64(v))
		} else if needsFloat64(v) {
			buf.WriteByte('D')
			binary.Write(buf, binary.BigEndian, v)
		} else {
			buf.WriteByte('d')
			binary.Write(buf, binary.BigEndian, float32(v))
		}
	case bool:
		if v {
			buf.WriteByte('T')
		} else {
			buf.WriteByte('F')
		}
	case nil:
		buf.WriteByte('Z')
	}
}

func toUBJ(v any) []byte {
	var b bytes.Buffer
	writeUBJ(&b, v)
	return b.Bytes()
}

// nums builds a []any of numbers.
func nums(v ...float64) []any {
	out := make([]any, len(v))
	for i, f := range v {
		out[i] = f
	}
	return out
}

// tinyModel is a hand-written binary:logistic model on 2 features: one tree
//
//	node 0: x0 < 0.5 (NaN left) → node 1, else node 2
//	node 1: leaf 0.25; node 2: x1 < 3 (NaN right) → 3 (leaf -0.5), else 4 (leaf 1.5)
func tinyModel() *jobj {
	tr := &jobj{}
	tr.set("tree_param", &jobj{keys: []string{"num_deleted", "num_feature", "num_nodes", "size_leaf_vector"},
		vals: []any{"0", "2", "5", "0"}})
	tr.set("id", 0.0)
	tr.set("left_children", nums(1, -1, 3, -1, -1))
	tr.set("right_children", nums(2, -1, 4, -1, -1))
	tr.set("parents", nums(2147483647, 0, 0, 2, 2))
	tr.set("split_indices", nums(0, 0, 1, 0, 0))
	tr.set("split_conditions", nums(0.5, 0.25, 3, -0.5, 1.5))
	tr.set("default_left", nums(1, 0, 0, 0, 0))
	tr.set("split_type", nums(0, 0, 0, 0, 0))
	tr.set("base_weights", nums(0.1, 0.25, 0.2, -0.5, 1.5))
	tr.set("sum_hessian", nums(10, 4, 6, 3, 3))
	tr.set("loss_changes", nums(1, 0, 1, 0, 0))
	tr.set("categories", nums())
	tr.set("categories_nodes", nums())
	tr.set("categories_segments", nums())
	tr.set("categories_sizes", nums())
	model := &jobj{}
	model.set("gbtree_model_param", &jobj{keys: []string{"num_parallel_tree", "num_trees"}, vals: []any{"1", "1"}})
	model.set("trees", []any{tr})
	model.set("tree_info", nums(0))
	gb := &jobj{}
	gb.set("model", model)
	gb.set("name", "gbtree")
	learner := &jobj{}
	learner.set("attributes", &jobj{})
	learner.set("feature_names", []any{"a", "b"})
	learner.set("feature_types", []any{"float", "float"})
	learner.set("gradient_booster", gb)
	learner.set("learner_model_param", &jobj{keys: []string{"base_score", "boost_from_average", "num_class", "num_feature", "num_target"},
		vals: []any{"5E-1", "1", "0", "2", "1"}})
	learner.set("objective", &jobj{keys: []string{"name"}, vals: []any{"binary:logistic"}})
	doc := &jobj{}
	doc.set("learner", learner)
	doc.set("version", nums(1, 7, 4))
	return doc
}

// tinyTree returns tinyModel's only tree object.
func tinyTree(doc *jobj) *jobj {
	return doc.path("learner", "gradient_booster", "model").get("trees").([]any)[0].(*jobj)
}
