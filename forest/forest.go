package forest

import (
	"fmt"
	"math"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// Forest is a fitted Random Forest classifier: trees in the flat layout of
// internal/tree whose leaves hold class probability distributions. Its
// prediction is the mean of the trees' distributions.
//
// A Forest is read-only once returned by Fit or UnmarshalBinary and safe for
// concurrent use by many goroutines; the zero Forest is not fitted, and its
// methods return errors wrapping errs.ErrNotFitted.
type Forest struct {
	trees       []tree.Tree
	numFeatures int
	numClasses  int
	normalClass int
	criterion   Criterion
	names       []string
	oob         float64 // NaN when not computed

	// Derived by finish.
	scoreClass int     // class whose probability Score returns, or −1 for 1 − P(normal)
	invTrees   float64 // 1 / number of trees
	mdi        []float64
	mdiStd     []float64
	sc         scorer // the scoring form of the trees (score.go)

	shap *shapState // TreeSHAP explainers, prepared on first use
}

// finish computes the fields derived from the trees.
func (f *Forest) finish() {
	f.invTrees = 1 / float64(len(f.trees))
	f.scoreClass = 1
	if f.numClasses > 2 {
		f.scoreClass = -1
	}
	f.mdi, f.mdiStd = f.meanDecreaseImpurity()
	sc := f.scoreClass
	if sc < 0 {
		sc = f.normalClass
	}
	f.sc = compileScorer(f.trees, f.numClasses, sc)
	f.shap = &shapState{}
}

// NumFeatures returns the number of features (columns) the forest was
// trained on; rows given to Score must have this length.
func (f *Forest) NumFeatures() int { return f.numFeatures }

// NumClasses returns the number of classes K (at least 2).
func (f *Forest) NumClasses() int { return f.numClasses }

// NumTrees returns the number of trees.
func (f *Forest) NumTrees() int { return len(f.trees) }

// NormalClass returns the class that Score treats as benign in a
// multi-class forest.
func (f *Forest) NormalClass() int { return f.normalClass }

// Criterion returns the impurity criterion the trees were grown with.
func (f *Forest) Criterion() Criterion { return f.criterion }

// FeatureNames returns the names of the features (a copy): those given in
// Config.FeatureNames, or "f0", "f1", … when none were.
func (f *Forest) FeatureNames() []string {
	out := make([]string, f.numFeatures)
	for j := range out {
		out[j] = f.featureName(j)
	}
	return out
}

func (f *Forest) featureName(j int) string {
	if f.names != nil {
		return f.names[j]
	}
	return fmt.Sprintf("f%d", j)
}

// OOBScore returns the out-of-bag accuracy computed by Fit when Config.OOB
// was set: the accuracy of the argmax of each training row's class
// probabilities averaged over the trees whose bootstrap sample left it out
// (scikit-learn's oob_score_). ok is false when it was not computed.
func (f *Forest) OOBScore() (score float64, ok bool) {
	if f.trees == nil || math.IsNaN(f.oob) {
		return math.NaN(), false
	}
	return f.oob, true
}

// check validates a row.
func (f *Forest) check(x []float64) error {
	if f.trees == nil {
		return fmt.Errorf("forest: %w", errs.ErrNotFitted)
	}
	if len(x) != f.numFeatures {
		return fmt.Errorf("forest: row of %d values, want %d: %w", len(x), f.numFeatures, errs.ErrDimension)
	}
	for j, v := range x {
		if v != v {
			return fmt.Errorf("forest: feature %d is NaN: %w", j, errs.ErrNaN)
		}
	}
	return nil
}
