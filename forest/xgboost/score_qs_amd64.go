//go:build !purego

package xgboost

// qsAsm is whether the CPU runs walkQS (AVX-512 F and CD, enabled by the
// OS).
var qsAsm = hasAVX512()

// walkQS adds to acc[0..63] the leaf values, in float32 and tree order,
// that the 64 rows of the column-major block x (levelBlock rows, value f of
// row r at x[64f + r], no NaN) reach in the ntrees trees of the bit-vector
// layout qs (newQS).
//
//go:noescape
func walkQS(qs *uint32, ntrees int, x *float32, acc *float32)

// hasAVX512 reports whether the CPU and the OS support AVX-512 F and CD.
func hasAVX512() bool
