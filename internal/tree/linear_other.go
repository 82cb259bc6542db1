//go:build purego || !amd64

package tree

// useAVX2 is false where there is no assembly.
var useAVX2 = false

func linearAVX2(a *linArgs) { linearGo(a) }
