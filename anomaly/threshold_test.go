package anomaly_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

func countFlagged(t anomaly.Threshold, scores []float64) int {
	n := 0
	for _, s := range scores {
		if t.Decide(s) {
			n++
		}
	}
	return n
}

func TestFPRThreshold(t *testing.T) {
	up := func(v float64) float64 { return math.Nextafter(v, math.Inf(1)) }
	tests := []struct {
		name    string
		benign  []float64
		target  float64
		want    float64
		flagged int
	}{
		{"ten distinct, 10 %", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.1, 10, 1},
		{"ten distinct, 25 %", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.25, 9, 2},
		{"ten distinct, 0 %", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, up(10), 0},
		{"ten distinct, 100 %", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 1, 1, 10},
		{"order does not matter", []float64{7, 3, 10, 1, 5, 9, 2, 8, 4, 6}, 0.2, 9, 2},
		// 20 % allows 2 alerts, but 9 is shared by three rows: all stay below.
		{"tie straddles the cut-off", []float64{1, 2, 3, 4, 5, 6, 7, 9, 9, 9}, 0.2, up(9), 0},
		{"tie just above the cut-off", []float64{1, 2, 3, 4, 5, 6, 7, 8, 10, 10}, 0.2, 10, 2},
		{"all equal", []float64{4, 4, 4, 4}, 0.5, up(4), 0},
		{"rounding of target·n", make100(), 0.29, 71, 29},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, err := anomaly.FPRThreshold(tt.benign, tt.target)
			require.NoError(t, err)
			assert.Equal(t, tt.want, float64(th))
			n := countFlagged(th, tt.benign)
			assert.Equal(t, tt.flagged, n)
			assert.LessOrEqual(t, float64(n), tt.target*float64(len(tt.benign))+1e-9)
		})
	}
}

func make100() []float64 {
	s := make([]float64, 100)
	for i := range s {
		s[i] = float64(i)
	}
	return s
}

// TestFPRThresholdHoldsOnFreshData: calibrated on n benign scores, the
// threshold's rate on fresh scores from the same distribution is near the
// target (the expected rate is ⌊target·n⌋/(n+1) for continuous scores).
func TestFPRThresholdHoldsOnFreshData(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		cal := make([]float64, 5000)
		for i := range cal {
			cal[i] = rng.NormFloat64()
		}
		for _, target := range []float64{0.01, 0.05} {
			th, err := anomaly.FPRThreshold(cal, target)
			require.NoError(t, err)
			fresh := 100000
			n := 0
			for range fresh {
				if th.Decide(rng.NormFloat64()) {
					n++
				}
			}
			rate := float64(n) / float64(fresh)
			// Sampling error of the calibration quantile: sd ≈ sqrt(p(1-p)/5000).
			sd := math.Sqrt(target * (1 - target) / 5000)
			assert.InDelta(t, target, rate, 4*sd+4*math.Sqrt(target/float64(fresh)), "seed %d target %v", seed, target)
		}
	}
}

func TestThresholdErrors(t *testing.T) {
	_, err := anomaly.FPRThreshold(nil, 0.1)
	assert.ErrorIs(t, err, anomaly.ErrEmpty)
	_, err = anomaly.FPRThreshold([]float64{1, math.NaN()}, 0.1)
	assert.ErrorIs(t, err, anomaly.ErrNaN)
	_, err = anomaly.FPRThreshold([]float64{1}, math.NaN())
	assert.ErrorIs(t, err, anomaly.ErrNaN)
	_, err = anomaly.FPRThreshold([]float64{1}, 1.5)
	assert.ErrorContains(t, err, "anomaly: fpr threshold: target 1.5 outside [0, 1]")
	_, err = anomaly.ContaminationThreshold(nil, 0.1)
	assert.ErrorIs(t, err, anomaly.ErrEmpty)
	_, err = anomaly.ContaminationThreshold([]float64{1}, -0.1)
	assert.Error(t, err)
	_, err = anomaly.ContaminationThreshold([]float64{math.Inf(-1)}, 0.1)
	assert.ErrorIs(t, err, anomaly.ErrNaN)
	_, _, err = anomaly.CostThreshold([]float64{1}, nil, anomaly.CostModel{})
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	_, _, err = anomaly.CostThreshold(nil, nil, anomaly.CostModel{})
	assert.ErrorIs(t, err, anomaly.ErrEmpty)
	_, _, err = anomaly.CostThreshold([]float64{1}, []dataset.Category{dataset.DoS}, anomaly.CostModel{FalseAlarm: -1})
	assert.ErrorContains(t, err, "negative")
	_, _, err = anomaly.CostThreshold([]float64{1}, []dataset.Category{dataset.DoS},
		anomaly.CostModel{Miss: map[dataset.Category]float64{dataset.DoS: math.NaN()}})
	assert.ErrorIs(t, err, anomaly.ErrNaN)
}

func TestContaminationEdges(t *testing.T) {
	s := []float64{5, 1, 3, 2, 4}
	th, err := anomaly.ContaminationThreshold(s, 0)
	require.NoError(t, err)
	assert.Equal(t, 0, countFlagged(th, s))
	th, err = anomaly.ContaminationThreshold(s, 1)
	require.NoError(t, err)
	// numpy.percentile(-s, 100) is the maximum of -s; nothing is below it.
	assert.Equal(t, 4, countFlagged(th, s))
	th, err = anomaly.ContaminationThreshold([]float64{7}, 0.3)
	require.NoError(t, err)
	assert.Equal(t, 0, countFlagged(th, []float64{7}))
}

func TestCostModelDefaults(t *testing.T) {
	var m anomaly.CostModel
	assert.Equal(t, 1.0, m.FalseAlarmCost())
	want := map[dataset.Category]float64{dataset.Normal: 0, dataset.Probe: 1, dataset.DoS: 2, dataset.U2R: 3, dataset.R2L: 4, dataset.Unknown: 4}
	for c, v := range want {
		assert.Equal(t, v, m.MissCost(c), c.String())
	}
	m = anomaly.CostModel{FalseAlarm: 3, Miss: map[dataset.Category]float64{dataset.DoS: 0}}
	assert.Equal(t, 3.0, m.FalseAlarmCost())
	assert.Equal(t, 0.0, m.MissCost(dataset.DoS), "an explicit zero is kept")
	assert.Equal(t, 4.0, m.MissCost(dataset.R2L))
}

// TestCostThresholdIsOptimal compares the sweep with a brute-force search
// over every candidate threshold.
func TestCostThresholdIsOptimal(t *testing.T) {
	cats := []dataset.Category{dataset.Normal, dataset.DoS, dataset.Probe, dataset.R2L, dataset.U2R}
	for seed := uint64(0); seed < 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 5 + rng.IntN(60)
		scores := make([]float64, n)
		cat := make([]dataset.Category, n)
		for i := range scores {
			cat[i] = cats[rng.IntN(len(cats))]
			scores[i] = float64(rng.IntN(8))
			if cat[i] != dataset.Normal {
				scores[i] += float64(rng.IntN(4))
			}
		}
		m := anomaly.CostModel{FalseAlarm: 0.5 + rng.Float64()*3}
		th, perRow, err := anomaly.CostThreshold(scores, cat, m)
		require.NoError(t, err)
		cost := func(th float64) float64 {
			var c float64
			for i, s := range scores {
				flag := s >= th
				if flag && cat[i] == dataset.Normal {
					c += m.FalseAlarmCost()
				}
				if !flag && cat[i] != dataset.Normal {
					c += m.MissCost(cat[i])
				}
			}
			return c
		}
		best := cost(math.Inf(1))
		for _, s := range scores {
			best = math.Min(best, cost(s))
		}
		assert.InDelta(t, best, cost(float64(th)), 1e-9, "seed %d", seed)
		assert.InDelta(t, best/float64(n), perRow, 1e-9, "seed %d", seed)
	}
	// Cheap false alarms, expensive misses: flag everything from the lowest attack.
	th, _, err := anomaly.CostThreshold([]float64{1, 2, 3}, []dataset.Category{dataset.Normal, dataset.R2L, dataset.Normal},
		anomaly.CostModel{FalseAlarm: 0.1})
	require.NoError(t, err)
	assert.Equal(t, anomaly.Threshold(2), th)
	// Expensive false alarms: flag nothing.
	th, _, err = anomaly.CostThreshold([]float64{1, 2, 3}, []dataset.Category{dataset.Normal, dataset.Probe, dataset.Normal},
		anomaly.CostModel{FalseAlarm: 10})
	require.NoError(t, err)
	assert.True(t, math.IsInf(float64(th), 1))
}
