//go:build race

package xgboost_test

// raceEnabled trims the slowest tests under the race detector.
const raceEnabled = true
