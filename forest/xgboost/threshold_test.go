package xgboost

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestThreshold32 checks float32(x) < c ⇔ x < threshold32(c) at the edges
// (the rounding midpoints, both tie directions, zeros, denormals, the
// largest float32 and infinities) and on random values.
func TestThreshold32(t *testing.T) {
	cs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1.5, 0.1, -0.1, 29, 1e-40, -1e-40,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), 16777216, 16777217, 3.4e38, 0.22, 0.5, 1 << 24}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		cs = append(cs, math.Float32frombits(rng.Uint32()))
	}
	for _, c := range cs {
		if c != c {
			continue
		}
		th := threshold32(c)
		prev := math.Nextafter32(c, float32(math.Inf(-1)))
		next := math.Nextafter32(c, float32(math.Inf(1)))
		xs := []float64{float64(c), float64(prev), float64(next), th, math.Nextafter(th, math.Inf(-1)),
			math.Nextafter(th, math.Inf(1)), (float64(prev) + float64(c)) / 2, (float64(c) + float64(next)) / 2,
			math.Inf(1), math.Inf(-1), 0, math.MaxFloat64, -math.MaxFloat64}
		for range 20 {
			xs = append(xs, th+(rng.Float64()-0.5)*math.Abs(th)*1e-6)
		}
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(th, 0) && math.IsInf(x, 0) && x == th {
				continue
			}
			want := float32(x) < c
			if !assert.Equal(t, want, x < th, "c=%v (%#x) x=%v threshold %v", c, math.Float32bits(c), x, th) {
				return
			}
		}
	}
}

// TestThresholdRecoversCondition checks the claim of Model.Trees: the
// float32 condition is the smallest float32 not below the threshold.
func TestThresholdRecoversCondition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		c := math.Float32frombits(rng.Uint32())
		if c != c || math.IsInf(float64(c), 0) {
			continue
		}
		th := threshold32(c)
		r := float32(th)
		if float64(r) < th {
			r = math.Nextafter32(r, float32(math.Inf(1)))
		}
		if r == 0 && c == 0 {
			continue // -0 and +0
		}
		assert.Equal(t, c, r, "c=%v threshold %v", c, th)
	}
}
