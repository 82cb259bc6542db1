package iforest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/internal/errs"
)

// counts pools the per-feature split counters of Contributions, so that a
// steady stream of calls allocates nothing.
var counts = sync.Pool{New: func() any { return new([]float64) }}

// Contributions writes into dst (one value per feature, len NumFeatures) how
// much each feature did to isolate x, by Local-DIFFI (Carletti, Terzi and
// Susto 2020, the local feature importance of "Interpretable Anomaly
// Detection with DIFFI"): in each tree, every split on x's path adds
// 1/h − 1/ceil(log2 ψ) to its feature, where h is the depth of the leaf x
// reaches, so splits on short paths (quick isolation) weigh most; each
// feature's total is then divided by the number of splits on it over all
// paths. Features never split on get 0; all values are ≥ 0 when MaxDepth is
// the default. Rank the features by dst to say why a row was flagged.
//
// It is defined for the classic forest only: an extended forest returns an
// error wrapping ErrNoExplanation. A row of the wrong length (or a dst of the
// wrong length) is an error wrapping ErrDimension, a NaN or infinity one
// wrapping ErrNaN. It does not allocate in the steady state and is safe for
// concurrent use. It is not the TreeSHAP Explain of anomaly.Explainer: the
// values do not add up to the path length.
func (f *Forest) Contributions(x, dst []float64) error {
	if err := f.check(x); err != nil {
		return err
	}
	if len(dst) != f.numFeatures {
		return fmt.Errorf("iforest: contributions: dst of %d values, want %d: %w", len(dst), f.numFeatures, errs.ErrDimension)
	}
	if f.ext != 0 {
		return fmt.Errorf("iforest: contributions need the classic forest (extension level 0, have %d): %w", f.ext, errs.ErrNoExplanation)
	}
	cp := counts.Get().(*[]float64)
	cnt := slices.Grow((*cp)[:0], f.numFeatures)[:f.numFeatures]
	clear(cnt)
	clear(dst)
	inv := 1 / float64(f.maxDepth)
	nodes := f.nodes
	for _, root := range f.roots {
		// First walk: the leaf's depth.
		depth := 0
		for i := root; nodes[i].f >= 0; depth++ {
			n := &nodes[i]
			i = n.left
			if x[n.f] >= n.v {
				i++
			}
		}
		if depth == 0 {
			continue
		}
		w := 1/float64(depth) - inv
		for i := root; nodes[i].f >= 0; {
			n := &nodes[i]
			dst[n.f] += w
			cnt[n.f]++
			i = n.left
			if x[n.f] >= n.v {
				i++
			}
		}
	}
	for j, c := range cnt {
		if c > 0 {
			dst[j] /= c
		}
	}
	*cp = cnt
	counts.Put(cp)
	return nil
}

// ThresholdForContamination returns the score threshold above which a
// fraction rate of the given scores lie: scikit-learn's contamination rule
// restated for s = −score_samples. scikit-learn sets offset_ =
// numpy.percentile(score_samples, 100·rate) (linear interpolation) and calls
// a row an outlier when score_samples < offset_; this returns −offset_,
// computed with numpy's arithmetic, so "score > threshold" flags exactly the
// rows scikit-learn's predict would. (anomaly.ContaminationThreshold returns
// the same cut as a Threshold for "score >= t": the next float64 above.)
// rate must be in (0, 1); scores must be non-empty and hold no NaN. scores is
// not modified.
//
// Deprecated: use anomaly.ContaminationThreshold, the one way to set a
// threshold from a contamination rate for every model: it flags the same
// rows, returned as an anomaly.Threshold for "score >= t" (the next float64
// above this value), the type a bundle and a Report take.
func ThresholdForContamination(scores []float64, rate float64) (float64, error) {
	if !(rate > 0 && rate < 1) {
		return 0, fmt.Errorf("iforest: contamination rate %v not in (0, 1)", rate)
	}
	if len(scores) == 0 {
		return 0, fmt.Errorf("iforest: contamination threshold of no scores: %w", errs.ErrEmpty)
	}
	neg := make([]float64, len(scores))
	for i, v := range scores {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("iforest: score %d is NaN: %w", i, errs.ErrNaN)
		}
		neg[i] = -v
	}
	slices.Sort(neg)
	// numpy.percentile's "linear" method, with its two-sided lerp.
	n := len(neg)
	vi := float64(n-1) * rate
	lo := math.Floor(vi)
	i := int(lo)
	if i >= n-1 {
		return -neg[n-1], nil
	}
	a, b := neg[i], neg[i+1]
	g, d := vi-lo, b-a
	if g >= 0.5 {
		return -(b - d*(1-g)), nil
	}
	return -(a + d*g), nil
}

// ThresholdForContamination scores the rows of X (usually the training data)
// and returns the threshold above which a fraction rate of them lie, as
// the package-level ThresholdForContamination does: the Isolation Forest
// counterpart of scikit-learn's contamination parameter.
//
// Deprecated: score the rows with ScoreMatrix and pass the scores to
// anomaly.ContaminationThreshold, the one way to set a threshold from a
// contamination rate for every model, which returns an anomaly.Threshold.
func (f *Forest) ThresholdForContamination(ctx context.Context, X mat.Matrix, rate float64) (float64, error) {
	if !(rate > 0 && rate < 1) {
		return 0, fmt.Errorf("iforest: contamination rate %v not in (0, 1)", rate)
	}
	if X == nil {
		return 0, fmt.Errorf("iforest: nil matrix: %w", errs.ErrEmpty)
	}
	n, _ := X.Dims()
	if n == 0 {
		return 0, fmt.Errorf("iforest: contamination threshold of no rows: %w", errs.ErrEmpty)
	}
	s := make([]float64, n)
	if err := f.ScoreMatrix(ctx, X, s); err != nil {
		return 0, err
	}
	return ThresholdForContamination(s, rate)
}
