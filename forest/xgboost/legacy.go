package xgboost

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/netwarden/netwarden/internal/errs"
)

// The legacy binary format is XGBoost's own dump of its C++ structs
// (little-endian), written by Booster.save_model("x.model") up to 3.0 and
// by every release before 1.0. Since 1.0 it starts with the magic "binf";
// before 1.0 it starts directly with LearnerModelParam. The layout (from
// src/learner.cc, src/gbm/gbtree_model.h, include/xgboost/tree_model.h of
// XGBoost 0.90 to 3.0):
//
//	["binf"]
//	LearnerModelParam (136 bytes): f32 base_score, u32 num_feature,
//	    i32 num_class, i32 contain_extra_attrs, i32 contain_eval_metrics,
//	    u32 major_version, u32 minor_version, u32 num_target,
//	    i32 boost_from_average, reserved (zero)
//	string objective, string booster (u64 length, bytes)
//	gbtree/dart: GBTreeModelParam (160 bytes): i32 num_trees,
//	    i32 num_parallel_tree, i32 num_feature, i32 pad, i64 pbuffer,
//	    i32 num_output_group, i32 size_leaf_vector, reserved
//	  per tree: TreeParam (148 bytes): i32 num_roots, i32 num_nodes,
//	    i32 num_deleted, i32 max_depth, i32 num_feature,
//	    i32 size_leaf_vector, reserved; then num_nodes Nodes (20 bytes:
//	    i32 parent, i32 cleft, i32 cright, u32 sindex with the default-left
//	    bit on top, f32 leaf value or split condition) and num_nodes
//	    RTreeNodeStat (16 bytes: f32 loss_chg, f32 sum_hess,
//	    f32 base_weight, i32 leaf_child_cnt)
//	  i32 tree_info[num_trees]
//	  dart: u64 n, f32 weight_drop[n] (when num_trees > 0)
//	gblinear: GBLinearModelParam (136 bytes), u64 n, f32 weights[n]
//	[attributes: u64 n, n × (string, string)] if contain_extra_attrs
//	[eval metrics: u64 n, n × string] if contain_eval_metrics
const (
	legacyMagic       = "binf"
	learnerParamSize  = 136
	gbtreeParamSize   = 160
	treeParamSize     = 148
	gblinearParamSize = 136
	nodeSize          = 20
	statSize          = 16
)

type binReader struct {
	b   []byte
	pos int
}

func (r *binReader) errf(format string, args ...any) error {
	return fmt.Errorf("xgboost: legacy binary: offset %d: %s: %w", r.pos, fmt.Sprintf(format, args...), errs.ErrFormat)
}

func (r *binReader) need(n int) error {
	if n < 0 || n > len(r.b)-r.pos {
		return r.errf("truncated: %d bytes needed, %d left", n, len(r.b)-r.pos)
	}
	return nil
}

func (r *binReader) u32() uint32 {
	v := binary.LittleEndian.Uint32(r.b[r.pos:])
	r.pos += 4
	return v
}

func (r *binReader) i32() int32   { return int32(r.u32()) }
func (r *binReader) f32() float32 { return math.Float32frombits(r.u32()) }

func (r *binReader) u64() (uint64, error) {
	if err := r.need(8); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(r.b[r.pos:])
	r.pos += 8
	return v, nil
}

// count reads a u64 element count and checks that size bytes per element
// remain.
func (r *binReader) count(size int, what string) (int, error) {
	n, err := r.u64()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(r.b)-r.pos)/uint64(size) {
		r.pos -= 8
		return 0, r.errf("%s: %d elements exceed the %d bytes left", what, n, len(r.b)-r.pos-8)
	}
	return int(n), nil
}

// bytes reads a u64 length and that many bytes (a sub-slice of the input).
func (r *binReader) bytes(what string) ([]byte, error) {
	n, err := r.count(1, what)
	if err != nil {
		return nil, err
	}
	s := r.b[r.pos : r.pos+n]
	r.pos += n
	return s, nil
}

// str reads a string that the model keeps, charged to bud.
func (r *binReader) str(what string, bud *budget) (string, error) {
	s, err := r.bytes(what)
	if err != nil {
		return "", err
	}
	if err := bud.take(len(s), what); err != nil {
		return "", err
	}
	return string(s), nil
}

func (r *binReader) floats(what string, bud *budget) ([]float32, error) {
	n, err := r.count(4, what)
	if err != nil {
		return nil, err
	}
	if err := bud.take(4*n, what); err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = r.f32()
	}
	return out, nil
}

// decodeLegacy decodes a legacy binary model into m.
func decodeLegacy(b []byte, m *rawModel) error {
	r := &binReader{b: b}
	m.format = "legacy binary"
	if len(b) >= 4 && string(b[:4]) == legacyMagic {
		r.pos = 4
	} else {
		m.format = "legacy binary (pre-1.0)"
	}
	if err := r.need(learnerParamSize); err != nil {
		return err
	}
	start := r.pos
	base := r.f32()
	numFeature := r.u32()
	numClass := r.i32()
	extraAttrs := r.i32()
	evalMetrics := r.i32()
	major := r.u32()
	minor := r.u32()
	numTarget := r.u32()
	r.pos = start + learnerParamSize
	if numFeature > math.MaxInt32 || numClass < 0 || numClass > math.MaxInt32/2 || major > 1000 || minor > 1000 || numTarget > 1<<20 {
		return r.errf("implausible header (num_feature %d, num_class %d, version %d.%d, num_target %d): not an XGBoost model", numFeature, numClass, major, minor, numTarget)
	}
	m.version = [3]int{int(major), int(minor), 0}
	m.hasVersion = major > 0
	m.baseScore = []float64{float64(base)}
	m.baseScoreRaw = fmt.Sprint(base)
	m.numFeature = float64(numFeature)
	m.numClass = float64(numClass)
	m.numTarget = 1
	if major >= 1 && numTarget > 0 {
		m.numTarget = float64(numTarget)
	}
	var err error
	if m.objective, err = r.str("objective name", m.bud); err != nil {
		return err
	}
	if m.booster, err = r.str("booster name", m.bud); err != nil {
		return err
	}
	switch m.booster {
	case "gbtree", "dart":
		if err := decodeLegacyTrees(r, m); err != nil {
			return err
		}
	case "gblinear":
		if err := r.need(gblinearParamSize); err != nil {
			return err
		}
		r.pos += gblinearParamSize
		m.hasLinear = true
		if m.linear, err = r.floats("gblinear weights", m.bud); err != nil {
			return err
		}
	default:
		return fmt.Errorf("xgboost: legacy binary: booster %q (want gbtree, dart or gblinear): %w", printable(m.booster), errs.ErrUnsupported)
	}
	if extraAttrs != 0 {
		n, err := r.count(16, "attributes")
		if err != nil {
			return err
		}
		for range n {
			name, err := r.bytes("attribute name")
			if err != nil {
				return err
			}
			value, err := r.bytes("attribute value")
			if err != nil {
				return err
			}
			if string(name) == "best_iteration" {
				v, err := strconv.ParseInt(string(value), 10, 32)
				if err != nil || v < -1 || v == math.MaxInt32 { // -1: no round trained
					return r.errf("attribute best_iteration %q", printable(string(value)))
				}
				m.best = int(v) + 1
			}
		}
	}
	if evalMetrics != 0 {
		n, err := r.count(8, "eval metrics")
		if err != nil {
			return err
		}
		for range n {
			if _, err := r.bytes("eval metric"); err != nil {
				return err
			}
		}
	}
	if r.pos != len(b) {
		return r.errf("%d unexpected bytes after the model", len(b)-r.pos)
	}
	return nil
}

func decodeLegacyTrees(r *binReader, m *rawModel) error {
	if err := r.need(gbtreeParamSize); err != nil {
		return err
	}
	start := r.pos
	numTrees := r.i32()
	numParallel := r.i32()
	r.pos = start + 16
	pbuffer := int64(r.u32()) | int64(r.u32())<<32
	outputGroups := r.i32()
	sizeLeaf := r.i32()
	r.pos = start + gbtreeParamSize
	// Every tree takes at least its TreeParam and one node.
	if numTrees < 0 || int64(numTrees) > int64(len(r.b)-r.pos)/(treeParamSize+nodeSize+statSize) {
		return r.errf("%d trees cannot fit in %d bytes", numTrees, len(r.b)-r.pos)
	}
	if pbuffer != 0 {
		return fmt.Errorf("xgboost: legacy binary: num_pbuffer %d: a pre-0.7 model with a saved prediction buffer: %w", pbuffer, errs.ErrUnsupported)
	}
	// 1.x leaves num_output_group at zero; before 1.0 it is the class count.
	if outputGroups != 0 && int(outputGroups) != max(1, int(m.numClass)) {
		return r.errf("num_output_group %d for num_class %v", outputGroups, m.numClass)
	}
	if sizeLeaf != 0 {
		return fmt.Errorf("xgboost: legacy binary: size_leaf_vector %d: vector leaves: %w", sizeLeaf, errs.ErrUnsupported)
	}
	m.numTrees = float64(numTrees)
	m.numParallel = float64(numParallel)
	if err := m.reserveTrees(int(numTrees)); err != nil {
		return err
	}
	t := &m.scratch
	for ti := range int(numTrees) {
		if err := r.need(treeParamSize); err != nil {
			return fmt.Errorf("xgboost: tree %d: %w", ti, err)
		}
		ts := r.pos
		numRoots := r.i32()
		numNodes := r.i32()
		r.pos = ts + 4*5
		tLeaf := r.i32()
		r.pos = ts + treeParamSize
		if numRoots != 1 {
			return fmt.Errorf("xgboost: legacy binary: tree %d: num_roots %d (want 1): %w", ti, numRoots, errs.ErrUnsupported)
		}
		if tLeaf != 0 {
			return fmt.Errorf("xgboost: legacy binary: tree %d: size_leaf_vector %d: %w", ti, tLeaf, errs.ErrUnsupported)
		}
		if numNodes < 1 || int64(numNodes) > int64(len(r.b)-r.pos)/(nodeSize+statSize) {
			return r.errf("tree %d: %d nodes cannot fit in %d bytes", ti, numNodes, len(r.b)-r.pos)
		}
		n := int(numNodes)
		t.reset()
		t.hasParam, t.hasSumHess = true, true
		t.numNodes = float64(n)
		var errs [7]error
		t.left, errs[0] = growTo(t.left, n, 4, m.bud)
		t.right, errs[1] = growTo(t.right, n, 4, m.bud)
		t.splitIdx, errs[2] = growTo(t.splitIdx, n, 4, m.bud)
		t.cond, errs[3] = growTo(t.cond, n, 4, m.bud)
		t.sumHess, errs[4] = growTo(t.sumHess, n, 4, m.bud)
		t.baseW, errs[5] = growTo(t.baseW, n, 4, m.bud)
		t.dftLeft, errs[6] = growTo(t.dftLeft, n, 1, m.bud)
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		for i := range n {
			r.pos += 4 // parent
			t.left[i] = r.i32()
			t.right[i] = r.i32()
			s := r.u32()
			t.splitIdx[i] = int32(s & (1<<31 - 1))
			t.dftLeft[i] = byte(s >> 31)
			t.cond[i] = r.f32()
		}
		for i := range n {
			r.pos += 4 // loss_chg
			t.sumHess[i] = r.f32()
			t.baseW[i] = r.f32()
			r.pos += 4 // leaf_child_cnt
		}
		if err := m.addTree(t); err != nil {
			return err
		}
	}
	if err := r.need(4 * int(numTrees)); err != nil {
		return err
	}
	if err := m.bud.take(4*int(numTrees), "tree_info"); err != nil {
		return err
	}
	m.treeInfo = make([]int32, numTrees)
	for i := range m.treeInfo {
		m.treeInfo[i] = r.i32()
	}
	if m.booster == "dart" && numTrees > 0 {
		var err error
		if m.weightDrop, err = r.floats("dart weight_drop", m.bud); err != nil {
			return err
		}
	}
	return nil
}

// growTo returns dst resized to n elements of size bytes, reusing its
// storage when it is large enough (the allocation charged to bud).
func growTo[T any](dst []T, n, size int, bud *budget) ([]T, error) {
	if cap(dst) >= n {
		return dst[:n], nil
	}
	if err := bud.take(n*size, "trees"); err != nil {
		return nil, err
	}
	return make([]T, n), nil
}

// printable shortens and sanitises a name read from a damaged file for an
// error message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)[1 : len(fmt.Sprintf("%q", s))-1]
}
