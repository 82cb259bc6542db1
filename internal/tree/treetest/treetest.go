// Package treetest holds test oracles for the flat tree layout of package
// tree, for the model packages' tests: Shapley values computed by their
// definition, slowly, to check TreeSHAP against.
package treetest

import "github.com/netwarden/netwarden/internal/tree"

// CondExpect is the cover-weighted conditional expectation E[f(x) | x_S] of
// one tree's weighted output Σ_k w[k]·value_k, by its recursive definition
// (TreeSHAP's path-dependent value function): at a split on a feature in S,
// x's branch is followed; at any other split the two children are averaged
// with weights Cover[child]/Cover[node]. in reports whether a feature is in S.
func CondExpect(t *tree.Tree, w []float64, x []float64, in func(f int32) bool, node int32) float64 {
	n := &t.Nodes[node]
	if n.IsLeaf() {
		s := 0.0
		for k, v := range t.Value(node) {
			s += w[k] * v
		}
		return s
	}
	if in(n.Feature) {
		if t.GoesLeft(node, x) {
			return CondExpect(t, w, x, in, n.Left)
		}
		return CondExpect(t, w, x, in, n.Right)
	}
	c := t.Cover[node]
	return t.Cover[n.Left]/c*CondExpect(t, w, x, in, n.Left) + t.Cover[n.Right]/c*CondExpect(t, w, x, in, n.Right)
}

// Shapley returns the exact Shapley values of the game
// v(S) = Σ_t CondExpect(trees[t], w[t], x, S) over the first m features, by
// enumerating all 2^m coalitions,
// φ_i = Σ_{S ∌ i} |S|!(m−|S|−1)!/m!·(v(S ∪ {i}) − v(S)),
// and the base value v(∅). w[t] holds one weight per output of tree t. It
// takes O(2^m · trees · nodes) time: keep m small.
func Shapley(trees []tree.Tree, w [][]float64, x []float64, m int) (phi []float64, base float64) {
	v := make([]float64, 1<<m)
	for s := range v {
		in := func(f int32) bool { return s>>f&1 == 1 }
		for t := range trees {
			v[s] += CondExpect(&trees[t], w[t], x, in, 0)
		}
	}
	fact := make([]float64, m+1)
	fact[0] = 1
	for k := 1; k <= m; k++ {
		fact[k] = fact[k-1] * float64(k)
	}
	phi = make([]float64, m)
	for i := range m {
		for s := range v {
			if s>>i&1 == 1 {
				continue
			}
			k := 0
			for b := s; b != 0; b &= b - 1 {
				k++
			}
			phi[i] += fact[k] * fact[m-k-1] / fact[m] * (v[s|1<<i] - v[s])
		}
	}
	return phi, v[0]
}
