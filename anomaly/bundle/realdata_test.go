package bundle_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// fixtures is the folder of the NSL-KDD-trained XGBoost fixtures, named by
// XGBOOST_FIXTURES; the tests that need them skip without it.
var fixtures = os.Getenv("XGBOOST_FIXTURES")

// nslIForest fits steps on the 20 % training file and a 100-tree Isolation
// Forest (ψ = 256) on its normal rows.
func nslIForest(tb testing.TB, steps []features.Step) (*features.Pipeline, *iforest.Forest) {
	return fitIForest(tb, nsltest.Load(tb, nsltest.Train20), steps)
}

func fitIForest(tb testing.TB, tr *dataset.Table, steps []features.Step) (*features.Pipeline, *iforest.Forest) {
	p, err := features.Fit(context.Background(), tr, steps...)
	require.NoError(tb, err)
	normal := tr.Filter(func(i int) bool { return !tr.IsAttack(i) })
	x, err := p.TransformTable(context.Background(), normal)
	require.NoError(tb, err)
	f, err := iforest.Fit(context.Background(), x, iforest.Config{Trees: 100, SampleSize: 256, Seed: 7, FeatureNames: p.Names()})
	require.NoError(tb, err)
	return p, f
}

// TestRoundTripKDDTest saves and loads bundles of each model kind and checks
// bit-identical scores, row by row through the raw record, on all of
// KDDTest+ (its first 1,500 rows under the race detector, with models trained on
// 4,000 training rows).
func TestRoundTripKDDTest(t *testing.T) {
	te := nsltest.Load(t, nsltest.Test)
	tr := nsltest.Load(t, nsltest.Train20)
	short := raceEnabled || testing.Short()
	// The pipeline is fitted on the whole file (the XGBoost fixture needs its
	// 118 columns); under the race detector, which slows training tenfold,
	// the models are trained on a slice.
	p, err := features.Fit(context.Background(), tr, features.Reference()...)
	require.NoError(t, err)
	rows, trees := tr, 30 // the round trip, not the forest's quality, is under test
	if short {
		rows, trees = tr.Subset(seq(4000)), 10
	}
	x, err := p.TransformTable(context.Background(), rows)
	require.NoError(t, err)
	normal := rows.Filter(func(i int) bool { return !rows.IsAttack(i) })
	xn, err := p.TransformTable(context.Background(), normal)
	require.NoError(t, err)
	ifo, err := iforest.Fit(context.Background(), xn, iforest.Config{Trees: 100, Seed: 7})
	require.NoError(t, err)
	rf, err := forest.Fit(context.Background(), x, nsltest.Binary(rows), forest.Config{Trees: trees, Seed: 3})
	require.NoError(t, err)
	xgb, err := bundle.LoadXGBoost(filepath.Join(fixtures, "binary_100.json"))
	if err != nil {
		t.Skipf("needs the NSL-KDD XGBoost fixtures: set XGBOOST_FIXTURES to their folder (%v)", err)
	}
	hyb, err := anomaly.NewHybrid(xgb, ifo, anomaly.HybridParams{ClassifierThreshold: 0.5, NoveltyThreshold: 0.55, ClassifierScale: 0.2, NoveltyScale: 0.03})
	require.NoError(t, err)
	n := te.Len()
	if short {
		n = 1500
	}
	for _, c := range []struct {
		name string
		d    anomaly.Detector
	}{{"iforest", ifo}, {"forest", rf}, {"xgboost", xgb}, {"hybrid", hyb}} {
		t.Run(c.name, func(t *testing.T) {
			b, err := bundle.New(p, c.d, 0.5, bundle.Metadata{Training: nsltest.Train20, TrainingRows: tr.Len()})
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), c.name+".nwb")
			require.NoError(t, b.Save(path))
			l, err := bundle.Load(path)
			require.NoError(t, err)
			var r dataset.Row
			for i := range n {
				te.Row(i, &r)
				want, err := b.ScoreRow(&r)
				require.NoError(t, err)
				got, err := l.ScoreRow(&r)
				require.NoError(t, err)
				if math.Float64bits(want.Score) != math.Float64bits(got.Score) || want.Attack != got.Attack {
					t.Fatalf("row %d: saved %v, loaded %v", i, want, got)
				}
			}
			if !short {
				all, err := l.ScoreTable(context.Background(), te)
				require.NoError(t, err)
				assert.Len(t, all, te.Len())
			}
		})
	}
}

// TestXGBoostNamesChecked: a bundle refuses an XGBoost model whose feature
// names are not the pipeline's (here: Standard fitted on full train, 122
// columns, against the 118-column fixture).
func TestXGBoostNamesChecked(t *testing.T) {
	xgb, err := bundle.LoadXGBoost(filepath.Join(fixtures, "binary_100.json"))
	if err != nil {
		t.Skipf("needs the NSL-KDD XGBoost fixtures: set XGBOOST_FIXTURES to their folder (%v)", err)
	}
	tr := nsltest.Load(t, nsltest.Train20)
	p, err := features.Fit(context.Background(), tr, features.Drop([]string{"duration"}), features.OneHot("protocol_type", features.OneHotConfig{}),
		features.OneHot("service", features.OneHotConfig{}), features.OneHot("flag", features.OneHotConfig{}), features.Numeric("duration"))
	require.NoError(t, err)
	require.Equal(t, 118, p.NumFeatures())
	_, err = bundle.New(p, xgb, 0.5, bundle.Metadata{})
	require.ErrorIs(t, err, anomaly.ErrDimension)
}

func seq(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
