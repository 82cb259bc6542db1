//go:build race

package anomaly_test

// raceEnabled reports whether the race detector is on: the real-data test,
// which trains two forests on KDDTrain+, is skipped under it (CI runs it in
// the pass without -race).
const raceEnabled = true
