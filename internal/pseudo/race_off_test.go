//go:build !race

package pseudo

const raceEnabled = false
