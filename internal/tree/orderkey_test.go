package tree

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOrderKey(t *testing.T) {
	edge := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64,
		math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 1, math.MaxFloat64, math.Inf(1)}
	rng := rand.New(rand.NewPCG(1, 2))
	vals := append([]float64(nil), edge...)
	for range 2000 {
		vals = append(vals, math.Float64frombits(rng.Uint64()&^(0x7ff<<52)|uint64(rng.IntN(0x7ff))<<52))
	}
	for _, x := range vals {
		for _, y := range vals {
			assert.Equal(t, x < y, OrderKey(x) < OrderKey(y), "%v < %v", x, y)
			assert.Equal(t, x == y, OrderKey(x) == OrderKey(y), "%v == %v", x, y)
		}
	}
}
