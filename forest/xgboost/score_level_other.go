//go:build purego || !amd64

package xgboost

import "unsafe"

// levelAsm is false where there is no assembly.
var levelAsm = false

func walkCols8(nodes *lnode, x *float32, depth int, leaves *float32, off uintptr, acc *float32) {
	walkCols8Go(unsafe.Pointer(nodes), unsafe.Pointer(x), depth, leaves, off, acc)
}

// walkRow8 is never called without assembly (levelAsm is false).
func walkRow8(nodes *lnode, x *float32, depth, groups int, leaves *float32, a float32) float32 {
	panic("xgboost: walkRow8 without assembly")
}

// toFloat32s is never called without assembly (levelAsm is false).
func toFloat32s(dst *float32, x *float64, n int) (nan bool) {
	panic("xgboost: toFloat32s without assembly")
}
