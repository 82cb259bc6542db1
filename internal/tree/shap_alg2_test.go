package tree

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pathElem is one entry of Algorithm 2's unique path.
type pathElem struct {
	feature int32
	zero    float64 // fraction of zero paths (cover ratio) flowing through
	one     float64 // fraction of one paths (x's paths) flowing through
	pweight float64
}

// alg2Explain is a reference implementation of Algorithm 2 of Lundberg et
// al. (2020), as XGBoost's RegTree::TreeShap implements it (in float64), to
// cross-check the library's two algorithms on trees too deep to enumerate.
func alg2Explain(x *Explainer, row []float64) []float64 {
	phi := make([]float64, x.NumFeatures())
	for _, i := range x.active {
		p := &x.e.trees[i]
		d := p.depth + 3
		a := alg2{x: x, tree: i, t: &p.t, row: row, phi: phi}
		a.recurse(0, 0, make([]pathElem, (d+1)*(d+2)/2), 1, 1, -1)
	}
	return phi
}

type alg2 struct {
	x        *Explainer
	tree     int32
	t        *Tree
	row, phi []float64
}

func (a *alg2) recurse(node int32, depth int, parent []pathElem, pz, po float64, pf int32) {
	// This level's path is a copy of the parent's, stacked after it.
	path := parent[depth:]
	copy(path[:depth], parent[:depth])
	extendPath(path, depth, pz, po, pf)
	t := a.t
	n := &t.Nodes[node]
	if n.IsLeaf() {
		v := a.x.nodeValue(a.tree, t.Values, node)
		if v == 0 {
			return
		}
		for k := 1; k <= depth; k++ {
			el := &path[k]
			a.phi[el.feature] += unwoundPathSum(path, depth, k) * (el.one - el.zero) * v
		}
		return
	}
	hot, cold := n.Right, n.Left
	if t.GoesLeft(node, a.row) {
		hot, cold = cold, hot
	}
	c := t.Cover[node]
	hz, cz := t.Cover[hot]/c, t.Cover[cold]/c
	iz, io := 1.0, 1.0
	// A feature already on the path is undone and redone with its fractions
	// multiplied in, so that each feature appears once.
	k := 1
	for ; k <= depth; k++ {
		if path[k].feature == n.Feature {
			break
		}
	}
	if k <= depth {
		iz, io = path[k].zero, path[k].one
		unwindPath(path, depth, k)
		depth--
	}
	a.recurse(hot, depth+1, path, hz*iz, io, n.Feature)
	a.recurse(cold, depth+1, path, cz*iz, 0, n.Feature)
}

// extendPath adds an element with fractions z, o and feature f at position
// depth of path, updating the permutation weights.
func extendPath(path []pathElem, depth int, z, o float64, f int32) {
	path[depth] = pathElem{feature: f, zero: z, one: o}
	if depth == 0 {
		path[0].pweight = 1
		return
	}
	d1 := float64(depth + 1)
	for i := depth - 1; i >= 0; i-- {
		path[i+1].pweight += o * path[i].pweight * float64(i+1) / d1
		path[i].pweight = z * path[i].pweight * float64(depth-i) / d1
	}
}

// unwindPath removes element k of path (of last index depth), undoing
// extendPath.
func unwindPath(path []pathElem, depth, k int) {
	o, z := path[k].one, path[k].zero
	next := path[depth].pweight
	d1 := float64(depth + 1)
	for i := depth - 1; i >= 0; i-- {
		if o != 0 {
			tmp := path[i].pweight
			path[i].pweight = next * d1 / (float64(i+1) * o)
			next = tmp - path[i].pweight*z*float64(depth-i)/d1
		} else {
			path[i].pweight = path[i].pweight * d1 / (z * float64(depth-i))
		}
	}
	for i := k; i < depth; i++ {
		path[i].feature = path[i+1].feature
		path[i].zero = path[i+1].zero
		path[i].one = path[i+1].one
	}
}

// unwoundPathSum returns the total permutation weight of path (of last index
// depth) with element k removed, without modifying it.
func unwoundPathSum(path []pathElem, depth, k int) float64 {
	o, z := path[k].one, path[k].zero
	next := path[depth].pweight
	d1 := float64(depth + 1)
	total := 0.0
	for i := depth - 1; i >= 0; i-- {
		switch {
		case o != 0:
			tmp := next * d1 / (float64(i+1) * o)
			total += tmp
			next = path[i].pweight - tmp*z*float64(depth-i)/d1
		case z != 0:
			total += path[i].pweight / z / (float64(depth-i) / d1)
		}
	}
	return total
}

// TestAlgorithmsAgree cross-checks the Fast TreeSHAP v2 tables, the
// leaf-wise walk, Linear TreeSHAP and the reference Algorithm 2 on trees too large for
// brute-force enumeration: many features, deep paths, repeated features,
// categorical and NaN routing, several outputs.
func TestAlgorithmsAgree(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec genSpec
	}{
		{"depth 10", genSpec{features: 25, depth: 10, outputs: 1, leafProb: 0.15, catProb: 0.1}},
		{"depth 12 few features", genSpec{features: 6, depth: 12, outputs: 2, leafProb: 0.1, catProb: 0.1}},
		{"forest-like depth 24", genSpec{features: 60, depth: 24, outputs: 3, minCover: 30, root: 3000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, 22))
			trees := make([]Tree, 4)
			for i := range trees {
				trees[i] = genTree(rng, tc.spec)
			}
			w := randWeights(rng, trees)
			m := tc.spec.features
			tables, err := NewEnsemble(trees, m, &Options{TableBudget: 1 << 22, Method: Tables})
			require.NoError(t, err)
			leafwise, err := NewEnsemble(trees, m, &Options{Method: Leafwise})
			require.NoError(t, err)
			linear, err := NewEnsemble(trees, m, nil)
			require.NoError(t, err)
			for _, p := range tables.trees {
				require.True(t, p.fast)
			}
			xt, err := tables.Explainer(w)
			require.NoError(t, err)
			xl, err := leafwise.Explainer(w)
			require.NoError(t, err)
			xn, err := linear.Explainer(w)
			require.NoError(t, err)
			for r := 0; r < 10; r++ {
				row := genRow(rng, m, 0.1)
				want := alg2Explain(xl, row)
				for _, x := range []*Explainer{xt, xl, xn} {
					dst := make([]float64, m)
					_, err := x.Explain(row, dst)
					require.NoError(t, err)
					for j := range want {
						assert.InDelta(t, want[j], dst[j], 1e-9*(1+math.Abs(want[j])), "row %d feature %d", r, j)
					}
				}
			}
		})
	}
}
