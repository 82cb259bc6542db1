//go:build !amd64 || purego

package iforest

// useAsm is false: the assembly kernels exist only for amd64, and the
// purego build tag leaves them out.
var useAsm = false

func packedAsm1(p *ptree, keys *[1][8]laneKeys, sums *[1][8]float64) { panic(noKernel) }
func packedAsm2(p *ptree, keys *[2][8]laneKeys, sums *[2][8]float64) { panic(noKernel) }
func packedAsm3(p *ptree, keys *[3][8]laneKeys, sums *[3][8]float64) { panic(noKernel) }

func packedRowAsm8(p *[8]ptree, keys *rowKeys, sum float64) float64   { panic(noKernel) }
func packedRowAsm16(p *[16]ptree, keys *rowKeys, sum float64) float64 { panic(noKernel) }

func fillKeys2(dst *uint64, src *float64, pairs int) bool { panic(noKernel) }

const noKernel = "iforest: no assembly kernel on this architecture"
