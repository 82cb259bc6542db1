//go:build race

package pseudo

// The race detector makes sync.Pool drop items, so pooled paths allocate.
const raceEnabled = true
