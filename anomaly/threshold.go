package anomaly

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/netwarden/netwarden/dataset"
)

// Threshold turns a score into a decision: a row is an attack when its
// score is greater than or equal to the threshold (score >= t), the
// convention of scikit-learn's roc_curve and precision_recall_curve
// thresholds. Every function of this package that returns or takes a
// Threshold uses it. A NaN score is never an attack.
type Threshold float64

// Decide reports whether score is an attack: score >= t.
func (t Threshold) Decide(score float64) bool { return score >= float64(t) }

// ContaminationThreshold returns the threshold that flags the given
// fraction of scores, for any model (it replaces the deprecated
// iforest.ThresholdForContamination and Forest.ThresholdForContamination,
// which return the same cut as a float64 for "score > t"), the way scikit-learn's IsolationForest sets its
// offset_ from its contamination parameter: with score = -score_samples,
// scikit-learn takes offset_ = numpy.percentile(-scores, 100·rate) (linear
// interpolation between order statistics) and flags rows whose score is
// strictly greater than -offset_. This function computes the same
// percentile with the same arithmetic and returns the next float64 above
// -offset_, so that Decide (score >= t) flags exactly the rows
// scikit-learn's predict would. With ties at the cut-off the flagged
// fraction can be below rate; with interpolation between two distinct
// scores it is rounded down.
//
// rate must be in [0, 1] (0 flags nothing, as scikit-learn's percentile 0
// is the minimum of -score and nothing is below it). Errors: no scores
// (ErrEmpty), a NaN or infinite score or rate (ErrNaN), rate out of range.
func ContaminationThreshold(scores []float64, rate float64) (Threshold, error) {
	if len(scores) == 0 {
		return 0, fmt.Errorf("anomaly: contamination threshold: no scores: %w", ErrEmpty)
	}
	if err := checkRate("contamination threshold", "rate", rate); err != nil {
		return 0, err
	}
	if err := checkFinite("contamination threshold", scores); err != nil {
		return 0, err
	}
	neg := make([]float64, len(scores))
	for i, s := range scores {
		neg[i] = -s
	}
	slices.Sort(neg)
	offset := percentileLinear(neg, 100*rate)
	return Threshold(math.Nextafter(-offset, math.Inf(1))), nil
}

// percentileLinear is numpy.percentile(x, p) with the default "linear"
// method on sorted x, including numpy's two-sided lerp, so that results
// agree bit for bit.
func percentileLinear(sorted []float64, p float64) float64 {
	n := len(sorted)
	q := p / 100
	vi := float64(n-1) * q
	lo := math.Floor(vi)
	i := int(lo)
	if i < 0 {
		i = 0
	}
	if i >= n-1 {
		return sorted[n-1]
	}
	a, b := sorted[i], sorted[i+1]
	g := vi - lo
	d := b - a
	if g >= 0.5 {
		return b - d*(1-g)
	}
	return a + d*g
}

func checkRate(what, name string, r float64) error {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return fmt.Errorf("anomaly: %s: %s is %v: %w", what, name, r, ErrNaN)
	}
	if r < 0 || r > 1 {
		return fmt.Errorf("anomaly: %s: %s %v outside [0, 1]", what, name, r)
	}
	return nil
}

// FPRThreshold returns the lowest threshold whose false-positive rate on
// the given benign scores is at most target: with n scores it allows
// k = ⌊target·n⌋ benign rows to be flagged (score >= t) and returns the
// smallest benign score strictly above the (k+1)-th largest one, or the
// next float64 above the maximum when k is 0. Ties: rows with equal
// scores fall on the same side, so when a tie straddles the cut-off all of
// it stays below the threshold and the rate on these scores is below
// target (never above it).
//
// On fresh benign rows from the same distribution the expected rate is at
// most k/(n+1) ≤ target when scores are continuous (the split-conformal
// argument: the new score is exchangeable with the n calibration scores).
// Calibrate on benign rows the detector was not trained on.
//
// target must be in [0, 1]. Errors: no scores (ErrEmpty), a NaN or
// infinite score or target (ErrNaN), target out of range.
func FPRThreshold(benign []float64, target float64) (Threshold, error) {
	if len(benign) == 0 {
		return 0, fmt.Errorf("anomaly: fpr threshold: no benign scores: %w", ErrEmpty)
	}
	if err := checkRate("fpr threshold", "target", target); err != nil {
		return 0, err
	}
	if err := checkFinite("fpr threshold", benign); err != nil {
		return 0, err
	}
	d := slices.Clone(benign)
	slices.SortFunc(d, func(a, b float64) int { return cmp.Compare(b, a) })
	return countThreshold(d, allowed(target, len(d))), nil
}

// allowed is ⌊target·n⌋, robust to the rounding of target·n just below an
// integer (0.07·100 = 7.000000000000001 but 0.29·100 = 28.999999999999996).
func allowed(target float64, n int) int {
	k := int(math.Floor(target*float64(n) + 1e-9))
	return min(max(k, 0), n)
}

// countThreshold returns the lowest threshold that flags at most k of the
// scores d, sorted in decreasing order.
func countThreshold(d []float64, k int) Threshold {
	n := len(d)
	if n == 0 {
		return Threshold(math.Inf(-1))
	}
	if k >= n {
		return Threshold(d[n-1])
	}
	v := d[k] // the largest score that must not be flagged
	j := k - 1
	for j >= 0 && d[j] == v {
		j--
	}
	if j < 0 {
		return Threshold(math.Nextafter(v, math.Inf(1)))
	}
	return Threshold(d[j])
}

// CostModel prices a detector's mistakes. The unit is arbitrary (minutes of
// analyst time, euros…); only ratios matter for choosing a threshold.
//
// The defaults are the cost matrix of the KDD Cup 1999 contest, the
// published cost model of the data NSL-KDD derives from (Elkan, "Results of
// the KDD'99 classifier learning", SIGKDD Explorations 1(2), 2000): an
// alert on benign traffic costs 1 (normal classified as probe; the matrix
// charges 1 to 2); missing a Probe costs 1, a DoS 2, a U2R 3 and an R2L 4
// (the row "classified as normal" of the matrix). R2L ranks above U2R
// there because a remote intruder is the precondition for everything else.
// Unknown attack categories cost 4, the highest. These are relative costs
// for comparing detectors; an operator should replace them with their own
// (a missed intrusion usually costs far more than an analyst's triage).
type CostModel struct {
	// FalseAlarm is the cost of one alert on benign traffic. Zero means
	// the default, 1.
	FalseAlarm float64
	// Miss is the cost of missing one attack of a category. A category
	// absent from the map costs its default (DefaultMissCost); set it to 0
	// explicitly to ignore that category's misses. Normal is never a miss.
	Miss map[dataset.Category]float64
}

// DefaultFalseAlarmCost is CostModel's default cost of a false alarm.
const DefaultFalseAlarmCost = 1

// DefaultMissCost returns CostModel's default cost of missing an attack of
// category c: Probe 1, DoS 2, U2R 3, R2L 4, any other non-normal category
// 4; 0 for Normal.
func DefaultMissCost(c dataset.Category) float64 {
	switch c {
	case dataset.Normal:
		return 0
	case dataset.Probe:
		return 1
	case dataset.DoS:
		return 2
	case dataset.U2R:
		return 3
	default:
		return 4
	}
}

// FalseAlarmCost returns the cost of one false alarm (the default when
// FalseAlarm is zero).
func (m CostModel) FalseAlarmCost() float64 {
	if m.FalseAlarm == 0 {
		return DefaultFalseAlarmCost
	}
	return m.FalseAlarm
}

// MissCost returns the cost of missing one attack of category c.
func (m CostModel) MissCost(c dataset.Category) float64 {
	if c == dataset.Normal {
		return 0
	}
	if v, ok := m.Miss[c]; ok {
		return v
	}
	return DefaultMissCost(c)
}

func (m CostModel) validate(what string) error {
	bad := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("anomaly: %s: cost %s is %v: %w", what, name, v, ErrNaN)
		}
		if v < 0 {
			return fmt.Errorf("anomaly: %s: cost %s is negative (%v)", what, name, v)
		}
		return nil
	}
	if err := bad("of a false alarm", m.FalseAlarm); err != nil {
		return err
	}
	for c, v := range m.Miss {
		if err := bad("of missing "+c.String(), v); err != nil {
			return err
		}
	}
	return nil
}

// CostThreshold returns the threshold that minimises the total cost of
// the mistakes on labelled validation rows under the cost model: every
// false alarm costs m.FalseAlarmCost(), every missed attack of category c
// costs m.MissCost(c). cats[i] is row i's true category (dataset.Normal
// for benign traffic). Candidates are the distinct scores (flag score >=
// s) and +Inf (flag nothing); among equal costs the highest threshold,
// the one that raises fewest alerts, wins. It also returns the minimal
// cost per row.
//
// Choose the threshold on validation data, never on the test set.
// Errors: lengths differ (ErrDimension), no rows (ErrEmpty), a NaN or
// infinite score or cost (ErrNaN), a negative cost.
func CostThreshold(scores []float64, cats []dataset.Category, m CostModel) (Threshold, float64, error) {
	if len(scores) != len(cats) {
		return 0, 0, fmt.Errorf("anomaly: cost threshold: %d scores, %d categories: %w", len(scores), len(cats), ErrDimension)
	}
	if len(scores) == 0 {
		return 0, 0, fmt.Errorf("anomaly: cost threshold: no scores: %w", ErrEmpty)
	}
	if err := checkFinite("cost threshold", scores); err != nil {
		return 0, 0, err
	}
	if err := m.validate("cost threshold"); err != nil {
		return 0, 0, err
	}
	type row struct {
		s    float64
		miss float64 // cost if this attack is missed; 0 for benign
		pos  bool
	}
	rows := make([]row, len(scores))
	var cost float64 // flag nothing: every attack is missed
	for i, s := range scores {
		r := row{s: s, pos: cats[i] != dataset.Normal}
		if r.pos {
			r.miss = m.MissCost(cats[i])
			cost += r.miss
		}
		rows[i] = r
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Compare(b.s, a.s) })
	fa := m.FalseAlarmCost()
	best, bestT := cost, math.Inf(1)
	for i, r := range rows {
		if r.pos {
			cost -= r.miss
		} else {
			cost += fa
		}
		if (i == len(rows)-1 || rows[i+1].s != r.s) && cost < best {
			best, bestT = cost, r.s
		}
	}
	return Threshold(bestT), best / float64(len(rows)), nil
}
