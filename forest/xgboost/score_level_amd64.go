//go:build !purego

package xgboost

// levelAsm selects the assembly batch walk (score_level_amd64.s); tests
// switch it off to check the Go walk against it.
var levelAsm = true

// walkCols8 walks the tree whose nodes start at nodes, depth levels deep,
// for the eight rows of a column-major block whose first value (feature 0)
// is at x, the rows 4 bytes apart and the features levelBlock·4 bytes
// apart, and adds each row's leaf value (leaves[i − off] for the heap index i
// it reaches) to acc[0..7] in float32. It is written
// in assembly because the Go compiler keeps eight row pointers and spills
// the eight indices to the stack: here a step is seven instructions, and
// the eight walks stay in registers.
//
//go:noescape
func walkCols8(nodes *lnode, x *float32, depth int, leaves *float32, off uintptr, acc *float32)

// walkRow8 walks groups groups of eight interleaved trees (levels.inodes,
// levels.ileaves: slot i of tree k of a group at 8i + k, leaf j at 8j + k),
// depth levels deep, for the one float32 row at x, and returns a plus the
// eight trees' leaf values of each group in tree order, added one by one
// in float32 as the Go walk adds them. The interleaving lets one base
// register and eight index registers hold the eight walks, where the Go
// compiler spills them.
//
//go:noescape
func walkRow8(nodes *lnode, x *float32, depth, groups int, leaves *float32, a float32) float32

// toFloat32s converts the n values at x into dst, rounding to nearest even
// as float32(v) does, two at a time, and reports whether one is NaN.
//
//go:noescape
func toFloat32s(dst *float32, x *float64, n int) (nan bool)
