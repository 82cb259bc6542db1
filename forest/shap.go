package forest

import (
	"fmt"
	"sync"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// shapState holds the forest's TreeSHAP explainers, prepared on the first
// explanation so that a forest that is only scored does not pay for them.
// finish sets it, for Fit and UnmarshalBinary alike.
type shapState struct {
	once  sync.Once
	err   error
	class []*tree.Explainer // probability of class k
	score *tree.Explainer   // Score's quantity, base without the +1 of 1 − P(normal)
}

func (f *Forest) explainers() (*shapState, error) {
	s := f.shap
	s.once.Do(func() {
		e, err := tree.NewEnsemble(f.trees, f.numFeatures, nil)
		if err != nil {
			s.err = fmt.Errorf("forest: explain: %w", err)
			return
		}
		weights := func(k int, w float64) [][]float64 {
			ws := make([][]float64, len(f.trees))
			for i := range ws {
				ws[i] = make([]float64, f.numClasses)
				ws[i][k] = w
			}
			return ws
		}
		s.class = make([]*tree.Explainer, f.numClasses)
		for k := range s.class {
			if s.class[k], err = e.Explainer(weights(k, f.invTrees)); err != nil {
				s.err = fmt.Errorf("forest: explain: %w", err)
				return
			}
		}
		if f.scoreClass >= 0 {
			s.score = s.class[f.scoreClass]
		} else if s.score, err = e.Explainer(weights(f.normalClass, -f.invTrees)); err != nil {
			s.err = fmt.Errorf("forest: explain: %w", err)
		}
	})
	return s, s.err
}

func (f *Forest) checkExplain(x, dst []float64) error {
	if err := f.check(x); err != nil {
		return err
	}
	if len(dst) != f.numFeatures {
		return fmt.Errorf("forest: explain: dst of %d values, want %d: %w", len(dst), f.numFeatures, errs.ErrDimension)
	}
	return nil
}

// Explain writes into dst (length NumFeatures) the exact TreeSHAP value of
// every feature for Score(x), and returns the base value, the expected
// Score over the training data (cover-weighted, bootstrap weights
// included), so that base + Σ dst = Score(x) up to rounding (about 1e-12):
// for a binary forest the probability of class 1, for a multi-class forest
// 1 − P(NormalClass), explained as the normal class's probability with
// weight −1 and the base shifted by 1. A positive contribution pushes
// towards "attack".
//
// It is path-dependent TreeSHAP (Lundberg et al., "From local explanations
// to global understanding with explainable AI for trees", Nature Machine
// Intelligence 2, 2020): each tree's leaf distributions weighted by the
// training samples that reached each node, as the shap library explains
// scikit-learn's RandomForestClassifier, evaluated by Linear TreeSHAP (Yu,
// Bai, Cai and Wang, NeurIPS 2022; see internal/tree) in O(nodes × depth)
// per tree.
//
// A row or dst of the wrong length is an error wrapping ErrDimension, a NaN
// in x one wrapping ErrNaN, a zero Forest one wrapping ErrNotFitted. The
// explainers are prepared on the first call; after that Explain allocates
// nothing. It is safe for concurrent use.
func (f *Forest) Explain(x, dst []float64) (float64, error) {
	return f.explain(-1, x, dst, false)
}

// ExplainApprox is Explain with Saabas path attribution (A. Saabas,
// "Interpreting random forests", 2014): along x's path in each tree, a split
// adds to its feature the change of the cover-weighted mean probability
// from the node to the child taken. It costs O(depth) per tree and adds up
// to Score like Explain, but is not a Shapley value.
func (f *Forest) ExplainApprox(x, dst []float64) (float64, error) {
	return f.explain(-1, x, dst, true)
}

// ExplainClass writes into dst the exact TreeSHAP contributions of row x to
// the probability of class k (in [0, NumClasses())), as PredictProba gives
// it, and returns the expected probability of class k: base + Σ dst =
// P(class k). Errors and concurrency are those of Explain; k out of range is
// an error wrapping ErrDimension.
func (f *Forest) ExplainClass(k int, x, dst []float64) (float64, error) {
	if f.trees != nil && (k < 0 || k >= f.numClasses) {
		return 0, fmt.Errorf("forest: explain: class %d outside [0, %d): %w", k, f.numClasses, errs.ErrDimension)
	}
	return f.explain(k, x, dst, false)
}

// ExplainClassApprox is ExplainClass with Saabas path attribution.
func (f *Forest) ExplainClassApprox(k int, x, dst []float64) (float64, error) {
	if f.trees != nil && (k < 0 || k >= f.numClasses) {
		return 0, fmt.Errorf("forest: explain: class %d outside [0, %d): %w", k, f.numClasses, errs.ErrDimension)
	}
	return f.explain(k, x, dst, true)
}

// explain explains class k's probability, or Score's quantity when k < 0.
func (f *Forest) explain(k int, x, dst []float64, approx bool) (float64, error) {
	if err := f.checkExplain(x, dst); err != nil {
		return 0, err
	}
	s, err := f.explainers()
	if err != nil {
		return 0, err
	}
	ex, shift := s.score, 0.0
	switch {
	case k >= 0:
		ex = s.class[k]
	case f.scoreClass < 0:
		shift = 1 // 1 − P(normal)
	}
	var base float64
	if approx {
		base, err = ex.ExplainApprox(x, dst)
	} else {
		base, err = ex.Explain(x, dst)
	}
	if err != nil {
		return 0, fmt.Errorf("forest: explain: %w", err)
	}
	return base + shift, nil
}
