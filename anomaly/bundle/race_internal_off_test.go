//go:build !race

package bundle

const raceInternal = false
