package anomaly_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/forest"
)

// A classifier that scores every row alike (a forest with nothing to split
// on, as one trained on a single class) is refused by calibration.
func TestCalibrateRefusesConstantClassifier(t *testing.T) {
	flat := mat.NewDense(8, 2, nil)
	rf, err := forest.Fit(context.Background(), flat, []int{0, 0, 0, 0, 1, 1, 1, 1}, forest.Config{Trees: 3, Seed: 1})
	require.NoError(t, err)
	require.True(t, rf.Constant())
	benign := mat.NewDense(20, 2, nil)
	for i := range 20 {
		benign.Set(i, 0, float64(i)/10)
	}
	_, err = anomaly.Calibrate(context.Background(), rf, radialNovelty{}, benign, anomaly.HybridConfig{Budget: 0.1})
	require.Error(t, err)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	assert.Contains(t, err.Error(), "scores every row alike")
	cls, nov := make([]float64, 20), make([]float64, 20)
	_, err = anomaly.CalibrateScores(rf, radialNovelty{}, cls, nov, anomaly.HybridConfig{Budget: 0.1})
	assert.ErrorIs(t, err, anomaly.ErrDimension)

	// A forest that splits calibrates.
	x := mat.NewDense(8, 2, []float64{0, 0, 1, 0, 0, 1, 1, 1, 5, 5, 6, 5, 5, 6, 6, 6})
	rf, err = forest.Fit(context.Background(), x, []int{0, 0, 0, 0, 1, 1, 1, 1}, forest.Config{Trees: 3, Seed: 1})
	require.NoError(t, err)
	_, err = anomaly.Calibrate(context.Background(), rf, radialNovelty{}, benign, anomaly.HybridConfig{Budget: 0.1})
	assert.NoError(t, err)
}
