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
}

// newFlat builds the scoring copy, or returns nil when a tree has a
// categorical split or vector leaves.
func newFlat(trees []tree.Tree) *flat {
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
	return f
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
