package bundle_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest/xgboost"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// readFloatCSV reads a fixture CSV of numbers (an empty cell is NaN),
// skipping a header row when skipHeader is set.
func readFloatCSV(tb testing.TB, name string, skipHeader bool) [][]float64 {
	tb.Helper()
	f, err := os.Open(filepath.Join(fixtures, name))
	require.NoError(tb, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(tb, err)
	if skipHeader {
		recs = recs[1:]
	}
	out := make([][]float64, len(recs))
	for i, r := range recs {
		out[i] = make([]float64, len(r))
		for j, s := range r {
			if s == "" {
				out[i][j] = math.NaN()
				continue
			}
			out[i][j], err = strconv.ParseFloat(s, 64)
			require.NoError(tb, err, "%s: row %d column %d", name, i+1, j+1)
		}
	}
	return out
}

// sameFloat is bit equality, with every NaN equal to every NaN.
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestCategoricalXGBoost feeds XGBoost's categorical fixture (multi:softprob,
// 5 classes, partition splits on the raw protocol_type, service and flag)
// from raw KDDTest+ rows through a features.CategoricalCodes pipeline and a
// bundle, and checks the encoded rows, probabilities, margins and
// contributions against XGBoost's own on the first 500 rows, the bundle's
// score (1 − P(normal)) and its save/load round trip, and that an unseen
// service scores as XGBoost scores a missing value.
// categoricalBundle builds the bundle of XGBoost's categorical fixture on
// KDDTest+'s schema, or skips when the fixture is absent.
func categoricalBundle(tb testing.TB) (*bundle.Bundle, *bundle.XGBoostModel, *dataset.Table) {
	tb.Helper()
	xgb, err := bundle.LoadXGBoost(filepath.Join(fixtures, "categorical.json"))
	if err != nil {
		tb.Skipf("needs the NSL-KDD categorical XGBoost fixture: set XGBOOST_FIXTURES to its folder (%v)", err)
	}
	f, err := os.Open(filepath.Join(fixtures, "categorical_categories.json"))
	require.NoError(tb, err)
	codes, err := xgboost.ReadCategoryCodes(f)
	f.Close()
	require.NoError(tb, err)
	if own := xgb.CategoryCodes(); own != nil {
		assert.Equal(tb, codes, own, "the model's own category list is the fixture's")
	}
	te := nsltest.Load(tb, nsltest.Test)

	steps, err := features.CategoricalCodes(te.Schema(), codes)
	require.NoError(tb, err)
	// A Codes step reads no data: the pipeline is "fitted" on the test
	// table only for its schema.
	p, err := features.Fit(context.Background(), te, steps...)
	require.NoError(tb, err)
	require.Equal(tb, xgb.FeatureNames(), p.Names(), "the model's features are the 41 raw columns")
	b, err := bundle.New(p, xgb, 0.5, bundle.Metadata{})
	require.NoError(tb, err)
	return b, xgb, te
}

func TestCategoricalXGBoost(t *testing.T) {
	b, xgb, te := categoricalBundle(t)
	p := b.Pipeline()

	// Save and load: the reloaded bundle must score bit-identically.
	path := filepath.Join(t.TempDir(), "categorical.nwb")
	require.NoError(t, b.Save(path))
	loaded, err := bundle.Load(path)
	require.NoError(t, err)
	b1, err := b.MarshalBinary()
	require.NoError(t, err)
	b2, err := loaded.MarshalBinary()
	require.NoError(t, err)
	assert.True(t, bytes.Equal(b1, b2), "a loaded bundle encodes to the same bytes")

	feats := readFloatCSV(t, "categorical_features.csv", true)
	pred := readFloatCSV(t, "categorical_pred.csv", false)
	margin := readFloatCSV(t, "categorical_margin.csv", false)
	contribs := readFloatCSV(t, "categorical_contribs.csv", false)
	n := len(pred)
	require.Equal(t, 500, n)
	require.GreaterOrEqual(t, te.Len(), n)
	nf := p.NumFeatures()
	require.Len(t, contribs[0], 5*(nf+1))

	var r dataset.Row
	x := make([]float64, nf)
	proba := make([]float64, 5)
	marg := make([]float64, 5)
	var bad int
	for i := range n {
		te.Row(i, &r)
		require.NoError(t, p.TransformRow(&r, x))
		for j := range x {
			if !sameFloat(x[j], feats[i][j]) {
				bad++
				t.Errorf("row %d: %s = %g, XGBoost's input %g", i, p.Names()[j], x[j], feats[i][j])
			}
		}
		require.NoError(t, xgb.PredictProba(x, proba))
		require.NoError(t, xgb.Margin(x, marg))
		for k := range 5 {
			assert.InDelta(t, pred[i][k], proba[k], 1e-6, "row %d class %d probability", i, k)
			assert.InDelta(t, margin[i][k], marg[k], 1e-6, "row %d class %d margin", i, k)
		}
		res, err := b.ScoreRow(&r)
		require.NoError(t, err)
		// Score and PredictProba round differently (PredictProba keeps
		// XGBoost's float32 softmax), so they agree to float32 precision.
		assert.InDelta(t, 1-proba[0], res.Score, 1e-6, "row %d: the bundle scores 1 − P(normal)", i)
		assert.InDelta(t, 1-pred[i][0], res.Score, 1e-6, "row %d", i)
		assert.Equal(t, res.Score >= 0.5, res.Attack)
		res2, err := loaded.ScoreRow(&r)
		require.NoError(t, err)
		assert.True(t, sameFloat(res.Score, res2.Score), "row %d: loaded bundle %v, saved %v", i, res2.Score, res.Score)

		// ExplainRow on every column: each output is one raw column, so
		// its contribution is XGBoost's TreeSHAP value for the normal
		// class's margin, negated (positive pushes towards attack).
		if i%10 == 0 {
			ex, err := loaded.ExplainRow(&r, 0)
			require.NoError(t, err)
			assert.True(t, sameFloat(res.Score, ex.Score))
			require.NotEmpty(t, ex.TopFeatures)
			got := map[string]float64{}
			for _, c := range ex.TopFeatures {
				got[c.Column] = c.Value
			}
			for j, name := range p.Names() {
				assert.InDelta(t, -contribs[i][j], got[name], 1e-5, "row %d: contribution of %s", i, name)
			}
		}
		if bad > 10 {
			t.FailNow()
		}
	}

	// A service never seen in training is a missing value to the model: the
	// bundle must score it as XGBoost scores NaN in that column (and not as
	// any known service's code).
	schema := te.Schema()
	svc := schema.Index("service")
	require.GreaterOrEqual(t, svc, 0)
	for _, i := range []int{0, 1, 2, 7, 42} {
		te.Row(i, &r)
		r.Cat[svc] = "service_never_seen_in_training"
		require.NoError(t, p.TransformRow(&r, x))
		require.True(t, math.IsNaN(x[svc]))
		want, err := xgb.Score(x)
		require.NoError(t, err)
		// The reference NaN row is built independently of the pipeline.
		te.Row(i, &r)
		require.NoError(t, p.TransformRow(&r, x))
		x[svc] = math.NaN()
		want2, err := xgb.Score(x)
		require.NoError(t, err)
		assert.True(t, sameFloat(want, want2))

		r.Cat[svc] = "service_never_seen_in_training"
		for _, bb := range []*bundle.Bundle{b, loaded} {
			res, err := bb.ScoreRow(&r)
			require.NoError(t, err)
			assert.True(t, sameFloat(want2, res.Score), "row %d: unseen service scores %v, the model with NaN %v", i, res.Score, want2)
			ex, err := bb.ExplainRow(&r, 3)
			require.NoError(t, err)
			assert.True(t, sameFloat(want2, ex.Score))
			assert.LessOrEqual(t, len(ex.TopFeatures), 3)
		}
		// The same through a record given as text, as a service receives it.
		rec := map[string]string{}
		for j, c := range te.Schema().Columns {
			if c.Kind == dataset.Categorical {
				rec[c.Name] = r.Cat[j]
			} else {
				rec[c.Name] = strconv.FormatFloat(r.Num[j], 'g', -1, 64)
			}
		}
		res, err := loaded.ScoreRecord(rec)
		require.NoError(t, err)
		assert.True(t, sameFloat(want2, res.Score), "row %d: record with an unseen service", i)
	}
}
