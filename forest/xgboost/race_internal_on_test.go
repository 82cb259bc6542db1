//go:build race

package xgboost

// raceOn reports whether the race detector is on: under it sync.Pool drops
// items at random, so allocation counts of pooled paths are not checked.
const raceOn = true
