package main

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/features"
)

// Ranking is a model's global feature ranking: the mean absolute
// contribution over the explained test rows, per raw source column and per
// encoded feature, largest first.
type Ranking struct {
	// Method says how the contributions were computed.
	Method string `json:"method"`
	// Units are the contributions' units.
	Units string `json:"units"`
	// Rows is the number of test rows explained (evenly spaced).
	Rows int `json:"rows_explained"`
	// ByColumn sums each row's contributions back to the raw columns
	// (features.Pipeline.Sources; an output of several columns is shared
	// equally), then averages the absolute sums.
	ByColumn []Importance `json:"by_column"`
	// ByFeature averages the absolute contribution of each encoded feature.
	ByFeature []Importance `json:"by_feature"`
}

// Importance is one column's or feature's mean |contribution|.
type Importance struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// contributor is Isolation Forest's Local-DIFFI (iforest.Forest.Contributions).
type contributor interface {
	Contributions(x, dst []float64) error
}

// explainFunc returns how d explains a row: its anomaly.Explainer when it has
// one, else an Isolation Forest's Local-DIFFI contributions; an error
// wrapping anomaly.ErrNoExplanation when neither.
func explainFunc(d anomaly.Detector) (fn func(x, dst []float64) error, method, units string, err error) {
	if e, ok := d.(anomaly.Explainer); ok {
		return func(x, dst []float64) error { _, err := e.Explain(x, dst); return err },
			"exact TreeSHAP (anomaly.Explainer), mean |contribution| per raw column and per encoded feature", units0(d), nil
	}
	if c, ok := d.(contributor); ok {
		return c.Contributions, "Local-DIFFI (iforest Contributions: how much each feature's splits isolated the row)", "depth-weighted split counts", nil
	}
	return nil, "", "", fmt.Errorf("%T does not implement anomaly.Explainer yet: %w", d, anomaly.ErrNoExplanation)
}

// units0 names the raw output an Explainer's contributions add up to, in
// the bundle's words (bundle.Explained), so that the rankings and the
// per-record explanations of serve, stream and quickstart name one unit
// alike. A ranking is of magnitudes, so the Isolation Forest's sign
// (negated in per-record explanations) does not show.
func units0(d anomaly.Detector) string {
	switch fmt.Sprintf("%T", d) {
	case "*forest.Forest":
		return bundle.UnitProbability
	case "*bundle.XGBoostModel", "*xgboost.Model":
		return bundle.UnitLogOdds
	case "*iforest.Forest":
		return "path length (edges)"
	}
	return "model output"
}

// rank explains the rows of X at rows with d, over all cores, and returns
// the global ranking. The sums are formed per fixed chunk of rows and added
// in chunk order, so the result does not depend on scheduling.
func rank(ctx context.Context, d anomaly.Detector, pipe *features.Pipeline, X *mat.Dense, rows []int) (*Ranking, error) {
	explain, method, units, err := explainFunc(d)
	if err != nil {
		return nil, err
	}
	p := pipe.NumFeatures()
	if _, c := X.Dims(); c != p || d.NumFeatures() != p {
		return nil, fmt.Errorf("rank: %d features, matrix %d, model %d: %w", p, c, d.NumFeatures(), anomaly.ErrDimension)
	}
	// Raw columns in schema order; each output's share of each source.
	schema := pipe.Schema()
	colIdx := map[string]int{}
	for j, c := range schema.Columns {
		colIdx[c.Name] = j
	}
	type share struct {
		col int
		w   float64
	}
	shares := make([][]share, p)
	for j := range p {
		src := pipe.Sources(j)
		for _, s := range src {
			c, ok := colIdx[s]
			if !ok {
				return nil, fmt.Errorf("rank: output %q comes from %q, not a column of the schema", pipe.Names()[j], s)
			}
			shares[j] = append(shares[j], share{c, 1 / float64(len(src))})
		}
	}
	ncol := len(schema.Columns)

	const chunk = 64
	nChunks := (len(rows) + chunk - 1) / chunk
	featSum := make([][]float64, nChunks)
	colSum := make([][]float64, nChunks)
	errs := make([]error, nChunks)
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float64, p)
			colBuf := make([]float64, ncol)
			for k := range next {
				fs, cs := make([]float64, p), make([]float64, ncol)
				for _, i := range rows[k*chunk : min((k+1)*chunk, len(rows))] {
					if err := explain(X.RawRowView(i), dst); err != nil {
						errs[k] = fmt.Errorf("test row %d: %w", i, err)
						break
					}
					clear(colBuf)
					for j, v := range dst {
						fs[j] += math.Abs(v)
						for _, s := range shares[j] {
							colBuf[s.col] += s.w * v
						}
					}
					for c, v := range colBuf {
						cs[c] += math.Abs(v)
					}
				}
				featSum[k], colSum[k] = fs, cs
			}
		}()
	}
feed:
	for k := range nChunks {
		select {
		case next <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	fs, cs := make([]float64, p), make([]float64, ncol)
	for k := range nChunks {
		for j, v := range featSum[k] {
			fs[j] += v
		}
		for c, v := range colSum[k] {
			cs[c] += v
		}
	}
	n := float64(len(rows))
	r := &Ranking{Method: method, Units: units, Rows: len(rows)}
	for j, name := range pipe.Names() {
		r.ByFeature = append(r.ByFeature, Importance{name, fs[j] / n})
	}
	used := make([]bool, ncol)
	for _, sh := range shares {
		for _, x := range sh {
			used[x.col] = true
		}
	}
	for c, col := range schema.Columns {
		if used[c] { // columns no output reads have nothing to rank
			r.ByColumn = append(r.ByColumn, Importance{col.Name, cs[c] / n})
		}
	}
	byValue := func(s []Importance) {
		sort.SliceStable(s, func(a, b int) bool { return s[a].Value > s[b].Value })
	}
	byValue(r.ByFeature)
	byValue(r.ByColumn)
	return r, nil
}
