//go:build purego || !amd64

package xgboost

// qsAsm is false where there is no assembly.
var qsAsm = false

// walkQS is never called without assembly (qsAsm is false).
func walkQS(qs *uint32, ntrees int, x *float32, acc *float32) {
	panic("xgboost: walkQS without assembly")
}
