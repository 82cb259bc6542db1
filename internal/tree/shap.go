package tree

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/netwarden/netwarden/internal/errs"
)

// This file implements exact, path-dependent TreeSHAP (Lundberg et al., "From
// local explanations to global understanding with explainable AI for trees",
// Nature Machine Intelligence 2, 2020) and Saabas path attribution over the
// flat Tree layout, for every tree model of netwarden.
//
// The value of a coalition S of features is the cover-weighted conditional
// expectation of the tree: walk from the root; at a node whose feature is in
// S follow x, otherwise take both children weighted by Cover[child] /
// Cover[node]. For one leaf l with value v, unique path features P (|P| = D),
// per-feature "one fraction" o_j (1 if x follows the path at every node of
// feature j, else 0) and "zero fraction" z_j (the product of the cover ratios
// along the path at the nodes of feature j), that value is the product game
// v·Π_{j∈P}(j∈S ? o_j : z_j), whose Shapley value for i ∈ P is
//
//	φ_i = v·(o_i − z_i)·Σ_{S⊆P∖{i}} w(|S|)·Π_{j∈S} o_j·Π_{j∈P∖S∖{i}} z_j,
//	w(k) = k!(D−k−1)!/D!.
//
// Algorithm 2 of Lundberg et al. sums these games over the leaves in one
// recursive walk at O(L·D²) per tree (L leaves, D depth); it is what XGBoost's
// pred_contribs runs, and shap_alg2_test.go keeps it as a reference. Since
// o_j ∈ {0, 1}, only the set Q = {j : o_j = 1} matters. With
// F(R) = Σ_{S⊆R} w(|S|)·Π_{j∈R∖S} z_j and G(Q) = Π_{j∈P∖Q} z_j,
//
//	φ_i = v·(1 − z_i)·G(Q)·F(Q∖{i})   for i ∈ Q,
//	φ_i = −v·G(Q)·F(Q)                for i ∉ Q.
//
// Three evaluations of this are kept (Options.Method):
//   - Linear TreeSHAP (linear.go; Yu, Bai, Cai and Wang, NeurIPS 2022), the
//     default: per tree O(N·n), N nodes and n quadrature points, about half
//     the path's distinct features. It was measured fastest on the XGBoost
//     fixture and the Isolation Forest, and about even with the leaf-wise
//     walk on fully grown Random Forest trees (BenchmarkExplainMethods).
//   - Fast TreeSHAP v2 (J. Yang, "Fast TreeSHAP: Accelerating SHAP value
//     computation for trees", arXiv:2109.09847, 2021): the 2^D values F(R) of
//     each leaf depend only on the tree, so they are tabulated once when the
//     ensemble is prepared, and a row costs O(L·D): one pass over the nodes
//     carries to every leaf its mask Q, then D table look-ups.
//   - For the trees left without tables once the ensemble's
//     Options.TableBudget is spent, a leaf-wise walk: a depth-first walk keeps
//     each path's (feature, z, o) and solves each leaf's game directly from
//     the elementary symmetric polynomials of the z_j, j ∈ Q, dividing one
//     factor out per feature: O(|Q|²) per leaf, with no divisions in the
//     common case (z ≤ 1) and |Q| usually well below D far from x's path; it
//     is about 4× faster than Algorithm 2 on forest trees. The per-path
//     view is also that of GPUTreeShap (Mitchell, Frank and Holmes, PeerJ
//     Computer Science 8:e880, 2022).

// DefaultTableBudget is the default of Options.TableBudget: 2^16 table
// entries (512 KiB) for the whole ensemble, about what a core's L2 cache
// holds. XGBoost's binary_100 fixture (100 trees of depth 6, 1621 leaves)
// needs 44,066.
const DefaultTableBudget = 1 << 16

// maxTableBudget caps Options.TableBudget so that table offsets fit int32.
const maxTableBudget = 1 << 30

// maxTableDepth bounds the unique-feature count of a path that Fast TreeSHAP
// v2 tabulates (the masks are uint32).
const maxTableDepth = 24

// Options tunes NewEnsemble. The zero value means the defaults.
type Options struct {
	// TableBudget is the largest number of precomputed Fast TreeSHAP v2
	// table entries (8 bytes each) the whole ensemble may hold, for the
	// trees Linear TreeSHAP does not explain (all trees with Method
	// Tables, none with Leafwise). A tree needs
	// the sum over its leaves of 2^D, D the number of distinct features on
	// the leaf's path; trees get tables smallest first while the budget
	// lasts, and the others are explained leaf by leaf, which needs no
	// tables but costs O(D) more per leaf. Tables pay off only while they
	// stay in cache: on XGBoost's binary_100 fixture (352 KiB of tables)
	// they saved a quarter to a half of the leaf-wise walk's time (Linear
	// TreeSHAP is faster still), while 100 full depth-6
	// trees (3.2 MiB) were measured slower with tables for all of them than
	// leaf by leaf. Zero means DefaultTableBudget; a negative value disables
	// the tables.
	TableBudget int
	// ReciprocalBudget is the most bytes of tables of reciprocals the
	// trees explained by Linear TreeSHAP may hold together (n values per
	// node, n the tree's quadrature points); an ensemble whose tables
	// would exceed it has none, and each row computes the reciprocals it
	// needs (see linear.go). Zero means DefaultReciprocalBudget; a
	// negative value disables the tables.
	ReciprocalBudget int
	// Method chooses the evaluation of exact TreeSHAP; the zero value is
	// Auto. All give the same values up to rounding.
	Method Method
}

// Method selects how exact TreeSHAP is evaluated.
type Method uint8

const (
	// Auto explains by Linear TreeSHAP (linear.go) every tree whose paths
	// have at most 64 distinct features, and the others with Fast TreeSHAP
	// v2 tables within TableBudget, leaf by leaf beyond it.
	Auto Method = iota
	// Tables is Fast TreeSHAP v2 tables within TableBudget and the
	// leaf-wise walk for the other trees (no Linear TreeSHAP).
	Tables
	// Leafwise is the leaf-wise walk for every tree.
	Leafwise
)

// prepared is one tree with what explaining it needs, built once.
type prepared struct {
	t Tree
	// means holds, per node and output, the cover-weighted mean of the
	// leaves below the node (XGBoost's "node mean values"): the expected
	// value at the root, and the node values of Saabas attribution.
	means []float64
	depth int

	// Linear TreeSHAP data (linear.go), for trees without tables.
	lin *linTree

	// Fast TreeSHAP v2 data (fast == true).
	fast bool
	// aux: for an internal node the bit of its feature's slot in the masks of
	// the leaves below it; for a leaf the index of its record in leaves.
	aux    []uint32
	leaves []leafRec
	// Per path slot s of a leaf (from leafRec.off): feat is the feature,
	// zsel[2s] = z, zsel[2s+1] = 1, coef[2s] = −1, coef[2s+1] = 1 − z.
	feat  []int32
	zsel  []float64
	coef  []float64
	table []float64
}

// leafRec locates one leaf's data in the flat slices of a prepared tree.
type leafRec struct {
	off   int32 // first slot in feat/zsel/coef (×2 for zsel/coef)
	d     int32 // distinct features on the path
	table int32 // first entry of the leaf's 2^d table
}

// Ensemble is a set of trees prepared for explanation: node means for the
// expected value and for Saabas attribution, and the tables of Linear
// TreeSHAP (or of Fast TreeSHAP v2, within the budget). Build it once when a model is loaded; it is
// read-only and safe for concurrent use, and the trees it was built from must
// not be modified afterwards.
type Ensemble struct {
	trees       []prepared
	numFeatures int
	maxNodes    int
	maxDepth    int         // of the trees explained leaf by leaf
	maxLinear   int         // largest working memory of a Linear TreeSHAP tree, (nodes+2)·2·points
	maxPoints   int         // most quadrature points of a Linear TreeSHAP tree
	weights     [][]float64 // Shapley weights by path length (shapleyWeights)
	pool        sync.Pool
}

// NewEnsemble prepares trees for explanation over rows of numFeatures values.
// Every tree must pass Validate(numFeatures), hold Cover (an error wrapping
// errs.ErrNoExplanation names the first tree without it) with finite,
// non-negative values and a positive cover at every internal node (errors
// wrap errs.ErrFormat). opt may be nil for the defaults. An empty trees is an
// error wrapping errs.ErrEmpty.
func NewEnsemble(trees []Tree, numFeatures int, opt *Options) (*Ensemble, error) {
	if len(trees) == 0 {
		return nil, fmt.Errorf("tree: explain: no trees: %w", errs.ErrEmpty)
	}
	if numFeatures < 1 {
		return nil, fmt.Errorf("tree: explain: %d features: %w", numFeatures, errs.ErrDimension)
	}
	budget := DefaultTableBudget
	if opt != nil && opt.TableBudget != 0 {
		budget = min(opt.TableBudget, maxTableBudget)
	}
	e := &Ensemble{trees: make([]prepared, len(trees)), numFeatures: numFeatures}
	for i := range trees {
		t := &trees[i]
		if err := t.Validate(numFeatures); err != nil {
			return nil, fmt.Errorf("tree: explain: tree %d: %w", i, err)
		}
		if t.Cover == nil {
			return nil, fmt.Errorf("tree: explain: tree %d has no cover statistics (the model was saved without them): %w", i, errs.ErrNoExplanation)
		}
		for j, c := range t.Cover {
			if !(c >= 0) || math.IsInf(c, 1) {
				return nil, fmt.Errorf("tree: explain: tree %d: node %d: cover %v: %w", i, j, c, errs.ErrFormat)
			}
			if c == 0 && !t.Nodes[j].IsLeaf() {
				return nil, fmt.Errorf("tree: explain: tree %d: internal node %d has cover 0: %w", i, j, errs.ErrFormat)
			}
		}
		p := &e.trees[i]
		p.t = *t
		p.means = nodeMeans(t)
		p.depth = t.MaxDepth()
		if len(t.Nodes) > e.maxNodes {
			e.maxNodes = len(t.Nodes)
		}
	}
	method := Auto
	if opt != nil {
		method = opt.Method
	}
	// Linear TreeSHAP for every tree it applies to (Auto): on amd64 with
	// AVX2 it was measured faster than the tables on every model here,
	// XGBoost's depth-6 trees included (BenchmarkExplainXGBoost).
	rules := map[int]*gauss{}
	if method == Auto {
		points := make([]int, len(e.trees))
		table := 0 // bytes of the tables of reciprocals
		for i := range e.trees {
			p := &e.trees[i]
			// Exact for paths of up to 2n distinct features; rounded up
			// to a multiple of 4 for the assembly's AVX2 lanes (more
			// points are exact too).
			n := (max(1, (distinctDepth(&p.t)+1)/2) + 3) &^ 3
			// linRec holds block offsets (2n·8 per node, N+2 blocks)
			// as int32.
			if n > maxLinearPoints || (len(p.t.Nodes)+2)*2*n*8 > math.MaxInt32 {
				continue
			}
			points[i] = n
			table += (len(p.t.Nodes) + 2) * n * 8
		}
		// Tables of the reciprocals while they stay in cache; past that a
		// row computes the ones it needs (see linTree).
		rbudget := DefaultReciprocalBudget
		if opt != nil && opt.ReciprocalBudget != 0 {
			rbudget = opt.ReciprocalBudget
		}
		tables := table <= rbudget
		for i := range e.trees {
			n := points[i]
			if n == 0 {
				continue
			}
			if rules[n] == nil {
				rules[n] = gaussRule(n)
			}
			p := &e.trees[i]
			p.buildLinear(n, rules[n], tables)
			e.maxLinear = max(e.maxLinear, (len(p.t.Nodes)+2)*2*n)
			e.maxPoints = max(e.maxPoints, n)
		}
		// The up records address their feature's per-point sums, whose
		// stride is the most points of a tree. The trees' records move to
		// one array per pass, in tree order, which a row reads from
		// start to end.
		var nrec int
		for i := range e.trees {
			if l := e.trees[i].lin; l != nil {
				nrec += len(l.recs)
			}
		}
		recs, down := make([]linRec, 0, nrec), make([]linDown, 0, nrec)
		for i := range e.trees {
			if l := e.trees[i].lin; l != nil {
				for j := range l.recs {
					l.recs[j].foff = l.recs[j].feat * int32(8*e.maxPoints)
				}
				a := len(recs)
				recs, down = append(recs, l.recs...), append(down, l.down...)
				l.recs, l.down = recs[a:len(recs):len(recs)], down[a:len(down):len(down)]
			}
		}
	}
	if method == Leafwise {
		budget = 0
	}
	// Tables for the other trees whose tables are smallest (they gain the
	// most per byte), as long as the ensemble's total stays within budget:
	// tables pay off only while they stay in cache.
	type sized struct{ tree, size int }
	var cands []sized
	for i := range e.trees {
		if budget <= 0 {
			break
		}
		if e.trees[i].lin != nil {
			continue
		}
		if n := tableSize(&e.trees[i].t, budget); n >= 0 {
			cands = append(cands, sized{i, n})
		}
	}
	slices.SortStableFunc(cands, func(a, b sized) int { return cmp.Compare(a.size, b.size) })
	for _, c := range cands {
		if c.size > budget {
			break
		}
		budget -= c.size
		e.trees[c.tree].buildTables()
	}
	for i := range e.trees {
		if p := &e.trees[i]; !p.fast && p.lin == nil && p.depth > e.maxDepth {
			e.maxDepth = p.depth
		}
	}
	// A path has at most min(depth, numFeatures) distinct features.
	e.maxDepth = min(e.maxDepth, numFeatures)
	e.weights = shapleyWeights(e.maxDepth + 1)
	e.pool.New = func() any { return e.newScratch() }
	return e, nil
}

// NumFeatures returns the row length the ensemble explains.
func (e *Ensemble) NumFeatures() int { return e.numFeatures }

// NumTrees returns the number of trees.
func (e *Ensemble) NumTrees() int { return len(e.trees) }

// nodeMeans returns, per node and output, the mean of the leaf values below
// the node weighted by cover, computed bottom-up as XGBoost's
// FillNodeMeanValues does: mean(n) = (mean(l)·c(l) + mean(r)·c(r)) / c(n).
func nodeMeans(t *Tree) []float64 {
	o := t.Outputs
	m := make([]float64, len(t.Values))
	for i := len(t.Nodes) - 1; i >= 0; i-- {
		n := &t.Nodes[i]
		if n.IsLeaf() {
			copy(m[i*o:(i+1)*o], t.Values[i*o:(i+1)*o])
			continue
		}
		cl, cr, c := t.Cover[n.Left], t.Cover[n.Right], t.Cover[i]
		l, r := int(n.Left)*o, int(n.Right)*o
		for k := 0; k < o; k++ {
			m[i*o+k] = (m[l+k]*cl + m[r+k]*cr) / c
		}
	}
	return m
}

// tableSize returns the number of Fast TreeSHAP v2 table entries tree t
// needs, Σ over its leaves of 2^D, or −1 when that exceeds limit or a path
// has more than maxTableDepth distinct features.
func tableSize(t *Tree, limit int) int {
	total := 0
	var feats []int32
	var count func(i int32) bool
	count = func(i int32) bool {
		n := &t.Nodes[i]
		if n.IsLeaf() {
			if len(feats) > maxTableDepth {
				return false
			}
			total += 1 << len(feats)
			return total <= limit
		}
		k := len(feats)
		if slotOf(feats, n.Feature) < 0 {
			feats = append(feats, n.Feature)
		}
		ok := count(n.Left) && count(n.Right)
		feats = feats[:k]
		return ok
	}
	if !count(0) {
		return -1
	}
	return total
}

// buildTables fills the Fast TreeSHAP v2 data of p.
func (p *prepared) buildTables() {
	t := &p.t
	var feats []int32
	p.aux = make([]uint32, len(t.Nodes))
	var zs []float64
	var walk func(i int32)
	walk = func(i int32) {
		n := &t.Nodes[i]
		if n.IsLeaf() {
			d := len(feats)
			rec := leafRec{off: int32(len(p.feat)), d: int32(d), table: int32(len(p.table))}
			p.aux[i] = uint32(len(p.leaves))
			p.leaves = append(p.leaves, rec)
			p.feat = append(p.feat, feats...)
			for _, z := range zs {
				p.zsel = append(p.zsel, z, 1)
				p.coef = append(p.coef, -1, 1-z)
			}
			p.table = appendTable(p.table, zs)
			return
		}
		k := len(feats)
		s := slotOf(feats, n.Feature)
		if s < 0 {
			s = k
			feats = append(feats, n.Feature)
			zs = append(zs, 1)
		}
		p.aux[i] = 1 << uint(s)
		z := zs[s]
		for _, c := range [2]int32{n.Left, n.Right} {
			zs[s] = z * t.Cover[c] / t.Cover[i]
			walk(c)
		}
		zs[s] = z
		feats, zs = feats[:k], zs[:k]
	}
	walk(0)
	p.fast = true
}

// slotOf returns the index of f in feats, or -1.
func slotOf(feats []int32, f int32) int {
	for s, g := range feats {
		if g == f {
			return s
		}
	}
	return -1
}

// appendTable appends to dst, for every subset R of the d = len(z) slots (bit
// s of the index for slot s), F(R) = Σ_{S⊆R} w(|S|)·Π_{j∈R∖S} z_j with
// w(k) = k!(d−k−1)!/d! (w(k) = 0 for k ≥ d). With e_m(R) the elementary
// symmetric polynomials of {z_j : j ∈ R}, F(R) = Σ_k w(k)·e_{|R|−k}(R); the
// polynomials are built depth first, one slot at a time, in O(2^d·d).
func appendTable(dst []float64, z []float64) []float64 {
	d := len(z)
	base := len(dst)
	dst = append(dst, make([]float64, 1<<d)...)
	tab := dst[base:]
	if d == 0 {
		return dst
	}
	w := make([]float64, d+1)
	// w(k) = 1 / (d · C(d−1, k)).
	binom := 1.0
	for k := 0; k < d; k++ {
		w[k] = 1 / (float64(d) * binom)
		binom = binom * float64(d-1-k) / float64(k+1)
	}
	// poly[lvl] holds e_0..e_count of the subset chosen among slots < lvl.
	poly := make([][]float64, d+1)
	for i := range poly {
		poly[i] = make([]float64, d+1)
	}
	poly[0][0] = 1
	var rec func(j int, mask uint32, count int)
	rec = func(j int, mask uint32, count int) {
		if j == d {
			e := poly[j]
			f := 0.0
			for k := 0; k <= count; k++ {
				f += w[k] * e[count-k]
			}
			tab[mask] = f
			return
		}
		cur, next := poly[j], poly[j+1]
		// Without slot j.
		copy(next[:count+1], cur[:count+1])
		rec(j+1, mask, count)
		// With slot j: e'_m = e_m + z_j·e_{m−1}.
		next[0] = cur[0]
		for m := 1; m <= count; m++ {
			next[m] = cur[m] + z[j]*cur[m-1]
		}
		next[count+1] = z[j] * cur[count]
		rec(j+1, mask|1<<uint(j), count+1)
	}
	rec(0, 0, 0)
	return dst
}

// scratch is the per-goroutine working memory of one explanation.
type scratch struct {
	mask []uint32 // per node: the path slots x agrees with (Fast TreeSHAP v2)

	// The leaf-wise walk's path state, per slot: feature, zero fraction z,
	// one fraction o; slot maps a feature to its slot (−1 if not on the path).
	feat []int32
	z    []float64
	o    []bool
	slot []int32
	poly []float64 // e_0..e_m of the z of the slots x agrees with

	// Linear TreeSHAP: n values per node, and per node whether x agrees
	// with every split of the edge's feature on the path.
	lin    []float64
	lo     []uint8
	st     []uint8   // per record: the node's state (linNone, linLeft, linRight)
	left   []uint8   // per node: 1 when x goes left
	phv    []float64 // per feature, stride values: contributions per point
	stride int       // the most quadrature points of a tree
}

func (e *Ensemble) newScratch() *scratch {
	d := e.maxDepth + 2
	s := &scratch{
		mask: make([]uint32, e.maxNodes),
		feat: make([]int32, d),
		z:    make([]float64, d),
		o:    make([]bool, d),
		slot: make([]int32, e.numFeatures),
		poly: make([]float64, d+1),
		lin:  make([]float64, e.maxLinear),
		lo:   make([]uint8, e.maxNodes),
		st:   make([]uint8, e.maxNodes),
		left: make([]uint8, e.maxNodes),
	}
	if e.maxPoints > 0 {
		s.stride = e.maxPoints
		s.phv = make([]float64, e.numFeatures*e.maxPoints)
	}
	for i := range s.slot {
		s.slot[i] = -1
	}
	return s
}

// shapleyWeights returns w[d][k] = k!(d−k−1)!/d! for d ≤ maxD, k < d, and
// w[d][d] = 0.
func shapleyWeights(maxD int) [][]float64 {
	w := make([][]float64, maxD+1)
	for d := range w {
		w[d] = make([]float64, d+1)
		binom := 1.0 // C(d−1, k)
		for k := 0; k < d; k++ {
			w[d][k] = 1 / (float64(d) * binom)
			binom = binom * float64(d-1-k) / float64(k+1)
		}
	}
	return w
}

// addLeafwise adds tree i's TreeSHAP values to phi leaf by leaf, without
// tables: a depth-first walk keeps each path's distinct features with their
// zero fractions z and one fractions o, and at a leaf the product game is
// solved directly: with Q the slots x agrees with (m of them) and e the
// elementary symmetric polynomials of their z (O(m²)), F(Q) and, dividing
// one factor out of e at a time, every F(Q∖{i}) cost O(m²) per leaf.
func (x *Explainer) addLeafwise(i int32, p *prepared, row, phi []float64, s *scratch) {
	l := leafwise{x: x, tree: i, t: &p.t, row: row, phi: phi, s: s}
	l.walk(0, 0)
}

type leafwise struct {
	x        *Explainer
	tree     int32
	t        *Tree
	row, phi []float64
	s        *scratch
}

func (l *leafwise) walk(node int32, d int) {
	t, s := l.t, l.s
	n := &t.Nodes[node]
	if n.IsLeaf() {
		l.leaf(node, d)
		return
	}
	goLeft := t.GoesLeft(node, l.row)
	c := t.Cover[node]
	sl := s.slot[n.Feature]
	for _, child := range [2]int32{n.Left, n.Right} {
		ratio := t.Cover[child] / c
		agree := goLeft == (child == n.Left)
		if sl >= 0 {
			z, o := s.z[sl], s.o[sl]
			s.z[sl], s.o[sl] = z*ratio, o && agree
			l.walk(child, d)
			s.z[sl], s.o[sl] = z, o
			continue
		}
		s.slot[n.Feature] = int32(d)
		s.feat[d], s.z[d], s.o[d] = n.Feature, ratio, agree
		l.walk(child, d+1)
		s.slot[n.Feature] = -1
	}
}

func (l *leafwise) leaf(node int32, d int) {
	v := l.x.nodeValue(l.tree, l.t.Values, node)
	if v == 0 || d == 0 {
		return
	}
	s := l.s
	z, o, feat := s.z[:d], s.o[:d], s.feat[:d]
	g := v
	m := 0
	e := s.poly[:d+1]
	e[0] = 1
	for j, zj := range z {
		if !o[j] {
			g *= zj
			continue
		}
		// Multiply the polynomial by (1 + z_j·t).
		m++
		e[m] = 0
		for k := m; k > 0; k-- {
			e[k] += zj * e[k-1]
		}
	}
	if g == 0 {
		return
	}
	w := l.x.e.weights[d]
	fq := 0.0
	for k := 0; k <= m; k++ {
		fq += w[k] * e[m-k]
	}
	fq *= g
	if m == 0 {
		for _, f := range feat {
			l.phi[f] -= fq
		}
		return
	}
	wm := w[:m]
	em := e[:m+1]
	pend := -1 // a slot with z ≤ 1 waiting for a partner
	for j, zj := range z {
		if !o[j] {
			l.phi[feat[j]] -= fq
			continue
		}
		// F(Q∖{j}) = Σ_k w[k]·e'_{m−1−k} with e' = e / (1 + z_j·t): divide
		// forwards when z_j ≤ 1, backwards (from the top coefficient) when
		// z_j > 1, the stable directions, summing as the coefficients come.
		if zj > 1 {
			ed := em[m] / zj
			f := wm[0] * ed
			for k := m - 1; k > 0; k-- {
				ed = (em[k] - ed) / zj
				f += wm[m-k] * ed
			}
			l.phi[feat[j]] += g * (1 - zj) * f
			continue
		}
		if pend < 0 {
			pend = j
			continue
		}
		// Two slots at once: four independent dependency chains.
		za := z[pend]
		eda, edb := 1.0, 1.0
		fa, fb := wm[m-1], wm[m-1]
		for k := 1; k < m; k++ {
			eda = em[k] - za*eda
			edb = em[k] - zj*edb
			fa += wm[m-1-k] * eda
			fb += wm[m-1-k] * edb
		}
		l.phi[feat[pend]] += g * (1 - za) * fa
		l.phi[feat[j]] += g * (1 - zj) * fb
		pend = -1
	}
	if pend >= 0 {
		za := z[pend]
		ed, f := 1.0, wm[m-1]
		for k := 1; k < m; k++ {
			ed = em[k] - za*ed
			f += wm[m-1-k] * ed
		}
		l.phi[feat[pend]] += g * (1 - za) * f
	}
}

// Explainer explains one linear combination of the ensemble's tree outputs:
// the raw model output f(x) = Σ_t Σ_k w[t][k]·leaf_t(x)[k]. It satisfies
// anomaly.Explainer. An Explainer is read-only and safe for concurrent use;
// Explain and ExplainApprox allocate nothing.
type Explainer struct {
	e      *Ensemble
	active []int32   // trees with a non-zero weight
	off    []int32   // per tree, the first of its weights in w
	w      []float64 // flattened weights
	base   float64
	// fac, per Linear TreeSHAP tree, is the factor table of the down pass
	// (linTree.factors) for the weighted leaf values.
	fac [][]float64
}

// Explainer returns an Explainer for the combination with weights w: w[t]
// holds one weight per output of tree t (length trees[t].Outputs). A nil w
// gives every output of every tree weight 1 (a plain sum, as in a gradient
// boosted ensemble of single-output trees). For example, XGBoost uses one
// weight per tree (1, or the dart tree weight), a Random Forest's attack
// probability e_attack/ntrees for every tree, an Isolation Forest's mean path
// length 1/ntrees. A weight slice of the wrong length is an error wrapping
// errs.ErrDimension, a NaN or infinite weight one wrapping errs.ErrNaN.
func (e *Ensemble) Explainer(w [][]float64) (*Explainer, error) {
	if w != nil && len(w) != len(e.trees) {
		return nil, fmt.Errorf("tree: explain: %d weight vectors for %d trees: %w", len(w), len(e.trees), errs.ErrDimension)
	}
	x := &Explainer{e: e, off: make([]int32, len(e.trees))}
	for i := range e.trees {
		o := e.trees[i].t.Outputs
		x.off[i] = int32(len(x.w))
		nonzero := false
		for k := 0; k < o; k++ {
			v := 1.0
			if w != nil {
				if len(w[i]) != o {
					return nil, fmt.Errorf("tree: explain: tree %d: %d weights for %d outputs: %w", i, len(w[i]), o, errs.ErrDimension)
				}
				v = w[i][k]
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("tree: explain: tree %d: weight %d is %v: %w", i, k, v, errs.ErrNaN)
			}
			x.w = append(x.w, v)
			nonzero = nonzero || v != 0
		}
		if nonzero {
			x.active = append(x.active, int32(i))
		}
	}
	x.fac = make([][]float64, len(e.trees))
	// The factor tables in one array, in tree order, as the records.
	nfac := 0
	for _, i := range x.active {
		if l := x.e.trees[i].lin; l != nil {
			nfac += l.nfactors()
		}
	}
	fac := make([]float64, 0, nfac)
	for _, i := range x.active {
		x.base += x.nodeValue(i, x.e.trees[i].means, 0)
		p := &x.e.trees[i]
		if p.lin == nil {
			continue
		}
		sc := make([]float64, len(p.t.Nodes))
		for j := range sc {
			sc[j] = 1
			if p.t.Nodes[j].IsLeaf() {
				sc[j] = x.nodeValue(i, p.t.Values, int32(j))
			}
		}
		a := len(fac)
		fac = p.lin.factors(fac, sc)
		x.fac[i] = fac[a:len(fac):len(fac)]
	}
	return x, nil
}

// nodeValue returns Σ_k w[t][k]·vals[node·Outputs+k].
func (x *Explainer) nodeValue(t int32, vals []float64, node int32) float64 {
	o := x.e.trees[t].t.Outputs
	w := x.w[x.off[t] : int(x.off[t])+o]
	if o == 1 {
		return w[0] * vals[node]
	}
	v := vals[int(node)*o : (int(node)+1)*o]
	s := 0.0
	for k, wk := range w {
		s += wk * v[k]
	}
	return s
}

// NumFeatures returns the row length the explainer takes.
func (x *Explainer) NumFeatures() int { return x.e.numFeatures }

// Base returns the expected value of the combination: Σ over the trees of
// the weighted cover-weighted mean of the leaves, the bias XGBoost's
// pred_contribs reports (without the model's base score).
func (x *Explainer) Base() float64 { return x.base }

// Value returns the combination's output for x, Σ_t Σ_k w[t][k]·leaf value:
// what Base plus the contributions of Explain add up to. x must have length
// NumFeatures (else an error wrapping errs.ErrDimension).
func (x *Explainer) Value(row []float64) (float64, error) {
	if len(row) != x.e.numFeatures {
		return 0, fmt.Errorf("tree: explain: row of %d values, want %d: %w", len(row), x.e.numFeatures, errs.ErrDimension)
	}
	s := 0.0
	for _, i := range x.active {
		p := &x.e.trees[i]
		s += x.nodeValue(i, p.t.Values, p.t.Leaf(row))
	}
	return s, nil
}

func (x *Explainer) check(row, dst []float64) error {
	if len(row) != x.e.numFeatures {
		return fmt.Errorf("tree: explain: row of %d values, want %d: %w", len(row), x.e.numFeatures, errs.ErrDimension)
	}
	if len(dst) != x.e.numFeatures {
		return fmt.Errorf("tree: explain: dst of %d values, want %d: %w", len(dst), x.e.numFeatures, errs.ErrDimension)
	}
	return nil
}

// Explain writes into dst the exact path-dependent TreeSHAP value of every
// feature for row (Lundberg et al. 2020; by Linear TreeSHAP, Fast TreeSHAP
// v2 tables or leaf by leaf, as the ensemble was prepared) and returns Base, so that base + Σ dst = Value(row)
// up to rounding. NaN values follow each node's default direction and
// categorical splits route as Leaf does. row and dst must have length
// NumFeatures (else an error wrapping errs.ErrDimension). Explain allocates
// nothing and is safe for concurrent use.
func (x *Explainer) Explain(row, dst []float64) (float64, error) {
	if err := x.check(row, dst); err != nil {
		return 0, err
	}
	clear(dst)
	s := x.e.pool.Get().(*scratch)
	lin := false
	for _, i := range x.active {
		p := &x.e.trees[i]
		if p.fast {
			x.addFast(i, p, row, dst, s)
		} else if p.lin != nil {
			x.addLinear(i, p, row, s)
			lin = true
		} else {
			x.addLeafwise(i, p, row, dst, s)
		}
	}
	if lin {
		// Add up the Linear TreeSHAP sums over the quadrature points, and
		// leave them zero for the next row.
		st := s.stride
		for f := range dst {
			ph := s.phv[f*st : f*st+st]
			v := 0.0
			for k, p := range ph {
				v += p
				ph[k] = 0
			}
			dst[f] += v
		}
	}
	x.e.pool.Put(s)
	return x.base, nil
}

// ExplainApprox writes into dst the Saabas path attribution of row
// (A. Saabas, "Interpreting random forests", 2014), as XGBoost's
// approx_contribs computes it: walking x's path, each split adds to its
// feature the change of the cover-weighted node mean from the node to the
// child taken. It returns Base; base + Σ dst = Value(row). It is cheaper than
// Explain (O(depth) per tree) but not a Shapley value. row and dst must have
// length NumFeatures (else an error wrapping errs.ErrDimension). It allocates
// nothing and is safe for concurrent use.
func (x *Explainer) ExplainApprox(row, dst []float64) (float64, error) {
	if err := x.check(row, dst); err != nil {
		return 0, err
	}
	clear(dst)
	for _, i := range x.active {
		p := &x.e.trees[i]
		t := &p.t
		n := int32(0)
		prev := x.nodeValue(i, p.means, 0)
		for !t.Nodes[n].IsLeaf() {
			f := t.Nodes[n].Feature
			if t.GoesLeft(n, row) {
				n = t.Nodes[n].Left
			} else {
				n = t.Nodes[n].Right
			}
			v := x.nodeValue(i, p.means, n)
			dst[f] += v - prev
			prev = v
		}
	}
	return x.base, nil
}

// addFast adds tree i's TreeSHAP values to phi with the Fast TreeSHAP v2
// tables: one forward pass over the nodes (children follow parents) carries
// to each leaf the mask Q of the path slots that x agrees with.
func (x *Explainer) addFast(i int32, p *prepared, row, phi []float64, s *scratch) {
	t := &p.t
	nodes := t.Nodes
	mask := s.mask[:len(nodes)]
	aux := p.aux[:len(nodes)]
	mask[0] = ^uint32(0)
	o := t.Outputs
	w := x.w[x.off[i] : int(x.off[i])+o]
	for n := range nodes {
		nd := &nodes[n]
		if nd.Feature >= 0 {
			m, bit := mask[n], aux[n]
			if t.GoesLeft(int32(n), row) {
				mask[nd.Left], mask[nd.Right] = m, m&^bit
			} else {
				mask[nd.Left], mask[nd.Right] = m&^bit, m
			}
			continue
		}
		var v float64
		if o == 1 {
			v = w[0] * t.Values[n]
		} else {
			vals := t.Values[n*o : (n+1)*o]
			for k, wk := range w {
				v += wk * vals[k]
			}
		}
		rec := p.leaves[aux[n]]
		d := int(rec.d)
		if v == 0 || d == 0 {
			continue
		}
		q := mask[n] & (1<<uint(d) - 1)
		feat := p.feat[rec.off : int(rec.off)+d]
		zsel := p.zsel[2*rec.off : 2*(int(rec.off)+d)]
		coef := p.coef[2*rec.off : 2*(int(rec.off)+d)]
		tab := p.table[rec.table : int(rec.table)+1<<uint(d)]
		g := v
		for j := range feat {
			g *= zsel[2*j+int(q>>uint(j)&1)]
		}
		for j, f := range feat {
			b := q >> uint(j) & 1
			phi[f] += g * coef[2*j+int(b)] * tab[q&^(b<<uint(j))]
		}
	}
}
