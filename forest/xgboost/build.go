package xgboost

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// NewestVersion returns the newest XGBoost release whose model format this
// reader was checked against: 3.1 (its source and its JSON schema,
// doc/model.schema, at each release that added a field). A model written
// by a newer release is refused with an error wrapping ErrVersion rather
// than read on trust: from 3.2 on, XGBoost's source shows that dart folds
// into gbtree with weight_drop inside the tree model (possibly shorter than
// the trees) and that multi-target trees store leaf_weights apart from
// per-split-target base_weights, changes this reader does not decode.
func NewestVersion() [3]int { return newestVersion }

var newestVersion = [3]int{3, 1, 3}

// maxCategory is XGBoost's bound on a category code (a float32 holds
// integers exactly up to 2^24).
const maxCategory = 1 << 24

// isInt reports whether v is an integer in [lo, hi].
func isInt(v float64, lo, hi int64) bool {
	return v == math.Trunc(v) && v >= float64(lo) && v <= float64(hi)
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("xgboost: "+format+": %w", append(args, errs.ErrFormat)...)
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("xgboost: "+format+": %w", append(args, errs.ErrUnsupported)...)
}

// build checks a decoded model and turns it into a Model, within the
// budget r.bud.
func build(r *rawModel) (*Model, error) {
	m := &Model{format: r.format, version: r.version, objectiveName: r.objective, booster: r.booster, best: r.best}
	if r.hasVersion {
		v, n := r.version, newestVersion
		if v[0] > n[0] || (v[0] == n[0] && v[1] > n[1]) {
			return nil, fmt.Errorf("xgboost: field version: model written by XGBoost %d.%d.%d, newer than %d.%d.x, the newest this reader was checked against: %w",
				v[0], v[1], v[2], n[0], n[1], errs.ErrVersion)
		}
	}
	obj, ok := objectives[r.objective]
	if !ok {
		return nil, unsupported("field learner.objective.name: objective %q (known: %s)", printable(r.objective), knownObjectives())
	}
	m.obj = obj
	if !isInt(r.numFeature, 1, math.MaxInt32) {
		return nil, formatErr("field num_feature: %v", r.numFeature)
	}
	m.nfeat = int(r.numFeature)
	if !isInt(r.numClass, 0, 1<<20) {
		return nil, formatErr("field num_class: %v", r.numClass)
	}
	nt := r.numTarget
	if nt == 0 {
		nt = 1
	}
	if !isInt(nt, 1, 1<<20) {
		return nil, formatErr("field num_target: %v", r.numTarget)
	}
	m.numClass = int(r.numClass)
	if m.numClass > 1 && nt > 1 {
		return nil, unsupported("num_class %d together with num_target %v", m.numClass, nt)
	}
	m.nout = max(m.numClass, int(nt), 1)
	multi := obj.transform == transSoftprob || obj.transform == transSoftmax
	if multi && m.numClass < 1 {
		return nil, formatErr("objective %s with num_class %d", r.objective, m.numClass)
	}
	if !multi && m.numClass > 1 {
		return nil, unsupported("objective %s with num_class %d", r.objective, m.numClass)
	}
	// Base score: one value, or one per output (3.1 and later).
	switch len(r.baseScore) {
	case 0:
		return nil, formatErr("no base_score")
	case 1, m.nout:
	default:
		return nil, formatErr("field base_score: %d values (%q) for %d outputs", len(r.baseScore), printable(r.baseScoreRaw), m.nout)
	}
	if err := r.bud.take(4*m.nout, "num_class"); err != nil {
		return nil, err
	}
	m.base = make([]float32, m.nout)
	for k := range m.base {
		b := r.baseScore[0]
		if len(r.baseScore) > 1 {
			b = r.baseScore[k]
		}
		v, err := obj.toMargin(r.objective, b)
		if err != nil {
			return nil, err
		}
		m.base[k] = v
	}
	// Feature names and types.
	if len(r.names) > 0 && len(r.names) != m.nfeat {
		return nil, formatErr("field feature_names: %d names for %d features", len(r.names), m.nfeat)
	}
	if len(r.types) > 0 && len(r.types) != m.nfeat {
		return nil, formatErr("field feature_types: %d types for %d features", len(r.types), m.nfeat)
	}
	for i, t := range r.types {
		switch t {
		case "float", "int", "i", "q", "c":
		default:
			return nil, unsupported("field feature_types: feature %d has type %q (known: float, int, i, q, c)", i, printable(t))
		}
	}
	m.names, m.types = r.names, r.types
	if r.cats.present {
		if err := m.setCats(&r.cats, r.bud); err != nil {
			return nil, err
		}
	}
	switch r.booster {
	case "gbtree", "dart":
		if r.hasLinear {
			return nil, formatErr("booster %s holds linear weights", r.booster)
		}
		if err := m.buildTrees(r); err != nil {
			return nil, err
		}
	case "gblinear":
		if len(r.trees) > 0 {
			return nil, formatErr("booster gblinear holds trees")
		}
		if err := m.buildLinear(r); err != nil {
			return nil, err
		}
	default:
		return nil, unsupported("field learner.gradient_booster.name: booster %q (known: gbtree, dart, gblinear)", printable(r.booster))
	}
	return m, nil
}

func (m *Model) buildLinear(r *rawModel) error {
	want := (m.nfeat + 1) * m.nout
	if len(r.linear) != want {
		return formatErr("gblinear: %d weights, want (%d features + bias) × %d outputs = %d", len(r.linear), m.nfeat, m.nout, want)
	}
	for i, w := range r.linear {
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return formatErr("gblinear: weight %d is %v", i, w)
		}
	}
	m.linear = r.linear
	return nil
}

func (m *Model) buildTrees(r *rawModel) error {
	nt := len(r.trees)
	if r.numTrees != float64(nt) {
		return formatErr("field num_trees: %v, but %d trees", r.numTrees, nt)
	}
	np := r.numParallel
	if np == 0 {
		np = 1
	}
	if !isInt(np, 1, int64(max(nt, 1))) {
		return formatErr("field num_parallel_tree: %v for %d trees", r.numParallel, nt)
	}
	m.parallel = int(np)
	if len(r.treeInfo) != nt {
		return formatErr("field tree_info: %d entries for %d trees", len(r.treeInfo), nt)
	}
	if r.indptr != nil {
		p := r.indptr
		if len(p) < 1 || p[0] != 0 || int(p[len(p)-1]) != nt {
			return formatErr("field iteration_indptr: must run from 0 to %d trees", nt)
		}
		for i := 1; i < len(p); i++ {
			if p[i] < p[i-1] {
				return formatErr("field iteration_indptr: entry %d (%v) out of order", i, p[i])
			}
		}
		m.rounds = len(p) - 1
		m.indptr = p
	} else {
		m.rounds = nt / max(m.layer(r.trees), 1)
	}
	if r.booster == "dart" {
		if len(r.weightDrop) != nt {
			return formatErr("dart: %d weights in weight_drop for %d trees", len(r.weightDrop), nt)
		}
		for i, w := range r.weightDrop {
			if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
				return formatErr("dart: weight_drop[%d] is %v", i, w)
			}
		}
		m.weights = r.weightDrop
	} else if r.weightDrop != nil {
		return formatErr("booster %s with dart weights", r.booster)
	}
	if err := r.bud.take(4*nt, "tree_info"); err != nil {
		return err
	}
	m.group = make([]int32, nt)
	for i := range r.trees {
		t := &r.trees[i]
		g := r.treeInfo[i]
		if g < 0 || int(g) >= m.nout {
			return formatErr("tree %d: tree_info %v outside [0, %d)", i, g, m.nout)
		}
		m.group[i] = g
		if t.Outputs > 1 {
			if t.Outputs != m.nout {
				return unsupported("tree %d: tree_param.size_leaf_vector %d for a model with %d outputs", i, t.Outputs, m.nout)
			}
			m.group[i] = -1
		}
		for j := range t.Nodes {
			if f := t.Nodes[j].Feature; f >= 0 && int(f) >= m.nfeat {
				return formatErr("tree %d: node %d: split feature %d outside [0, %d)", i, j, f, m.nfeat)
			}
		}
		if err := r.bud.take(len(t.Nodes), "trees"); err != nil { // Validate's parent counts
			return err
		}
		if err := t.Validate(m.nfeat); err != nil {
			return fmt.Errorf("xgboost: tree %d: %w", i, err)
		}
	}
	m.trees = r.trees
	return m.prepare(r.bud)
}

// layer returns the trees of one boosting round when the model records no
// iteration_indptr: num_parallel_tree per output, or per round for
// vector-leaf trees, which serve every output.
func (m *Model) layer(trees []tree.Tree) int {
	if len(trees) > 0 && trees[0].Outputs > 1 {
		return m.parallel
	}
	return m.parallel * m.nout
}

// flatNodeBytes is what the scoring copy (newFlat) takes per node.
const flatNodeBytes = int(unsafe.Sizeof(tree.Node{}))

// prepare builds the scoring form of the trees and the state the
// explainers are prepared in on first use, the former paid from bud.
func (m *Model) prepare(bud *budget) error {
	nodes := 0
	for i := range m.trees {
		nodes += len(m.trees[i].Nodes)
	}
	if err := bud.take(nodes*flatNodeBytes+4*len(m.trees), "trees"); err != nil {
		return err
	}
	m.flat = newFlat(m.trees, bud)
	m.shap = &shapState{}
	return nil
}

// BestIteration returns the best_iteration saved in the model (a learner
// attribute, counting rounds from 0), and false when the model has none.
// Early stopping sets it to the round with the best validation score;
// XGBoost 1.7's train also records it without early stopping, as the last
// round. See WithIterationRange.
func (m *Model) BestIteration() (int, bool) { return m.best - 1, m.best > 0 }

// WithIterationRange returns a copy of the model that scores, predicts and
// explains with the trees of boosting rounds [begin, end) only, as
// XGBoost's Booster.predict(iteration_range=(begin, end)) does; end 0
// means the last round, and (0, 0) is the whole model. The copy shares the
// trees; it cannot be saved (MarshalBinary), as XGBoost's formats have no
// place for the range.
//
// Which rounds score by default: a Model, like Booster.predict, scores
// every round it holds, also when it was saved with early stopping. The
// scikit-learn wrappers (XGBClassifier.predict_proba, XGBRegressor.predict)
// of a model saved with early stopping score only the rounds
// [0, best_iteration+1); to score as they do:
//
//	if best, ok := m.BestIteration(); ok {
//		m, err = m.WithIterationRange(0, best+1)
//	}
func (m *Model) WithIterationRange(begin, end int) (*Model, error) {
	if m.shap == nil && m.linear == nil {
		return nil, fmt.Errorf("xgboost: model: %w", errs.ErrNotFitted)
	}
	if end == 0 {
		end = m.rounds
	}
	if begin == 0 && end == m.rounds {
		return m, nil
	}
	if m.linear != nil {
		return nil, unsupported("iteration range of a gblinear model")
	}
	if begin < 0 || begin > end || end > m.rounds {
		return nil, fmt.Errorf("xgboost: iteration range [%d, %d) outside the model's %d rounds: %w", begin, end, m.rounds, errs.ErrDimension)
	}
	lo, hi := begin*m.layer(m.trees), end*m.layer(m.trees)
	c := *m
	c.indptr = nil
	if m.indptr != nil {
		lo, hi = int(m.indptr[begin]), int(m.indptr[end])
		c.indptr = make([]int32, end-begin+1)
		for i := range c.indptr {
			c.indptr[i] = m.indptr[begin+i] - int32(lo)
		}
	}
	c.trees = m.trees[lo:hi:hi]
	c.group = m.group[lo:hi:hi]
	if m.weights != nil {
		c.weights = m.weights[lo:hi:hi]
	}
	c.rounds = end - begin
	c.ranged = true
	if err := c.prepare(nil); err != nil {
		return nil, err
	}
	return &c, nil
}

// reserveTrees makes room for n trees before they are decoded.
func (r *rawModel) reserveTrees(n int) error {
	if err := r.bud.take(n*treeHeaderBytes, "trees"); err != nil {
		return err
	}
	r.trees = make([]tree.Tree, 0, n)
	return nil
}

const treeHeaderBytes = int(unsafe.Sizeof(tree.Tree{}))

// addTree converts a decoded tree and appends it to r.trees.
func (r *rawModel) addTree(rt *rawTree) error {
	i := len(r.trees)
	t, err := r.conv.convert(rt, r.bud)
	if err != nil {
		return fmt.Errorf("xgboost: tree %d: %w", i, err)
	}
	if len(r.trees) == cap(r.trees) {
		n := max(8, 2*cap(r.trees))
		if err := r.bud.take(n*treeHeaderBytes, "trees"); err != nil {
			return err
		}
		grown := make([]tree.Tree, len(r.trees), n)
		copy(grown, r.trees)
		r.trees = grown
	}
	r.trees = append(r.trees, t)
	return nil
}

// treeFormat and treeUnsupported are formatErr and unsupported without
// the package prefix, for the errors of one tree, which addTree prefixes
// with the tree's index.
func treeFormat(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, errs.ErrFormat)...)
}

func treeUnsupported(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, errs.ErrUnsupported)...)
}

// converter holds the scratch space of convert, reused from tree to tree.
type converter struct {
	seen  []bool
	stack []convItem
}

type convItem struct {
	old    int32
	parent int32 // new index of the parent, -1 for the root
	left   bool  // which child of the parent
}

// convert checks one tree and renumbers it into the flat layout in
// preorder, so that every child comes after its parent. Only nodes
// reachable from the root are kept (XGBoost leaves deleted nodes in its
// arrays); a node reached twice (a cycle or a shared child) is an error.
// Leaf values, base weights and hessian sums must be finite, and the sums
// positive (they are TreeSHAP's covers). The split features are checked
// against the model's features by build.
func (c *converter) convert(rt *rawTree, bud *budget) (tree.Tree, error) {
	if !rt.hasParam {
		return tree.Tree{}, treeFormat("no tree_param")
	}
	if !isInt(rt.numNodes, 1, math.MaxInt32) {
		return tree.Tree{}, treeFormat("tree_param.num_nodes %v", rt.numNodes)
	}
	n := int(rt.numNodes)
	k := 1
	if rt.sizeLeaf > 1 {
		if !isInt(rt.sizeLeaf, 2, 1<<20) {
			return tree.Tree{}, treeFormat("tree_param.size_leaf_vector %v", rt.sizeLeaf)
		}
		k = int(rt.sizeLeaf)
	} else if rt.sizeLeaf < 0 || rt.sizeLeaf != math.Trunc(rt.sizeLeaf) {
		return tree.Tree{}, treeFormat("tree_param.size_leaf_vector %v", rt.sizeLeaf)
	}
	for _, a := range []struct {
		name string
		got  int
		want int
	}{
		{"left_children", len(rt.left), n}, {"right_children", len(rt.right), n},
		{"split_indices", len(rt.splitIdx), n}, {"split_conditions", len(rt.cond), n},
		{"default_left", len(rt.dftLeft), n}, {"base_weights", len(rt.baseW), n * k},
	} {
		if a.got != a.want {
			return tree.Tree{}, treeFormat("field %s: %d entries, want %d (num_nodes %d)", a.name, a.got, a.want, n)
		}
	}
	if rt.hasSumHess && len(rt.sumHess) != n {
		return tree.Tree{}, treeFormat("field sum_hessian: %d entries, want %d", len(rt.sumHess), n)
	}
	if k == 1 && !rt.hasSumHess {
		return tree.Tree{}, treeFormat("field sum_hessian missing")
	}
	if rt.hasType && len(rt.splitType) != n {
		return tree.Tree{}, treeFormat("field split_type: %d entries, want %d", len(rt.splitType), n)
	}
	// Category sets by node id.
	var catOf map[int32][]uint64
	if len(rt.catNodes) > 0 {
		if len(rt.catSegs) != len(rt.catNodes) || len(rt.catSizes) != len(rt.catNodes) {
			return tree.Tree{}, treeFormat("categories_nodes (%d), categories_segments (%d) and categories_sizes (%d) differ in length",
				len(rt.catNodes), len(rt.catSegs), len(rt.catSizes))
		}
		if err := bud.take(64*len(rt.catNodes), "categories_nodes"); err != nil {
			return tree.Tree{}, err
		}
		catOf = make(map[int32][]uint64, len(rt.catNodes))
		for j, nv := range rt.catNodes {
			if nv < 0 || int(nv) >= n {
				return tree.Tree{}, treeFormat("categories_nodes[%d] = %v outside [0, %d)", j, nv, n)
			}
			seg, size := int(rt.catSegs[j]), int(rt.catSizes[j])
			if seg < 0 || seg > len(rt.cats) || size < 1 || size > len(rt.cats)-seg {
				return tree.Tree{}, treeFormat("node %v: category segment [%v, %v+%v) outside the %d categories", nv, seg, seg, size, len(rt.cats))
			}
			codes := rt.cats[seg : seg+size]
			top := int32(0)
			for _, cv := range codes {
				if cv < 0 || cv >= maxCategory {
					return tree.Tree{}, treeFormat("node %v: category %v outside [0, 2^24)", nv, cv)
				}
				top = max(top, cv)
			}
			words := int(top)/64 + 1
			if err := bud.take(8*words, "categories"); err != nil {
				return tree.Tree{}, err
			}
			set := make([]uint64, words)
			for _, cv := range codes {
				set[cv>>6] |= 1 << (uint(cv) & 63)
			}
			if _, dup := catOf[nv]; dup {
				return tree.Tree{}, treeFormat("node %v listed twice in categories_nodes", nv)
			}
			catOf[nv] = set
		}
	}
	size := n * (flatNodeBytes + 8*k + 1)
	if rt.hasSumHess {
		size += 8 * n
	}
	if catOf != nil {
		size += 24 * n
	}
	if err := bud.take(size, "trees"); err != nil {
		return tree.Tree{}, err
	}
	t := tree.Tree{
		Nodes:   make([]tree.Node, 0, n),
		Outputs: k,
		Values:  make([]float64, 0, n*k),
	}
	if rt.hasSumHess {
		t.Cover = make([]float64, 0, n)
	}
	if catOf != nil {
		t.Categories = make([][]uint64, 0, n)
	}
	if cap(c.seen) < n {
		c.seen = make([]bool, n)
	}
	seen := c.seen[:n]
	clear(seen)
	// Preorder walk with an explicit stack of (old id, parent slot).
	stack := append(c.stack[:0], convItem{0, -1, false})
	defer func() { c.stack = stack[:0] }()
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		o := it.old
		if seen[o] {
			return tree.Tree{}, treeFormat("node %d reached twice (a cycle or a shared child)", o)
		}
		seen[o] = true
		idx := int32(len(t.Nodes))
		if it.parent >= 0 {
			if it.left {
				t.Nodes[it.parent].Left = idx
			} else {
				t.Nodes[it.parent].Right = idx
			}
		}
		var nd tree.Node
		l, rc := rt.left[o], rt.right[o]
		var st byte
		if rt.hasType {
			st = rt.splitType[o]
		}
		if l == -1 {
			nd.Feature = -1
			if k == 1 {
				v := rt.cond[o]
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return tree.Tree{}, treeFormat("leaf %d: value is %v", o, v)
				}
				t.Values = append(t.Values, float64(v))
			} else {
				for _, v := range rt.baseW[int(o)*k : (int(o)+1)*k] {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						return tree.Tree{}, treeFormat("leaf %d: value is %v", o, v)
					}
					t.Values = append(t.Values, float64(v))
				}
			}
		} else {
			if l < 0 || int(l) >= n || rc < 0 || int(rc) >= n {
				return tree.Tree{}, treeFormat("node %d: children %v, %v outside [0, %d)", o, l, rc, n)
			}
			f := rt.splitIdx[o]
			if f < 0 {
				return tree.Tree{}, treeFormat("node %d: split feature %v is negative", o, f)
			}
			nd.Feature = f
			switch rt.dftLeft[o] {
			case 1:
				nd.Flags |= tree.DefaultLeft
			case 0:
			default:
				return tree.Tree{}, treeFormat("node %d: default_left %v", o, rt.dftLeft[o])
			}
			switch st {
			case 0:
				if math.IsNaN(float64(rt.cond[o])) {
					return tree.Tree{}, treeFormat("node %d: NaN split condition", o)
				}
				nd.Threshold = threshold32(rt.cond[o])
			case 1:
				nd.Flags |= tree.Categorical
				if catOf[o] == nil {
					return tree.Tree{}, treeFormat("categorical node %d has no categories", o)
				}
			default:
				return tree.Tree{}, treeUnsupported("node %d: split_type %v (known: 0 numerical, 1 categorical)", o, st)
			}
			// Push right first so that the left subtree comes next.
			if len(stack)+2 > cap(stack) {
				if err := bud.take(2*cap(stack)*12+24, "trees"); err != nil {
					return tree.Tree{}, err
				}
			}
			stack = append(stack, convItem{rc, idx, false}, convItem{l, idx, true})
			for _, v := range rt.baseW[int(o)*k : (int(o)+1)*k] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return tree.Tree{}, treeFormat("node %d: base_weight %v", o, v)
				}
				t.Values = append(t.Values, float64(v))
			}
		}
		if st != 0 && l == -1 {
			return tree.Tree{}, treeFormat("leaf %d has split_type %v", o, st)
		}
		t.Nodes = append(t.Nodes, nd)
		if t.Cover != nil {
			h := rt.sumHess[o]
			if !(h > 0) || math.IsInf(float64(h), 0) {
				return tree.Tree{}, treeFormat("node %d: sum_hessian %v: the hessian sums (TreeSHAP's covers) must be positive and finite", o, h)
			}
			t.Cover = append(t.Cover, float64(h))
		}
		if t.Categories != nil {
			var set []uint64
			if nd.Flags&tree.Categorical != 0 {
				set = catOf[o]
			}
			t.Categories = append(t.Categories, set)
		}
	}
	return t, nil
}
