//go:build !race

package anomaly_test

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
