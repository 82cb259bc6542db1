//go:build !race

package forest_test

// raceEnabled reports whether the race detector is on; the slow real-data
// quality test is skipped under it (CI runs it in the non-race pass).
const raceEnabled = false
