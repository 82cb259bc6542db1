package xgboost

import (
	"fmt"
	"math"

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

// build checks a decoded model and turns it into a Model. inputSize is the
// size of the file, which bounds what building may allocate.
func build(r *rawModel, inputSize int) (*Model, error) {
	m := &Model{format: r.format, version: r.version, objectiveName: r.objective, booster: r.booster}
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
	if m.nout > inputSize+1 {
		return nil, formatErr("%d outputs in a file of %d bytes", m.nout, inputSize)
	}
	// Base score: one value, or one per output (3.1 and later).
	switch len(r.baseScore) {
	case 0:
		return nil, formatErr("no base_score")
	case 1, m.nout:
	default:
		return nil, formatErr("field base_score: %d values (%q) for %d outputs", len(r.baseScore), printable(r.baseScoreRaw), m.nout)
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
		if err := m.setCats(&r.cats); err != nil {
			return nil, err
		}
	}
	switch r.booster {
	case "gbtree", "dart":
		if r.hasLinear {
			return nil, formatErr("booster %s holds linear weights", r.booster)
		}
		if err := m.buildTrees(r, inputSize); err != nil {
			return nil, err
		}
	case "gblinear":
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
	m.linear = make([]float32, want)
	for i, w := range r.linear {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return formatErr("gblinear: weight %d is %v", i, w)
		}
		m.linear[i] = float32(w)
	}
	return nil
}

func (m *Model) buildTrees(r *rawModel, inputSize int) error {
	nt := len(r.trees)
	if r.numTrees != float64(nt) {
		return formatErr("field num_trees: %v, but %d trees", r.numTrees, nt)
	}
	if nt == 0 {
		return fmt.Errorf("xgboost: model has no trees: %w", errs.ErrEmpty)
	}
	np := r.numParallel
	if np == 0 {
		np = 1
	}
	if !isInt(np, 1, int64(nt)) {
		return formatErr("field num_parallel_tree: %v for %d trees", r.numParallel, nt)
	}
	m.parallel = int(np)
	if len(r.treeInfo) != nt {
		return formatErr("field tree_info: %d entries for %d trees", len(r.treeInfo), nt)
	}
	if r.indptr != nil {
		p := r.indptr
		if len(p) < 1 || p[0] != 0 || p[len(p)-1] != float64(nt) {
			return formatErr("field iteration_indptr: must run from 0 to %d trees", nt)
		}
		for i := 1; i < len(p); i++ {
			if !isInt(p[i], int64(p[i-1]), int64(nt)) {
				return formatErr("field iteration_indptr: entry %d (%v) out of order", i, p[i])
			}
		}
		m.rounds = len(p) - 1
	} else {
		layer := m.parallel * m.nout
		if r.trees[0].sizeLeaf > 1 { // vector leaves: one tree per round serves every output
			layer = m.parallel
		}
		m.rounds = nt / max(layer, 1)
	}
	if r.booster == "dart" {
		if len(r.weightDrop) != nt {
			return formatErr("dart: %d weights in weight_drop for %d trees", len(r.weightDrop), nt)
		}
		m.weights = make([]float32, nt)
		for i, w := range r.weightDrop {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				return formatErr("dart: weight_drop[%d] is %v", i, w)
			}
			m.weights[i] = float32(w)
		}
	} else if r.weightDrop != nil {
		return formatErr("booster %s with dart weights", r.booster)
	}
	m.trees = make([]tree.Tree, nt)
	m.group = make([]int32, nt)
	budget := inputSize + 64 // category bitset words the file may ask for
	for i := range r.trees {
		g := r.treeInfo[i]
		if !isInt(g, 0, int64(m.nout-1)) {
			return formatErr("tree %d: tree_info %v outside [0, %d)", i, g, m.nout)
		}
		m.group[i] = int32(g)
		t, err := convertTree(&r.trees[i], m.nfeat, m.nout, &budget)
		if err != nil {
			return fmt.Errorf("xgboost: tree %d: %w", i, err)
		}
		if t.Outputs > 1 {
			m.group[i] = -1
		}
		m.trees[i] = t
	}
	m.flat = newFlat(m.trees)
	m.shap = &shapState{}
	return nil
}

// convertTree checks one tree and renumbers it into the flat layout in
// preorder, so that every child comes after its parent. Only nodes
// reachable from the root are kept (XGBoost leaves deleted nodes in its
// arrays); a node reached twice (a cycle or a shared child) is an error.
func convertTree(rt *rawTree, nfeat, nout int, budget *int) (tree.Tree, error) {
	if !rt.hasParam {
		return tree.Tree{}, formatErr("no tree_param")
	}
	if !isInt(rt.numNodes, 1, math.MaxInt32) {
		return tree.Tree{}, formatErr("tree_param.num_nodes %v", rt.numNodes)
	}
	n := int(rt.numNodes)
	k := 1
	if rt.sizeLeaf > 1 {
		if !isInt(rt.sizeLeaf, 2, int64(nout)) || int(rt.sizeLeaf) != nout {
			return tree.Tree{}, unsupported("tree_param.size_leaf_vector %v for a model with %d outputs", rt.sizeLeaf, nout)
		}
		k = int(rt.sizeLeaf)
	} else if rt.sizeLeaf < 0 || rt.sizeLeaf != math.Trunc(rt.sizeLeaf) {
		return tree.Tree{}, formatErr("tree_param.size_leaf_vector %v", rt.sizeLeaf)
	}
	for _, a := range []struct {
		name string
		v    []float64
		want int
	}{
		{"left_children", rt.left, n}, {"right_children", rt.right, n},
		{"split_indices", rt.splitIdx, n}, {"split_conditions", rt.cond, n},
		{"default_left", rt.dftLeft, n}, {"base_weights", rt.baseW, n * k},
	} {
		if len(a.v) != a.want {
			return tree.Tree{}, formatErr("field %s: %d entries, want %d (num_nodes %d)", a.name, len(a.v), a.want, n)
		}
	}
	if rt.sumHess != nil && len(rt.sumHess) != n {
		return tree.Tree{}, formatErr("field sum_hessian: %d entries, want %d", len(rt.sumHess), n)
	}
	if k == 1 && rt.sumHess == nil {
		return tree.Tree{}, formatErr("field sum_hessian missing")
	}
	if rt.splitType != nil && len(rt.splitType) != n {
		return tree.Tree{}, formatErr("field split_type: %d entries, want %d", len(rt.splitType), n)
	}
	// Category sets by node id.
	var catOf map[int][]uint64
	if len(rt.catNodes) > 0 {
		if len(rt.catSegs) != len(rt.catNodes) || len(rt.catSizes) != len(rt.catNodes) {
			return tree.Tree{}, formatErr("categories_nodes (%d), categories_segments (%d) and categories_sizes (%d) differ in length",
				len(rt.catNodes), len(rt.catSegs), len(rt.catSizes))
		}
		catOf = make(map[int][]uint64, len(rt.catNodes))
		for j, nv := range rt.catNodes {
			if !isInt(nv, 0, int64(n-1)) {
				return tree.Tree{}, formatErr("categories_nodes[%d] = %v outside [0, %d)", j, nv, n)
			}
			seg, size := rt.catSegs[j], rt.catSizes[j]
			if !isInt(seg, 0, int64(len(rt.cats))) || !isInt(size, 1, int64(len(rt.cats))-int64(seg)) {
				return tree.Tree{}, formatErr("node %v: category segment [%v, %v+%v) outside the %d categories", nv, seg, seg, size, len(rt.cats))
			}
			codes := rt.cats[int(seg) : int(seg)+int(size)]
			top := 0.0
			for _, c := range codes {
				if !isInt(c, 0, maxCategory-1) {
					return tree.Tree{}, formatErr("node %v: category %v outside [0, 2^24)", nv, c)
				}
				top = max(top, c)
			}
			words := int(top)/64 + 1
			if *budget -= words; *budget < 0 {
				return tree.Tree{}, formatErr("node %v: category sets larger than the file", nv)
			}
			set := make([]uint64, words)
			for _, c := range codes {
				set[int(c)>>6] |= 1 << (uint(c) & 63)
			}
			if _, dup := catOf[int(nv)]; dup {
				return tree.Tree{}, formatErr("node %v listed twice in categories_nodes", nv)
			}
			catOf[int(nv)] = set
		}
	}
	t := tree.Tree{
		Nodes:   make([]tree.Node, 0, n),
		Outputs: k,
		Values:  make([]float64, 0, n*k),
	}
	if rt.sumHess != nil {
		t.Cover = make([]float64, 0, n)
	}
	if catOf != nil {
		t.Categories = make([][]uint64, 0, n)
	}
	// Preorder walk with an explicit stack of (old id, parent slot).
	type item struct {
		old    int
		parent int  // new index of the parent, -1 for the root
		left   bool // which child of the parent
	}
	seen := make([]bool, n)
	stack := []item{{0, -1, false}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		o := it.old
		if seen[o] {
			return tree.Tree{}, formatErr("node %d reached twice (a cycle or a shared child)", o)
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
		st := 0.0
		if rt.splitType != nil {
			st = rt.splitType[o]
		}
		if l == -1 {
			nd.Feature = -1
			if k == 1 {
				if math.IsNaN(rt.cond[o]) {
					return tree.Tree{}, formatErr("leaf %d: value is NaN", o)
				}
				t.Values = append(t.Values, float64(float32(rt.cond[o])))
			} else {
				for _, v := range rt.baseW[o*k : (o+1)*k] {
					t.Values = append(t.Values, float64(float32(v)))
				}
			}
		} else {
			if !isInt(l, 0, int64(n-1)) || !isInt(rc, 0, int64(n-1)) {
				return tree.Tree{}, formatErr("node %d: children %v, %v outside [0, %d)", o, l, rc, n)
			}
			f := rt.splitIdx[o]
			if !isInt(f, 0, int64(nfeat-1)) {
				return tree.Tree{}, formatErr("node %d: split feature %v outside [0, %d)", o, f, nfeat)
			}
			nd.Feature = int32(f)
			switch rt.dftLeft[o] {
			case 1:
				nd.Flags |= tree.DefaultLeft
			case 0:
			default:
				return tree.Tree{}, formatErr("node %d: default_left %v", o, rt.dftLeft[o])
			}
			switch st {
			case 0:
				if math.IsNaN(rt.cond[o]) {
					return tree.Tree{}, formatErr("node %d: NaN split condition", o)
				}
				nd.Threshold = threshold32(float32(rt.cond[o]))
			case 1:
				nd.Flags |= tree.Categorical
				if catOf[o] == nil {
					return tree.Tree{}, formatErr("categorical node %d has no categories", o)
				}
			default:
				return tree.Tree{}, unsupported("node %d: split_type %v (known: 0 numerical, 1 categorical)", o, st)
			}
			// Push right first so that the left subtree comes next.
			stack = append(stack, item{int(rc), int(idx), false}, item{int(l), int(idx), true})
			for j := range k {
				t.Values = append(t.Values, float64(float32(rt.baseW[o*k+j])))
			}
		}
		if st != 0 && l == -1 {
			return tree.Tree{}, formatErr("leaf %d has split_type %v", o, st)
		}
		t.Nodes = append(t.Nodes, nd)
		if t.Cover != nil {
			t.Cover = append(t.Cover, float64(float32(rt.sumHess[o])))
		}
		if t.Categories != nil {
			var set []uint64
			if nd.Flags&tree.Categorical != 0 {
				set = catOf[o]
			}
			t.Categories = append(t.Categories, set)
		}
	}
	if err := t.Validate(nfeat); err != nil {
		return tree.Tree{}, fmt.Errorf("xgboost: %w", err)
	}
	return t, nil
}
