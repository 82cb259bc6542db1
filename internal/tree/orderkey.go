package tree

import "math"

// OrderKey maps a float64 that is not NaN to a uint64 in the same order, so
// that x < t exactly when OrderKey(x) < OrderKey(t); −0 and +0 map to the
// same key, as they compare equal. Scoring loops compare integer keys
// because an integer compare feeds a branch-free child selection more
// cheaply than a float compare. A non-negative value gets its sign bit set,
// a negative one all its bits flipped.
func OrderKey(v float64) uint64 {
	b := math.Float64bits(v + 0) // −0 + 0 = +0
	m := uint64(int64(b) >> 63)  // all ones for a negative v
	return b ^ (m | 1<<63)
}
