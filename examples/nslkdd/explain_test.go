package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
)

// unitExplainer is a stand-in anomaly.Explainer whose every feature
// contributes sign to every row: the ranking's sums can be counted.
type unitExplainer struct {
	n    int
	sign float64
}

func (u unitExplainer) Score(x []float64) (float64, error) { return 0, nil }
func (u unitExplainer) NumFeatures() int                   { return u.n }
func (u unitExplainer) Explain(x, dst []float64) (float64, error) {
	for j := range dst {
		dst[j] = u.sign
	}
	return 0, nil
}

// noExplainer is a Detector that cannot explain.
type noExplainer struct{ n int }

func (d noExplainer) Score(x []float64) (float64, error) { return 0, nil }
func (d noExplainer) NumFeatures() int                   { return d.n }

func TestRankSumsBackToColumns(t *testing.T) {
	ctx := context.Background()
	tab, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: 300, Seed: 3})
	require.NoError(t, err)
	pipe, err := features.Fit(ctx, tab, features.Telecom()...)
	require.NoError(t, err)
	X, err := pipe.TransformTable(ctx, tab)
	require.NoError(t, err)
	rows := evenRows(tab.Len(), 130) // three chunks, the last partial

	// Each raw column's expected share: its outputs, a multi-source output
	// shared equally.
	want := map[string]float64{}
	for j := range pipe.NumFeatures() {
		src := pipe.Sources(j)
		for _, s := range src {
			want[s] += 1 / float64(len(src))
		}
	}
	for _, sign := range []float64{1, -1} {
		r, err := rank(ctx, unitExplainer{pipe.NumFeatures(), sign}, pipe, X, rows)
		require.NoError(t, err)
		assert.Equal(t, 130, r.Rows)
		require.Len(t, r.ByFeature, pipe.NumFeatures())
		for _, f := range r.ByFeature {
			assert.InDelta(t, 1, f.Value, 1e-12, f.Name)
		}
		got := map[string]float64{}
		for _, c := range r.ByColumn {
			got[c.Name] = c.Value
		}
		assert.Len(t, got, len(want), "only the columns some output reads")
		for name, v := range want {
			assert.InDelta(t, v, got[name], 1e-9, name)
		}
		for k := 1; k < len(r.ByColumn); k++ {
			assert.GreaterOrEqual(t, r.ByColumn[k-1].Value, r.ByColumn[k].Value, "sorted largest first")
		}
	}

	_, err = rank(ctx, noExplainer{pipe.NumFeatures()}, pipe, X, rows)
	assert.ErrorIs(t, err, anomaly.ErrNoExplanation)
	_, err = rank(ctx, unitExplainer{3, 1}, pipe, X, rows)
	assert.ErrorIs(t, err, anomaly.ErrDimension)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = rank(cancelled, unitExplainer{pipe.NumFeatures(), 1}, pipe, X, rows)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestEvenRows(t *testing.T) {
	assert.Equal(t, []int{0, 2, 5, 7}, evenRows(10, 4))
	assert.Equal(t, []int{0, 1, 2}, evenRows(3, 10))
	assert.Empty(t, evenRows(0, 5))
}
