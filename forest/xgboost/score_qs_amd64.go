//go:build !purego

package xgboost

import "unsafe"

// qsAsm is whether the CPU runs walkQS (AVX-512 F and CD, enabled by the
// OS).
var qsAsm = hasAVX512()

// walkQS adds to acc[0..63] the leaf values, in float32 and tree order,
// that the 64 rows of the column-major block x (levelBlock rows, value f of
// row r at x[64f + r], no NaN) reach in the ntrees trees of the bit-vector
// layout qs (newQS). Before each tree it asks for the next pf.lines cache
// lines of [pf.next, pf.end) in the L2 cache, without waiting for them.
//
//go:noescape
func walkQS(qs *uint32, ntrees int, x *float32, acc *float32, pf *pfRange)

// hasAVX512 reports whether the CPU and the OS support AVX-512 F and CD.
func hasAVX512() bool

// toBlock16 converts to float32 the first nf values of the 16 rows whose
// pointers are rows[0..15] (nf·8 bytes readable at each) into 16 lanes of
// a column-major block at dst (value f of row r at dst[64f + r]), nf
// rounded up to a multiple of 8 columns written (zeros past nf), rounding
// to nearest even as float32(v) does, and returns the rows with a NaN
// among them, bit r for row r.
//
//go:noescape
func toBlock16(dst *float32, rows *unsafe.Pointer, nf int) uint16

// sigmoid64 writes into out[0..63] sigmoid of the margins acc[0..63], bit
// for bit, and returns the lanes it leaves to the caller (bit j for lane
// j): a NaN margin, or one whose exp lies within 2^-40 of a float32
// rounding boundary, where its own exp (correct to about 2^-47) cannot
// tell which way math.Exp's rounds: 12,410 of the 2.2 billion float32
// margins of magnitude up to 110 (TestSigmoid64 with XGBOOST_SIGMOID_ALL).
//
//go:noescape
func sigmoid64(acc *float32, out *float32) (slow uint64)
