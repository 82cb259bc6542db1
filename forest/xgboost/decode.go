package xgboost

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// rawTree is one tree as a document holds it, before checking.
type rawTree struct {
	numNodes, sizeLeaf            float64
	left, right, splitIdx         []float64
	cond, dftLeft, baseW, sumHess []float64
	splitType                     []float64
	catNodes, catSegs, catSizes   []float64
	cats                          []float64
	hasCond, hasBaseW, hasParam   bool
}

// rawCats is XGBoost 3.1's category container ("cats").
type rawCats struct {
	segments []float64
	enc      [][]string // per feature, the category names (nil if numeric)
	present  bool
}

// rawModel is a model as a document (or legacy binary) holds it.
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
	// gbtree and dart
	numTrees, numParallel float64
	trees                 []rawTree
	treeInfo              []float64
	indptr                []float64
	weightDrop            []float64
	cats                  rawCats
	// gblinear
	linear    []float64
	hasLinear bool
}

// decodeDoc decodes a JSON or UBJSON model document.
func decodeDoc(l *lexer, m *rawModel) error {
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
			v, err := l.floats(nil, "version")
			if err != nil {
				return err
			}
			if len(v) != 3 {
				return l.errf("field version: %d numbers, want 3", len(v))
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
			if err := l.value(); err != nil {
				return err
			}
			if err := l.skip(); err != nil {
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
// opens, calling f with each key; f must consume the value.
func fields(l *lexer, name string, f func(k string) error) error {
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
		if err := f(string(k)); err != nil {
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
	return fields(l, "learner", func(k string) error {
		var err error
		switch k {
		case "feature_names":
			m.names, err = l.strings(k)
		case "feature_types":
			m.types, err = l.strings(k)
		case "learner_model_param":
			err = fields(l, k, func(k string) error {
				var err error
				switch k {
				case "base_score":
					if err := l.value(); err != nil {
						return err
					}
					switch l.kind {
					case tStr:
						m.baseScoreRaw = string(l.s)
					case tNum:
						m.baseScoreRaw = strconv.FormatFloat(l.f, 'g', -1, 64)
					default:
						return l.errf("field base_score: string expected, found %v", l.kind)
					}
					m.baseScore, err = parseBaseScore(m.baseScoreRaw)
					if err != nil {
						return l.errf("field base_score: %v", err)
					}
				case "num_class":
					m.numClass, err = l.number(k)
				case "num_feature":
					m.numFeature, err = l.number(k)
				case "num_target":
					m.numTarget, err = l.number(k)
				default:
					err = skipValue(l)
				}
				return err
			})
		case "objective":
			err = fields(l, k, func(k string) error {
				if k == "name" {
					var err error
					m.objective, err = l.str(k)
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
func parseBaseScore(s string) ([]float64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "(") {
		if len(s) < 2 || (s[len(s)-1] != ']' && s[len(s)-1] != ')') {
			return nil, fmt.Errorf("%q is not an array", s)
		}
		parts := strings.Split(s[1:len(s)-1], ",")
		out := make([]float64, 0, len(parts))
		for _, p := range parts {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", p)
			}
			out = append(out, v)
		}
		return out, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("%q is not a number", s)
	}
	return []float64{v}, nil
}

func decodeBooster(l *lexer, m *rawModel, depth int) error {
	return fields(l, "gradient_booster", func(k string) error {
		switch k {
		case "name":
			name, err := l.str(k)
			if err != nil {
				return err
			}
			if depth == 0 {
				m.booster = name
			} else if name != "gbtree" {
				return fmt.Errorf("xgboost: %s: dart wraps booster %q, want gbtree: %w", m.format, name, errs.ErrUnsupported)
			}
			return nil
		case "gbtree": // dart's inner booster
			if depth > 0 {
				return l.errf("nested gbtree inside dart's gbtree")
			}
			return decodeBooster(l, m, depth+1)
		case "weight_drop":
			var err error
			m.weightDrop, err = l.floats(nil, k)
			return err
		case "model":
			return decodeGBModel(l, m)
		default:
			return skipValue(l)
		}
	})
}

func decodeGBModel(l *lexer, m *rawModel) error {
	return fields(l, "model", func(k string) error {
		var err error
		switch k {
		case "gbtree_model_param":
			err = fields(l, k, func(k string) error {
				var err error
				switch k {
				case "num_trees":
					m.numTrees, err = l.number(k)
				case "num_parallel_tree":
					m.numParallel, err = l.number(k)
				default:
					err = skipValue(l)
				}
				return err
			})
		case "trees":
			if err := l.expect(tArr, k); err != nil {
				return err
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
				var t rawTree
				if err := decodeTree(l, &t); err != nil {
					return fmt.Errorf("xgboost: tree %d: %w", len(m.trees), err)
				}
				m.trees = append(m.trees, t)
			}
		case "tree_info":
			m.treeInfo, err = l.floats(nil, k)
		case "iteration_indptr":
			m.indptr, err = l.floats(nil, k)
		case "weights":
			m.hasLinear = true
			m.linear, err = l.floats(nil, k)
		case "cats":
			err = decodeCats(l, &m.cats)
		default:
			err = skipValue(l)
		}
		return err
	})
}

// decodeTree decodes the tree object whose start is the current token.
func decodeTree(l *lexer, t *rawTree) error {
	for {
		kb, ok, err := l.key()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		k := string(kb)
		switch k {
		case "tree_param":
			t.hasParam = true
			err = fields(l, k, func(k string) error {
				var err error
				switch k {
				case "num_nodes":
					t.numNodes, err = l.number(k)
				case "size_leaf_vector":
					t.sizeLeaf, err = l.number(k)
				default:
					err = skipValue(l)
				}
				return err
			})
		case "left_children":
			t.left, err = l.floats(nil, k)
		case "right_children":
			t.right, err = l.floats(nil, k)
		case "split_indices":
			t.splitIdx, err = l.floats(nil, k)
		case "split_conditions":
			t.hasCond = true
			t.cond, err = l.floats(nil, k)
		case "default_left":
			t.dftLeft, err = l.floats(nil, k)
		case "base_weights":
			t.hasBaseW = true
			t.baseW, err = l.floats(nil, k)
		case "sum_hessian":
			t.sumHess, err = l.floats(nil, k)
		case "split_type":
			t.splitType, err = l.floats(nil, k)
		case "categories_nodes":
			t.catNodes, err = l.floats(nil, k)
		case "categories_segments":
			t.catSegs, err = l.floats(nil, k)
		case "categories_sizes":
			t.catSizes, err = l.floats(nil, k)
		case "categories":
			t.cats, err = l.floats(nil, k)
		default:
			err = skipValue(l)
		}
		if err != nil {
			return err
		}
	}
}

// decodeCats decodes XGBoost 3.1's category container.
func decodeCats(l *lexer, c *rawCats) error {
	c.present = true
	return fields(l, "cats", func(k string) error {
		var err error
		switch k {
		case "feature_segments":
			c.segments, err = l.floats(nil, k)
		case "enc":
			if err := l.expect(tArr, k); err != nil {
				return err
			}
			for {
				if err := l.next(); err != nil {
					return err
				}
				if l.kind == tEnd {
					return nil
				}
				if l.kind != tObj {
					return l.errf("field enc: object expected, found %v", l.kind)
				}
				var offsets, values []float64
				isStr := false
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
						offsets, err = l.floats(nil, "offsets")
					case "values":
						values, err = l.floats(nil, "values")
					default:
						err = skipValue(l)
					}
					if err != nil {
						return err
					}
				}
				if !isStr {
					c.enc = append(c.enc, nil)
					continue
				}
				names, err := catNames(offsets, values)
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

// catNames splits arrow-style (offsets, bytes) into strings.
func catNames(offsets, values []float64) ([]string, error) {
	if len(offsets) == 0 {
		return []string{}, nil
	}
	b := make([]byte, len(values))
	for i, v := range values {
		if v < -128 || v > 255 || v != float64(int(v)) {
			return nil, fmt.Errorf("byte %v out of range", v)
		}
		b[i] = byte(int(v))
	}
	s := string(b)
	names := make([]string, 0, len(offsets)-1)
	for i := 1; i < len(offsets); i++ {
		lo, hi := offsets[i-1], offsets[i]
		if !(lo >= 0 && lo <= hi && hi <= float64(len(s))) || lo != float64(int(lo)) || hi != float64(int(hi)) {
			return nil, fmt.Errorf("offsets [%v, %v) out of range [0, %d]", lo, hi, len(s))
		}
		names = append(names, s[int(lo):int(hi)])
	}
	return names, nil
}
