package xgboost

import "math"

// threshold32 returns the float64 threshold t such that, for every float64
// x, x < t exactly when float32(x) < c. XGBoost converts each input value to
// float32 and compares it with the float32 split condition c; the flat tree
// layout compares the float64 value directly, so the threshold must be the
// rounding boundary below c: the midpoint m between c and the float32 just
// below it. Round-half-to-even sends m itself to whichever neighbour has an
// even significand; when that is the lower one, float32(m) < c and m must
// go left too, so t is the next float64 above m.
func threshold32(c float32) float64 {
	if math.IsInf(float64(c), -1) {
		return math.Inf(-1) // nothing is below -Inf
	}
	if math.IsNaN(float64(c)) {
		return math.NaN()
	}
	prev := math.Nextafter32(c, float32(math.Inf(-1)))
	hi := float64(c)
	if math.IsInf(hi, 1) {
		hi = 0x1p128 // the float32 "after" MaxFloat32
	}
	lo := float64(prev)
	if math.IsInf(lo, -1) {
		lo = -0x1p128 // the float32 "before" -MaxFloat32
	}
	m := (lo + hi) / 2 // exact: 25 significant bits
	if math.Float32bits(prev)&1 == 0 {
		return math.Nextafter(m, math.Inf(1))
	}
	return m
}
