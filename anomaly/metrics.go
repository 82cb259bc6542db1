package anomaly

import (
	"fmt"
	"math"
	"slices"
)

// Confusion is a binary confusion matrix with attacks as the positive class:
// TP attacks flagged, FN attacks missed, FP benign rows flagged (false alarms)
// and TN benign rows passed.
type Confusion struct {
	TP int `json:"tp"`
	FP int `json:"fp"`
	TN int `json:"tn"`
	FN int `json:"fn"`
}

// NewConfusion counts the decisions t.Decide(scores[i]) against the truth
// attack[i]. It returns an error wrapping ErrDimension when the lengths
// differ, ErrEmpty when there are no rows and ErrNaN for a NaN or infinite
// score (the row index is in the message).
func NewConfusion(scores []float64, attack []bool, t Threshold) (Confusion, error) {
	if err := checkScores("confusion", scores, attack); err != nil {
		return Confusion{}, err
	}
	var c Confusion
	for i, s := range scores {
		c.add(t.Decide(s), attack[i])
	}
	return c, nil
}

// ConfusionOf counts the decisions pred[i] (true = flagged as an attack)
// against the truth attack[i]. Lengths must match and be non-zero.
func ConfusionOf(pred, attack []bool) (Confusion, error) {
	if len(pred) != len(attack) {
		return Confusion{}, fmt.Errorf("anomaly: confusion: %d predictions, %d labels: %w", len(pred), len(attack), ErrDimension)
	}
	if len(pred) == 0 {
		return Confusion{}, fmt.Errorf("anomaly: confusion: no rows: %w", ErrEmpty)
	}
	var c Confusion
	for i, p := range pred {
		c.add(p, attack[i])
	}
	return c, nil
}

func (c *Confusion) add(flagged, attack bool) {
	switch {
	case flagged && attack:
		c.TP++
	case flagged:
		c.FP++
	case attack:
		c.FN++
	default:
		c.TN++
	}
}

// Total returns the number of rows counted.
func (c Confusion) Total() int { return c.TP + c.FP + c.TN + c.FN }

// Attacks returns the number of attack rows (TP + FN).
func (c Confusion) Attacks() int { return c.TP + c.FN }

// Benign returns the number of benign rows (TN + FP).
func (c Confusion) Benign() int { return c.TN + c.FP }

// Accuracy returns (TP + TN) / total, or 0 for an empty matrix.
func (c Confusion) Accuracy() float64 { return ratio(c.TP+c.TN, c.Total()) }

// Precision returns TP / (TP + FP), the fraction of alerts that are attacks,
// or 0 when nothing was flagged (scikit-learn's zero_division default).
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall returns TP / (TP + FN), the detection rate, or 0 without attacks.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// FalsePositiveRate returns FP / (FP + TN), the fraction of benign rows
// flagged, or 0 without benign rows.
func (c Confusion) FalsePositiveRate() float64 { return ratio(c.FP, c.FP+c.TN) }

// F1 returns the harmonic mean of precision and recall, 2TP / (2TP + FP +
// FN), or 0 when there are neither attacks nor alerts.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// checkScores validates a scores/labels pair for the named metric.
func checkScores(what string, scores []float64, attack []bool) error {
	if len(scores) != len(attack) {
		return fmt.Errorf("anomaly: %s: %d scores, %d labels: %w", what, len(scores), len(attack), ErrDimension)
	}
	if len(scores) == 0 {
		return fmt.Errorf("anomaly: %s: no scores: %w", what, ErrEmpty)
	}
	return checkFinite(what, scores)
}

func checkFinite(what string, scores []float64) error {
	for i, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("anomaly: %s: score %d is %v: %w", what, i, s, ErrNaN)
		}
	}
	return nil
}

// curve holds the scores of a labelled set split by class and sorted, so
// that walk can visit the cumulative counts at each distinct score.
type curve struct {
	pos, neg []float64 // ascending
}

func newCurve(what string, scores []float64, attack []bool) (*curve, error) {
	if err := checkScores(what, scores, attack); err != nil {
		return nil, err
	}
	np := 0
	for _, a := range attack {
		if a {
			np++
		}
	}
	// One allocation, two sorts of plain float64s: much faster than
	// sorting (score, label) pairs with a comparison function.
	buf := make([]float64, len(scores))
	c := &curve{pos: buf[:0:np], neg: buf[np:np]}
	for i, s := range scores {
		if attack[i] {
			c.pos = append(c.pos, s)
		} else {
			c.neg = append(c.neg, s)
		}
	}
	slices.Sort(c.pos)
	slices.Sort(c.neg)
	return c, nil
}

// walk calls fn for each distinct score t, highest first, with the number
// of attack (tp) and benign (fp) rows scoring >= t: scikit-learn's
// _binary_clf_curve. Ties share one threshold.
func (c *curve) walk(fn func(t float64, tp, fp int)) {
	i, j := len(c.pos)-1, len(c.neg)-1
	tp, fp := 0, 0
	for i >= 0 || j >= 0 {
		var t float64
		switch {
		case i < 0:
			t = c.neg[j]
		case j < 0:
			t = c.pos[i]
		default:
			t = max(c.pos[i], c.neg[j])
		}
		for i >= 0 && c.pos[i] == t {
			tp++
			i--
		}
		for j >= 0 && c.neg[j] == t {
			fp++
			j--
		}
		fn(t, tp, fp)
	}
}

// ROCAUC returns the area under the ROC curve of scores (higher = more
// attack-like) against the truth attack, with ties handled as
// scikit-learn's roc_auc_score does: rows with equal scores form one point
// of the curve and the area is the trapezoidal rule over the points, which
// counts a tied attack/benign pair as half a correct ordering (the
// Mann-Whitney U statistic divided by the number of pairs; Hanley and
// McNeil 1982). It equals scikit-learn's value to 1e-9.
//
// Errors: lengths differ (ErrDimension), no rows or only one class
// (ErrEmpty), a NaN or infinite score (ErrNaN).
func ROCAUC(scores []float64, attack []bool) (float64, error) {
	c, err := newCurve("roc auc", scores, attack)
	if err != nil {
		return 0, err
	}
	if len(c.pos) == 0 || len(c.neg) == 0 {
		return 0, fmt.Errorf("anomaly: roc auc: needs attack and benign rows, got %d and %d: %w", len(c.pos), len(c.neg), ErrEmpty)
	}
	// Each term is an integer below 2^53, so the sum is exact.
	var area float64
	ptp, pfp := 0, 0
	c.walk(func(_ float64, tp, fp int) {
		area += float64(fp-pfp) * float64(tp+ptp)
		ptp, pfp = tp, fp
	})
	return area / (2 * float64(len(c.pos)) * float64(len(c.neg))), nil
}

// AveragePrecision returns the area under the precision-recall curve as
// scikit-learn's average_precision_score defines it: the sum over distinct
// score thresholds t, highest first, of (R(t) - R(previous t)) · P(t),
// where P and R are the precision and recall of flagging every row with
// score >= t. Tied scores form one threshold, so there is no interpolation.
// It equals scikit-learn's value to 1e-9.
//
// Errors: lengths differ (ErrDimension), no rows or no attack rows
// (ErrEmpty), a NaN or infinite score (ErrNaN). Only benign rows missing is
// fine: the result is then 1.
func AveragePrecision(scores []float64, attack []bool) (float64, error) {
	c, err := newCurve("average precision", scores, attack)
	if err != nil {
		return 0, err
	}
	if len(c.pos) == 0 {
		return 0, fmt.Errorf("anomaly: average precision: no attack rows: %w", ErrEmpty)
	}
	var ap float64
	ptp := 0
	npos := float64(len(c.pos))
	c.walk(func(_ float64, tp, fp int) {
		if d := tp - ptp; d > 0 {
			ap += float64(d) / npos * float64(tp) / float64(tp+fp)
		}
		ptp = tp
	})
	return ap, nil
}

// ROCCurve returns the points of the ROC curve, one per distinct score
// plus the origin, as scikit-learn's roc_curve(drop_intermediate=False):
// fpr[k] and tpr[k] are the false- and true-positive rates of flagging
// every row with score >= thresholds[k]. Thresholds decrease; thresholds[0]
// is +Inf (nothing flagged: scikit-learn 1.3 and later also write inf there,
// earlier versions max+1). Errors as for ROCAUC.
func ROCCurve(scores []float64, attack []bool) (fpr, tpr, thresholds []float64, err error) {
	c, err := newCurve("roc curve", scores, attack)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(c.pos) == 0 || len(c.neg) == 0 {
		return nil, nil, nil, fmt.Errorf("anomaly: roc curve: needs attack and benign rows, got %d and %d: %w", len(c.pos), len(c.neg), ErrEmpty)
	}
	fpr, tpr, thresholds = []float64{0}, []float64{0}, []float64{math.Inf(1)}
	np, nn := float64(len(c.pos)), float64(len(c.neg))
	c.walk(func(t float64, tp, fp int) {
		fpr = append(fpr, float64(fp)/nn)
		tpr = append(tpr, float64(tp)/np)
		thresholds = append(thresholds, t)
	})
	return fpr, tpr, thresholds, nil
}

// PRCurve returns the precision-recall curve as scikit-learn's
// precision_recall_curve (1.1 and later) does: thresholds are the distinct
// scores in increasing order; precision[k] and recall[k] are those of
// flagging every row with score >= thresholds[k]; a last point (precision
// 1, recall 0) without a threshold ends the curve, so precision and recall
// are one longer than thresholds. Errors as for AveragePrecision.
func PRCurve(scores []float64, attack []bool) (precision, recall, thresholds []float64, err error) {
	c, err := newCurve("precision-recall curve", scores, attack)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(c.pos) == 0 {
		return nil, nil, nil, fmt.Errorf("anomaly: precision-recall curve: no attack rows: %w", ErrEmpty)
	}
	np := float64(len(c.pos))
	c.walk(func(t float64, tp, fp int) {
		precision = append(precision, float64(tp)/float64(tp+fp))
		recall = append(recall, float64(tp)/np)
		thresholds = append(thresholds, t)
	})
	// scikit-learn lists the points by increasing threshold.
	slices.Reverse(precision)
	slices.Reverse(recall)
	slices.Reverse(thresholds)
	return append(precision, 1), append(recall, 0), thresholds, nil
}

// Accuracy returns the fraction of rows whose predicted class pred[i]
// equals the true class truth[i] (multi-class accuracy). Errors: lengths
// differ (ErrDimension) or no rows (ErrEmpty).
func Accuracy(pred, truth []int) (float64, error) {
	if len(pred) != len(truth) {
		return 0, fmt.Errorf("anomaly: accuracy: %d predictions, %d labels: %w", len(pred), len(truth), ErrDimension)
	}
	if len(pred) == 0 {
		return 0, fmt.Errorf("anomaly: accuracy: no rows: %w", ErrEmpty)
	}
	ok := 0
	for i, p := range pred {
		if p == truth[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(pred)), nil
}

// ClassRecall returns, for each class c in [0, classes), the fraction of
// rows of true class c that were predicted as c (the per-class detection
// rate; scikit-learn's recall_score(average=None)). A class with no rows
// in truth gets NaN rather than scikit-learn's 0, so that "never seen" is
// not mistaken for "never detected". Errors: lengths differ or a true
// class outside [0, classes) (ErrDimension), no rows (ErrEmpty). A
// predicted class outside the range simply counts as wrong.
func ClassRecall(pred, truth []int, classes int) ([]float64, error) {
	if len(pred) != len(truth) {
		return nil, fmt.Errorf("anomaly: class recall: %d predictions, %d labels: %w", len(pred), len(truth), ErrDimension)
	}
	if len(pred) == 0 || classes <= 0 {
		return nil, fmt.Errorf("anomaly: class recall: %d rows, %d classes: %w", len(pred), classes, ErrEmpty)
	}
	rows := make([]int, classes)
	hit := make([]int, classes)
	for i, t := range truth {
		if t < 0 || t >= classes {
			return nil, fmt.Errorf("anomaly: class recall: row %d: class %d outside [0, %d): %w", i, t, classes, ErrDimension)
		}
		rows[t]++
		if pred[i] == t {
			hit[t]++
		}
	}
	out := make([]float64, classes)
	for c := range out {
		if rows[c] == 0 {
			out[c] = math.NaN()
		} else {
			out[c] = float64(hit[c]) / float64(rows[c])
		}
	}
	return out, nil
}
