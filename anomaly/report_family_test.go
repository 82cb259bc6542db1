package anomaly_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// The report gives detection per attack family (UNSW-NB15, CIC-IDS2017…),
// not only per NSL-KDD category, in every rendering.
func TestReportPerFamily(t *testing.T) {
	scores := []float64{0.1, 0.9, 0.8, 0.2, 0.95, 0.3, 0.7, 0.05}
	cats := []dataset.Category{dataset.Normal, dataset.DoS, dataset.DoS, dataset.DoS, dataset.Unknown, dataset.Unknown, dataset.Probe, dataset.Normal}
	fams := []string{"BENIGN", "DoS Hulk", "DoS Hulk", "DoS slowloris", "Bot", "Bot", "PortScan", "BENIGN"}
	r, err := anomaly.NewReport(scores, cats, 0.5, anomaly.ReportConfig{Families: fams})
	require.NoError(t, err)
	assert.Equal(t, []anomaly.FamilyRate{
		{Family: "Bot", Category: "unknown", Rows: 2, Detected: 1, Rate: 0.5},
		{Family: "DoS Hulk", Category: "DoS", Rows: 2, Detected: 2, Rate: 1},
		{Family: "DoS slowloris", Category: "DoS", Rows: 1, Detected: 0, Rate: 0},
		{Family: "PortScan", Category: "Probe", Rows: 1, Detected: 1, Rate: 1},
	}, r.Families)
	rate, ok := r.FamilyDetection("DoS Hulk")
	assert.True(t, ok)
	assert.Equal(t, 1.0, rate)

	text := r.String()
	assert.Contains(t, text, "family")
	assert.Regexp(t, `DoS slowloris\s+DoS\s+1\s+0\s+0.00 %`, text)
	var md strings.Builder
	require.NoError(t, r.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "| Bot | unknown | 2 | 1 | 50.00 % |")
	j, err := json.Marshal(r)
	require.NoError(t, err)
	var back struct {
		Families []anomaly.FamilyRate `json:"families"`
	}
	require.NoError(t, json.Unmarshal(j, &back))
	assert.Equal(t, r.Families, back.Families)

	// Without families, nothing changes.
	r, err = anomaly.NewReport(scores, cats, 0.5, anomaly.ReportConfig{})
	require.NoError(t, err)
	assert.Nil(t, r.Families)
	assert.NotContains(t, r.String(), "family")
	j, err = json.Marshal(r)
	require.NoError(t, err)
	assert.NotContains(t, string(j), "families")

	_, err = anomaly.NewReport(scores, cats, 0.5, anomaly.ReportConfig{Families: fams[:3]})
	assert.ErrorIs(t, err, anomaly.ErrDimension)
}
