package main

import (
	"sync"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/tree"
)

// xgbExplainer fills in explanations for XGBoost bundles, a stop-gap:
// bundle.ExplainRow and ExplainRecord explain a model that implements
// anomaly.Explainer (or an Isolation Forest), and the XGBoost reader does
// not implement it yet. It runs exact TreeSHAP (internal/tree, as XGBoost's
// pred_contribs) on the margin and sums the contributions back to the raw
// columns through the pipeline's Sources, sharing a multi-column output
// equally, as the bundle does. Once the XGBoost model implements
// anomaly.Explainer, newXGBExplainer returns nil and the bundle explains.
// It is safe for concurrent use.
type xgbExplainer struct {
	pipe    *features.Pipeline
	ex      *tree.Explainer
	sources [][]int // output j → schema columns
	names   []string
	scratch sync.Pool // *xgbScratch
}

type xgbScratch struct{ x, contrib, col []float64 }

// newXGBExplainer returns the stop-gap explainer for b, or nil when b does
// not need one (not XGBoost, already explainable, or several outputs).
func newXGBExplainer(b *bundle.Bundle) (*xgbExplainer, error) {
	m, ok := b.Detector().(*bundle.XGBoostModel)
	if !ok || m.NumOutputs() != 1 {
		return nil, nil
	}
	if _, ok := b.Detector().(anomaly.Explainer); ok {
		return nil, nil
	}
	trees := m.Trees()
	ens, err := tree.NewEnsemble(trees, m.NumFeatures(), nil)
	if err != nil {
		return nil, err
	}
	w := make([][]float64, len(trees))
	for i := range w {
		w[i] = []float64{m.TreeWeight(i)}
	}
	ex, err := ens.Explainer(w)
	if err != nil {
		return nil, err
	}
	pipe := b.Pipeline()
	schema := pipe.Schema()
	e := &xgbExplainer{pipe: pipe, ex: ex, sources: make([][]int, pipe.NumFeatures())}
	for _, c := range schema.Columns {
		e.names = append(e.names, c.Name)
	}
	for j := range e.sources {
		for _, s := range pipe.Sources(j) {
			if k := schema.Index(s); k >= 0 {
				e.sources[j] = append(e.sources[j], k)
			}
		}
	}
	p, n := pipe.NumFeatures(), len(e.names)
	e.scratch.New = func() any {
		return &xgbScratch{x: make([]float64, p), contrib: make([]float64, p), col: make([]float64, n)}
	}
	return e, nil
}

// explainRecord returns the top k raw columns behind rec's score (k <= 0:
// every column with a positive contribution), largest first.
func (e *xgbExplainer) explainRecord(rec map[string]string, k int) ([]bundle.Contribution, error) {
	s := e.scratch.Get().(*xgbScratch)
	defer e.scratch.Put(s)
	if err := e.pipe.TransformRecord(rec, s.x); err != nil {
		return nil, err
	}
	return e.top(s, k)
}

// explainRow is explainRecord for a raw row of the pipeline's schema.
func (e *xgbExplainer) explainRow(r *dataset.Row, k int) ([]bundle.Contribution, error) {
	s := e.scratch.Get().(*xgbScratch)
	defer e.scratch.Put(s)
	if err := e.pipe.TransformRow(r, s.x); err != nil {
		return nil, err
	}
	return e.top(s, k)
}

func (e *xgbExplainer) top(s *xgbScratch, k int) ([]bundle.Contribution, error) {
	if _, err := e.ex.Explain(s.x, s.contrib); err != nil {
		return nil, err
	}
	clear(s.col)
	for j, c := range s.contrib {
		for _, col := range e.sources[j] {
			s.col[col] += c / float64(len(e.sources[j]))
		}
	}
	if k <= 0 || k > len(s.col) {
		k = len(s.col)
	}
	var out []bundle.Contribution
	for len(out) < k {
		best := -1
		for i, v := range s.col {
			if v > 0 && (best < 0 || v > s.col[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, bundle.Contribution{Column: e.names[best], Value: s.col[best]})
		s.col[best] = 0
	}
	return out, nil
}
