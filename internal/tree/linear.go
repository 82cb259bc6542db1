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
// (1 − z)/(z + t·(1 − z)); the reciprocals 1/(z_c + t_k·(1 − z_c)) are
// tabulated per node when the ensemble is prepared, so a row needs no
// division.

// maxLinearPoints bounds the quadrature points of a tree explained by
// Linear TreeSHAP (paths of up to 2·maxLinearPoints distinct features);
// deeper trees are explained leaf by leaf.
const maxLinearPoints = 32

// gauss is an n-point Gauss–Legendre rule on [0, 1].
type gauss struct {
	t, w []float64
	om   []float64 // 1 − t_k
	iom  []float64 // 1 / (1 − t_k)
}

// gaussRule returns the n-point Gauss–Legendre rule on [0, 1]: the roots of
// the Legendre polynomial P_n by Newton's method from the Chebyshev-like
// guesses cos(π(k+3/4)/(n+1/2)), and the weights 1/((1−x²)·P_n'(x)²), mapped
// from [−1, 1] (Abramowitz and Stegun 25.4.29).
func gaussRule(n int) *gauss {
	g := &gauss{t: make([]float64, n), w: make([]float64, n), om: make([]float64, n), iom: make([]float64, n)}
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
	}
	return g
}

// linTree is what Linear TreeSHAP needs of one tree: one record per
// internal node, in node order (children follow parents), and the table of
// reciprocals.
type linTree struct {
	n    int    // quadrature points
	rule *gauss // shared by the trees with the same n
	recs []linRec
	// cats lists the categorical nodes, whose decisions the passes read
	// from scratch.left instead of comparing with the threshold.
	cats []int32
	// r holds N+1 blocks of n values: block 0 is all ones (for the root,
	// which stands for "no earlier split of the feature"), block c for node
	// c ≥ 1 is 1 / (z_c + t_k·(1 − z_c)), block N is 1 / (1 − t_k).
	r []float64
}

// linRec is one internal node with the edges into its two children, laid
// out for the assembly passes (linear_amd64.s: the offsets are fixed, and
// TestLinearLayout checks them): 104 bytes.
type linRec struct {
	thr  float64 // 0: the threshold of a numerical split
	feat int32   // 8: the split feature
	pn   int32   // 12: the node's index
	dl   uint8   // 16: 1 when NaN goes left
	cat  uint8   // 17: 1 for a categorical split
	_    [6]byte
	ch   [2]linEdge // 24 and 64: the edges into the left and right child
}

// linEdge is the edge from an internal node into child c: 40 bytes.
type linEdge struct {
	c     int32   // 0: the child
	prev  int32   // 4: the node whose incoming edge split the same feature last, or 0 (the root) for none
	hp    int32   // 8: 1 when prev is a node, 0 when it is the root
	_     int32   // 12
	z     float64 // 16: zero fraction of the edge's feature, over every split of it so far
	ratio float64 // 24: Cover[c] / Cover[parent]
	zp    float64 // 32: z of the edge into prev (0 when prev is the root)
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

// buildLinear prepares p for Linear TreeSHAP with the rule of n points.
func (p *prepared) buildLinear(n int, rule *gauss) {
	t := &p.t
	N := len(t.Nodes)
	l := &linTree{n: n, rule: rule, r: make([]float64, (N+1)*n)}
	for k := 0; k < n; k++ {
		l.r[k] = 1
		l.r[N*n+k] = rule.iom[k]
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
			r := l.r[int(c)*n : int(c)*n+n]
			for k := range r {
				r[k] = 1 / (e.z + rule.t[k]*(1-e.z))
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
		rc := linRec{thr: nd.Threshold, feat: nd.Feature, pn: int32(i),
			dl: b2u(nd.Flags&DefaultLeft != 0), cat: b2u(nd.Flags&Categorical != 0),
			ch: [2]linEdge{edges[nd.Left], edges[nd.Right]}}
		if rc.cat != 0 {
			l.cats = append(l.cats, int32(i))
		}
		l.recs = append(l.recs, rc)
	}
	p.lin = l
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
	nrec   int      // 8
	row    *float64 // 16
	left   *uint8   // 24: per categorical node, 1 when x goes left
	scale  *float64 // 32: per node, the weighted leaf value or 1
	p      *float64 // 40: n per node; P(0) holds the quadrature weights
	o      *uint8   // 48: per node; o(0) = 1
	r      *float64 // 56: linTree.r
	phv    *float64 // 64: per feature, stride values
	tk     *float64 // 72: the quadrature points
	n      int      // 80: points, a multiple of 4
	stride int      // 88
	iom    int      // 96: the index in r of the block 1 / (1 − t_k)
	nn     int      // 104: nodes
	nrow   int      // 112: length of row
	nphv   int      // 120: length of phv
}

// addLinear adds tree i's exact TreeSHAP values by Linear TreeSHAP to the
// per-feature, per-point sums s.phv (Explain adds them up over the points
// at the end): one pass down the internal nodes (children follow parents)
// that routes x and builds the path polynomials, one pass up for the
// subtree sums and the contributions. Which case an edge is in (x agrees
// or not, the feature was split before or not) selects scalars and table
// blocks by arithmetic, not by branches, since x's agreement is as good as
// random from node to node; and the contributions go to per-point sums, so
// that no addition waits for the one before. The passes run in assembly
// where the CPU has AVX2 (linear_amd64.s), in Go elsewhere (linearGo), with
// the same results bit for bit: the same operations in the same order, no
// fused multiply-adds.
func (x *Explainer) addLinear(i int32, p *prepared, row []float64, s *scratch) {
	t := &p.t
	l := p.lin
	n := l.n
	N := len(t.Nodes)
	for _, c := range l.cats {
		s.left[c] = b2u(t.GoesLeft(c, row))
	}
	P := s.lin[:N*n]
	copy(P[:n], l.rule.w[:n])
	s.lo[0] = 1
	a := linArgs{
		rec: unsafe.SliceData(l.recs), nrec: len(l.recs), row: &row[0], left: &s.left[0],
		scale: &x.scale[i][0], p: &P[0], o: &s.lo[0], r: &l.r[0], phv: &s.phv[0], tk: &l.rule.t[0],
		n: n, stride: s.stride, iom: N * n, nn: N, nrow: len(row), nphv: len(s.phv),
	}
	if len(l.recs) == 0 {
		return
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
	row := unsafe.Slice(a.row, a.nrow)
	left := unsafe.Slice(a.left, N)
	scale := unsafe.Slice(a.scale, N)
	P := unsafe.Slice(a.p, N*n)
	o := unsafe.Slice(a.o, N)
	R := unsafe.Slice(a.r, (N+1)*n)
	tk := unsafe.Slice(a.tk, n)
	stride := a.stride
	phv := unsafe.Slice(a.phv, a.nphv)
	for ri := range recs {
		rc := &recs[ri]
		v := row[rc.feat]
		g := b2u(rc.thr > v) | b2u(v != v)&rc.dl
		if rc.cat != 0 {
			g = left[rc.pn]
		}
		pp := P[int(rc.pn)*n : int(rc.pn)*n+n]
		var al0, bl, ar0, br float64
		var vol, vor int
		for side := range 2 {
			e := &rc.ch[side]
			op := o[e.prev]
			oc := op & (g ^ uint8(side))
			o[e.c] = oc
			hp := uint8(e.hp)
			q := float64(hp & (1 - op))
			sc := scale[e.c]
			// The factor a·(1 − t) + b·t, written a + (b − a)·t. The
			// conversions keep the compiler from fusing a multiply and
			// an add where the assembly does not.
			a0 := sc * (e.z + float64(q*(e.ratio-e.z)))
			b := float64(sc*(float64(oc)+float64(q*e.ratio))) - a0
			vo := int(hp&op) * int(e.prev) * n
			if side == 0 {
				al0, bl, vol = a0, b, vo
			} else {
				ar0, br, vor = a0, b, vo
			}
		}
		cl, cr := int(rc.ch[0].c)*n, int(rc.ch[1].c)*n
		vl := R[vol : vol+len(pp)]
		vr := R[vor : vor+len(pp)]
		pl := P[cl : cl+len(pp)]
		pr := P[cr : cr+len(pp)]
		tt := tk[:len(pp)]
		for k, pv := range pp {
			pl[k] = pv * (al0 + float64(bl*tt[k])) * vl[k]
			pr[k] = pv * (ar0 + float64(br*tt[k])) * vr[k]
		}
	}
	iom := a.iom
	for ri := len(recs) - 1; ri >= 0; ri-- {
		rc := &recs[ri]
		var ac, ap [2]float64
		var vc, vp [2]int
		for side := range 2 {
			e := &rc.ch[side]
			oc, op := o[e.c], o[e.prev]
			// The edge's coefficient: (o_c − z_c)/f_c − (o_prev − z_prev)/f_prev
			// at each point, a scalar times a table block, twice.
			ac[side] = -1 + float64(float64(oc)*(2-e.z))
			ap[side] = float64(e.hp) * (-1 + float64(float64(op)*(2-e.zp)))
			vc[side], vp[side] = iom, iom
			if oc != 0 {
				vc[side] = int(e.c) * n
			}
			if op != 0 {
				vp[side] = int(e.prev) * n
			}
		}
		pp := P[int(rc.pn)*n : int(rc.pn)*n+n]
		sl := P[int(rc.ch[0].c)*n : int(rc.ch[0].c)*n+len(pp)]
		sr := P[int(rc.ch[1].c)*n : int(rc.ch[1].c)*n+len(pp)]
		vcl := R[vc[0] : vc[0]+len(pp)]
		vpl := R[vp[0] : vp[0]+len(pp)]
		vcr := R[vc[1] : vc[1]+len(pp)]
		vpr := R[vp[1] : vp[1]+len(pp)]
		f := int(rc.feat) * stride
		ph := phv[f : f+len(pp)]
		acl, apl, acr, apr := ac[0], ap[0], ac[1], ap[1]
		for k := range pp {
			a, b := sl[k], sr[k]
			u := float64(acl*vcl[k]) - float64(apl*vpl[k])
			w := float64(acr*vcr[k]) - float64(apr*vpr[k])
			ph[k] += float64(a*u) + float64(b*w)
			pp[k] = a + b
		}
	}
}
