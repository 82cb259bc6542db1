package tree

import (
	"math"
	"unsafe"
)

// This file implements Linear TreeSHAP (P. Yu, C. Bai, A. Cai and Z. Wang,
// "Linear TreeShap", NeurIPS 2022): exact path-dependent TreeSHAP in
// O(N·n) per tree and row, N the nodes and n about half the largest number
// of distinct features on a root-to-leaf path, against O(L·D²) for
// Algorithm 2 of Lundberg et al.
//
// For one leaf l with value v and path features P (|P| = D), the Shapley
// value of i ∈ P in the product game of shap.go is, since w(k) =
// k!(D−k−1)!/D! = ∫₀¹ t^k (1−t)^(D−1−k) dt,
//
//	φ_i = v·(o_i − z_i)·∫₀¹ Π_{j∈P∖{i}} (z_j + t·(o_j − z_j)) dt,
//
// the integral of a polynomial of degree D − 1, which Gauss–Legendre
// quadrature with n ≥ D/2 points on [0, 1] gives exactly. Linear TreeSHAP's
// observation is that the sum over the leaves below an edge of v·Π_j(…)
// is one polynomial, built bottom-up by adding the children's. Here each
// polynomial is kept as its values at the n quadrature points t_k (times the
// quadrature weights), so that adding, multiplying and dividing by a linear
// factor are n independent scalar operations:
//
//   - down: P(c) = P(parent)·f_c(t), f_c(t) = z_c + t·(o_c − z_c), with z_c,
//     o_c the zero and one fractions of the edge's feature accumulated over
//     every split of that feature on the path; when the feature was split
//     before (at the edge into node prev), f_prev is divided out first;
//   - up: S(c) = v·P(c) at a leaf, S(l) + S(r) at an internal node;
//   - the edge into c adds to its feature (o_c − z_c)·Σ_k S_c(t_k)/f_c(t_k),
//     and takes away (o_prev − z_prev)·Σ_k S_c(t_k)/f_prev(t_k), which the
//     edge into prev counted for the leaves below c. The two quadrature sums
//     cancel exactly whatever they are, so only polynomial parts remain.
//
// For o = 0, (o − z)/f(t) = −1/(1−t) whatever z, and for o = 1 it is
// (1 − z)/(z + t·(1 − z)). The reciprocals 1/(z_c + t_k·(1 − z_c)) are
// tabulated per node when the ensemble is prepared, if the tables of all
// its trees are small enough to stay in cache (Options.ReciprocalBudget);
// otherwise the down pass computes those of the child x goes to, the only
// ones a row needs, into the block beside its polynomial. The tables are
// the largest part of what a row reads of deep trees (4.8 MB for a
// 100-tree Random Forest on NSL-KDD), and the divisions cost less than
// bringing them from memory on every row.

// DefaultReciprocalBudget is Options.ReciprocalBudget's default, 2 MiB:
// the NSL-KDD Isolation Forest (1.6 MB of tables) and XGBoost binary_100
// (0.4 MB) explain faster with tables, the Random Forest (4.8 MB) without
// (the benchmarks' reciprocals=tables and reciprocals=computed modes
// compare them).
const DefaultReciprocalBudget = 2 << 20

// maxLinearPoints bounds the quadrature points of a tree explained by
// Linear TreeSHAP (paths of up to 2·maxLinearPoints distinct features);
// deeper trees are explained leaf by leaf.
const maxLinearPoints = 32

// gauss is an n-point Gauss–Legendre rule on [0, 1].
type gauss struct {
	t, w []float64
	om   []float64 // 1 − t_k
	iom  []float64 // 1 / (1 − t_k)
	niom []float64 // −1 / (1 − t_k)
	ones []float64
}

// gaussRule returns the n-point Gauss–Legendre rule on [0, 1]: the roots of
// the Legendre polynomial P_n by Newton's method from the Chebyshev-like
// guesses cos(π(k+3/4)/(n+1/2)), and the weights 1/((1−x²)·P_n'(x)²), mapped
// from [−1, 1] (Abramowitz and Stegun 25.4.29).
func gaussRule(n int) *gauss {
	g := &gauss{t: make([]float64, n), w: make([]float64, n), om: make([]float64, n), iom: make([]float64, n),
		niom: make([]float64, n), ones: make([]float64, n)}
	for k := 0; k < n; k++ {
		x := math.Cos(math.Pi * (float64(k) + 0.75) / (float64(n) + 0.5))
		var dp float64
		for it := 0; it < 100; it++ {
			p0, p1 := 1.0, x
			for j := 2; j <= n; j++ {
				p0, p1 = p1, ((2*float64(j)-1)*x*p1-(float64(j)-1)*p0)/float64(j)
			}
			if n == 1 {
				p0, p1 = 1, x
			}
			dp = float64(n) * (x*p1 - p0) / (x*x - 1)
			dx := p1 / dp
			x -= dx
			if math.Abs(dx) < 1e-16 {
				break
			}
		}
		// Recompute the derivative at the converged root.
		p0, p1 := 1.0, x
		for j := 2; j <= n; j++ {
			p0, p1 = p1, ((2*float64(j)-1)*x*p1-(float64(j)-1)*p0)/float64(j)
		}
		if n == 1 {
			p0, p1 = 1, x
		}
		dp = float64(n) * (x*p1 - p0) / (x*x - 1)
		g.t[k] = (1 - x) / 2
		g.w[k] = 1 / ((1 - x*x) * dp * dp) // 2/((1−x²)P'²) halved for [0, 1]
		g.om[k] = 1 - g.t[k]
		g.iom[k] = 1 / g.om[k]
		g.niom[k] = -g.iom[k]
		g.ones[k] = 1
	}
	return g
}

// linTree is what Linear TreeSHAP needs of one tree: one record per
// internal node, in the up pass's order (upOrder), and one in the down
// pass's.
type linTree struct {
	n    int    // quadrature points
	rule *gauss // shared by the trees with the same n
	recs []linRec
	// down lists the internal nodes in the down pass's order: level by
	// level from the root, and within a level first the nodes whose
	// feature no ancestor split (whose reciprocal block V is ones whatever
	// x, so that the assembly skips multiplying by it), then the others.
	// segs holds the ends of these groups in down, alternately of the
	// first kind and of the second. The up pass keeps reverse node order
	// (recs), which fixes the order of the additions into the per-point
	// sums.
	down []linDown
	segs []int32
	// edges holds per entry of down the edges into its left and right
	// child, from which an Explainer builds its factor table (factors).
	edges [][2]linEdge
	// usegs holds the ends of the up pass's groups in recs, alternately
	// of nodes whose feature no ancestor split and of the others (see
	// upOrder).
	usegs []int32
	// cats lists the categorical nodes, whose decisions the passes read
	// from scratch.left instead of comparing with the threshold.
	cats []int32
	// r, if not nil, holds the table: N+2 blocks of n values, block c for
	// node c ≥ 1 R_c = 1 / (z_c + t_k·(1 − z_c)), block 0 all ones (for
	// the root, which stands for "no earlier split of the feature"), block
	// N 1 / (1 − t_k) and block N+1 −1 / (1 − t_k).
	r []float64
}

// stride returns the values per node of a row's working memory.
func (l *linTree) stride() int {
	if l.r != nil {
		return l.n
	}
	return 2 * l.n
}

// A row's working memory for one tree (the scratch's lin) is N+2 blocks:
// with a table, of n values, node c's polynomial P (then its subtree sum
// S); without one, of 2n, P and then R_c, written by the down pass when x
// goes to c, and blocks 0, N and N+1 have the table's values (addLinear
// sets them and P(0) for every tree).

// A node's state for a row, from the down pass to the up pass: linNone
// when x disagreed with an earlier split of the node's feature on the path
// (both edges then contribute nothing), linLeft or linRight when x agrees
// with the earlier splits and goes to that child.
const (
	linNone = iota
	linLeft
	linRight
	linStates
)

// linRec is one internal node, laid out for the assembly passes
// (linear_amd64.s: the offsets are fixed, and TestLinearLayout checks
// them): 64 bytes, one cache line. Node c's block is at byte offset
// c·stride·8, its reciprocals at the same offset in the table or n·8
// bytes further. The up pass's
// operands follow from the node's state s:
//
//	u_a = ac[s]·r[va] − ap_s·r[vp],  u_d = −1/(1−t) − ap_s·r[vp],
//	φ_feat += S[a]·u_a + S[d]·u_d,  S(node) = S[a] + S[d],
//
// with a the child x goes to (the left one in state linNone) and d the
// other; r[va] is R_a and r[vp] R_prev, and ap_s = ap, except in state
// linNone, where both are R_N = 1/(1 − t) and ac[s] = ap_s = −1, so
// that both u are 0.
type linRec struct {
	ocl  int32 // 0: the left child's block offset, cl·stride·8
	ocr  int32 // 4: the right child's, cr·stride·8
	foff int32 // 8: the byte offset of the feature's per-point sums, feat·stride·8 (set by NewEnsemble, which knows the stride)
	opn  int32 // 12: the node's block offset, pn·stride·8
	pn   int32 // 16: the node's index
	oprv int32 // 20: the block offset of prev, the node whose incoming edge split the same feature last, or 0 (the root) for none
	feat int32 // 24: the split feature
	_    int32 // 28
	// ac is indexed by the state: −1, then the left and the right edge's
	// (1 − z_c) written as the per-edge form −1 + o·(2 − z) evaluates it;
	// ap is hp·(1 − z_prev) alike, 0 without an earlier split. ac[0]
	// doubles as ap_s in state linNone.
	ac [linStates]float64 // 32
	ap float64            // 56
}

// linDown is an internal node as the down pass reads it (linear_amd64.s:
// the offsets are fixed, and TestLinearLayout checks them): 48 bytes.
type linDown struct {
	thr  float64 // 0
	feat int32   // 8
	ndl  uint8   // 12
	cat  uint8   // 13
	_    [2]byte // 14
	pn   int32   // 16
	prev int32   // 20: the node whose incoming edge split the same feature last, or 0 (the root) for none
	cl   int32   // 24
	cr   int32   // 28
	zl   float64 // 32: z of the edge into the left child (linEdge.z)
	zr   float64 // 40: of the edge into the right one
}

// linEdge is the edge from an internal node into child c.
type linEdge struct {
	c     int32   // the child
	prev  int32   // the node whose incoming edge split the same feature last, or 0 (the root) for none
	hp    int32   // 1 when prev is a node, 0 when it is the root
	z     float64 // zero fraction of the edge's feature, over every split of it so far
	ratio float64 // Cover[c] / Cover[parent]
	zp    float64 // z of the edge into prev (0 when prev is the root)
}

// linFactor returns the scalars a, b of the down pass's factor a + b·t of
// edge e for a row in which x agrees with the earlier splits of the
// feature (op = 1) or not, and goes along e (oc = 1) or not, with the
// edge's child's scale sc (the weighted leaf value, or 1). It is
// sc·f_c(t)/f_prev(t) without the division, which the reciprocals of prev
// does: with q = hp·(1 − op), a = sc·(z + q·(ratio − z)) and
// b = sc·(oc + q·ratio) − a. The conversions keep the compiler from fusing
// a multiply and an add.
func linFactor(e *linEdge, sc float64, op, oc uint8) (a, b float64) {
	q := float64(uint8(e.hp) & (1 - op))
	a = sc * (e.z + float64(q*(e.ratio-e.z)))
	b = float64(sc*(float64(oc)+float64(q*e.ratio))) - a
	return a, b
}

// linFactors is the width of a record's entry in a factor table: a and b
// of both edges for each state. A node whose feature no ancestor split is
// never in state linNone, and its entry leaves that state out
// (linFactors1 values).
const (
	linFactors  = 4 * linStates
	linFactors1 = linFactors - 4
)

// factors appends to f the down pass's factor scalars of l for the node scales
// sc (per node, the weighted leaf value of a leaf and 1 otherwise): one
// entry per entry of l.down, in that order, for each state (but linNone
// for a node without an earlier split of its feature) a and b of the left
// edge, then of the right one.
func (l *linTree) factors(f, sc []float64) []float64 {
	for ri := range l.down {
		for s := range linStates {
			if s == linNone && l.down[ri].prev == 0 {
				continue
			}
			op := b2u(s != linNone)
			for side := range 2 {
				e := &l.edges[ri][side]
				oc := op & b2u(s == linLeft+side)
				a, b := linFactor(e, sc[e.c], op, oc)
				f = append(f, a, b)
			}
		}
	}
	return f
}

// nfactors returns the length of l's factor entries.
func (l *linTree) nfactors() int {
	n := 0
	for ri := range l.down {
		n += linFactors1
		if l.down[ri].prev != 0 {
			n += linFactors - linFactors1
		}
	}
	return n
}

// distinctDepth returns the largest number of distinct features on a
// root-to-leaf path of t.
func distinctDepth(t *Tree) int {
	best := 0
	cnt := map[int32]int{}
	var walk func(i int32, d int)
	walk = func(i int32, d int) {
		n := &t.Nodes[i]
		if n.IsLeaf() {
			best = max(best, d)
			return
		}
		cnt[n.Feature]++
		nd := d
		if cnt[n.Feature] == 1 {
			nd++
		}
		walk(n.Left, nd)
		walk(n.Right, nd)
		cnt[n.Feature]--
	}
	walk(0, 0)
	return best
}

// buildLinear prepares p for Linear TreeSHAP with the rule of n points,
// with a table of reciprocals or without.
func (p *prepared) buildLinear(n int, rule *gauss, table bool) {
	t := &p.t
	N := len(t.Nodes)
	l := &linTree{n: n, rule: rule}
	if table {
		l.r = make([]float64, (N+2)*n)
		copy(l.r, rule.ones)
		copy(l.r[N*n:], rule.iom)
		copy(l.r[(N+1)*n:], rule.niom)
	}
	edges := make([]linEdge, N)
	last := map[int32]int32{} // feature → node whose edge split it last on the current path
	var walk func(i int32)
	walk = func(i int32) {
		nd := &t.Nodes[i]
		if nd.IsLeaf() {
			return
		}
		f := nd.Feature
		old, had := last[f]
		for _, c := range [2]int32{nd.Left, nd.Right} {
			ratio := t.Cover[c] / t.Cover[i]
			e := linEdge{c: c, z: ratio, ratio: ratio}
			if had {
				e.prev, e.hp, e.zp = old, 1, edges[old].z
				e.z = e.zp * ratio
			}
			edges[c] = e
			if l.r != nil {
				r := l.r[int(c)*n : int(c)*n+n]
				for k := range r {
					r[k] = 1 / (e.z + float64(rule.t[k]*(1-e.z)))
				}
			}
			last[f] = c
			walk(c)
		}
		if had {
			last[f] = old
		} else {
			delete(last, f)
		}
	}
	walk(0)
	for i := range t.Nodes {
		nd := &t.Nodes[i]
		if nd.IsLeaf() {
			continue
		}
		el, er := edges[nd.Left], edges[nd.Right]
		bs := int32(8 * l.stride()) // block size in bytes
		rc := linRec{feat: nd.Feature, pn: int32(i),
			ocl: nd.Left * bs, ocr: nd.Right * bs, opn: int32(i) * bs, oprv: el.prev * bs,
			ac: [linStates]float64{-1, -1 + float64(2-el.z), -1 + float64(2-er.z)},
			ap: float64(el.hp) * (-1 + float64(2-el.zp))}
		if nd.Flags&Categorical != 0 {
			l.cats = append(l.cats, int32(i))
		}
		l.recs = append(l.recs, rc)
	}
	l.recs, l.usegs = upOrder(l.recs)
	// The down pass's order: by level, and in a level the nodes without
	// an earlier split of their feature first.
	level := []int32{0}
	if t.Nodes[0].IsLeaf() {
		level = nil
	}
	for len(level) > 0 {
		var next []int32
		for hp := range int32(2) {
			for _, i := range level {
				nd := &t.Nodes[i]
				el := edges[nd.Left]
				if el.hp != hp {
					continue
				}
				l.down = append(l.down, linDown{thr: nd.Threshold, feat: nd.Feature,
					ndl: b2u(nd.Flags&DefaultLeft == 0), cat: b2u(nd.Flags&Categorical != 0),
					pn: i, prev: el.prev, cl: nd.Left, cr: nd.Right, zl: el.z, zr: edges[nd.Right].z})
				l.edges = append(l.edges, [2]linEdge{el, edges[nd.Right]})
			}
			l.segs = append(l.segs, int32(len(l.down)))
		}
		for _, i := range level {
			for _, c := range [2]int32{t.Nodes[i].Left, t.Nodes[i].Right} {
				if !t.Nodes[c].IsLeaf() {
					next = append(next, c)
				}
			}
		}
		level = next
	}
	p.lin = l
}

// upOrder returns the records of recs (in node order) in the up pass's
// order, the reverse (children before parents; the order of the additions
// into the per-point sums), with the ends of its groups: runs of records
// alternately of nodes whose feature no ancestor split (ap = 0 and the
// reciprocals of prev ones, so that the assembly leaves out ap·r[vp]) and
// of the others, starting with the first kind. Reordering the records to
// lengthen the runs, within what keeps the values bit for bit (children
// before parents, one feature's nodes in order), cuts the runs on Random
// Forest trees to less than half but was slower: it separates parents
// from children and puts nodes of one feature back to back.
func upOrder(recs []linRec) ([]linRec, []int32) {
	m := len(recs)
	out := make([]linRec, m)
	var segs []int32
	cur := 0
	for j := range recs {
		out[j] = recs[m-1-j]
		if k := int(b2u(out[j].oprv != 0)); k != cur {
			segs = append(segs, int32(j))
			cur = k
		}
	}
	return out, append(segs, int32(m))
}

// b2u returns 1 for true, 0 for false.
func b2u(b bool) uint8 {
	var u uint8
	if b {
		u = 1
	}
	return u
}

// linArgs is what one tree's Linear TreeSHAP passes read and write, laid
// out for the assembly kernel (linear_amd64.s: the offsets are fixed).
type linArgs struct {
	rec    *linRec  // 0
	nrec   int      // 8: records, and entries of down
	row    *float64 // 16
	left   *uint8   // 24: per categorical node, 1 when x goes left
	fac    *float64 // 32: the Explainer's factor table (linTree.factors)
	p      *float64 // 40: N+2 blocks of 2n, P (then S) and R of each node, as linTree says
	o      *uint8   // 48: per node; o(0) = 1
	phv    *float64 // 56: per feature, stride values: the per-point sums
	tk     *float64 // 64: the quadrature points
	n      int      // 72: points, a multiple of 4
	st     *uint8   // 80: per node, its state (linNone, linLeft, linRight)
	nn     int      // 88: nodes
	stride int      // 96
	nrow   int      // 104: length of row
	nphv   int      // 112: length of phv
	down   *linDown // 120: linTree.down
	segs   *int32   // 128: linTree.segs
	nseg   int      // 136
	nfac   int      // 144: length of fac
	usegs  *int32   // 152: linTree.usegs
	nuseg  int      // 160
	r      *float64 // 168: linTree.r, or nil
}

// addLinear adds tree i's exact TreeSHAP values by Linear TreeSHAP to the
// per-feature, per-point sums s.phv (Explain adds them up over the points
// at the end): one pass down the internal nodes, level by level (linTree.down),
// that routes x, sets each node's state and builds the path polynomials,
// one pass up the records (in runs by the same two kinds, see upOrder) for
// the subtree sums and the contributions. The
// state (x disagreed with an earlier split of the feature, or agrees and
// goes left or right) selects the scalars and table blocks by index and
// conditional moves, not by branches, since x's way is as good as random
// from node to node; and the contributions go to per-point sums, so that
// no addition waits for the one before. The passes run in assembly where the CPU has
// AVX2 (linear_amd64.s), in Go elsewhere (linearGo), with the same results
// bit for bit: the same operations in the same order, no fused
// multiply-adds.
func (x *Explainer) addLinear(i int32, p *prepared, row []float64, s *scratch) {
	t := &p.t
	l := p.lin
	if len(l.recs) == 0 {
		return
	}
	n := l.n
	N := len(t.Nodes)
	for _, c := range l.cats {
		s.left[c] = b2u(t.GoesLeft(c, row))
	}
	P := s.lin[:(N+2)*l.stride()]
	copy(P[:n], l.rule.w[:n])
	var r *float64
	if l.r != nil {
		r = &l.r[0]
	} else {
		copy(P[n:2*n], l.rule.ones)
		copy(P[(2*N+1)*n:], l.rule.iom)
		copy(P[(2*N+3)*n:], l.rule.niom)
	}
	s.lo[0] = 1
	a := linArgs{
		rec: unsafe.SliceData(l.recs), nrec: len(l.recs), row: &row[0], left: &s.left[0],
		fac: &x.fac[i][0], p: &P[0], o: &s.lo[0], phv: &s.phv[0], tk: &l.rule.t[0],
		n: n, st: &s.st[0], nn: N, stride: s.stride, nrow: len(row), nphv: len(s.phv),
		down: &l.down[0], segs: &l.segs[0], nseg: len(l.segs), nfac: len(x.fac[i]),
		usegs: &l.usegs[0], nuseg: len(l.usegs), r: r,
	}
	if useAVX2 {
		linearAVX2(&a)
		return
	}
	linearGo(&a)
}

// linearGo is the Go version of the two passes.
func linearGo(a *linArgs) {
	N, n := a.nn, a.n
	recs := unsafe.Slice(a.rec, a.nrec)
	down := unsafe.Slice(a.down, a.nrec)
	row := unsafe.Slice(a.row, a.nrow)
	left := unsafe.Slice(a.left, N)
	fac := unsafe.Slice(a.fac, a.nfac)
	fo := 0 // the record's entry in fac
	// B holds the blocks of stride values, P of node c at c·stride and R_c
	// at the same place in Rb.
	stride := 2 * n
	if a.r != nil {
		stride = n
	}
	B := unsafe.Slice(a.p, (N+2)*stride)
	Rb := B[n:]
	if a.r != nil {
		Rb = unsafe.Slice(a.r, (N+2)*n)
	}
	o := unsafe.Slice(a.o, N)
	tk := unsafe.Slice(a.tk, n)
	st := unsafe.Slice(a.st, N)
	phv := unsafe.Slice(a.phv, a.nphv)
	// P and R of node c, and the same by block offset in bytes.
	pblk := func(c int32) []float64 { return B[int(c)*stride : int(c)*stride+n] }
	rblk := func(c int32) []float64 { return Rb[int(c)*stride : int(c)*stride+n] }
	at := func(off int32) []float64 { return B[int(off)/8 : int(off)/8+n] }
	rat := func(off int32) []float64 { return Rb[int(off)/8 : int(off)/8+n] }
	// The down pass needs no groups: V is ones for the first kind, and
	// multiplying by one is exact.
	for ri := range down {
		rc := &down[ri]
		v := row[rc.feat]
		// thr > v, or NaN and NaN goes left.
		g := b2u(!(v >= rc.thr)) ^ (b2u(v != v) & rc.ndl)
		if rc.cat != 0 {
			g = left[rc.pn]
		}
		op := o[rc.prev]
		ol := op & g
		or := op ^ ol
		o[rc.cl], o[rc.cr] = ol, or
		s := ol + 2*or
		st[rc.pn] = s
		e, w := fo+4*int(s), linFactors
		if rc.prev == 0 {
			e, w = e-4, linFactors1
		}
		fo += w
		f := fac[e : e+4]
		al0, bl, ar0, br := f[0], f[1], f[2], f[3]
		pp := pblk(rc.pn)
		// prev's reciprocals when x agreed with its split, else ones.
		V := rblk(rc.prev & -int32(op))[:len(pp)]
		pl := pblk(rc.cl)[:len(pp)]
		pr := pblk(rc.cr)[:len(pp)]
		// The reciprocals of the child x goes to (of the left one in
		// state linNone, where nothing reads them).
		ca, z := rc.cl, rc.zl
		if g == 0 {
			ca, z = rc.cr, rc.zr
		}
		tt := tk[:len(pp)]
		if a.r == nil {
			zc := 1 - z
			R := rblk(ca)[:len(pp)]
			for k := range R {
				R[k] = 1 / (z + float64(tt[k]*zc))
			}
		}
		for k, pv := range pp {
			pl[k] = pv * (al0 + float64(bl*tt[k])) * V[k]
			pr[k] = pv * (ar0 + float64(br*tt[k])) * V[k]
		}
	}
	iom := rblk(int32(N))
	neg := rblk(int32(N) + 1)
	for ri := range recs {
		rc := &recs[ri]
		s := st[rc.pn]
		ca, cd := rc.ocl, rc.ocr
		if s == linRight {
			ca, cd = cd, ca
		}
		ac, ap := rc.ac[s], rc.ap
		pp := at(rc.opn)
		sa := at(ca)[:len(pp)]
		sd := at(cd)[:len(pp)]
		ra := rat(ca)[:len(pp)]
		rp := rat(rc.oprv)[:len(pp)]
		if s == linNone {
			ap, ra, rp = rc.ac[0], iom, iom
		}
		ph := phv[rc.foff/8 : int(rc.foff/8)+len(pp)]
		ng := neg[:len(pp)]
		for k := range pp {
			a, b := sa[k], sd[k]
			x := float64(ap * rp[k])
			u := float64(ac*ra[k]) - x
			w := ng[k] - x
			ph[k] += float64(a*u) + float64(b*w)
			pp[k] = a + b
		}
	}
}
