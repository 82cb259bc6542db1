package xgboost

import (
	"fmt"
	"math"
	"strconv"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// allocPerByte and allocSlack bound what decoding a model may allocate:
// allocPerByte bytes per byte of the model, plus allocSlack. XGBoost's own
// files need well under half of it (a tree node costs about 66 bytes in
// memory and takes 34 bytes in UBJSON, about 70 in JSON, 36 in the legacy
// binary); a file that asks for more, such as a JSON array of empty trees
// ("trees":[{},{},…], three bytes each), an array of empty feature names or
// numbers packed one byte each, is refused as soon as its share runs out,
// before the memory is taken. Parse's own copy of the input (for
// MarshalBinary) comes on top: in all, reading a model of n bytes allocates
// at most about 4n plus a constant.
const (
	allocPerByte = 2.5
	allocSlack   = 48 << 10
)

// budget is what decoding one model may still allocate. A nil budget is
// unbounded.
type budget struct {
	left, input int
}

func newBudget(input int) *budget {
	return &budget{left: int(allocPerByte*float64(input)) + allocSlack, input: input}
}

// take reserves n bytes for what, or fails with an error wrapping
// ErrFormat when the budget cannot pay for them.
func (b *budget) take(n int, what string) error {
	if b == nil {
		return nil
	}
	if n < 0 || n > b.left {
		return fmt.Errorf("xgboost: %s: decoding would allocate more than %v times the model's %d bytes (a damaged or crafted file): %w",
			printable(what), allocPerByte, b.input, errs.ErrFormat)
	}
	b.left -= n
	return nil
}

// rawTree is one tree as a document holds it, before checking. The
// decoders reuse one rawTree for every tree, so its arrays cost only the
// largest tree.
type rawTree struct {
	numNodes, sizeLeaf            float64
	left, right, splitIdx         []int32
	cond, baseW, sumHess          []float32
	dftLeft, splitType            []byte
	catNodes, catSegs, catSizes   []int32
	cats                          []int32
	hasParam, hasSumHess, hasType bool
}

// reset empties t for the next tree, keeping its storage.
func (t *rawTree) reset() {
	*t = rawTree{
		left: t.left[:0], right: t.right[:0], splitIdx: t.splitIdx[:0],
		cond: t.cond[:0], baseW: t.baseW[:0], sumHess: t.sumHess[:0],
		dftLeft: t.dftLeft[:0], splitType: t.splitType[:0],
		catNodes: t.catNodes[:0], catSegs: t.catSegs[:0], catSizes: t.catSizes[:0], cats: t.cats[:0],
	}
}

// rawCats is XGBoost 3.1's category container ("cats").
type rawCats struct {
	segments []int32
	enc      [][]string // per feature, the category names (nil if numeric)
	present  bool
}

// rawModel is a model as a document (or legacy binary) holds it, its
// trees already converted one by one as they are decoded.
type rawModel struct {
	format       string
	version      [3]int
	hasVersion   bool
	names, types []string
	baseScore    []float64 // probability-space, one or one per output
	baseScoreRaw string
	numClass     float64
	numFeature   float64
	numTarget    float64
	objective    string
	booster      string
	best         int // best_iteration + 1 from the attributes, 0 if none
	// gbtree and dart
	numTrees, numParallel float64
	hasNumTrees, sawTrees bool
	trees                 []tree.Tree
	treeInfo              []int32
	indptr                []int32
	weightDrop            []float32
	cats                  rawCats
	// gblinear
	linear    []float32
	hasLinear bool
	// bud pays for everything decoding keeps; scratch is reused per tree.
	bud     *budget
	scratch rawTree
	conv    converter
}

// parse decodes a model in any format, within a budget sized from len(b).
func parse(b []byte) (*Model, error) {
	raw := &rawModel{bud: newBudget(len(b))}
	switch sniff(b) {
	case "empty":
		return nil, fmt.Errorf("xgboost: empty model: %w", errs.ErrEmpty)
	case "base64":
		return nil, unsupported("base64-encoded legacy model (\"bs64\" header): decode it first")
	case "json":
		raw.format = "json"
	case "ubjson":
		raw.format = "ubjson"
	default:
		raw.format = "legacy"
	}
	if err := decode(b, raw); err != nil {
		return nil, err
	}
	m, err := build(raw)
	if err != nil {
		return nil, fmt.Errorf("%w (%s model)", err, raw.format)
	}
	return m, nil
}

// decode decodes b into raw in raw.format ("json", "ubjson" or "legacy").
func decode(b []byte, raw *rawModel) error {
	switch raw.format {
	case "json":
		return decodeDoc(&lexer{buf: b, bud: raw.bud}, raw)
	case "ubjson":
		return decodeDoc(&lexer{buf: b, ubj: true, bud: raw.bud}, raw)
	}
	return decodeLegacy(b, raw)
}

// decodeDoc decodes a JSON or UBJSON model document.
func decodeDoc(l *lexer, m *rawModel) error {
	if l.bud == nil {
		l.bud = m.bud
	}
	if err := l.expect(tObj, "document"); err != nil {
		return err
	}
	sawLearner := false
	for {
		k, ok, err := l.key()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		switch string(k) {
		case "version":
			if err := l.expect(tArr, "version"); err != nil {
				return err
			}
			var v [3]float64
			err := l.numbers("version", func(n int) error {
				if n != 3 {
					return l.errf("field version: %d numbers, want 3", n)
				}
				return nil
			}, func(i int, f float64) error { v[i] = f; return nil })
			if err != nil {
				return err
			}
			for i := range 3 {
				if v[i] < 0 || v[i] > 1e6 || v[i] != float64(int(v[i])) {
					return l.errf("field version: %v is not a version number", v[i])
				}
				m.version[i] = int(v[i])
			}
			m.hasVersion = true
		case "learner":
			sawLearner = true
			if err := decodeLearner(l, m); err != nil {
				return err
			}
		default:
			if err := skipValue(l); err != nil {
				return err
			}
		}
	}
	if len(l.stack) != 0 {
		return l.errf("unbalanced document")
	}
	if !l.ubj {
		l.ws()
	}
	if l.pos != len(l.buf) {
		return l.errf("%d unexpected bytes after the document", len(l.buf)-l.pos)
	}
	if !sawLearner {
		return fmt.Errorf("xgboost: %s: no learner object: %w", m.format, errs.ErrFormat)
	}
	return nil
}

// fields iterates over the keys of the object that the current token
// opens, calling f with each key (valid until f returns); f must consume
// the value.
func fields(l *lexer, name string, f func(k []byte) error) error {
	if err := l.expect(tObj, name); err != nil {
		return err
	}
	for {
		k, ok, err := l.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if err := f(k); err != nil {
			return err
		}
	}
}

func skipValue(l *lexer) error {
	if err := l.value(); err != nil {
		return err
	}
	return l.skip()
}

func decodeLearner(l *lexer, m *rawModel) error {
	return fields(l, "learner", func(k []byte) error {
		var err error
		switch string(k) {
		case "attributes":
			err = fields(l, "attributes", func(k []byte) error {
				if string(k) != "best_iteration" {
					return skipValue(l)
				}
				v, err := l.number("attributes.best_iteration")
				if err != nil {
					return err
				}
				// XGBoost writes -1 when it trained no round.
				if !isInt(v, -1, math.MaxInt32-1) {
					return l.errf("field attributes.best_iteration: %v", v)
				}
				m.best = int(v) + 1
				return nil
			})
		case "feature_names":
			m.names, err = l.strings("feature_names")
		case "feature_types":
			m.types, err = l.strings("feature_types")
		case "learner_model_param":
			err = fields(l, "learner_model_param", func(k []byte) error {
				var err error
				switch string(k) {
				case "base_score":
					if err := l.value(); err != nil {
						return err
					}
					switch l.kind {
					case tStr:
						if m.baseScoreRaw, err = l.keep("base_score"); err != nil {
							return err
						}
					case tNum:
						m.baseScoreRaw = strconv.FormatFloat(l.f, 'g', -1, 64)
					default:
						return l.errf("field base_score: string expected, found %v", l.kind)
					}
					m.baseScore, err = parseBaseScore(m.baseScoreRaw, m.bud)
					if err != nil {
						return l.errf("field base_score: %v", err)
					}
				case "num_class":
					m.numClass, err = l.number("num_class")
				case "num_feature":
					m.numFeature, err = l.number("num_feature")
				case "num_target":
					m.numTarget, err = l.number("num_target")
				default:
					err = skipValue(l)
				}
				return err
			})
		case "objective":
			err = fields(l, "objective", func(k []byte) error {
				if string(k) == "name" {
					var err error
					m.objective, err = l.str("objective.name")
					return err
				}
				return skipValue(l)
			})
		case "gradient_booster":
			err = decodeBooster(l, m, 0)
		default:
			err = skipValue(l)
		}
		return err
	})
}

// parseBaseScore reads XGBoost's base_score string: a number ("5E-1",
// before 3.1) or a JSON array of numbers ("[5E-1]", 3.1 and later).
func parseBaseScore(s string, bud *budget) ([]float64, error) {
	s = trimSpace(s)
	if len(s) > 0 && (s[0] == '[' || s[0] == '(') {
		if len(s) < 2 || (s[len(s)-1] != ']' && s[len(s)-1] != ')') {
			return nil, fmt.Errorf("%q is not an array", printable(s))
		}
		body := s[1 : len(s)-1]
		n := 1
		for i := range len(body) {
			if body[i] == ',' {
				n++
			}
		}
		if err := bud.take(8*n, "base_score"); err != nil {
			return nil, err
		}
		out := make([]float64, 0, n)
		for len(body) > 0 || len(out) < n {
			part := body
			if i := indexByte(body, ','); i >= 0 {
				part, body = body[:i], body[i+1:]
			} else {
				body = ""
			}
			v, err := strconv.ParseFloat(trimSpace(part), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", printable(part))
			}
			out = append(out, v)
		}
		return out, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not a number", printable(s))
	}
	return []float64{v}, nil
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

func indexByte(s string, c byte) int {
	for i := range len(s) {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func decodeBooster(l *lexer, m *rawModel, depth int) error {
	return fields(l, "gradient_booster", func(k []byte) error {
		switch string(k) {
		case "name":
			name, err := l.str("gradient_booster.name")
			if err != nil {
				return err
			}
			if depth == 0 {
				m.booster = name
			} else if name != "gbtree" {
				return fmt.Errorf("xgboost: %s: dart wraps booster %q, want gbtree: %w", m.format, printable(name), errs.ErrUnsupported)
			}
			return nil
		case "gbtree": // dart's inner booster
			if depth > 0 {
				return l.errf("nested gbtree inside dart's gbtree")
			}
			return decodeBooster(l, m, depth+1)
		case "weight_drop":
			var err error
			m.weightDrop, err = l.float32s(nil, "weight_drop")
			return err
		case "model":
			return decodeGBModel(l, m)
		default:
			return skipValue(l)
		}
	})
}

// minTreeBytes is less than the smallest tree a document can hold (the
// keys of the seven arrays a tree needs take more): what a tree count is
// checked against before trees are allocated for it.
const minTreeBytes = 64

func decodeGBModel(l *lexer, m *rawModel) error {
	return fields(l, "model", func(k []byte) error {
		var err error
		switch string(k) {
		case "gbtree_model_param":
			err = fields(l, "gbtree_model_param", func(k []byte) error {
				var err error
				switch string(k) {
				case "num_trees":
					m.numTrees, err = l.number("num_trees")
					m.hasNumTrees = true
				case "num_parallel_tree":
					m.numParallel, err = l.number("num_parallel_tree")
				default:
					err = skipValue(l)
				}
				return err
			})
		case "trees":
			if m.sawTrees {
				return l.errf("field trees given twice")
			}
			m.sawTrees = true
			if err := l.expect(tArr, "trees"); err != nil {
				return err
			}
			// XGBoost writes num_trees first: trees are then allocated once.
			if m.hasNumTrees && isInt(m.numTrees, 1, int64(l.rest()/minTreeBytes)) {
				if err := m.reserveTrees(int(m.numTrees)); err != nil {
					return err
				}
			}
			for {
				if err := l.next(); err != nil {
					return err
				}
				if l.kind == tEnd {
					return nil
				}
				if l.kind != tObj {
					return l.errf("field trees: object expected, found %v", l.kind)
				}
				t := &m.scratch
				t.reset()
				if err := decodeTree(l, t); err != nil {
					return fmt.Errorf("%w (tree %d)", err, len(m.trees))
				}
				if err := m.addTree(t); err != nil {
					return err
				}
			}
		case "tree_info":
			m.treeInfo, err = l.int32s(nil, "tree_info")
		case "iteration_indptr":
			m.indptr, err = l.int32s(nil, "iteration_indptr")
		case "weights":
			m.hasLinear = true
			m.linear, err = l.float32s(nil, "weights")
		case "cats":
			err = decodeCats(l, &m.cats, m)
		default:
			err = skipValue(l)
		}
		return err
	})
}

// decodeTree decodes the tree object whose start is the current token
// into t's reused storage.
func decodeTree(l *lexer, t *rawTree) error {
	for {
		k, ok, err := l.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch string(k) {
		case "tree_param":
			t.hasParam = true
			err = fields(l, "tree_param", func(k []byte) error {
				var err error
				switch string(k) {
				case "num_nodes":
					t.numNodes, err = l.number("tree_param.num_nodes")
				case "size_leaf_vector":
					t.sizeLeaf, err = l.number("tree_param.size_leaf_vector")
				default:
					err = skipValue(l)
				}
				return err
			})
		case "left_children":
			t.left, err = l.int32s(t.left, "left_children")
		case "right_children":
			t.right, err = l.int32s(t.right, "right_children")
		case "split_indices":
			t.splitIdx, err = l.int32s(t.splitIdx, "split_indices")
		case "split_conditions":
			t.cond, err = l.float32s(t.cond, "split_conditions")
		case "default_left":
			t.dftLeft, err = l.bytes(t.dftLeft, "default_left", 0, 255)
		case "base_weights":
			t.baseW, err = l.float32s(t.baseW, "base_weights")
		case "sum_hessian":
			t.hasSumHess = true
			t.sumHess, err = l.float32s(t.sumHess, "sum_hessian")
		case "split_type":
			t.hasType = true
			t.splitType, err = l.bytes(t.splitType, "split_type", 0, 255)
		case "categories_nodes":
			t.catNodes, err = l.int32s(t.catNodes, "categories_nodes")
		case "categories_segments":
			t.catSegs, err = l.int32s(t.catSegs, "categories_segments")
		case "categories_sizes":
			t.catSizes, err = l.int32s(t.catSizes, "categories_sizes")
		case "categories":
			t.cats, err = l.int32s(t.cats, "categories")
		default:
			err = skipValue(l)
		}
		if err != nil {
			return err
		}
	}
}

// decodeCats decodes XGBoost 3.1's category container.
func decodeCats(l *lexer, c *rawCats, m *rawModel) error {
	c.present = true
	var offsets []int32
	var values []byte
	return fields(l, "cats", func(k []byte) error {
		var err error
		switch string(k) {
		case "feature_segments":
			c.segments, err = l.int32s(nil, "cats.feature_segments")
		case "enc":
			if err := l.expect(tArr, "cats.enc"); err != nil {
				return err
			}
			n, err := l.arrayLen()
			if err != nil {
				return err
			}
			if err := m.bud.take(24*n, "cats.enc"); err != nil {
				return err
			}
			c.enc = make([][]string, 0, n)
			for {
				if err := l.next(); err != nil {
					return err
				}
				if l.kind == tEnd {
					return nil
				}
				if l.kind != tObj {
					return l.errf("field cats.enc: object expected, found %v", l.kind)
				}
				isStr := false
				offsets, values = offsets[:0], values[:0]
				for {
					kb, ok, err := l.key()
					if err != nil {
						return err
					}
					if !ok {
						break
					}
					switch string(kb) {
					case "offsets":
						isStr = true
						offsets, err = l.int32s(offsets, "cats.enc.offsets")
					case "values":
						values, err = l.bytes(values, "cats.enc.values", -128, 255)
					default:
						err = skipValue(l)
					}
					if err != nil {
						return err
					}
				}
				if len(c.enc) == n {
					return l.errf("field cats.enc: more elements than counted")
				}
				if !isStr {
					c.enc = append(c.enc, nil)
					continue
				}
				names, err := catNames(offsets, values, m.bud)
				if err != nil {
					return l.errf("field cats: feature %d: %v", len(c.enc), err)
				}
				c.enc = append(c.enc, names)
			}
		default:
			err = skipValue(l)
		}
		return err
	})
}

// catNames splits arrow-style (offsets, bytes) into strings, which share
// one copy of the bytes.
func catNames(offsets []int32, values []byte, bud *budget) ([]string, error) {
	if len(offsets) == 0 {
		return []string{}, nil
	}
	for i := 1; i < len(offsets); i++ {
		lo, hi := offsets[i-1], offsets[i]
		if !(lo >= 0 && lo <= hi && int(hi) <= len(values)) {
			return nil, fmt.Errorf("offsets [%d, %d) out of range [0, %d]", lo, hi, len(values))
		}
	}
	if err := bud.take(len(values)+16*(len(offsets)-1), "cats.enc"); err != nil {
		return nil, err
	}
	s := string(values)
	names := make([]string, 0, len(offsets)-1)
	for i := 1; i < len(offsets); i++ {
		names = append(names, s[offsets[i-1]:offsets[i]])
	}
	return names, nil
}
