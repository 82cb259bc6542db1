package forest

import "math/bits"

// Rows walked in lock step cost as many steps as the deepest of the eight
// needs, so a batch loses least when the eight rows of a group take similar
// paths. Batches therefore walk the rows of a window in the order of the
// leaves they reach in the first few trees (orderTrees): rows that share
// those leaves share the top of their paths through the other trees too,
// which are grown on the same data. On NSL-KDD (KDDTest+ through the 100
// trees of BenchmarkBatchWalk's forest) this cuts the lock-step rounds of a
// walk from 15.4 to 12.0, where a walk alone takes 10.7 (TestOrderCutsRounds
// counts them). The leaves found in those trees are kept and added to the
// scores, so the batch walks the other trees only. BenchmarkBatchOrder
// measures the whole gain on KDDTest+, on all of KDDTrain+ and on synthetic
// traffic; how much it gains depends on the data: rows that are all alike
// or all different have little to sort. A window's rows are found again
// through its permutation, so results are those of the natural order, bit
// for bit.
const (
	// windowRows is the number of rows ordered together: 4,080 is 170
	// blocks, and a window's row numbers fit windowBits bits.
	windowRows = 170 * blockRows
	windowBits = 12
	// orderTrees is the most trees whose leaves make the sort key, and
	// orderBits the most bits the key may take beside a row number.
	orderTrees = 3
	orderBits  = 64 - windowBits
)

// orderPlan is which trees make the sort key and how many bits each leaf
// takes: leaves are numbered by their offset from the tree's root.
type orderPlan struct {
	trees int
	bits  [orderTrees]uint8
}

// planOrder chooses the first trees, up to orderTrees, whose leaf offsets
// fit orderBits bits together.
func (s *scorer) planOrder() orderPlan {
	var o orderPlan
	total := 0
	for t := range min(orderTrees, len(s.roots)) {
		end := len(s.nodes)
		if t+1 < len(s.roots) {
			end = int(s.roots[t+1])
		}
		b := bits.Len(uint(end - int(s.roots[t]) - 1))
		if total+b > orderBits {
			break
		}
		o.bits[t] = uint8(b)
		o.trees++
		total += b
	}
	return o
}

// orderRows switches the ordering of batch windows on; benchmarks switch
// it off to measure what it is worth.
var orderRows = true

// windowBytes bounds the size of a window buffer: windows hold fewer rows
// when rows are wide.
const windowBytes = 4 << 20

// windowRowsFor returns the rows in a window of rows of p features: at most
// windowRows and windowBytes of keys, at least a block.
func windowRowsFor(p int) int {
	return max(blockRows, min(windowRows, windowBytes/(8*p)))
}

// orderWindow sets rows (len n, more than a block) to the numbers of the n
// rows of keys in win (p keys a row) in increasing order of their sort
// keys: the offsets of their leaves in the plan's trees, the first tree's
// in the highest bits. The rows walk the trees eight at a time in lock
// step, as in a batch; sk and tmp are buffers of at least n values. It
// returns the sorted keys, the r-th of rows[r], from which orderLeaves reads
// the leaves back, so that the batch need not walk those trees again.
func (s *scorer) orderWindow(win []uint64, p int, rows []int, sk, tmp []uint64) []uint64 {
	n := len(rows)
	sk = sk[:n]
	clear(sk)
	var g [lanes]*uint64
	var leaves [lanes]int32
	for r := 0; r < n; r += lanes {
		for q := range g {
			g[q] = &win[min(r+q, n-1)*p]
		}
		for t := range s.order.trees {
			root := s.roots[t]
			s.groupLeaves(root, &g, p, &leaves)
			for q := range min(lanes, n-r) {
				sk[r+q] = sk[r+q]<<s.order.bits[t] | uint64(leaves[q]-root)
			}
		}
	}
	for r := range sk {
		sk[r] = sk[r]<<windowBits | uint64(r)
	}
	sk = radixSort(sk, tmp, windowBits, s.order.keyBits())
	for r, v := range sk {
		rows[r] = int(v & (1<<windowBits - 1))
	}
	return sk
}

// orderLeaves writes to leaves[t] the leaf in tree t (t < the plan's trees)
// of the row whose sort key is key.
func (s *scorer) orderLeaves(key uint64, leaves *[orderTrees]int32) {
	key >>= windowBits
	for t := s.order.trees - 1; t >= 0; t-- {
		b := s.order.bits[t]
		leaves[t] = s.roots[t] + int32(key&(1<<b-1))
		key >>= b
	}
}

// keyBits is the number of bits of the plan's sort keys, row number
// included.
func (o orderPlan) keyBits() int {
	b := windowBits
	for _, v := range o.bits[:o.trees] {
		b += int(v)
	}
	return b
}

// radixDigit is the number of key bits a pass of radixSort sorts on.
const radixDigit = 11

// radixSort sorts keys stably in increasing order of their bits from..to−1,
// one radixDigit-bit digit a pass (least significant first), using tmp (at
// least len(keys)) as the other buffer; it returns the sorted slice, which
// is keys or tmp.
func radixSort(keys, tmp []uint64, from, to int) []uint64 {
	tmp = tmp[:len(keys)]
	var count [1 << radixDigit]int32
	for shift := from; shift < to; shift += radixDigit {
		clear(count[:])
		for _, k := range keys {
			count[k>>shift&(1<<radixDigit-1)]++
		}
		var sum int32
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, k := range keys {
			d := k >> shift & (1<<radixDigit - 1)
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}
