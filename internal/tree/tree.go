// Package tree is the one flat, pointer-free decision-tree layout that every
// tree model of netwarden scores with and explains over: the Random Forest
// (package forest), the Isolation Forest (package iforest, classic axis-parallel
// trees) and XGBoost models (package forest/xgboost).
//
// A Tree is a slice of fixed-size Nodes plus parallel slices of leaf values,
// covers and (rarely) category sets. Node 0 is the root. Every child index is
// greater than its parent's, so a walk always terminates and a tree can be
// checked in one pass; readers of foreign formats renumber nodes to keep this
// invariant.
//
// Split semantics are XGBoost's, which every model here can express:
//   - a NaN feature value follows the node's default direction (DefaultLeft);
//   - a numerical split sends x to the left child when x < Threshold (a
//     "x <= t" split is stored as Threshold = math.Nextafter(t, +Inf));
//   - a categorical split sends x to the RIGHT child when the category code
//     int(x) is in the node's set, and to the left otherwise (a negative code
//     or a code beyond the set's range goes left), as XGBoost does.
//
// NewEnsemble prepares trees for explanation, and an Ensemble's Explainer
// attributes a weighted combination of the trees' outputs to the features
// of a row with exact path-dependent TreeSHAP (Lundberg et al. 2020,
// evaluated by Linear TreeSHAP, Yu et al. 2022) or Saabas path attribution, as XGBoost's
// pred_contribs and approx_contribs do.
//
// A Tree is read-only once built and safe for concurrent use.
package tree

import (
	"fmt"
	"math"

	"github.com/netwarden/netwarden/internal/errs"
)

// Flags are per-node bits.
type Flags uint8

const (
	// DefaultLeft sends a NaN value to the left child (otherwise right).
	DefaultLeft Flags = 1 << iota
	// Categorical marks a split on a category set instead of a threshold.
	Categorical
)

// Node is one node of a Tree: 24 bytes, so that a cache line holds more than
// two nodes. A leaf has Feature < 0; its outputs are in Tree.Values.
type Node struct {
	// Threshold of a numerical split: x < Threshold goes left.
	Threshold float64
	// Feature is the index of the split feature, or -1 for a leaf.
	Feature int32
	// Left and Right are the children's indices (greater than this node's).
	Left, Right int32
	// Flags holds DefaultLeft and Categorical.
	Flags Flags
}

// IsLeaf reports whether the node is a leaf.
func (n *Node) IsLeaf() bool { return n.Feature < 0 }

// Tree is a decision tree in flat arrays.
type Tree struct {
	// Nodes, root first; every child index is greater than its parent's.
	Nodes []Node
	// Outputs is the number of values per node (1 for a regression or
	// binary tree, the class count for a Random Forest probability tree, the
	// leaf-vector size for XGBoost multi-output trees).
	Outputs int
	// Values holds Outputs values per node, node i at
	// Values[i*Outputs:(i+1)*Outputs]. Leaves hold the tree's output; an
	// internal node may hold the cover-weighted mean of its leaves (what
	// Saabas attribution needs) or zero.
	Values []float64
	// Cover is the training weight that reached each node (sample count for
	// Random and Isolation Forests, the hessian sum for XGBoost). It may be
	// nil when the model was saved without it; TreeSHAP then cannot run.
	Cover []float64
	// Categories holds, for a categorical node i, the set of category codes
	// that go right as a bitset (code c is bit c%64 of word c/64). It is nil
	// when the tree has no categorical split, and otherwise has one entry
	// per node (nil for the others).
	Categories [][]uint64
}

// Value returns the output values of node i (a sub-slice, not a copy).
func (t *Tree) Value(i int32) []float64 {
	o := int(i) * t.Outputs
	return t.Values[o : o+t.Outputs]
}

// GoesLeft reports whether x takes the left branch at internal node i.
func (t *Tree) GoesLeft(i int32, x []float64) bool {
	n := &t.Nodes[i]
	v := x[n.Feature]
	if v != v { // NaN
		return n.Flags&DefaultLeft != 0
	}
	if n.Flags&Categorical == 0 {
		return v < n.Threshold
	}
	return !InSet(t.Categories[i], v)
}

// InSet reports whether category value v (a code, truncated to an integer)
// is in bitset set; negative, too large and infinite codes are not.
func InSet(set []uint64, v float64) bool {
	if !(v >= 0) || v >= float64(len(set)*64) {
		return false
	}
	c := uint64(v)
	return set[c>>6]&(1<<(c&63)) != 0
}

// Leaf returns the index of the leaf that x reaches. x must be at least as
// long as the largest feature index plus one (Validate checks trees against
// a feature count); Leaf does not allocate.
func (t *Tree) Leaf(x []float64) int32 {
	nodes := t.Nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return i
		}
		v := x[n.Feature]
		var left bool
		switch {
		case v != v:
			left = n.Flags&DefaultLeft != 0
		case n.Flags&Categorical != 0:
			left = !InSet(t.Categories[i], v)
		default:
			left = v < n.Threshold
		}
		if left {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// MaxDepth returns the number of edges on the longest root-to-leaf path.
func (t *Tree) MaxDepth() int {
	if len(t.Nodes) == 0 {
		return 0
	}
	depth := make([]int32, len(t.Nodes))
	max := int32(0)
	for i := range t.Nodes {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			if depth[i] > max {
				max = depth[i]
			}
			continue
		}
		depth[n.Left] = depth[i] + 1
		depth[n.Right] = depth[i] + 1
	}
	return int(max)
}

// Validate checks the structural invariants that make scoring safe: a
// non-empty node slice; every internal node splits on a feature in
// [0, numFeatures) with children in range and after it; every node but the
// root has exactly one parent; value, cover and category slices of the
// right lengths; finite thresholds or ±Inf (never NaN). A tree that passes
// can be walked by Leaf with any row of numFeatures values without a panic.
// Errors wrap errs.ErrFormat.
func (t *Tree) Validate(numFeatures int) error {
	n := len(t.Nodes)
	if n == 0 {
		return fmt.Errorf("tree: no nodes: %w", errs.ErrFormat)
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("tree: %d nodes: %w", n, errs.ErrFormat)
	}
	if t.Outputs < 1 {
		return fmt.Errorf("tree: %d outputs per node: %w", t.Outputs, errs.ErrFormat)
	}
	if len(t.Values) != n*t.Outputs {
		return fmt.Errorf("tree: %d values for %d nodes × %d outputs: %w", len(t.Values), n, t.Outputs, errs.ErrFormat)
	}
	if t.Cover != nil && len(t.Cover) != n {
		return fmt.Errorf("tree: %d covers for %d nodes: %w", len(t.Cover), n, errs.ErrFormat)
	}
	if t.Categories != nil && len(t.Categories) != n {
		return fmt.Errorf("tree: %d category sets for %d nodes: %w", len(t.Categories), n, errs.ErrFormat)
	}
	parents := make([]uint8, n)
	for i := range t.Nodes {
		nd := &t.Nodes[i]
		if nd.Feature < 0 {
			if nd.Feature != -1 {
				return fmt.Errorf("tree: node %d: feature %d: %w", i, nd.Feature, errs.ErrFormat)
			}
			continue
		}
		if int(nd.Feature) >= numFeatures {
			return fmt.Errorf("tree: node %d: feature %d out of range [0, %d): %w", i, nd.Feature, numFeatures, errs.ErrFormat)
		}
		for _, c := range [2]int32{nd.Left, nd.Right} {
			if int(c) <= i || int(c) >= n {
				return fmt.Errorf("tree: node %d: child %d out of range (%d, %d): %w", i, c, i, n, errs.ErrFormat)
			}
			parents[c]++
			if parents[c] > 1 {
				return fmt.Errorf("tree: node %d has more than one parent: %w", c, errs.ErrFormat)
			}
		}
		if nd.Flags&Categorical != 0 {
			if t.Categories == nil || t.Categories[i] == nil {
				return fmt.Errorf("tree: categorical node %d has no category set: %w", i, errs.ErrFormat)
			}
		} else if math.IsNaN(nd.Threshold) {
			return fmt.Errorf("tree: node %d: NaN threshold: %w", i, errs.ErrFormat)
		}
	}
	for i := 1; i < n; i++ {
		if parents[i] != 1 {
			return fmt.Errorf("tree: node %d is unreachable: %w", i, errs.ErrFormat)
		}
	}
	return nil
}
