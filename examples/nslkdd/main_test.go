package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/internal/nsltest"
)

// jsonResult is the documented shape of -json, decoded strictly.
type jsonResult struct {
	Dataset struct {
		Source          string         `json:"source"`
		Synthetic       bool           `json:"synthetic"`
		TrainFile       string         `json:"train_file"`
		TestFile        string         `json:"test_file"`
		TrainRows       int            `json:"train_rows"`
		TestRows        int            `json:"test_rows"`
		TrainAttacks    int            `json:"train_attacks"`
		TestAttacks     int            `json:"test_attacks"`
		TestCategories  map[string]int `json:"test_categories"`
		NovelLabels     map[string]int `json:"novel_labels"`
		NovelRows       int            `json:"novel_rows"`
		Features        string         `json:"features"`
		NumFeatures     int            `json:"num_features"`
		CalibrationRows int            `json:"calibration_rows"`
	} `json:"dataset"`
	Models []struct {
		Name               string             `json:"name"`
		Description        string             `json:"description"`
		Threshold          float64            `json:"threshold"`
		ThresholdRule      string             `json:"threshold_rule"`
		ROCAUC             float64            `json:"roc_auc"`
		PRAUC              float64            `json:"pr_auc"`
		Accuracy           float64            `json:"accuracy"`
		F1                 float64            `json:"f1"`
		Precision          float64            `json:"precision"`
		Recall             float64            `json:"recall"`
		FalsePositiveRate  float64            `json:"false_positive_rate"`
		FitSeconds         *float64           `json:"fit_seconds"`
		ScoreRowsPerSecond float64            `json:"score_rows_per_second"`
		PerCategory        map[string]float64 `json:"per_category"`
		Report             json.RawMessage    `json:"report"`
		Hybrid             *struct {
			ClassifierThreshold float64 `json:"classifier_threshold"`
			NoveltyThreshold    float64 `json:"novelty_threshold"`
			ClassifierScale     float64 `json:"classifier_scale"`
			NoveltyScale        float64 `json:"novelty_scale"`
			Budget              float64 `json:"budget"`
			CalibrationFPR      float64 `json:"calibration_fpr"`
			CalibrationRows     int     `json:"calibration_rows"`
		} `json:"hybrid"`
		Importance *struct {
			Method    string `json:"method"`
			Units     string `json:"units"`
			Rows      int    `json:"rows_explained"`
			ByColumn  []item `json:"by_column"`
			ByFeature []item `json:"by_feature"`
		} `json:"importance"`
		ImportanceNote string `json:"importance_note"`
		Bundle         string `json:"bundle"`
	} `json:"models"`
	HybridBudgets []struct {
		Budget float64         `json:"budget"`
		Params json.RawMessage `json:"params"`
		Report json.RawMessage `json:"report"`
	} `json:"hybrid_budgets"`
	BudgetCurve []struct {
		Budget              float64 `json:"budget"`
		ClassifierDetection float64 `json:"classifier_detection"`
		NoveltyDetection    float64 `json:"novelty_detection"`
		HybridDetection     float64 `json:"hybrid_detection"`
		ClassifierFPR       float64 `json:"classifier_test_fpr"`
		NoveltyFPR          float64 `json:"novelty_test_fpr"`
		HybridFPR           float64 `json:"hybrid_test_fpr"`
	} `json:"budget_curve"`
	Out   string   `json:"out"`
	Files []string `json:"files"`
}

type item struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// smallConfig is a quick synthetic run into dir.
func smallConfig(dir string) config {
	cfg := defaultConfig()
	cfg.Out = dir
	cfg.Trees = 10
	cfg.SynthTrain, cfg.SynthTest = 2000, 1000
	cfg.Explain = 100
	if testing.Short() {
		cfg.SynthTrain, cfg.SynthTest, cfg.Explain = 1200, 600, 40
	}
	return cfg
}

// decode marshals res as main does and decodes it strictly into the
// documented shape.
func decode(t *testing.T, res *Result) jsonResult {
	t.Helper()
	b, err := json.Marshal(res)
	require.NoError(t, err)
	var got jsonResult
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&got), "the JSON must have exactly the documented keys")
	return got
}

func TestSyntheticRun(t *testing.T) {
	dir := t.TempDir()
	var text bytes.Buffer
	res, err := run(context.Background(), &text, io.Discard, smallConfig(dir))
	require.NoError(t, err)
	got := decode(t, res)

	assert.True(t, got.Dataset.Synthetic)
	assert.Contains(t, got.Dataset.Source, "synthetic")
	assert.Equal(t, "reference", got.Dataset.Features)
	assert.Positive(t, got.Dataset.NumFeatures)
	assert.Positive(t, got.Dataset.CalibrationRows)
	assert.NotEmpty(t, got.Dataset.NovelLabels, "the synthetic test set holds attack types absent from training")

	var names []string
	for _, m := range got.Models {
		names = append(names, m.Name)
		assert.Greater(t, m.ROCAUC, 0.5, m.Name)
		assert.Greater(t, m.PRAUC, 0.0, m.Name)
		assert.Greater(t, m.Accuracy, 0.5, m.Name)
		assert.Positive(t, m.ScoreRowsPerSecond, m.Name)
		require.NotNil(t, m.FitSeconds, m.Name)
		assert.Contains(t, m.PerCategory, "DoS", m.Name)
		assert.Contains(t, m.PerCategory, "novel", m.Name)
		assert.NotEmpty(t, m.Report, m.Name)
		assert.FileExists(t, filepath.Join(dir, m.Bundle))
		b, err := bundle.Load(filepath.Join(dir, m.Bundle))
		require.NoError(t, err, m.Name)
		assert.Equal(t, m.Name, b.Metadata().Name)
	}
	assert.Equal(t, []string{"iforest", "random_forest", "hybrid"}, names)
	hy := got.Models[2]
	require.NotNil(t, hy.Hybrid)
	assert.Equal(t, 0.01, hy.Hybrid.Budget)
	// The Isolation Forest explains itself (Local-DIFFI at least); the
	// ranking covers the requested rows and sums back to raw columns.
	ifo := got.Models[0]
	require.NotNil(t, ifo.Importance, ifo.ImportanceNote)
	assert.Equal(t, smallConfig(dir).Explain, ifo.Importance.Rows)
	assert.Len(t, ifo.Importance.ByColumn, 41)
	assert.Len(t, ifo.Importance.ByFeature, got.Dataset.NumFeatures)
	assert.GreaterOrEqual(t, ifo.Importance.ByColumn[0].Value, ifo.Importance.ByColumn[1].Value)
	assert.Nil(t, hy.Importance)
	assert.NotEmpty(t, hy.ImportanceNote)

	require.Len(t, got.HybridBudgets, 3)
	assert.Equal(t, 0.05, got.HybridBudgets[2].Budget)
	require.Len(t, got.BudgetCurve, len(curveBudgets))
	for _, p := range got.BudgetCurve {
		assert.GreaterOrEqual(t, p.HybridDetection, 0.0)
		assert.LessOrEqual(t, p.HybridDetection, 1.0)
	}

	pngs := []string{"roc.png", "roc_low_fpr.png", "pr.png", "hist.png", "budget.png", "importance_iforest.png"}
	for _, name := range pngs {
		assert.Contains(t, got.Files, name)
		f, err := os.Open(filepath.Join(dir, name))
		require.NoError(t, err, name)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err, name)
		assert.Greater(t, img.Bounds().Dx(), 300, name)
	}

	s := text.String()
	for _, want := range []string{"| model | threshold | ROC AUC", "## Business impact", "hybrid @ 5 %", "## Detection rate against the false-alarm budget", "Global feature ranking"} {
		assert.Contains(t, s, want)
	}
}

// TestDeterministic: the same seed gives the same figures (timings aside).
func TestDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the workflow twice")
	}
	a, err := run(context.Background(), io.Discard, io.Discard, smallConfig(t.TempDir()))
	require.NoError(t, err)
	b, err := run(context.Background(), io.Discard, io.Discard, smallConfig(t.TempDir()))
	require.NoError(t, err)
	for k := range a.Models {
		assert.Equal(t, a.Models[k].ROCAUC, b.Models[k].ROCAUC)
		assert.Equal(t, a.Models[k].PerCategory, b.Models[k].PerCategory)
		assert.Equal(t, a.Models[k].Importance, b.Models[k].Importance)
	}
	assert.Equal(t, a.BudgetCurve, b.BudgetCurve)
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	for name, mod := range map[string]func(*config){
		"budget":   func(c *config) { c.Budget = 1.5 },
		"trees":    func(c *config) { c.Trees = 0 },
		"features": func(c *config) { c.Features = "fancy" },
		"explain":  func(c *config) { c.Explain = -1 },
		"data":     func(c *config) { c.Data = filepath.Join(t.TempDir(), "missing") },
		"xgb file": func(c *config) { c.XGB = filepath.Join(t.TempDir(), "missing.json") },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := smallConfig(t.TempDir())
			mod(&cfg)
			_, err := run(ctx, io.Discard, io.Discard, cfg)
			assert.Error(t, err)
		})
	}
}

// TestXGBoostNameCheck: a model whose feature names differ from the
// pipeline's is refused with a message saying so.
func TestXGBoostNameCheck(t *testing.T) {
	// The model examples/xgboost carries: trained on the reference encoding.
	path := filepath.Join("..", "xgboost", "testdata", "nslkdd_xgb.json")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the XGBoost model examples/xgboost carries: %v", err)
	}
	cfg := smallConfig(t.TempDir())
	cfg.XGB = path
	cfg.Features = "telecom" // other names than the model's 118 reference columns
	_, err := run(context.Background(), io.Discard, io.Discard, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "trained on other features")
}

// TestXGBoostNameMismatch: the reference encoding fitted on another file
// (KDDTest+'s levels: 116 columns) does not feed a model of
// KDDTrain+_20Percent's 118; the run stops before any training.
func TestXGBoostNameMismatch(t *testing.T) {
	dir := nsltest.Dir(t)
	path := nsltest.Fixture(t, "binary_100.json")
	cfg := smallConfig(t.TempDir())
	cfg.Data, cfg.XGB = dir, path
	cfg.Train = "KDDTest+.txt" // a pipeline fitted on the test file's levels
	_, err := run(context.Background(), io.Discard, io.Discard, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refused")
	t.Log(err)
}

// TestRealData runs the workflow on KDDTrain+_20Percent → KDDTest+ with the
// XGBoost fixture and checks that the figures are sane.
func TestRealData(t *testing.T) {
	dir := nsltest.Dir(t)
	if testing.Short() {
		t.Skip("real-data run: skipped under -short")
	}
	cfg := defaultConfig()
	cfg.Data = dir
	cfg.Out = t.TempDir()
	cfg.Trees = 50
	cfg.Explain = 300
	if xgb, err := nsltest.FixturePath("binary_100.json"); err == nil {
		cfg.XGB = xgb
	} else {
		t.Logf("no XGBoost fixture (%v): running without it", err)
	}
	res, err := run(context.Background(), io.Discard, io.Discard, cfg)
	require.NoError(t, err)
	got := decode(t, res)
	assert.Equal(t, 25192, got.Dataset.TrainRows)
	assert.Equal(t, 22544, got.Dataset.TestRows)
	assert.Equal(t, 118, got.Dataset.NumFeatures)
	by := map[string]int{}
	for k, m := range got.Models {
		by[m.Name] = k
		t.Logf("%-13s ROC AUC %.4f PR AUC %.4f accuracy %.4f F1 %.4f FPR %.4f per category %v",
			m.Name, m.ROCAUC, m.PRAUC, m.Accuracy, m.F1, m.FalsePositiveRate, m.PerCategory)
	}
	rf := got.Models[by["random_forest"]]
	assert.Greater(t, rf.ROCAUC, 0.9)
	assert.Greater(t, rf.PerCategory["DoS"], 0.6)
	ifo := got.Models[by["iforest"]]
	assert.Greater(t, ifo.ROCAUC, 0.8)
	hy := got.Models[by["hybrid"]]
	assert.Greater(t, hy.ROCAUC, 0.9)
	// The hybrid finds at least as many novel attacks as the forest alone.
	assert.GreaterOrEqual(t, hy.PerCategory["novel"], rf.PerCategory["novel"])
	if k, ok := by["xgboost"]; ok {
		assert.Greater(t, got.Models[k].ROCAUC, 0.9)
	}
}

// TestFetchUsesCache: -fetch with files already in the cache folder (and
// matching their known SHA-256) reads them without going online.
func TestFetchUsesCache(t *testing.T) {
	src := nsltest.Dir(t)
	if testing.Short() {
		t.Skip("real-data run: skipped under -short")
	}
	cache := t.TempDir()
	for _, name := range []string{nsltest.Train20, nsltest.Test} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(cache, name), b, 0o644))
	}
	cfg := smallConfig(t.TempDir())
	cfg.Fetch, cfg.Data = true, cache
	cfg.Explain = 20
	res, err := run(context.Background(), io.Discard, io.Discard, cfg)
	require.NoError(t, err)
	assert.False(t, res.Dataset.Synthetic)
	assert.Equal(t, 22544, res.Dataset.TestRows)
}
