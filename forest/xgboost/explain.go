package xgboost

import (
	"fmt"
	"sync"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/tree"
)

// shapState holds a tree model's TreeSHAP explainers, one per output,
// prepared on the first explanation: preparing binary_100 (100 trees of
// depth 6) takes a few milliseconds (BenchmarkExplainPrepare) and builds
// Linear TreeSHAP's tables (about 0.4 MiB), which a model that is only
// scored should not pay for at load. It is shared by the copies WithNormalClass makes.
type shapState struct {
	once  sync.Once
	err   error
	class []*tree.Explainer // per output
}

// explainers returns the per-output explainers, preparing them once.
func (m *Model) explainers() ([]*tree.Explainer, error) {
	s := m.shap
	s.once.Do(func() {
		e, err := tree.NewEnsemble(m.trees, m.nfeat, nil)
		if err != nil {
			s.err = fmt.Errorf("xgboost: explain: %w", err)
			return
		}
		s.class = make([]*tree.Explainer, m.nout)
		for k := range s.class {
			w := make([][]float64, len(m.trees))
			for i := range w {
				w[i] = make([]float64, m.trees[i].Outputs)
				wt := m.TreeWeight(i)
				switch g := int(m.group[i]); {
				case g < 0: // vector leaf: one value per output
					w[i][k] = wt
				case g == k:
					w[i][0] = wt
				}
			}
			if s.class[k], err = e.Explainer(w); err != nil {
				s.class, s.err = nil, fmt.Errorf("xgboost: explain: %w", err)
				return
			}
		}
	})
	return s.class, s.err
}

func (m *Model) checkExplain(x, dst []float64) error {
	if err := m.checkRow(x); err != nil {
		return err
	}
	if len(dst) != m.nfeat {
		return fmt.Errorf("xgboost: contribution buffer has %d values, model takes %d features: %w", len(dst), m.nfeat, errs.ErrDimension)
	}
	return nil
}

// Explain writes into dst (length NumFeatures) the exact TreeSHAP
// contribution of every feature of row x to the model's margin, and returns
// the bias, so that bias + Σ dst equals the margin (Margin, before the
// objective's link: the log-odds for binary:logistic) up to XGBoost's
// float32 rounding. The values are those of XGBoost's
// predict(pred_contribs=True): path-dependent TreeSHAP (Lundberg et al.,
// "From local explanations to global understanding with explainable AI for
// trees", Nature Machine Intelligence 2, 2020), computed by Linear TreeSHAP
// (Yu, Bai, Cai and Wang, NeurIPS 2022) in internal/tree; dst[j] is
// dst's j-th value and the bias is XGBoost's last column: the base margin
// plus the trees' cover-weighted expected value. Dart trees count with
// their weight_drop. For gblinear the contributions are the linear terms
// w_j·x_j (a NaN feature contributes 0) and the bias is the bias weight
// plus the base margin, as in XGBoost.
//
// What is explained depends on the model, always so that a positive value
// pushes towards a higher Score:
//   - one output (binary, logitraw, regression, ranking, survival): its
//     margin;
//   - multi-class (multi:softprob, multi:softmax): the normal class's
//     margin negated (NormalClass, class 0 unless set with
//     WithNormalClass), the one-against-the-rest log-odds behind
//     Score = 1 − P(normal); use ExplainClass for the margin of one class;
//   - several targets: no single output, an error wrapping ErrUnsupported
//     (use ExplainClass).
//
// The explainers are prepared on the first call (3–5 ms for 100 trees of
// depth 6, BenchmarkExplainPrepare); after that Explain allocates nothing. Trees saved without
// cover statistics (vector-leaf trees, which XGBoost saves without
// sum_hessian) cannot be explained: an error wrapping ErrNoExplanation.
// A row or dst of the wrong length is an error wrapping ErrDimension.
// A model of no trees (trained for zero rounds, or a WithIterationRange of
// no rounds) explains every row as XGBoost explains a zero-round model: dst
// all 0, the bias the base margin.
// Explain is safe for concurrent use.
func (m *Model) Explain(x, dst []float64) (float64, error) {
	return m.explainScore(x, dst, false)
}

// ExplainApprox is Explain with Saabas path attribution instead of TreeSHAP
// (A. Saabas, "Interpreting random forests", 2014): XGBoost's
// predict(pred_contribs=True, approx_contribs=True). Along x's path in each
// tree, a split adds to its feature the change of the cover-weighted mean
// leaf value from the node to the child taken. It is cheaper (O(depth) per
// tree) but not a Shapley value: a feature split on near the root gets
// credit that TreeSHAP shares with the others. For gblinear it equals
// Explain. The bias and the sum are those of Explain.
func (m *Model) ExplainApprox(x, dst []float64) (float64, error) {
	return m.explainScore(x, dst, true)
}

func (m *Model) explainScore(x, dst []float64, approx bool) (float64, error) {
	switch {
	case m.shap == nil && m.linear == nil:
		return 0, fmt.Errorf("xgboost: explain: model: %w", errs.ErrNotFitted)
	case m.NumClass() > 0:
		base, err := m.explainOutput(m.normal, x, dst, approx)
		if err != nil {
			return 0, err
		}
		for j := range dst {
			dst[j] = -dst[j]
		}
		return -base, nil
	case m.nout > 1:
		if err := m.checkExplain(x, dst); err != nil {
			return 0, err
		}
		return 0, unsupported("explain a model with %d targets: use ExplainClass", m.nout)
	}
	return m.explainOutput(0, x, dst, approx)
}

// ExplainClass writes into dst (length NumFeatures) the exact TreeSHAP
// contributions of row x to margin k (in [0, NumOutputs())): class k of a
// multi-class model, target k of a multi-target one, 0 for the others. It
// returns the bias; bias + Σ dst = margin k. These are the values of
// XGBoost's pred_contribs for that class. Errors, allocations and
// concurrency are as for Explain; k out of range is an error wrapping
// ErrDimension.
func (m *Model) ExplainClass(k int, x, dst []float64) (float64, error) {
	return m.explainOutput(k, x, dst, false)
}

// ExplainClassApprox is ExplainClass with Saabas path attribution
// (approx_contribs), as ExplainApprox.
func (m *Model) ExplainClassApprox(k int, x, dst []float64) (float64, error) {
	return m.explainOutput(k, x, dst, true)
}

func (m *Model) explainOutput(k int, x, dst []float64, approx bool) (float64, error) {
	if m.shap == nil && m.linear == nil {
		return 0, fmt.Errorf("xgboost: explain: model: %w", errs.ErrNotFitted)
	}
	if err := m.checkExplain(x, dst); err != nil {
		return 0, err
	}
	if k < 0 || k >= m.nout {
		return 0, fmt.Errorf("xgboost: output %d outside [0, %d): %w", k, m.nout, errs.ErrDimension)
	}
	if m.linear != nil {
		return m.linearContribs(k, x, dst), nil
	}
	if len(m.trees) == 0 {
		// No tree (zero boosting rounds, or an empty iteration range): the
		// margin is the base margin, and XGBoost's pred_contribs is that
		// bias column alone, every feature 0. internal/tree refuses an
		// ensemble of no trees, so this is answered here.
		clear(dst)
		return float64(m.base[k]), nil
	}
	ex, err := m.explainers()
	if err != nil {
		return 0, err
	}
	var base float64
	if approx {
		base, err = ex[k].ExplainApprox(x, dst)
	} else {
		base, err = ex[k].Explain(x, dst)
	}
	if err != nil {
		return 0, fmt.Errorf("xgboost: explain: %w", err)
	}
	return base + float64(m.base[k]), nil
}

// linearContribs is gblinear's contribution: w_j·x_j in float32, as
// XGBoost computes it, 0 for a missing (NaN) value; the bias is the bias
// weight plus the base margin.
func (m *Model) linearContribs(k int, x, dst []float64) float64 {
	n := m.nout
	for j, v := range x {
		if v != v {
			dst[j] = 0
			continue
		}
		dst[j] = float64(float32(v) * m.linear[j*n+k])
	}
	return float64(m.linear[m.nfeat*n+k] + m.base[k])
}
