//go:build race

package iforest_test

// raceEnabled trims the slowest tests under the race detector.
const raceEnabled = true
