package iforest_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/iforest"
	"github.com/netwarden/netwarden/internal/nsltest"
)

var (
	_ anomaly.Detector    = (*iforest.Forest)(nil)
	_ anomaly.BatchScorer = (*iforest.Forest)(nil)
)

// sharedRef holds scikit-learn 1.2.1's IsolationForest(n_estimators=100,
// max_samples=256) ROC AUC on NSL-KDD, trained on KDDTrain+_20Percent, mean
// over random_state 0–4 (docs/reference/quality_reference.json).
var sharedRef = map[string]map[string]float64{
	"normal": {nsltest.Test: 0.9430927995008365, nsltest.Test21: 0.7410574680633956},
	"all":    {nsltest.Test: 0.8773139227452702, nsltest.Test21: 0.6416404409447853},
}

// refAUC is one entry of testdata/sklearn_quality.json, written by
// testdata/sklearn_quality.py: scikit-learn's ROC AUC over seeds 0–29.
type refAUC struct {
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	Mean5 float64 `json:"mean_seeds_0_4"`
}

// readSklearnQuality returns testdata/sklearn_quality.json by variant
// ("normal", "all") and test file.
func readSklearnQuality(t *testing.T) map[string]map[string]refAUC {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_quality.json"))
	require.NoError(t, err)
	var q struct {
		Normal map[string]refAUC `json:"normal"`
		All    map[string]refAUC `json:"all"`
	}
	require.NoError(t, json.Unmarshal(b, &q))
	require.Len(t, q.Normal, 2)
	require.Len(t, q.All, 2)
	return map[string]map[string]refAUC{"normal": q.Normal, "all": q.All}
}

// nslData is the encoded 20 % training file and both test sets.
type nslData struct {
	train, normal *mat.Dense
	tests         map[string]*mat.Dense
	attack        map[string][]bool
}

func loadNSL(t *testing.T) *nslData {
	t.Helper()
	tr := nsltest.Load(t, nsltest.Train20)
	d := &nslData{tests: map[string]*mat.Dense{}, attack: map[string][]bool{}}
	for _, name := range []string{nsltest.Test, nsltest.Test21} {
		te := nsltest.Load(t, name)
		xtr, xte, names := nsltest.Encode(tr, te)
		require.Len(t, names, 118)
		d.train, d.tests[name] = xtr, xte
		for _, y := range nsltest.Binary(te) {
			d.attack[name] = append(d.attack[name], y == 1)
		}
	}
	var normal []float64
	for i, y := range nsltest.Binary(tr) {
		if y == 0 {
			normal = append(normal, d.train.RawRowView(i)...)
		}
	}
	d.normal = mat.NewDense(len(normal)/118, 118, normal)
	require.Equal(t, 13449, len(normal)/118)
	return d
}

// aucs fits one forest per seed (0, 1, …, seeds−1) on X and returns each
// one's ROC AUC on each test set.
func aucs(t *testing.T, d *nslData, X *mat.Dense, seeds, ext int) map[string][]float64 {
	t.Helper()
	ctx := context.Background()
	out := map[string][]float64{}
	for seed := range uint64(seeds) {
		f, err := iforest.Fit(ctx, X, iforest.Config{Seed: seed, ExtensionLevel: ext})
		require.NoError(t, err)
		for name, Xte := range d.tests {
			n, _ := Xte.Dims()
			s := make([]float64, n)
			require.NoError(t, f.ScoreMatrix(ctx, Xte, s))
			auc, err := anomaly.ROCAUC(s, d.attack[name])
			require.NoError(t, err)
			out[name] = append(out[name], auc)
		}
	}
	return out
}

// stats returns the mean, min and max of v.
func stats(v []float64) (mean, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += x / float64(len(v))
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return mean, lo, hi
}

// TestNSLKDDQuality checks the forest against scikit-learn on real traffic:
// trained on the 20 % file (normal rows, or all rows), scored on KDDTest+
// and KDDTest-21, the ROC AUC averaged over seeds 0–4 is within 0.01 of
// scikit-learn's mean over its seeds 0–4 on KDDTest+
// (docs/reference/quality_reference.json).
//
// On KDDTest-21 the AUC of a single forest varies with the seed with a
// standard deviation of 0.019 (normal rows) and 0.038 (all rows) in
// scikit-learn, so two means of 5 seeds differ by up to ±0.03 by chance
// alone: there the means over seeds 0–29 are compared instead, with
// scikit-learn's over its seeds 0–29 (testdata/sklearn_quality.json), within
// 0.01, and the 5-seed figures within 0.03. With -short (the race detector
// run in CI) only the 5-seed checks run.
func TestNSLKDDQuality(t *testing.T) {
	d := loadNSL(t)
	q := readSklearnQuality(t)
	for _, variant := range []string{"normal", "all"} {
		X := d.normal
		if variant == "all" {
			X = d.train
		}
		seeds := 30
		if testing.Short() || raceEnabled {
			seeds = 5
		}
		auc := aucs(t, d, X, seeds, 0)
		for _, name := range []string{nsltest.Test, nsltest.Test21} {
			mean5, lo, hi := stats(auc[name][:5])
			ref := sharedRef[variant][name]
			require.InDelta(t, ref, q[variant][name].Mean5, 1e-9, "testdata/sklearn_quality.json reproduces the shared reference")
			t.Logf("20%% %-6s → %-14s seeds 0–4: ROC AUC %.4f (min %.4f max %.4f), scikit-learn %.4f, diff %+.4f",
				variant, name, mean5, lo, hi, ref, mean5-ref)
			tol := 0.01
			if name == nsltest.Test21 {
				tol = 0.03
			}
			assert.InDelta(t, ref, mean5, tol, "seeds 0–4, %s → %s", variant, name)
		}
		if testing.Short() || raceEnabled {
			continue
		}
		for _, name := range []string{nsltest.Test, nsltest.Test21} {
			mean30, lo, hi := stats(auc[name])
			ref := q[variant][name]
			t.Logf("20%% %-6s → %-14s seeds 0–29: ROC AUC %.4f (min %.4f max %.4f), scikit-learn %.4f (sd %.4f), diff %+.4f",
				variant, name, mean30, lo, hi, ref.Mean, ref.Std, mean30-ref.Mean)
			assert.InDelta(t, ref.Mean, mean30, 0.01, "seeds 0–29, %s → %s", variant, name)
		}
	}
}

// TestNSLKDDExtended fits the Extended Isolation Forest (level 1) on the
// same data. It is not what scikit-learn fits, so its figures are logged
// beside scikit-learn's classic ones; it must still detect the attacks of
// KDDTest+ well (within 0.05 of the classic forest's AUC). Skipped with
// -short and under the race detector.
func TestNSLKDDExtended(t *testing.T) {
	if testing.Short() || raceEnabled {
		// Hyperplane walks are slow under the race detector; the classic
		// forest's tests cover the shared code.
		t.Skip("-short or -race: the extended forest's real-data figures run in the full test")
	}
	d := loadNSL(t)
	q := readSklearnQuality(t)
	for _, variant := range []string{"normal", "all"} {
		X := d.normal
		if variant == "all" {
			X = d.train
		}
		auc := aucs(t, d, X, 5, 1)
		for _, name := range []string{nsltest.Test, nsltest.Test21} {
			mean, lo, hi := stats(auc[name])
			ref := q[variant][name].Mean
			t.Logf("extension 1, 20%% %-6s → %-14s seeds 0–4: ROC AUC %.4f (min %.4f max %.4f); classic scikit-learn %.4f, diff %+.4f",
				variant, name, mean, lo, hi, ref, mean-ref)
		}
		mean, _, _ := stats(auc[nsltest.Test])
		assert.Greater(t, mean, q[variant][nsltest.Test].Mean-0.05, variant)
	}
}

// TestNSLKDDExplanations checks that Local-DIFFI names sensible features for
// the attacks the forest is surest about.
func TestNSLKDDExplanations(t *testing.T) {
	d := loadNSL(t)
	tr := nsltest.Load(t, nsltest.Train20)
	te := nsltest.Load(t, nsltest.Test)
	_, _, names := nsltest.Encode(tr, te)
	f, err := iforest.Fit(context.Background(), d.normal, iforest.Config{Seed: 1, FeatureNames: names})
	require.NoError(t, err)
	X := d.tests[nsltest.Test]
	n, _ := X.Dims()
	s := make([]float64, n)
	require.NoError(t, f.ScoreMatrix(context.Background(), X, s))
	best := 0
	for i := range s {
		if s[i] > s[best] {
			best = i
		}
	}
	dst := make([]float64, 118)
	require.NoError(t, f.Contributions(X.RawRowView(best), dst))
	top := 0
	for j := range dst {
		if dst[j] > dst[top] {
			top = j
		}
	}
	t.Logf("most anomalous KDDTest+ row %d (score %.3f, %s): top feature %s = %v (contribution %.4f)",
		best, s[best], te.Labels()[best], names[top], X.At(best, top), dst[top])
	assert.True(t, d.attack[nsltest.Test][best], "the most anomalous row is an attack")
	// The top feature must be one the row is actually extreme on: outside
	// the range of most normal training rows.
	col := mat.Col(nil, top, d.normal)
	v := X.At(best, top)
	outside := 0
	for _, c := range col {
		if (v > 0 && c < v) || (v <= 0 && c > v) {
			outside++
		}
	}
	assert.Greater(t, float64(outside)/float64(len(col)), 0.9)
}
