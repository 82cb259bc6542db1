//go:build !amd64

package forest

// useAsm is false: the assembly walk exists only for amd64.
var useAsm = false

func walkRows8(root *knode, keys *[lanes]uint64, leaves *[lanes]uintptr) {
	panic("forest: no assembly walk on this architecture")
}
