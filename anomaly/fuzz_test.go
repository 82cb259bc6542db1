package anomaly_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// FuzzMetrics feeds arbitrary scores and labels (3 bytes a row: a 16-bit
// score, a label byte; a 0xFF score byte pair is NaN) to the metrics and
// thresholds: none may panic, and whenever ROCAUC succeeds it must equal
// the Mann-Whitney definition computed pair by pair.
func FuzzMetrics(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 1, 0, 0, 2, 1})
	f.Add([]byte{0, 5, 0, 0, 5, 1, 0, 5, 0, 0, 5, 1})
	f.Add([]byte{0xff, 0xff, 1, 0, 0, 0})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Fuzz(checkMetrics)
}

func checkMetrics(t *testing.T, data []byte) {
	n := len(data) / 3
	if n > 512 {
		n = 512
	}
	scores := make([]float64, n)
	attack := make([]bool, n)
	cats := make([]dataset.Category, n)
	for i := range n {
		v := binary.LittleEndian.Uint16(data[3*i:])
		scores[i] = float64(v % 64) // few distinct values: many ties
		if v == 0xffff {
			scores[i] = math.NaN()
		}
		attack[i] = data[3*i+2]&1 == 1
		cats[i] = dataset.Category(data[3*i+2] % 6)
	}
	auc, err := anomaly.ROCAUC(scores, attack)
	if err == nil {
		var u float64
		var pairs int
		for i := range scores {
			for j := range scores {
				if attack[i] && !attack[j] {
					pairs++
					if scores[i] > scores[j] {
						u++
					} else if scores[i] == scores[j] {
						u += 0.5
					}
				}
			}
		}
		if d := math.Abs(auc - u/float64(pairs)); d > 1e-12 {
			t.Fatalf("roc auc %v, Mann-Whitney %v", auc, u/float64(pairs))
		}
	}
	if ap, err := anomaly.AveragePrecision(scores, attack); err == nil && (ap < 0 || ap > 1+1e-12) {
		t.Fatalf("average precision %v outside [0, 1]", ap)
	}
	_, _, _, _ = anomaly.ROCCurve(scores, attack)
	_, _, _, _ = anomaly.PRCurve(scores, attack)
	_, _ = anomaly.NewConfusion(scores, attack, 10)
	rate := float64(len(data)%11) / 10
	_, _ = anomaly.FPRThreshold(scores, rate)
	_, _ = anomaly.ContaminationThreshold(scores, rate)
	_, _, _ = anomaly.CostThreshold(scores, cats, anomaly.CostModel{})
	if r, err := anomaly.NewReport(scores, cats, 10, anomaly.ReportConfig{Novel: attack}); err == nil {
		_ = r.String()
		if _, err := r.MarshalJSON(); err != nil {
			t.Fatal(err)
		}
	}
	cls := make([]float64, n)
	for i := range cls {
		cls[i] = float64(data[3*i+2]) / 255
	}
	_, _ = anomaly.CalibrateScores(linearClassifier{}, radialNovelty{}, cls, scores, anomaly.HybridConfig{Budget: rate / 2})
}
