//go:build race

package tree

// raceEnabled trims the slowest tests under the race detector.
const raceEnabled = true
