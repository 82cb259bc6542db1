package main

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
)

// plotModels returns three models whose score ranges differ as the real
// ones do: an Isolation Forest's narrow band around 0.5, a Random Forest's
// votes piled at 0 and 1.
func plotModels() ([]*ModelResult, []bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2000
	attack := make([]bool, n)
	models := []*ModelResult{{Name: "iforest", Threshold: 0.55, ROCAUC: 0.9}, {Name: "random_forest", Threshold: 0.5, ROCAUC: 0.99}, {Name: "hybrid", Threshold: 0.5, ROCAUC: 0.97}}
	for _, m := range models {
		m.scores = make([]float64, n)
	}
	for i := range n {
		attack[i] = i%3 == 0
		a := 0.0
		if attack[i] {
			a = 1
		}
		models[0].scores[i] = 0.35 + 0.25*a + 0.05*rng.NormFloat64()
		models[1].scores[i] = a
		if rng.IntN(20) == 0 {
			models[1].scores[i] = rng.Float64()
		}
		models[2].scores[i] = min(1, models[1].scores[i]+0.1*rng.Float64())
	}
	return models, attack
}

// TestHistogramAxes: every panel of hist.png has one y axis, a share from
// 0 to at most 1, with the same ticks, and x ticks labelled at round steps.
func TestHistogramAxes(t *testing.T) {
	models, attack := plotModels()
	plots, err := histogramPlots(models, attack)
	require.NoError(t, err)
	var panels []*plot.Plot
	for _, row := range plots {
		for _, p := range row {
			if p.Title.Text != "" {
				panels = append(panels, p)
			}
		}
	}
	require.Len(t, panels, 3)
	first := panels[0].Y.Tick.Marker.Ticks(panels[0].Y.Min, panels[0].Y.Max)
	for _, p := range panels {
		assert.Zero(t, p.Y.Min)
		assert.LessOrEqual(t, p.Y.Max, 1.0, "a share never exceeds 1")
		assert.Equal(t, panels[0].Y.Max, p.Y.Max, "one y axis for every panel")
		assert.Equal(t, first, p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max), "the same y ticks")
		for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
			assert.GreaterOrEqual(t, tk.Value, p.X.Min)
			assert.LessOrEqual(t, tk.Value, p.X.Max+1e-9)
		}
	}
}

func TestScoreAxis(t *testing.T) {
	for _, tc := range []struct {
		lo, hi     float64
		min, max   float64
		wantLabels []string
	}{
		{0.334, 0.697, 0.3, 0.7, []string{"0.3", "0.4", "0.5", "0.6", "0.7"}},
		{0, 1, 0, 1, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{0.011, 0.999, 0, 1, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
		{-3, 12, -5, 15, []string{"-5", "0", "5", "10", "15"}},
	} {
		min, max, ticks := scoreAxis(tc.lo, tc.hi)
		assert.InDelta(t, tc.min, min, 1e-9, "%v", tc)
		assert.InDelta(t, tc.max, max, 1e-9, "%v", tc)
		var labels []string
		for _, tk := range ticks.Ticks(min, max) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		assert.Equal(t, tc.wantLabels, labels, "%v", tc)
	}
}

// TestLowFPRPlot: the second ROC view has a log false-positive axis from
// 0.01 % to 100 %, with the budgets' region labelled.
func TestLowFPRPlot(t *testing.T) {
	models, attack := plotModels()
	p, err := lowFPRPlot(models, attack)
	require.NoError(t, err)
	assert.IsType(t, plot.LogScale{}, p.X.Scale)
	assert.Equal(t, 1e-4, p.X.Min)
	assert.Equal(t, 1.0, p.X.Max)
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0.01 %", "0.1 %", "1 %", "5 %", "10 %", "100 %"}, labels)
}

// TestImportanceRoom: the title clears the top bar (half a bar's gap
// above it) and the longest bar ends inside the frame.
func TestImportanceRoom(t *testing.T) {
	m := &ModelResult{Name: "iforest", Importance: &Ranking{Units: "path length", Rows: 10,
		ByColumn: []Importance{{"flag", 0.33}, {"service", 0.2}, {"count", 0.1}}}}
	p, _, err := importancePlot(m)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, p.Y.Max, 2+0.5, "room above the top bar (at y = 2)")
	assert.Greater(t, p.X.Max, 0.33)
	assert.Positive(t, p.Title.Padding)
}

// TestLogROC: segments are interpolated linearly in the false-positive
// rate, so that the log view shows the curve the linear one does.
func TestLogROC(t *testing.T) {
	fpr := []float64{0, 0.01, 0.01, 1}
	tpr := []float64{0, 0.5, 0.8, 1}
	x, y := logROC(fpr, tpr, 1e-4)
	require.Equal(t, len(x), len(y))
	assert.Equal(t, 1e-4, x[0])
	assert.InDelta(t, 0.005, y[0], 1e-12, "entering at lo on the segment (0,0)-(0.01,0.5)")
	for i := 1; i < len(x); i++ {
		assert.GreaterOrEqual(t, x[i], x[i-1])
		assert.GreaterOrEqual(t, y[i], y[i-1])
		if x[i] > 0.01 {
			assert.InDelta(t, 0.8+0.2*(x[i]-0.01)/0.99, y[i], 1e-12, "x %g", x[i])
		} else if x[i] < 0.01 {
			assert.InDelta(t, 50*x[i], y[i], 1e-12, "x %g", x[i])
		}
	}
	assert.Greater(t, len(x), 40, "two decades and more, every twentieth of one")
}
