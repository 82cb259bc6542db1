package xgboost_test

import (
	"cmp"
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// TestBundleExplainsByColumn runs Explain end to end: a bundle of the
// reference pipeline (fitted on KDDTrain+_20Percent, the fixtures' 118
// columns) and an XGBoost fixture explains raw KDDTest+ records, and its
// TopFeatures are Explain's contributions summed back to the raw columns
// (service=http, service=ftp, … into service), signed, largest in magnitude
// first, and with k = 0 they add up to the margin minus the bias. For the
// multi-class model they are those of the normal class's margin negated.
func TestBundleExplainsByColumn(t *testing.T) {
	dir := sharedFixtures(t)
	tr := nsltest.Load(t, nsltest.Train20)
	te := nsltest.Load(t, nsltest.Test)
	p, err := features.Fit(context.Background(), tr, features.Reference()...)
	require.NoError(t, err)
	for _, name := range []string{"binary_100", "multi_softprob"} {
		t.Run(name, func(t *testing.T) {
			m, err := bundle.LoadXGBoost(filepath.Join(dir, name+".json"))
			require.NoError(t, err)
			b, err := bundle.New(p, m, 0.5, bundle.Metadata{})
			require.NoError(t, err)
			cols := p.Schema().Columns
			x := make([]float64, p.NumFeatures())
			c := make([]float64, p.NumFeatures())
			var r dataset.Row
			explained, categorical := 0, 0
			for i := 0; i < te.Len(); i += 97 {
				te.Row(i, &r)
				res, err := b.ExplainRow(&r, 0)
				require.NoError(t, err)
				require.NoError(t, p.TransformRow(&r, x))
				_, err = m.Explain(x, c)
				require.NoError(t, err)
				byCol := map[string]float64{}
				for j, v := range c {
					src := p.Sources(j)
					for _, s := range src {
						byCol[s] += v / float64(len(src))
					}
				}
				var want []bundle.Contribution
				for _, col := range cols {
					if v := byCol[col.Name]; v != 0 {
						want = append(want, bundle.Contribution{Column: col.Name, Value: v})
					}
				}
				slices.SortStableFunc(want, func(a, b bundle.Contribution) int { return cmp.Compare(math.Abs(b.Value), math.Abs(a.Value)) })
				require.Len(t, res.TopFeatures, len(want), "row %d", i)
				for k := range want {
					assert.Equal(t, want[k].Column, res.TopFeatures[k].Column, "row %d rank %d", i, k)
					assert.InDelta(t, want[k].Value, res.TopFeatures[k].Value, 1e-12, "row %d %s", i, want[k].Column)
				}
				if len(want) > 0 {
					explained++
				}
				// Every column together: the margin explained (of the normal
				// class, negated, for the multi-class model).
				total := 0.0
				for _, c := range res.TopFeatures {
					total += c.Value
				}
				bias, err := m.Explain(x, c)
				require.NoError(t, err)
				margin := make([]float64, m.NumOutputs())
				require.NoError(t, m.Margin(x, margin))
				if m.NumClass() > 0 {
					assert.InDelta(t, -margin[m.NormalClass()], bias+total, 1e-5, "row %d", i)
				} else {
					assert.InDelta(t, margin[0], bias+total, 1e-5, "row %d", i)
				}
				if slices.ContainsFunc(want, func(c bundle.Contribution) bool { return c.Column == "service" || c.Column == "flag" }) {
					categorical++ // the one-hot columns were summed back
				}
			}
			assert.Positive(t, explained)
			assert.Positive(t, categorical)
		})
	}
}
