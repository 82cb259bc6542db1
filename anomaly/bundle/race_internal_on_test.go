//go:build race

package bundle

// raceInternal: under the race detector sync.Pool drops items on purpose, so
// allocation counts are not meaningful.
const raceInternal = true
