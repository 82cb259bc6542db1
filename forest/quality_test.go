package forest_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// rocAUC is the area under the ROC curve of scores s for labels y (1
// positive), with ties given half credit (the Mann–Whitney statistic).
func rocAUC(y []int, s []float64) float64 {
	idx := make([]int, len(s))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s[idx[a]] < s[idx[b]] })
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && s[idx[j]] == s[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for _, k := range idx[i:j] {
			if y[k] == 1 {
				rankSum += mid
			}
		}
		i = j
	}
	for _, v := range y {
		if v == 1 {
			pos++
		} else {
			neg++
		}
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// accF1 returns the accuracy and F1 of score > 0.5 against y.
func accF1(y []int, s []float64) (acc, f1 float64) {
	var tp, fp, fn, ok float64
	for i, v := range s {
		pred := 0
		if v > 0.5 {
			pred = 1
		}
		if pred == y[i] {
			ok++
		}
		switch {
		case pred == 1 && y[i] == 1:
			tp++
		case pred == 1:
			fp++
		case y[i] == 1:
			fn++
		}
	}
	return ok / float64(len(y)), 2 * tp / (2*tp + fp + fn)
}

// reference reads the scikit-learn means of quality_reference.json.
func reference(t *testing.T) map[string]map[string]map[string]map[string]map[string]float64 {
	path := filepath.Join(nsltest.Dir(t), "..", "..", "reference", "quality_reference.json")
	if p := os.Getenv("NSLKDD_REFERENCE"); p != "" {
		path = p
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("reference figures not found (%v); set NSLKDD_REFERENCE to quality_reference.json", err)
	}
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &doc))
	var out map[string]map[string]map[string]map[string]float64
	require.NoError(t, json.Unmarshal(doc["KDDTrain+_20Percent"], &map[string]any{}))
	// Only the test-set objects have the nested shape; decode them one by one.
	var train map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(doc["KDDTrain+_20Percent"], &train))
	out = map[string]map[string]map[string]map[string]float64{}
	for _, ts := range []string{"KDDTest+", "KDDTest-21"} {
		var m map[string]map[string]map[string]float64
		require.NoError(t, json.Unmarshal(train[ts], &m))
		out[ts] = m
	}
	return map[string]map[string]map[string]map[string]map[string]float64{"20": out}
}

// TestQualityNSLKDD trains on KDDTrain+_20Percent with seeds 0–9 and checks
// the mean binary accuracy, F1 and ROC AUC and the 5-class accuracy on
// KDDTest+ and KDDTest-21, and the out-of-bag score, against the means of
// scikit-learn's RandomForestClassifier(n_estimators=100) over its seeds
// 0–4 (quality_reference.json), within 0.01 (0.005 for the OOB score).
//
// Ten seeds rather than five: on KDDTest-21 one forest's accuracy varies
// with the seed by about 0.012 (standard deviation), so a 5-seed mean is
// uncertain by about 0.0055 on each side and two implementations of the
// same algorithm would differ by more than 0.01 in about one run out of
// five; ten seeds on our side bring that down while keeping the test at
// about 20 fits.
func TestQualityNSLKDD(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("10-seed quality test: skipped with -short and under the race detector (about 20 s without)")
	}
	train := nsltest.Load(t, nsltest.Train20)
	ref := reference(t)["20"]
	tests := map[string]*mat.Dense{}
	var xtr *mat.Dense
	var names []string
	for _, ts := range []string{nsltest.Test, nsltest.Test21} {
		xtr, tests[ts], names = nsltest.Encode(train, nsltest.Load(t, ts))
	}
	ytr, ytr5 := nsltest.Binary(train), nsltest.Classes(train)
	require.Equal(t, 118, len(names))

	const seeds = 10
	sum := map[string]float64{}
	var oob float64
	for seed := range uint64(seeds) {
		cfg := forest.Config{Seed: seed, OOB: true, FeatureNames: names, Workers: runtime.GOMAXPROCS(0)}
		f, err := forest.Fit(context.Background(), xtr, ytr, cfg)
		require.NoError(t, err)
		s, ok := f.OOBScore()
		require.True(t, ok)
		oob += s / seeds
		cfg.OOB = false
		f5, err := forest.Fit(context.Background(), xtr, ytr5, cfg)
		require.NoError(t, err)
		for ts, xte := range tests {
			te := nsltest.Load(t, ts)
			y, y5 := nsltest.Binary(te), nsltest.Classes(te)
			n, _ := xte.Dims()
			sc := make([]float64, n)
			require.NoError(t, f.ScoreBatch(xte, sc))
			acc, f1 := accF1(y, sc)
			sum[ts+" acc"] += acc / seeds
			sum[ts+" f1"] += f1 / seeds
			sum[ts+" auc"] += rocAUC(y, sc) / seeds
			ok5 := 0
			for i := range n {
				c, err := f5.Predict(xte.RawRowView(i))
				require.NoError(t, err)
				if c == y5[i] {
					ok5++
				}
			}
			sum[ts+" acc5"] += float64(ok5) / float64(n) / seeds
		}
	}
	check := func(name string, got, want, tol float64) {
		t.Logf("%-18s go %.4f  sklearn %.4f  diff %+.4f", name, got, want, got-want)
		assert.InDelta(t, want, got, tol, name)
	}
	for _, ts := range []string{nsltest.Test, nsltest.Test21} {
		r := ref[trimTxt(ts)]
		check(ts+" acc", sum[ts+" acc"], r["random_forest"]["accuracy"]["mean"], 0.01)
		check(ts+" f1", sum[ts+" f1"], r["random_forest"]["f1"]["mean"], 0.01)
		check(ts+" auc", sum[ts+" auc"], r["random_forest"]["roc_auc"]["mean"], 0.01)
		check(ts+" acc5", sum[ts+" acc5"], r["random_forest_5class"]["accuracy"]["mean"], 0.01)
	}
	check("oob", oob, ref["KDDTest+"]["random_forest"]["oob_score"]["mean"], 0.005)
	assert.False(t, math.IsNaN(oob))
}

func trimTxt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }
