//go:build !race

package golden

// raceEnabled reports whether the race detector is on: it changes how
// much an error path allocates, so allocation bounds are checked without it.
const raceEnabled = false
