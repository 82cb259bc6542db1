package anomaly_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

var (
	N, D, P, R, U = dataset.Normal, dataset.DoS, dataset.Probe, dataset.R2L, dataset.U2R
)

func TestReport(t *testing.T) {
	cats := []dataset.Category{N, N, N, N, N, N, N, N, D, D, D, P, R, R, U}
	scores := []float64{.1, .2, .3, .1, .2, .9, .1, .6, .9, .8, .4, .7, .3, .95, .2}
	novel := make([]bool, len(cats))
	novel[12], novel[13] = true, true // the two R2L rows
	r, err := anomaly.NewReport(scores, cats, 0.5, anomaly.ReportConfig{Novel: novel, Budget: 0.05})
	require.NoError(t, err)

	assert.Equal(t, 15, r.Rows)
	assert.Equal(t, 8, r.Benign)
	assert.Equal(t, 7, r.Attacks)
	assert.Equal(t, anomaly.Confusion{TP: 4, FP: 2, TN: 6, FN: 3}, r.Confusion)
	assert.InDelta(t, 10.0/15, r.Accuracy, 1e-12)
	assert.InDelta(t, 4.0/6, r.Precision, 1e-12)
	assert.InDelta(t, 4.0/7, r.Recall, 1e-12)
	assert.InDelta(t, 0.25, r.FalsePositiveRate, 1e-12)
	assert.InDelta(t, 2500, r.FalseAlarmsPer10k, 1e-9)
	attack := make([]bool, len(cats))
	for i, c := range cats {
		attack[i] = c != N
	}
	auc, err := anomaly.ROCAUC(scores, attack)
	require.NoError(t, err)
	assert.Equal(t, auc, r.ROCAUC)
	ap, err := anomaly.AveragePrecision(scores, attack)
	require.NoError(t, err)
	assert.Equal(t, ap, r.PRAUC)

	want := []anomaly.CategoryRate{
		{Category: "DoS", Rows: 3, Detected: 2, Rate: 2.0 / 3, MissCost: 2},
		{Category: "Probe", Rows: 1, Detected: 1, Rate: 1, MissCost: 1},
		{Category: "R2L", Rows: 2, Detected: 1, Rate: 0.5, MissCost: 4},
		{Category: "U2R", Rows: 1, Detected: 0, Rate: 0, MissCost: 3},
	}
	assert.Equal(t, want, r.Categories)
	require.NotNil(t, r.Novel)
	assert.Equal(t, anomaly.CategoryRate{Category: "novel", Rows: 2, Detected: 1, Rate: 0.5}, *r.Novel)
	// 2 false alarms × 1 + a missed DoS (2), R2L (4) and U2R (3) = 11 over 15 rows.
	assert.InDelta(t, 11.0/15*1e6, r.CostPerMillion, 1e-6)
	v, ok := r.Detection("novel")
	assert.True(t, ok)
	assert.Equal(t, 0.5, v)
	_, ok = r.Detection("worms")
	assert.False(t, ok)

	// Renderings.
	txt := r.String()
	assert.Contains(t, txt, "false alarms per 10k benign flows  2500.0 (budget 500.0)")
	assert.Contains(t, txt, "R2L       2     1         50.00 %         4")
	var md strings.Builder
	require.NoError(t, r.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "| U2R | 1 | 0 | 0.00 % | 3 |")
	assert.Contains(t, md.String(), "| novel | 2 | 1 | 50.00 % | – |")

	b, err := json.Marshal(r)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"threshold", "false_alarm_budget", "rows", "benign", "attacks", "confusion", "accuracy",
		"precision", "recall", "f1", "false_positive_rate", "false_alarms_per_10k", "roc_auc", "pr_auc",
		"categories", "novel", "false_alarm_cost", "cost_per_million"} {
		assert.Contains(t, m, k)
	}
	assert.Equal(t, map[string]any{"tp": 4.0, "fp": 2.0, "tn": 6.0, "fn": 3.0}, m["confusion"])
	assert.Equal(t, "DoS", m["categories"].([]any)[0].(map[string]any)["category"])
}

func TestReportOneClassAndCosts(t *testing.T) {
	r, err := anomaly.NewReport([]float64{0.1, 0.7}, []dataset.Category{N, N}, 0.5,
		anomaly.ReportConfig{Cost: anomaly.CostModel{FalseAlarm: 10}})
	require.NoError(t, err)
	assert.True(t, math.IsNaN(r.ROCAUC))
	assert.Empty(t, r.Categories)
	assert.Nil(t, r.Novel)
	assert.InDelta(t, 5e6, r.CostPerMillion, 1e-6)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"roc_auc":null`)
	assert.Contains(t, string(b), `"categories":[]`)
	assert.NotContains(t, string(b), "budget")
	assert.Contains(t, r.String(), "ROC AUC                            n/a")
}

func TestReportErrors(t *testing.T) {
	cats := []dataset.Category{N, D}
	tests := []struct {
		name   string
		scores []float64
		cats   []dataset.Category
		cfg    anomaly.ReportConfig
		want   error
	}{
		{"length", []float64{1}, cats, anomaly.ReportConfig{}, anomaly.ErrDimension},
		{"novel length", []float64{1, 2}, cats, anomaly.ReportConfig{Novel: []bool{true}}, anomaly.ErrDimension},
		{"empty", nil, nil, anomaly.ReportConfig{}, anomaly.ErrEmpty},
		{"nan", []float64{1, math.NaN()}, cats, anomaly.ReportConfig{}, anomaly.ErrNaN},
		{"nan budget", []float64{1, 2}, cats, anomaly.ReportConfig{Budget: math.NaN()}, anomaly.ErrNaN},
		{"nan cost", []float64{1, 2}, cats, anomaly.ReportConfig{Cost: anomaly.CostModel{FalseAlarm: math.Inf(1)}}, anomaly.ErrNaN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := anomaly.NewReport(tt.scores, tt.cats, 0.5, tt.cfg)
			assert.ErrorIs(t, err, tt.want)
		})
	}
	_, err := anomaly.NewReport([]float64{1, 2}, cats, 0.5, anomaly.ReportConfig{Budget: 2})
	assert.ErrorContains(t, err, "anomaly: report: budget 2 outside [0, 1]")
}

func TestWriteComparison(t *testing.T) {
	cats := []dataset.Category{N, N, D, R}
	var reports []*anomaly.Report
	for _, b := range []float64{0.01, 0.05} {
		r, err := anomaly.NewReport([]float64{0.1, 0.6, 0.7, 0.4}, cats, anomaly.Threshold(0.5-3*b), anomaly.ReportConfig{Budget: b, Novel: []bool{false, false, false, true}})
		require.NoError(t, err)
		reports = append(reports, r)
	}
	var sb strings.Builder
	require.NoError(t, anomaly.WriteComparison(&sb, []string{"1 %", "5 %"}, reports))
	assert.Equal(t, `| | budget | observed FPR | accuracy | precision | F1 | DoS | R2L | novel |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
| 1 % | 1.00 % | 50.00 % | 50.00 % | 50.00 % | 0.5000 | 100.00 % | 0.00 % | 0.00 % |
| 5 % | 5.00 % | 50.00 % | 75.00 % | 66.67 % | 0.8000 | 100.00 % | 100.00 % | 100.00 % |
`, sb.String())
	assert.ErrorIs(t, anomaly.WriteComparison(&sb, nil, reports), anomaly.ErrDimension)
}

func TestReportInfiniteThresholdJSON(t *testing.T) {
	th, _, err := anomaly.CostThreshold([]float64{2, 1}, []dataset.Category{N, P}, anomaly.CostModel{FalseAlarm: 10})
	require.NoError(t, err)
	require.True(t, math.IsInf(float64(th), 1), "flag nothing")
	r, err := anomaly.NewReport([]float64{1, 2}, []dataset.Category{N, P}, th, anomaly.ReportConfig{})
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"threshold":null`)
	assert.Contains(t, r.String(), "score >= +Inf")
}
