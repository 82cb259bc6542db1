//go:build !purego

package forest

// useAsm selects the assembly walk for batches; tests switch it off to check
// the Go walk against it.
var useAsm = true

// walkRows8 walks the tree whose root is at root for the eight rows whose
// keys rows points to (a row's key of feature j is its j-th) in lock step,
// as leavesRows8 does, and stores the addresses of the eight leaves in
// leaves. It is written in assembly because the Go compiler spills the eight
// walks' state to the stack and bounds-checks every load: nine
// instructions a step (a CMP and a CMOV pick the child) instead of about
// twenty.
//
//go:noescape
func walkRows8(root *knode, rows *[lanes]*uint64, leaves *[lanes]uintptr)

// keys2 writes tree.OrderKey(src[j]) to dst[j·stride] for j < 2·pairs, two
// values per SSE2 instruction, and reports whether one of them is NaN
// (fill_amd64.s). Turning rows into keys was the largest cost of a batch
// after the walk, at about a dozen Go instructions a value.
//
//go:noescape
func keys2(dst *uint64, src *float64, pairs, stride int) (nan bool)

// walkRows8Sum is walkRows8 that adds each row's leaf value to its sum
// instead of returning the leaf: sval is the address of the leaf values
// minus half the address of the nodes (a node is 16 bytes, a value 8).
//
//go:noescape
func walkRows8Sum(root *knode, rows *[lanes]*uint64, sums *[lanes]float64, sval uintptr)

// walkRows8Proba2 is walkRows8 for a two-class forest that adds each row's
// leaf distribution to its pair of sums (sums[2·lane], sums[2·lane+1])
// instead of returning the leaf: pair is the address of the nodes' pairs of
// probabilities minus the address of the nodes (both are 16 bytes a node).
//
//go:noescape
func walkRows8Proba2(root *knode, rows *[lanes]*uint64, sums *[2 * lanes]float64, pair uintptr)
