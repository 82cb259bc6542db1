//go:build !purego

package tree

// useAVX2 selects the assembly Linear TreeSHAP passes (linear_amd64.s),
// which need AVX2; tests switch it off to check the Go passes against them.
var useAVX2 = hasAVX2()

// hasAVX2 reports whether the CPU and the operating system support AVX2.
func hasAVX2() bool

// linearAVX2 is linearGo in assembly, four quadrature points per AVX2
// instruction: the Go passes spend about a dozen instructions per point and
// node, bounds checks and scalar arithmetic, which is where Linear TreeSHAP
// spends its time on deep trees.
//
//go:noescape
func linearAVX2(a *linArgs)
