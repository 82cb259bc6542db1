//go:build purego || !amd64

package xgboost

import "unsafe"

// levelAsm is false where there is no assembly.
var levelAsm = false

func walkCols8(nodes *lnode, x *float32, depth int, leaves *float32, off uintptr, acc *float32) {
	walkCols8Go(unsafe.Pointer(nodes), unsafe.Pointer(x), depth, leaves, off, acc)
}
