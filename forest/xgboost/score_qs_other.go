//go:build purego || !amd64

package xgboost

import "unsafe"

// qsAsm is false where there is no assembly.
var qsAsm = false

// walkQS is never called without assembly (qsAsm is false).
func walkQS(qs *uint32, ntrees int, x *float32, acc *float32, pf *pfRange) {
	panic("xgboost: walkQS without assembly")
}

// toBlock16 is never called without assembly (qsAsm is false).
func toBlock16(dst *float32, rows *unsafe.Pointer, nf int) uint16 {
	panic("xgboost: toBlock16 without assembly")
}

// sigmoid64 is never called without assembly (qsAsm is false).
func sigmoid64(acc *float32, out *float32) (slow uint64) {
	panic("xgboost: sigmoid64 without assembly")
}
