//go:build !amd64 || purego

package forest

// useAsm is false: the assembly walk exists only for amd64, and the purego
// build tag leaves it out.
var useAsm = false

func walkRows8(root *knode, rows *[lanes]*uint64, leaves *[lanes]uintptr) {
	panic("forest: no assembly walk on this architecture")
}

func keys2(dst *uint64, src *float64, pairs, stride int) bool {
	panic("forest: no assembly walk on this architecture")
}

func walkRows8Sum(root *knode, rows *[lanes]*uint64, sums *[lanes]float64, sval uintptr) {
	panic("forest: no assembly walk on this architecture")
}

func walkRows8Proba2(root *knode, rows *[lanes]*uint64, sums *[2 * lanes]float64, pair uintptr) {
	panic("forest: no assembly walk on this architecture")
}
