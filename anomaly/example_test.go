package anomaly_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// meanDetector is a stand-in for a fitted model: the score of a row is the
// mean of its values.
type meanDetector struct{ n int }

func (d meanDetector) NumFeatures() int { return d.n }

func (d meanDetector) Score(x []float64) (float64, error) {
	if len(x) != d.n {
		return 0, fmt.Errorf("mean: row of %d values, want %d: %w", len(x), d.n, anomaly.ErrDimension)
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(d.n), nil
}

func ExampleScoreBatch() {
	X := mat.NewDense(3, 2, []float64{
		0.1, 0.3,
		0.9, 0.7,
		0.4, 0.4,
	})
	scores := make([]float64, 3)
	if err := anomaly.ScoreBatch(context.Background(), meanDetector{2}, X, scores, 0); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(scores)

	bad := mat.NewDense(1, 3, nil)
	fmt.Println(anomaly.ScoreBatch(context.Background(), meanDetector{2}, bad, make([]float64, 1), 0))
	// Output:
	// [0.2 0.8 0.4]
	// anomaly: score batch: matrix has 3 columns, detector takes 2: netwarden: wrong dimension
}

// The figures equal scikit-learn's roc_auc_score and average_precision_score.
func ExampleROCAUC() {
	scores := []float64{0.9, 0.8, 0.8, 0.4, 0.3, 0.1}
	attack := []bool{true, true, false, true, false, false}
	auc, _ := anomaly.ROCAUC(scores, attack)
	ap, _ := anomaly.AveragePrecision(scores, attack)
	fmt.Printf("ROC AUC %.4f, average precision %.4f\n", auc, ap)

	_, err := anomaly.ROCAUC(scores[:2], attack[:2])
	fmt.Println(err)
	// Output:
	// ROC AUC 0.8333, average precision 0.8056
	// anomaly: roc auc: needs attack and benign rows, got 2 and 0: netwarden: empty input
}

func ExampleROCCurve() {
	scores := []float64{0.1, 0.4, 0.35, 0.8}
	attack := []bool{false, false, true, true}
	fpr, tpr, th, _ := anomaly.ROCCurve(scores, attack)
	fmt.Println("fpr", fpr)
	fmt.Println("tpr", tpr)
	fmt.Println("thresholds", th)
	p, r, pth, _ := anomaly.PRCurve(scores, attack)
	fmt.Printf("precision %.3f\nrecall %v\nthresholds %v\n", p, r, pth)
	// Output:
	// fpr [0 0 0.5 0.5 1]
	// tpr [0 0.5 0.5 1 1]
	// thresholds [+Inf 0.8 0.4 0.35 0.1]
	// precision [0.500 0.667 0.500 1.000 1.000]
	// recall [1 1 0.5 0.5 0]
	// thresholds [0.1 0.35 0.4 0.8]
}

func ExampleNewConfusion() {
	scores := []float64{0.9, 0.8, 0.7, 0.4, 0.3, 0.1}
	attack := []bool{true, false, true, true, false, false}
	c, _ := anomaly.NewConfusion(scores, attack, 0.5)
	fmt.Printf("%+v\n", c)
	fmt.Printf("accuracy %.3f precision %.3f recall %.3f F1 %.3f FPR %.3f\n",
		c.Accuracy(), c.Precision(), c.Recall(), c.F1(), c.FalsePositiveRate())
	// Output:
	// {TP:2 FP:1 TN:2 FN:1}
	// accuracy 0.667 precision 0.667 recall 0.667 F1 0.667 FPR 0.333
}

func ExampleClassRecall() {
	// 5-class labels: 0 normal, 1 DoS, 2 Probe, 3 R2L, 4 U2R.
	truth := []int{0, 0, 1, 1, 2, 3, 3, 3}
	pred := []int{0, 0, 1, 0, 2, 3, 0, 0}
	acc, _ := anomaly.Accuracy(pred, truth)
	rec, _ := anomaly.ClassRecall(pred, truth, 5)
	fmt.Printf("accuracy %.3f\nrecall per class %.3f\n", acc, rec)
	// Output:
	// accuracy 0.625
	// recall per class [1.000 0.500 1.000 0.333 NaN]
}

func ExampleFPRThreshold() {
	// Scores of benign rows the detector was not trained on.
	benign := []float64{0.31, 0.35, 0.36, 0.40, 0.41, 0.42, 0.44, 0.47, 0.52, 0.60}
	t, _ := anomaly.FPRThreshold(benign, 0.2) // at most 2 alerts in 10
	fmt.Println("threshold", float64(t))
	fmt.Println(t.Decide(0.52), t.Decide(0.50))
	// Output:
	// threshold 0.52
	// true false
}

func ExampleContaminationThreshold() {
	// As scikit-learn's IsolationForest(contamination=0.2): the top 20 %.
	scores := []float64{0.41, 0.45, 0.43, 0.71, 0.44, 0.40, 0.66, 0.42, 0.46, 0.39}
	t, _ := anomaly.ContaminationThreshold(scores, 0.2)
	for _, s := range scores {
		if t.Decide(s) {
			fmt.Println("anomaly", s)
		}
	}
	// Output:
	// anomaly 0.71
	// anomaly 0.66
}

func ExampleCostThreshold() {
	scores := []float64{0.1, 0.2, 0.35, 0.4, 0.6, 0.7, 0.8, 0.9}
	cats := []dataset.Category{
		dataset.Normal, dataset.Normal, dataset.R2L, dataset.Normal,
		dataset.Normal, dataset.DoS, dataset.Probe, dataset.DoS,
	}
	// The default costs (KDD Cup 1999): a missed R2L (4) outweighs two
	// false alarms (1 each), so the threshold drops to catch it.
	t, perRow, _ := anomaly.CostThreshold(scores, cats, anomaly.CostModel{})
	fmt.Printf("threshold %v, cost per row %.3f\n", float64(t), perRow)
	// With an expensive false alarm it is not worth it.
	t, perRow, _ = anomaly.CostThreshold(scores, cats, anomaly.CostModel{FalseAlarm: 5})
	fmt.Printf("threshold %v, cost per row %.3f\n", float64(t), perRow)
	// Output:
	// threshold 0.35, cost per row 0.250
	// threshold 0.7, cost per row 0.500
}

func ExampleNewReport() {
	cats := []dataset.Category{
		dataset.Normal, dataset.Normal, dataset.Normal, dataset.Normal, dataset.Normal,
		dataset.DoS, dataset.DoS, dataset.Probe, dataset.R2L, dataset.U2R,
	}
	scores := []float64{0.1, 0.2, 0.15, 0.7, 0.3, 0.9, 0.8, 0.6, 0.4, 0.55}
	r, err := anomaly.NewReport(scores, cats, 0.5, anomaly.ReportConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(r)

	b, _ := json.Marshal(r.Categories[0])
	fmt.Println(string(b))
	_ = r.WriteMarkdown(os.Stdout)
	// Output:
	// rows                               10 (5 benign, 5 attacks)
	// threshold                          score >= 0.5
	// false alarms per 10k benign flows  2000.0
	// precision of the alerts            80.00 %
	// detection rate (all attacks)       80.00 %
	// accuracy                           80.00 %
	// F1                                 0.8000
	// ROC AUC                            0.8800
	// PR AUC                             0.8767
	// cost per million flows             500000 (false alarm = 1)
	//
	// category  rows  detected  detection rate  miss cost
	// DoS       2     2         100.00 %        2
	// Probe     1     1         100.00 %        1
	// R2L       1     0         0.00 %          4
	// U2R       1     1         100.00 %        3
	// {"category":"DoS","rows":2,"detected":2,"detection_rate":1,"miss_cost":2}
	// | measure | value |
	// |---|---|
	// | rows | 10 (5 benign, 5 attacks) |
	// | threshold | score >= 0.5 |
	// | false alarms per 10k benign flows | 2000.0 |
	// | precision of the alerts | 80.00 % |
	// | detection rate (all attacks) | 80.00 % |
	// | accuracy | 80.00 % |
	// | F1 | 0.8000 |
	// | ROC AUC | 0.8800 |
	// | PR AUC | 0.8767 |
	// | cost per million flows | 500000 (false alarm = 1) |
	//
	// | category | rows | detected | detection rate | miss cost |
	// |---|---:|---:|---:|---:|
	// | DoS | 2 | 2 | 100.00 % | 2 |
	// | Probe | 1 | 1 | 100.00 % | 1 |
	// | R2L | 1 | 0 | 0.00 % | 4 |
	// | U2R | 1 | 1 | 100.00 % | 3 |
}

// A hybrid of a classifier of known attacks and a novelty detector, under
// a budget of 2 false alarms per 100 benign flows. linearClassifier and
// radialNovelty are stand-ins (see hybrid_test.go) for a Random Forest and
// an Isolation Forest trained on benign traffic.
func ExampleCalibrate() {
	rng := rand.New(rand.NewPCG(1, 1))
	benign := mat.NewDense(5000, 2, nil) // held-out benign rows
	for i := range 5000 {
		benign.Set(i, 0, rng.NormFloat64())
		benign.Set(i, 1, rng.NormFloat64())
	}
	h, err := anomaly.Calibrate(context.Background(), linearClassifier{}, radialNovelty{}, benign,
		anomaly.HybridConfig{Budget: 0.02})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := h.Params()
	fmt.Printf("classifier fires at %.2f, novelty detector at %.3f; %.2f %% of the calibration rows flagged\n",
		float64(p.ClassifierThreshold), float64(p.NoveltyThreshold), 100*p.CalibrationFPR)
	for _, x := range [][]float64{{0.2, -0.5}, {4.5, 3.8}, {-5, 3}} {
		hs, _ := h.Parts(x)
		fmt.Printf("%v: score %.3f, attack %v, fired: %v\n", x, hs.Score, anomaly.HybridThreshold.Decide(hs.Score), hs.Fired)
	}
	// Output:
	// classifier fires at 0.50, novelty detector at 0.887; 2.00 % of the calibration rows flagged
	// [0.2 -0.5]: score 0.058, attack false, fired: none
	// [4.5 3.8]: score 1.000, attack true, fired: classifier+novelty
	// [-5 3]: score 0.588, attack true, fired: novelty
}

// A bundle saves a calibrated hybrid's numbers beside its two models and
// assembles it again with NewHybrid.
func ExampleNewHybrid() {
	saved := []byte(`{"classifier_threshold":0.5,"novelty_threshold":0.9,"classifier_scale":0.1,"novelty_scale":0.05,"budget":0.01}`)
	var p anomaly.HybridParams
	if err := json.Unmarshal(saved, &p); err != nil {
		fmt.Println(err)
		return
	}
	h, err := anomaly.NewHybrid(linearClassifier{}, radialNovelty{}, p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, x := range [][]float64{{0, 0}, {-5, 3}} {
		attack, fired, _ := h.Decide(x)
		fmt.Println(x, attack, fired)
	}
	_, err = anomaly.NewHybrid(linearClassifier{}, sumDetector{3}, p)
	fmt.Println(err)
	// Output:
	// [0 0] false none
	// [-5 3] true novelty
	// anomaly: hybrid: classifier takes 2 features, novelty detector 3: netwarden: wrong dimension
}

// One Markdown table compares a detector at several thresholds (or several
// detectors) on the same rows.
func ExampleWriteComparison() {
	cats := []dataset.Category{dataset.Normal, dataset.Normal, dataset.Normal, dataset.Normal, dataset.DoS, dataset.Probe}
	scores := []float64{0.1, 0.3, 0.45, 0.2, 0.9, 0.4}
	var names []string
	var reports []*anomaly.Report
	for _, t := range []anomaly.Threshold{0.5, 0.35} {
		r, err := anomaly.NewReport(scores, cats, t, anomaly.ReportConfig{})
		if err != nil {
			fmt.Println(err)
			return
		}
		names = append(names, fmt.Sprintf("score >= %v", float64(t)))
		reports = append(reports, r)
	}
	_ = anomaly.WriteComparison(os.Stdout, names, reports)
	// Output:
	// | | budget | observed FPR | accuracy | precision | F1 | DoS | Probe |
	// |---|---:|---:|---:|---:|---:|---:|---:|
	// | score >= 0.5 | – | 0.00 % | 83.33 % | 100.00 % | 0.6667 | 100.00 % | 0.00 % |
	// | score >= 0.35 | – | 25.00 % | 83.33 % | 66.67 % | 0.8000 | 100.00 % | 100.00 % |
}

func ExampleConfusionOf() {
	flagged := []bool{true, true, false, false, true}
	attack := []bool{true, false, false, true, true}
	c, _ := anomaly.ConfusionOf(flagged, attack)
	fmt.Printf("%+v precision %.2f recall %.2f\n", c, c.Precision(), c.Recall())
	// Output:
	// {TP:2 FP:1 TN:1 FN:1} precision 0.67 recall 0.67
}

// CalibrateScores takes the parts' scores of held-out benign rows directly,
// for instance a forest's out-of-bag scores of those rows.
func ExampleCalibrateScores() {
	cls := []float64{0, 0, 0.02, 0, 0.6, 0, 0.01, 0, 0, 0.1}                     // classifier: P(attack)
	nov := []float64{0.41, 0.44, 0.39, 0.52, 0.40, 0.47, 0.43, 0.58, 0.42, 0.45} // novelty scores
	h, err := anomaly.CalibrateScores(linearClassifier{}, radialNovelty{}, cls, nov, anomaly.HybridConfig{Budget: 0.2})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := h.Params()
	fmt.Printf("classifier >= %v, novelty >= %v: %.0f %% of the calibration rows flagged\n",
		float64(p.ClassifierThreshold), float64(p.NoveltyThreshold), 100*p.CalibrationFPR)
	// Output:
	// classifier >= 0.6, novelty >= 0.58: 20 % of the calibration rows flagged
}

// ExplainPart says which part a row's explanation comes from.
func ExampleHybrid_ExplainPart() {
	p := anomaly.HybridParams{ClassifierThreshold: 0.5, NoveltyThreshold: 0.9, ClassifierScale: 0.1, NoveltyScale: 0.05}
	h, _ := anomaly.NewHybrid(linearClassifier{}, radialNovelty{}, p)
	dst := make([]float64, 2)
	part, base, err := h.ExplainPart([]float64{5, 1}, dst)
	fmt.Println(part, base, dst, err)
	part, _, err = h.ExplainPart([]float64{-5, 3}, dst)
	fmt.Println(part, err)
	// Output:
	// classifier -12 [15 3] <nil>
	// novelty anomaly: hybrid: the novelty part cannot explain its scores: netwarden: model cannot explain its scores
}
