package anomaly_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
)

type sklearnCase struct {
	Name             string    `json:"name"`
	Y                []int     `json:"y"`
	Scores           []float64 `json:"scores"`
	ROCAUC           float64   `json:"roc_auc"`
	AveragePrecision float64   `json:"average_precision"`
	Contamination    []struct {
		Rate      float64 `json:"rate"`
		Threshold float64 `json:"threshold"`
		Flagged   int     `json:"flagged"`
	} `json:"contamination"`
	ROCFPR        []float64 `json:"roc_fpr"`
	ROCTPR        []float64 `json:"roc_tpr"`
	ROCThresholds []float64 `json:"roc_thresholds"`
	PRPrecision   []float64 `json:"pr_precision"`
	PRRecall      []float64 `json:"pr_recall"`
	PRThresholds  []float64 `json:"pr_thresholds"`
}

func loadSklearnCases(t *testing.T) []sklearnCase {
	t.Helper()
	b, err := os.ReadFile("testdata/metrics_sklearn.json")
	require.NoError(t, err, "regenerate with /usr/bin/python3 anomaly/testdata/make_metric_fixtures.py anomaly/testdata/metrics_sklearn.json")
	var f struct {
		Sklearn string        `json:"sklearn"`
		Cases   []sklearnCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Cases)
	return f.Cases
}

func boolLabels(y []int) []bool {
	out := make([]bool, len(y))
	for i, v := range y {
		out[i] = v == 1
	}
	return out
}

// TestMetricsMatchSklearn checks ROC AUC, average precision, both curves
// and the contamination threshold against scikit-learn's own answers on
// inputs full of ties (testdata/make_metric_fixtures.py).
func TestMetricsMatchSklearn(t *testing.T) {
	const tol = 1e-9
	for _, c := range loadSklearnCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			attack := boolLabels(c.Y)
			auc, err := anomaly.ROCAUC(c.Scores, attack)
			require.NoError(t, err)
			assert.InDelta(t, c.ROCAUC, auc, tol, "roc auc")
			ap, err := anomaly.AveragePrecision(c.Scores, attack)
			require.NoError(t, err)
			assert.InDelta(t, c.AveragePrecision, ap, tol, "average precision")

			for _, k := range c.Contamination {
				th, err := anomaly.ContaminationThreshold(c.Scores, k.Rate)
				require.NoError(t, err)
				assert.Equal(t, math.Nextafter(k.Threshold, math.Inf(1)), float64(th), "rate %v", k.Rate)
				n := 0
				for _, s := range c.Scores {
					if th.Decide(s) {
						n++
					}
				}
				assert.Equal(t, k.Flagged, n, "rows flagged at contamination %v", k.Rate)
			}

			if c.ROCFPR == nil {
				return
			}
			fpr, tpr, th, err := anomaly.ROCCurve(c.Scores, attack)
			require.NoError(t, err)
			require.Len(t, fpr, len(c.ROCFPR))
			assert.True(t, math.IsInf(th[0], 1))
			assert.InDeltaSlice(t, c.ROCFPR, fpr, tol)
			assert.InDeltaSlice(t, c.ROCTPR, tpr, tol)
			assert.Equal(t, c.ROCThresholds, th[1:])

			p, r, pth, err := anomaly.PRCurve(c.Scores, attack)
			require.NoError(t, err)
			require.Len(t, p, len(c.PRPrecision))
			assert.InDeltaSlice(t, c.PRPrecision, p, tol)
			assert.InDeltaSlice(t, c.PRRecall, r, tol)
			assert.Equal(t, c.PRThresholds, pth)
		})
	}
}

func TestMetricErrors(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		scores []float64
		attack []bool
		auc    error // nil: defined
		ap     error
	}{
		{"empty", nil, nil, anomaly.ErrEmpty, anomaly.ErrEmpty},
		{"length mismatch", []float64{1, 2}, []bool{true}, anomaly.ErrDimension, anomaly.ErrDimension},
		{"nan score", []float64{1, nan}, []bool{true, false}, anomaly.ErrNaN, anomaly.ErrNaN},
		{"inf score", []float64{math.Inf(1), 0}, []bool{true, false}, anomaly.ErrNaN, anomaly.ErrNaN},
		{"only attacks", []float64{1, 2}, []bool{true, true}, anomaly.ErrEmpty, nil},
		{"only benign", []float64{1, 2}, []bool{false, false}, anomaly.ErrEmpty, anomaly.ErrEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := anomaly.ROCAUC(tt.scores, tt.attack)
			checkErr(t, tt.auc, err)
			_, _, _, err = anomaly.ROCCurve(tt.scores, tt.attack)
			checkErr(t, tt.auc, err)
			_, err = anomaly.AveragePrecision(tt.scores, tt.attack)
			checkErr(t, tt.ap, err)
			_, _, _, err = anomaly.PRCurve(tt.scores, tt.attack)
			checkErr(t, tt.ap, err)
		})
	}
}

func checkErr(t *testing.T, want, got error) {
	t.Helper()
	if want == nil {
		assert.NoError(t, got)
		return
	}
	assert.ErrorIs(t, got, want)
	if got != nil {
		assert.Regexp(t, `^anomaly: `, got.Error())
	}
}

func TestConfusion(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.7, 0.4, 0.3, 0.1}
	attack := []bool{true, false, true, true, false, false}
	c, err := anomaly.NewConfusion(scores, attack, 0.5)
	require.NoError(t, err)
	assert.Equal(t, anomaly.Confusion{TP: 2, FP: 1, TN: 2, FN: 1}, c)
	assert.Equal(t, 6, c.Total())
	assert.InDelta(t, 4.0/6, c.Accuracy(), 1e-15)
	assert.InDelta(t, 2.0/3, c.Precision(), 1e-15)
	assert.InDelta(t, 2.0/3, c.Recall(), 1e-15)
	assert.InDelta(t, 1.0/3, c.FalsePositiveRate(), 1e-15)
	assert.InDelta(t, 2.0/3, c.F1(), 1e-15)

	// A score equal to the threshold is an attack.
	c, err = anomaly.NewConfusion([]float64{0.5}, []bool{false}, 0.5)
	require.NoError(t, err)
	assert.Equal(t, 1, c.FP)

	var zero anomaly.Confusion
	assert.Zero(t, zero.Precision())
	assert.Zero(t, zero.F1())

	_, err = anomaly.ConfusionOf([]bool{true}, nil)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	_, err = anomaly.ConfusionOf(nil, nil)
	assert.ErrorIs(t, err, anomaly.ErrEmpty)
	c, err = anomaly.ConfusionOf([]bool{true, true, false}, []bool{true, false, false})
	require.NoError(t, err)
	assert.Equal(t, anomaly.Confusion{TP: 1, FP: 1, TN: 1}, c)
}

func TestAccuracyAndClassRecall(t *testing.T) {
	pred := []int{0, 1, 2, 2, 1, 0, 7}
	truth := []int{0, 1, 2, 1, 1, 2, 0}
	acc, err := anomaly.Accuracy(pred, truth)
	require.NoError(t, err)
	assert.InDelta(t, 4.0/7, acc, 1e-15)

	rec, err := anomaly.ClassRecall(pred, truth, 4)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, rec[0], 1e-15)
	assert.InDelta(t, 2.0/3, rec[1], 1e-15)
	assert.InDelta(t, 0.5, rec[2], 1e-15)
	assert.True(t, math.IsNaN(rec[3]), "a class without rows has no recall")

	_, err = anomaly.ClassRecall(pred, truth, 2)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	_, err = anomaly.ClassRecall(pred, truth[:2], 4)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
	_, err = anomaly.ClassRecall(nil, nil, 4)
	assert.ErrorIs(t, err, anomaly.ErrEmpty)
	_, err = anomaly.Accuracy(nil, nil)
	assert.ErrorIs(t, err, anomaly.ErrEmpty)
	_, err = anomaly.Accuracy([]int{1}, nil)
	assert.ErrorIs(t, err, anomaly.ErrDimension)
}

// TestROCAUCIsMannWhitney checks the trapezoidal area against the
// definition it must equal: the fraction of attack/benign pairs ordered
// correctly, ties counting one half.
func TestROCAUCIsMannWhitney(t *testing.T) {
	scores := []float64{3, 1, 2, 2, 5, 1, 3, 3, 0, 4}
	attack := []bool{true, false, true, false, true, true, false, true, false, false}
	var u float64
	var pairs int
	for i := range scores {
		for j := range scores {
			if !attack[i] || attack[j] {
				continue
			}
			pairs++
			switch {
			case scores[i] > scores[j]:
				u++
			case scores[i] == scores[j]:
				u += 0.5
			}
		}
	}
	auc, err := anomaly.ROCAUC(scores, attack)
	require.NoError(t, err)
	assert.InDelta(t, u/float64(pairs), auc, 1e-15)
}
