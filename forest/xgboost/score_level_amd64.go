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
