package forest

import (
	"math"
)

// findSplit draws candidate features the way scikit-learn's BestSplitter
// does and returns the best split among them, the number of features now
// known to be constant in the node (they are b.feats[:nConst] and are passed
// on to the children), and whether a valid split exists.
//
// Features are drawn without replacement. A feature known to be constant
// (from an ancestor) counts as visited without being evaluated; a feature
// found constant here counts as visited too. The search goes on past
// maxFeatures visited features while every visited feature was constant, so
// that at least one non-constant feature is evaluated whenever one exists.
func (b *builder) findSplit(nd pending, dist []float64, w float64) (best split, nConst int, ok bool) {
	p := b.d.p
	nKnown := int(nd.nCon)
	nDrawnConst, nFoundConst, nTotalConst := 0, 0, nKnown
	nVisited := 0
	fi := p
	best.score = math.Inf(-1)
	for fi > nTotalConst && (nVisited < b.s.maxFeatures || nVisited <= nFoundConst+nDrawnConst) {
		nVisited++
		fj := nDrawnConst + b.rng.IntN(fi-nFoundConst-nDrawnConst)
		if fj < nKnown {
			b.feats[nDrawnConst], b.feats[fj] = b.feats[fj], b.feats[nDrawnConst]
			nDrawnConst++
			continue
		}
		fj += nFoundConst
		f := b.feats[fj]
		var constant bool
		if b.s.splitter == Exact {
			constant = b.evalExact(nd, f, dist, w, &best)
		} else {
			constant = b.evalHist(nd, f, dist, w, &best)
		}
		if constant {
			b.feats[fj], b.feats[nTotalConst] = b.feats[nTotalConst], b.feats[fj]
			nFoundConst++
			nTotalConst++
			continue
		}
		fi--
		b.feats[fi], b.feats[fj] = b.feats[fj], b.feats[fi]
	}
	return best, nTotalConst, !math.IsInf(best.score, -1)
}

// evalExact sorts the node's samples along feature f and updates best with
// the best threshold on f. It reports whether f is constant in the node.
func (b *builder) evalExact(nd pending, f int32, dist []float64, w float64, best *split) bool {
	start, end := int(nd.start), int(nd.end)
	col := b.d.cols[int(f)*b.d.n : (int(f)+1)*b.d.n]
	if bits := b.d.bits[f]; bits != nil {
		return b.evalBinary(nd, f, bits, dist, w, best)
	}
	if vals := b.d.vals[f]; vals != nil && len(vals) <= end-start {
		return b.evalRanks(nd, f, b.d.rank[f], vals, dist, w, best)
	}
	// The node's samples stay in place; their values are sorted together
	// with their positions in the node.
	xf := b.xf[start:end]
	pos := b.pos[start:end]
	for i, s := range b.samples[start:end] {
		xf[i] = col[s]
		pos[i] = int32(i)
	}
	sortPairs(xf, pos)
	ys, ws := b.ys[start:end], b.ws[start:end]
	if xf[len(xf)-1] <= xf[0]+featureThreshold {
		return true
	}
	minLeaf := b.s.minLeaf
	cl, cr := b.cl, b.cr
	clear(cl)
	wl := 0.0
	n := len(xf)
	last := 0 // samples [0, last) are counted in cl
	for p := 0; p < n; {
		for p+1 < n && xf[p+1] <= xf[p]+featureThreshold {
			p++
		}
		p++
		if p >= n {
			break
		}
		if p < minLeaf || n-p < minLeaf {
			continue
		}
		for _, q := range pos[last:p] {
			cl[ys[q]] += ws[q]
			wl += ws[q]
		}
		last = p
		for c := range cr {
			cr[c] = dist[c] - cl[c]
		}
		wr := w - wl
		if wl <= 0 || wr <= 0 {
			continue
		}
		if sc := proxy(b.s.criterion, cl, cr, wl, wr); sc > best.score {
			// scikit-learn's threshold t (x <= t goes left) is the midpoint,
			// or the lower value when the midpoint rounds to the upper; the
			// layout's x < Threshold is made identical by storing the next
			// float above t.
			t := xf[p-1]/2 + xf[p]/2
			if t == xf[p] || math.IsInf(t, 0) {
				t = xf[p-1]
			}
			*best = split{feature: f, pos: int32(start + p), threshold: math.Nextafter(t, math.Inf(1)), score: sc}
		}
	}
	return false
}

// evalBinary is evalExact for a column of zeros and ones: one read-only
// pass counts the zeros and their class weights, and the only candidate
// split, at 0.5, is scored.
func (b *builder) evalBinary(nd pending, f int32, bits []uint64, dist []float64, w float64, best *split) bool {
	sm := b.samples[nd.start:nd.end]
	ys, ws := b.ys[nd.start:nd.end], b.ws[nd.start:nd.end]
	ws = ws[:len(sm)]
	ys = ys[:len(sm)]
	cl, cr := b.cl, b.cr
	clear(cl)
	wl := 0.0
	i := 0 // number of zeros
	if ones := b.d.ones[f]; b.posOf != nil && 4*len(ones) < len(sm) {
		// Few ones beside the node's samples: count the ones that are in
		// the node and take the zeros as the rest, in integers (exact, as
		// below).
		pos := b.posOf
		start, n := int(nd.start), len(sm)
		var w1, w11, c1 int
		for _, s := range ones {
			if q := int(pos[s]) - start; uint(q) < uint(n) {
				w := int(ws[q])
				w1 += w
				w11 += w & -int(ys[q])
				c1++
			}
		}
		wz, wz1 := int(w)-w1, int(dist[1])-w11
		cl[0], cl[1] = float64(wz-wz1), float64(wz1)
		wl = float64(wz)
		i = n - c1
	} else if b.intW && b.k == 2 {
		// Whole weights and two classes: sum in integers without a
		// branch (a branch on the bit mispredicts on balanced columns);
		// the sums are those of the float64 loop below.
		var wz, wz1 int
		for q, s := range sm {
			z := int(^(bits[s>>6] >> (s & 63)) & 1) // 1 for a zero
			w := int(ws[q]) & -z
			wz += w
			wz1 += w & -int(ys[q])
			i += z
		}
		cl[0], cl[1] = float64(wz-wz1), float64(wz1)
		wl = float64(wz)
	} else {
		for q, s := range sm {
			if bits[s>>6]&(1<<(s&63)) == 0 {
				cl[ys[q]] += ws[q]
				wl += ws[q]
				i++
			}
		}
	}
	if i == 0 || i == len(sm) {
		return true
	}
	if i < b.s.minLeaf || len(sm)-i < b.s.minLeaf {
		return false
	}
	for c := range cr {
		cr[c] = dist[c] - cl[c]
	}
	wr := w - wl
	if wl <= 0 || wr <= 0 {
		return false
	}
	if sc := proxy(b.s.criterion, cl, cr, wl, wr); sc > best.score {
		*best = split{feature: f, pos: nd.start + int32(i), threshold: math.Nextafter(0.5, math.Inf(1)), score: sc}
	}
	return false
}

// evalRanks is evalExact for a column with few distinct values in a node
// with more samples than that: one pass sums the class weights per distinct
// value (by rank), then the values present in the node are scanned in
// order with scikit-learn's rules (no split between values closer than
// featureThreshold, the midpoint threshold), which gives the splits sorting
// would.
func (b *builder) evalRanks(nd pending, f int32, rank []uint16, vals []float64, dist []float64, w float64, best *split) bool {
	k := b.k
	hist, hcnt := b.hist, b.hcnt
	lo, hi := len(vals), -1
	ys, ws := b.ys[nd.start:nd.end], b.ws[nd.start:nd.end]
	if hI := b.histI; hI != nil {
		// Whole weights and two classes: integer sums (exact, and an
		// integer add is shorter than a float64 one on the chain of
		// updates to one bin), copied into hist for the scan below.
		sm := b.samples[nd.start:nd.end]
		ys, ws = ys[:len(sm)], ws[:len(sm)]
		for q, s := range sm {
			c := int(rank[s])
			hI[2*c+int(ys[q])] += int64(ws[q])
			hcnt[c]++
			lo = min(lo, c)
			hi = max(hi, c)
		}
	} else {
		for q, s := range b.samples[nd.start:nd.end] {
			c := int(rank[s])
			hist[c*k+int(ys[q])] += ws[q]
			hcnt[c]++
			lo = min(lo, c)
			hi = max(hi, c)
		}
	}
	if b.histI != nil {
		for c := lo; c <= hi; c++ {
			hist[2*c] = float64(b.histI[2*c])
			hist[2*c+1] = float64(b.histI[2*c+1])
		}
		clear(b.histI[lo*2 : (hi+1)*2])
	}
	defer func() {
		clear(hist[lo*k : (hi+1)*k])
		clear(hcnt[lo : hi+1])
	}()
	if vals[hi] <= vals[lo]+featureThreshold {
		return true
	}
	minLeaf := b.s.minLeaf
	n := int(nd.end - nd.start)
	cl, cr := b.cl, b.cr
	clear(cl)
	wl := 0.0
	nl := 0
	prev := -1
	for c := lo; c <= hi; c++ {
		if hcnt[c] == 0 {
			continue
		}
		if prev >= 0 && vals[c] > vals[prev]+featureThreshold && nl >= minLeaf && n-nl >= minLeaf {
			for j := range cr {
				cr[j] = dist[j] - cl[j]
			}
			if wr := w - wl; wl > 0 && wr > 0 {
				if sc := proxy(b.s.criterion, cl, cr, wl, wr); sc > best.score {
					t := vals[prev]/2 + vals[c]/2
					if t == vals[c] || math.IsInf(t, 0) {
						t = vals[prev]
					}
					*best = split{feature: f, threshold: math.Nextafter(t, math.Inf(1)), score: sc}
				}
			}
		}
		for j, v := range hist[c*k : (c+1)*k] {
			cl[j] += v
			wl += v
		}
		nl += int(hcnt[c])
		prev = c
	}
	return false
}

// evalHist builds the class histogram of feature f's bins over the node's
// samples and updates best with the best cut between bins. It reports
// whether f is constant (one bin) in the node.
func (b *builder) evalHist(nd pending, f int32, dist []float64, w float64, best *split) bool {
	k := b.k
	codes := b.d.codes[int(f)*b.d.n : (int(f)+1)*b.d.n]
	hist, hcnt := b.hist, b.hcnt
	lo, hi := 255, 0
	ys, ws := b.ys[nd.start:nd.end], b.ws[nd.start:nd.end]
	for q, s := range b.samples[nd.start:nd.end] {
		c := int(codes[s])
		hist[c*k+int(ys[q])] += ws[q]
		hcnt[c]++
		lo = min(lo, c)
		hi = max(hi, c)
	}
	defer func() {
		clear(hist[lo*k : (hi+1)*k])
		clear(hcnt[lo : hi+1])
	}()
	if lo == hi {
		return true
	}
	minLeaf := b.s.minLeaf
	n := int(nd.end - nd.start)
	cl, cr := b.cl, b.cr
	clear(cl)
	wl := 0.0
	nl := 0
	cuts := b.d.cuts[f]
	for c := lo; c < hi; c++ {
		nl += int(hcnt[c])
		for j, v := range hist[c*k : (c+1)*k] {
			cl[j] += v
			wl += v
		}
		if hcnt[c] == 0 || nl < minLeaf || n-nl < minLeaf {
			continue
		}
		for j := range cr {
			cr[j] = dist[j] - cl[j]
		}
		wr := w - wl
		if wl <= 0 || wr <= 0 {
			continue
		}
		if sc := proxy(b.s.criterion, cl, cr, wl, wr); sc > best.score {
			*best = split{feature: f, bin: c, threshold: cuts[c], score: sc}
		}
	}
	return false
}

// partition reorders the node's samples so that those going left come
// first and returns the first position of the right child.
func (b *builder) partition(nd pending, best split) int32 {
	sm := b.samples[nd.start:nd.end]
	ys, ws := b.ys[nd.start:nd.end], b.ws[nd.start:nd.end]
	i, j := 0, len(sm)
	if b.s.splitter == Exact && b.posOf != nil {
		// Whole weights, two classes: the order of the samples within a
		// child changes no sum (all are exact integers) and so no split;
		// a stable branch-free partition through a scratch buffer avoids
		// the mispredicted branch of the in-place one.
		col := b.d.cols[int(best.feature)*b.d.n : (int(best.feature)+1)*b.d.n]
		t := best.threshold
		ws = ws[:len(sm)]
		ys = ys[:len(sm)]
		tS, tY, tW := b.tmpS[:len(sm)], b.tmpY[:len(sm)], b.tmpW[:len(sm)]
		// The sides first, in a loop whose loads do not wait on each
		// other (the column is read at random), then the moves.
		side := b.side[:len(sm)]
		for q, s := range sm {
			side[q] = uint8(b2i(col[s] < t))
		}
		l, r := 0, 0
		for q, s := range sm {
			y, w := ys[q], ws[q]
			sm[l], ys[l], ws[l] = s, y, w
			tS[r], tY[r], tW[r] = s, y, w
			left := int(side[q])
			l += left
			r += 1 - left
		}
		copy(sm[l:], tS[:r])
		copy(ys[l:], tY[:r])
		copy(ws[l:], tW[:r])
		pos := b.posOf
		for q, s := range sm {
			pos[s] = nd.start + int32(q)
		}
		return nd.start + int32(l)
	}
	if b.s.splitter == Exact {
		col := b.d.cols[int(best.feature)*b.d.n : (int(best.feature)+1)*b.d.n]
		t := best.threshold
		pos := b.posOf
		for i < j {
			if col[sm[i]] < t {
				i++
			} else {
				j--
				sm[i], sm[j] = sm[j], sm[i]
				ys[i], ys[j] = ys[j], ys[i]
				ws[i], ws[j] = ws[j], ws[i]
				if pos != nil {
					pos[sm[i]] = nd.start + int32(i)
					pos[sm[j]] = nd.start + int32(j)
				}
			}
		}
	} else {
		codes := b.d.codes[int(best.feature)*b.d.n : (int(best.feature)+1)*b.d.n]
		c := uint8(best.bin)
		for i < j {
			if codes[sm[i]] <= c {
				i++
			} else {
				j--
				sm[i], sm[j] = sm[j], sm[i]
				ys[i], ys[j] = ys[j], ys[i]
				ws[i], ws[j] = ws[j], ws[i]
			}
		}
	}
	return nd.start + int32(i)
}

// sortPairs sorts xf ascending and applies the same permutation to s. It is
// scikit-learn's introsort (median-of-three pivot, three-way partition, so
// that the many repeated values of one-hot and count features cost one
// pass) with an insertion sort for short ranges.
func sortPairs(xf []float64, s []int32) {
	if len(xf) < 2 {
		return
	}
	maxd := 2 * int(math.Log2(float64(len(xf))))
	introsort(xf, s, maxd)
}

func introsort(xf []float64, s []int32, maxd int) {
	for len(xf) > 16 {
		if maxd <= 0 {
			heapsort(xf, s)
			return
		}
		maxd--
		pivot := median3(xf)
		i, l, r := 0, 0, len(xf)
		for i < r {
			switch v := xf[i]; {
			case v < pivot:
				xf[i], xf[l] = xf[l], v
				s[i], s[l] = s[l], s[i]
				i++
				l++
			case v > pivot:
				r--
				xf[i], xf[r] = xf[r], v
				s[i], s[r] = s[r], s[i]
			default:
				i++
			}
		}
		// Recurse on the smaller side to bound the stack depth.
		if l < len(xf)-r {
			introsort(xf[:l], s[:l], maxd)
			xf, s = xf[r:], s[r:]
		} else {
			introsort(xf[r:], s[r:], maxd)
			xf, s = xf[:l], s[:l]
		}
	}
	for i := 1; i < len(xf); i++ {
		v, sv := xf[i], s[i]
		j := i
		for j > 0 && xf[j-1] > v {
			xf[j], s[j] = xf[j-1], s[j-1]
			j--
		}
		xf[j], s[j] = v, sv
	}
}

func median3(xf []float64) float64 {
	a, b, c := xf[0], xf[len(xf)/2], xf[len(xf)-1]
	if a < b {
		if b < c {
			return b
		} else if a < c {
			return c
		}
		return a
	} else if b < c {
		if a < c {
			return a
		}
		return c
	}
	return b
}

func heapsort(xf []float64, s []int32) {
	n := len(xf)
	sift := func(start, end int) {
		root := start
		for {
			child := 2*root + 1
			if child >= end {
				return
			}
			if child+1 < end && xf[child] < xf[child+1] {
				child++
			}
			if xf[root] >= xf[child] {
				return
			}
			xf[root], xf[child] = xf[child], xf[root]
			s[root], s[child] = s[child], s[root]
			root = child
		}
	}
	for start := (n - 2) / 2; start >= 0; start-- {
		sift(start, n)
	}
	for end := n - 1; end > 0; end-- {
		xf[0], xf[end] = xf[end], xf[0]
		s[0], s[end] = s[end], s[0]
		sift(0, end)
	}
}
