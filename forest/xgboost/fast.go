package xgboost

import "github.com/netwarden/netwarden/internal/tree"

// flat is a scoring copy of a model's trees for the common case, numerical
// splits with one value per leaf: every tree's nodes in one slice (child
// indices absolute), each leaf's value kept in its Threshold field so that
// reaching a leaf needs no second array. It is private; Trees returns the
// shared layout.
type flat struct {
	nodes []tree.Node
	roots []int32
	lvl   *levels // the levels layout (score_level.go), or nil
}

// newFlat builds the scoring copy, or returns nil when a tree has a
// categorical split or vector leaves.
func newFlat(trees []tree.Tree, bud *budget) *flat {
	total := 0
	for i := range trees {
		if trees[i].Categories != nil || trees[i].Outputs != 1 {
			return nil
		}
		total += len(trees[i].Nodes)
	}
	f := &flat{nodes: make([]tree.Node, 0, total), roots: make([]int32, len(trees))}
	for i := range trees {
		t := &trees[i]
		off := int32(len(f.nodes))
		f.roots[i] = off
		for j, n := range t.Nodes {
			if n.Feature < 0 {
				n.Threshold = t.Values[j]
			} else {
				n.Left += off
				n.Right += off
			}
			f.nodes = append(f.nodes, n)
		}
	}
	// The levels layout is a second copy of the trees, padded to complete
	// trees: a deep, thin tree costs far more in it than in the file, so
	// it is built only when the model's allocation budget can pay for it;
	// otherwise the plain walk above scores every row, with the same
	// results.
	if bud.take(levelsBytes(trees), "levels layout") == nil {
		f.lvl = newLevels(trees, maxFeature(trees)+1)
	}
	return f
}

// maxFeature returns the largest split feature of trees (−1 for none).
func maxFeature(trees []tree.Tree) int {
	m := -1
	for i := range trees {
		for _, n := range trees[i].Nodes {
			m = max(m, int(n.Feature))
		}
	}
	return m
}

// add returns a plus the leaf values of row x in tree order, as XGBoost
// sums them: through the levels layout when the row has no missing value
// in the features the trees split on, by walking the trees otherwise. Both
// give the same float32 sums bit for bit.
func (f *flat) add(a float32, x []float64) float32 {
	if l := f.lvl; l != nil && useLevels {
		// A buffer no larger than needed: Go zeroes it on every call.
		if l.nfeat <= 128 {
			var xb [128]float32
			if !toFloat32(xb[:l.nfeat], x[:l.nfeat]) {
				return l.add(a, xb[:l.nfeat])
			}
		} else {
			var xb [maxLevelFeatures]float32
			if !toFloat32(xb[:l.nfeat], x[:l.nfeat]) {
				return l.add(a, xb[:l.nfeat])
			}
		}
	}
	for _, r := range f.roots {
		a += f.leaf(r, x)
	}
	return a
}

// leaf returns the value of the leaf that x reaches from root.
func (f *flat) leaf(root int32, x []float64) float32 {
	nodes := f.nodes
	i := root
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return float32(n.Threshold)
		}
		v := x[n.Feature]
		if v < n.Threshold || (v != v && n.Flags&tree.DefaultLeft != 0) {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}
