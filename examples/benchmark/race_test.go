//go:build race

package main

// raceEnabled is true under the race detector, whose instrumentation makes
// sync.Pool drop items at random: allocation counts are then meaningless.
const raceEnabled = true
