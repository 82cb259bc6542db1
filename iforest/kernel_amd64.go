//go:build !purego

package iforest

//go:generate go run ./internal/kernelgen -o kernel_amd64.s

// useAsm selects the assembly kernels for packed batches; tests switch it
// off to check the Go walk against them.
var useAsm = true

// packedAsm1, packedAsm2 and packedAsm3 add the path lengths in tree p of 8,
// 16 and 24 rows to their sums, as packedGroup does for each group of eight
// (kernel_amd64.s, written by internal/kernelgen). Walking more rows at once
// gives the CPU more independent loads to overlap: a batch of KDDTest+ takes
// about two thirds of the Go walk's time (BenchmarkPackedWalk).
//
//go:noescape
func packedAsm1(p *ptree, keys *[1][8]laneKeys, sums *[1][8]float64)

//go:noescape
func packedAsm2(p *ptree, keys *[2][8]laneKeys, sums *[2][8]float64)

//go:noescape
func packedAsm3(p *ptree, keys *[3][8]laneKeys, sums *[3][8]float64)

// packedRowAsm8 and packedRowAsm16 return sum plus the path lengths of one
// row in the 8 or 16 trees at p, added in tree order (packedPathSum's loop
// for that many trees; same results to the last bit).
//
//go:noescape
func packedRowAsm8(p *[8]ptree, keys *rowKeys, sum float64) float64

//go:noescape
func packedRowAsm16(p *[16]ptree, keys *rowKeys, sum float64) float64

// fillKeys2 writes rowKey(src[j]) to dst[j] for j < 2·pairs, two values per
// SSE2 instruction, and reports whether one of them is ±Inf or NaN
// (fill_amd64.s): fillKeysFinite's loop, which the Go compiler makes about
// nineteen instructions a value.
//
//go:noescape
func fillKeys2(dst *uint64, src *float64, pairs int) (nonFinite bool)
