package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest"
	"github.com/netwarden/netwarden/iforest"
)

// Result is everything a run measured: what -json prints.
type Result struct {
	Dataset DatasetInfo   `json:"dataset"`
	Models  []ModelResult `json:"models"`
	// HybridBudgets are the hybrid's reports at false-alarm budgets of
	// 1 %, 2 % and 5 %.
	HybridBudgets []BudgetReport `json:"hybrid_budgets"`
	// BudgetCurve is the detection rate on the test attacks against the
	// false-alarm budget (budget.png).
	BudgetCurve []CurvePoint `json:"budget_curve"`
	// Out is the folder of the bundles and PNG files, Files their names.
	Out   string   `json:"out"`
	Files []string `json:"files"`
}

// ModelResult holds one model's figures on the test set.
type ModelResult struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Threshold is the decision threshold (score >= it is an alert) and
	// ThresholdRule how it was chosen (never on test data).
	Threshold     number `json:"threshold"`
	ThresholdRule string `json:"threshold_rule"`
	ROCAUC        number `json:"roc_auc"`
	PRAUC         number `json:"pr_auc"`
	Accuracy      number `json:"accuracy"`
	F1            number `json:"f1"`
	Precision     number `json:"precision"`
	Recall        number `json:"recall"`
	// FalsePositiveRate is the share of benign test rows flagged.
	FalsePositiveRate number `json:"false_positive_rate"`
	// FitSeconds is the training time; null for a model trained elsewhere
	// (XGBoost). The hybrid's is its parts' plus calibration.
	FitSeconds *number `json:"fit_seconds"`
	// ScoreRowsPerSecond is the batch scoring speed over the test set
	// (anomaly.ScoreBatch, all cores).
	ScoreRowsPerSecond number `json:"score_rows_per_second"`
	// PerCategory is the detection rate of each attack category of the
	// test set, and of the attack types never seen in training ("novel").
	PerCategory map[string]number `json:"per_category"`
	// Report is the full business-impact report (anomaly.Report's JSON).
	Report *anomaly.Report `json:"report"`
	// Hybrid holds the hybrid's calibrated parameters.
	Hybrid *anomaly.HybridParams `json:"hybrid,omitempty"`
	// Importance is the global feature ranking; null when the model
	// cannot explain itself (ImportanceNote says why).
	Importance     *Ranking `json:"importance"`
	ImportanceNote string   `json:"importance_note,omitempty"`
	// Bundle is the saved bundle's file name in Out.
	Bundle string `json:"bundle"`

	scores []float64 // test scores, for the plots
}

// BudgetReport is the hybrid calibrated to one false-alarm budget.
type BudgetReport struct {
	Budget float64              `json:"budget"`
	Params anomaly.HybridParams `json:"params"`
	Report *anomaly.Report      `json:"report"`
}

// CurvePoint is the detection rate of the test attacks at one false-alarm
// budget, for the classifier alone, the novelty detector alone and the
// hybrid, each calibrated on the held-out benign training rows; the
// *FPR fields are the false-alarm rates then observed on the benign test
// rows.
type CurvePoint struct {
	Budget              float64 `json:"budget"`
	ClassifierDetection number  `json:"classifier_detection"`
	NoveltyDetection    number  `json:"novelty_detection"`
	HybridDetection     number  `json:"hybrid_detection"`
	ClassifierFPR       number  `json:"classifier_test_fpr"`
	NoveltyFPR          number  `json:"novelty_test_fpr"`
	HybridFPR           number  `json:"hybrid_test_fpr"`
}

// number is a float64 that encodes NaN and infinities as JSON null.
type number float64

// MarshalJSON writes null for a value JSON cannot hold.
func (n number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// hybridBudgets are the budgets the hybrid is reported at.
var hybridBudgets = []float64{0.01, 0.02, 0.05}

// curveBudgets are the budgets of budget.png.
var curveBudgets = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2}

// run does the whole workflow. Human-readable results go to text, progress
// lines to progress; the Result is returned for -json.
func run(ctx context.Context, text, progress io.Writer, cfg config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	say := func(format string, a ...any) { fmt.Fprintf(progress, format, a...) }

	train, test, info, err := load(ctx, cfg, say)
	if err != nil {
		return nil, err
	}
	describe(&info, train, test)
	info.Features = cfg.Features
	say("data: %s\n  train %d rows (%d attacks), test %d rows (%d attacks; %d of %d attack types never seen in training)\n",
		info.Source, info.TrainRows, info.TrainAttacks, info.TestRows, info.TestAttacks, info.NovelRows, len(info.NovelLabels))

	// Features: fitted on the whole training table.
	steps, _ := presetSteps(cfg.Features)
	pipe, err := features.Fit(ctx, train, steps...)
	if err != nil {
		return nil, err
	}
	names := pipe.Names()
	info.NumFeatures = len(names)
	say("features: %s preset, %d columns\n", cfg.Features, len(names))

	// Refuse an XGBoost model whose features are not the pipeline's before
	// any training is spent.
	var xgb *bundle.XGBoostModel
	if cfg.XGB != "" {
		if xgb, err = loadXGB(cfg, info.TrainFile, pipe, say); err != nil {
			return nil, err
		}
	}

	out, err := outDir(cfg.Out)
	if err != nil {
		return nil, err
	}
	res := &Result{Out: out}

	xtrain, err := pipe.TransformTable(ctx, train)
	if err != nil {
		return nil, err
	}
	xte, err := pipe.TransformTable(ctx, test)
	if err != nil {
		return nil, err
	}
	sp := splitTrain(train, cfg.Seed)
	if len(sp.calib) < 10 || len(sp.benignFit) < 10 {
		return nil, fmt.Errorf("training data has %d benign rows: too few to train the Isolation Forest and calibrate thresholds", len(sp.calib)+len(sp.benignFit))
	}
	info.CalibrationRows = len(sp.calib)
	xcal := rowsOf(xtrain, sp.calib)
	say("split: %d benign training rows held out (seeded, 20 %%) to calibrate thresholds; no model is trained on them, no threshold sees test data\n", len(sp.calib))

	attack := make([]bool, test.Len())
	novel := make([]bool, test.Len())
	for i := range attack {
		attack[i] = test.IsAttack(i)
		_, novel[i] = info.NovelLabels[test.Label(i)]
	}
	evalModel := func(m *ModelResult, d anomaly.Detector, t anomaly.Threshold, budget float64) error {
		m.Threshold = number(t)
		m.scores = make([]float64, test.Len())
		start := time.Now()
		if err := anomaly.ScoreBatch(ctx, d, xte, m.scores, 0); err != nil {
			return fmt.Errorf("%s: scoring the test set: %w", m.Name, err)
		}
		m.ScoreRowsPerSecond = number(float64(test.Len()) / time.Since(start).Seconds())
		r, err := anomaly.NewReport(m.scores, test.Categories(), t, anomaly.ReportConfig{Novel: novel, Budget: budget})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		m.Report = r
		m.ROCAUC, m.PRAUC, m.Accuracy, m.F1 = number(r.ROCAUC), number(r.PRAUC), number(r.Accuracy), number(r.F1)
		m.Precision, m.Recall, m.FalsePositiveRate = number(r.Precision), number(r.Recall), number(r.FalsePositiveRate)
		m.PerCategory = map[string]number{}
		for _, c := range r.Categories {
			m.PerCategory[c.Category] = number(c.Rate)
		}
		if r.Novel != nil {
			m.PerCategory["novel"] = number(r.Novel.Rate)
		}
		return nil
	}

	// Isolation Forest: benign rows only; threshold calibrated to the budget.
	say("fitting the Isolation Forest (%d trees) on %d benign rows …\n", cfg.Trees, len(sp.benignFit))
	start := time.Now()
	ifo, err := iforest.Fit(ctx, rowsOf(xtrain, sp.benignFit), iforest.Config{Trees: cfg.Trees, Seed: cfg.Seed, FeatureNames: names})
	if err != nil {
		return nil, err
	}
	ifSecs := time.Since(start).Seconds()
	calIF := make([]float64, len(sp.calib))
	if err := anomaly.ScoreBatch(ctx, ifo, xcal, calIF, 0); err != nil {
		return nil, err
	}
	ifT, err := anomaly.FPRThreshold(calIF, cfg.Budget)
	if err != nil {
		return nil, err
	}
	mIF := ModelResult{
		Name:          "iforest",
		Description:   fmt.Sprintf("Isolation Forest, %d trees of ψ=%d, fitted on %d benign rows", ifo.NumTrees(), ifo.SampleSize(), len(sp.benignFit)),
		ThresholdRule: fmt.Sprintf("at most %g false alarms per benign row on %d held-out benign training rows", cfg.Budget, len(sp.calib)),
		FitSeconds:    ptr(number(ifSecs)),
	}
	if err := evalModel(&mIF, ifo, ifT, cfg.Budget); err != nil {
		return nil, err
	}

	// Random Forest: binary (attack = 1), threshold 0.5.
	say("fitting the Random Forest (%d trees) on %d rows …\n", cfg.Trees, len(sp.classFit))
	y := make([]int, len(sp.classFit))
	for k, i := range sp.classFit {
		if train.IsAttack(i) {
			y[k] = 1
		}
	}
	start = time.Now()
	rf, err := forest.Fit(ctx, rowsOf(xtrain, sp.classFit), y, forest.Config{Trees: cfg.Trees, Seed: cfg.Seed, FeatureNames: names})
	if err != nil {
		return nil, err
	}
	rfSecs := time.Since(start).Seconds()
	mRF := ModelResult{
		Name:          "random_forest",
		Description:   fmt.Sprintf("Random Forest, %d trees, fitted on %d rows (benign and attack)", rf.NumTrees(), len(sp.classFit)),
		ThresholdRule: "attack probability 0.5",
		FitSeconds:    ptr(number(rfSecs)),
	}
	if err := evalModel(&mRF, rf, 0.5, 0); err != nil {
		return nil, err
	}
	models := []*ModelResult{&mIF, &mRF}
	detectors := []anomaly.Detector{ifo, rf}

	if xgb != nil {
		mX := ModelResult{
			Name:          "xgboost",
			Description:   fmt.Sprintf("XGBoost %s (%s, %d trees), trained elsewhere", filepath.Base(cfg.XGB), xgb.Objective(), xgb.NumTrees()),
			ThresholdRule: "attack probability 0.5",
		}
		if err := evalModel(&mX, xgb, 0.5, 0); err != nil {
			return nil, err
		}
		models = append(models, &mX)
		detectors = append(detectors, xgb)
	}

	// Hybrid: the forest for known attacks, the Isolation Forest for the
	// unfamiliar, both thresholds calibrated on the held-out benign rows.
	calRF := make([]float64, len(sp.calib))
	if err := anomaly.ScoreBatch(ctx, rf, xcal, calRF, 0); err != nil {
		return nil, err
	}
	start = time.Now()
	hy, err := anomaly.CalibrateScores(rf, ifo, calRF, calIF, anomaly.HybridConfig{Budget: cfg.Budget})
	if err != nil {
		return nil, err
	}
	hySecs := ifSecs + rfSecs + time.Since(start).Seconds()
	hp := hy.Params()
	mHy := ModelResult{
		Name:        "hybrid",
		Description: "Random Forest (known attacks) + Isolation Forest (novelty): an alert when either fires",
		ThresholdRule: fmt.Sprintf("hybrid score 0.5: forest >= %.4f or Isolation Forest >= %.4f, calibrated to %g on %d held-out benign training rows",
			float64(hp.ClassifierThreshold), float64(hp.NoveltyThreshold), cfg.Budget, hp.CalibrationRows),
		FitSeconds: ptr(number(hySecs)),
		Hybrid:     &hp,
	}
	if err := evalModel(&mHy, hy, anomaly.HybridThreshold, cfg.Budget); err != nil {
		return nil, err
	}
	models = append(models, &mHy)
	detectors = append(detectors, hy)

	// The hybrid at several budgets, and the budget curve, from the parts'
	// scores: a hybrid fires exactly when one of its parts does.
	for _, b := range hybridBudgets {
		h, err := anomaly.CalibrateScores(rf, ifo, calRF, calIF, anomaly.HybridConfig{Budget: b})
		if err != nil {
			return nil, err
		}
		scores := make([]float64, test.Len())
		if err := anomaly.ScoreBatch(ctx, h, xte, scores, 0); err != nil {
			return nil, err
		}
		r, err := anomaly.NewReport(scores, test.Categories(), anomaly.HybridThreshold, anomaly.ReportConfig{Novel: novel, Budget: b})
		if err != nil {
			return nil, err
		}
		res.HybridBudgets = append(res.HybridBudgets, BudgetReport{Budget: b, Params: h.Params(), Report: r})
	}
	res.BudgetCurve, err = budgetCurve(rf, ifo, calRF, calIF, mRF.scores, mIF.scores, attack)
	if err != nil {
		return nil, err
	}

	// Bundles: one file per model, reloaded and checked against the scores
	// just measured.
	for k, m := range models {
		name := m.Name + ".nwb"
		if err := saveBundle(filepath.Join(out, name), pipe, detectors[k], anomaly.Threshold(m.Threshold), m, info, test); err != nil {
			return nil, err
		}
		m.Bundle = name
		res.Files = append(res.Files, name)
	}

	// Global rankings.
	if cfg.Explain > 0 {
		rows := evenRows(test.Len(), cfg.Explain)
		for k, m := range models {
			if m.Name == "hybrid" {
				m.ImportanceNote = "not ranked: each row is explained by its dominant part, in that part's units; see the parts' rankings"
				continue
			}
			start := time.Now()
			r, err := rank(ctx, detectors[k], pipe, xte, rows)
			if errors.Is(err, anomaly.ErrNoExplanation) {
				m.ImportanceNote = "cannot explain: " + err.Error()
				say("%s cannot explain its scores: no ranking\n", m.Name)
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%s: ranking: %w", m.Name, err)
			}
			say("explained %d test rows with %s in %.2f s\n", len(rows), m.Name, time.Since(start).Seconds())
			m.Importance = r
		}
	} else {
		for _, m := range models {
			m.ImportanceNote = "not computed (-explain 0)"
		}
	}

	// Pictures.
	files, err := drawAll(out, models, res.BudgetCurve, attack)
	if err != nil {
		return nil, err
	}
	res.Files = append(res.Files, files...)

	res.Dataset = info
	for _, m := range models {
		res.Models = append(res.Models, *m)
	}
	return res, writeText(text, cfg, res)
}

func ptr[T any](v T) *T { return &v }

// outDir creates the output folder, or a new temporary one.
func outDir(dir string) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "nslkdd-")
		if err != nil {
			return "", fmt.Errorf("-out: %w", err)
		}
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("-out: %w", err)
	}
	return dir, nil
}

// loadXGB reads the -xgb model and checks its feature names against the
// pipeline's.
func loadXGB(cfg config, trainName string, pipe *features.Pipeline, say func(string, ...any)) (*bundle.XGBoostModel, error) {
	m, err := bundle.LoadXGBoost(cfg.XGB)
	if err != nil {
		return nil, fmt.Errorf("-xgb: %w", err)
	}
	if err := m.CheckFeatureNames(pipe.Names()); err != nil {
		// A *xgboost.MismatchError lists the differing names; a count
		// mismatch wraps ErrDimension.
		return nil, fmt.Errorf("-xgb %s: refused: the model was trained on other features than the %s pipeline fitted on %s gives (model %d columns, pipeline %d): %w; "+
			"the fixture binary_100.json expects -features reference fitted on KDDTrain+_20Percent.txt", cfg.XGB, cfg.Features, trainName, m.NumFeatures(), pipe.NumFeatures(), err)
	}
	if m.FeatureNames() == nil {
		say("xgboost: %s carries no feature names: only the count (%d) could be checked\n", filepath.Base(cfg.XGB), m.NumFeatures())
	} else {
		say("xgboost: %s (%s, %d trees): its %d feature names match the pipeline's\n", filepath.Base(cfg.XGB), m.Objective(), m.NumTrees(), m.NumFeatures())
	}
	if cfg.Features != "reference" {
		// Scalers keep a column's name, so the name check cannot see them.
		say("xgboost: note: the %s preset rescales numeric columns without renaming them; the model must have been trained on the same scaling\n", cfg.Features)
	}
	return m, nil
}

// saveBundle saves one model as a bundle, loads it back and checks that it
// scores the first test rows as the model did.
func saveBundle(path string, pipe *features.Pipeline, d anomaly.Detector, t anomaly.Threshold, m *ModelResult, info DatasetInfo, test *dataset.Table) error {
	metrics := map[string]float64{}
	if m.Hybrid != nil {
		metrics["budget"] = m.Hybrid.Budget
		metrics["calibration_fpr"] = m.Hybrid.CalibrationFPR
	}
	b, err := bundle.New(pipe, d, t, bundle.Metadata{
		Name:         m.Name,
		Training:     info.Source,
		TrainingRows: info.TrainRows,
		Metrics:      metrics,
		Notes:        m.Description + "; threshold: " + m.ThresholdRule,
	})
	if err != nil {
		return fmt.Errorf("%s: bundle: %w", m.Name, err)
	}
	if err := b.Save(path); err != nil {
		return fmt.Errorf("%s: bundle: %w", m.Name, err)
	}
	back, err := bundle.Load(path)
	if err != nil {
		return fmt.Errorf("%s: reloading the bundle: %w", m.Name, err)
	}
	var row dataset.Row
	for i := 0; i < min(5, test.Len()); i++ {
		test.Row(i, &row)
		r, err := back.ScoreRow(&row)
		if err != nil {
			return fmt.Errorf("%s: reloaded bundle: test row %d: %w", m.Name, i, err)
		}
		if math.Abs(r.Score-m.scores[i]) > 1e-9 {
			return fmt.Errorf("%s: reloaded bundle scores test row %d %v, the model %v", m.Name, i, r.Score, m.scores[i])
		}
	}
	return nil
}

// budgetCurve calibrates the classifier alone, the novelty detector alone
// and the hybrid at each of curveBudgets on the held-out benign rows and
// measures the detection rate of the test attacks.
func budgetCurve(cls, nov anomaly.Detector, calC, calN, testC, testN []float64, attack []bool) ([]CurvePoint, error) {
	rates := func(fire func(i int) bool) (det, fpr float64) {
		var tp, na, fp, nb int
		for i, a := range attack {
			f := fire(i)
			if a {
				na++
				if f {
					tp++
				}
			} else {
				nb++
				if f {
					fp++
				}
			}
		}
		return ratio(tp, na), ratio(fp, nb)
	}
	var pts []CurvePoint
	for _, b := range curveBudgets {
		tc, err := anomaly.FPRThreshold(calC, b)
		if err != nil {
			return nil, err
		}
		tn, err := anomaly.FPRThreshold(calN, b)
		if err != nil {
			return nil, err
		}
		h, err := anomaly.CalibrateScores(cls, nov, calC, calN, anomaly.HybridConfig{Budget: b})
		if err != nil {
			return nil, err
		}
		p := h.Params()
		var pt CurvePoint
		pt.Budget = b
		d, f := rates(func(i int) bool { return tc.Decide(testC[i]) })
		pt.ClassifierDetection, pt.ClassifierFPR = number(d), number(f)
		d, f = rates(func(i int) bool { return tn.Decide(testN[i]) })
		pt.NoveltyDetection, pt.NoveltyFPR = number(d), number(f)
		d, f = rates(func(i int) bool {
			return p.ClassifierThreshold.Decide(testC[i]) || p.NoveltyThreshold.Decide(testN[i])
		})
		pt.HybridDetection, pt.HybridFPR = number(d), number(f)
		pts = append(pts, pt)
	}
	return pts, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
}

// evenRows returns at most k row indices spread evenly over [0, n).
func evenRows(n, k int) []int {
	k = min(k, n)
	rows := make([]int, k)
	for j := range rows {
		rows[j] = int(int64(j) * int64(n) / int64(k))
	}
	return rows
}

// writeText prints the human-readable results.
func writeText(w io.Writer, cfg config, res *Result) error {
	var b strings.Builder
	d := res.Dataset
	fmt.Fprintf(&b, "\n## Models on %s (%d rows: %d benign, %d attacks)\n\n", d.TestFile, d.TestRows, d.TestRows-d.TestAttacks, d.TestAttacks)
	b.WriteString("| model | threshold | ROC AUC | PR AUC | accuracy | F1 | false alarms | DoS | Probe | R2L | U2R | novel | fit s | rows/s |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range res.Models {
		fit := "(external)"
		if m.FitSeconds != nil {
			fit = fmt.Sprintf("%.2f", float64(*m.FitSeconds))
		}
		fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %s | %s | %s | %s | %s | %s | %s | %.0f |\n",
			m.Name, float64(m.Threshold), float64(m.ROCAUC), float64(m.PRAUC), float64(m.Accuracy), float64(m.F1),
			pct(float64(m.FalsePositiveRate)), rate(m.PerCategory, "DoS"), rate(m.PerCategory, "Probe"),
			rate(m.PerCategory, "R2L"), rate(m.PerCategory, "U2R"), rate(m.PerCategory, "novel"), fit, float64(m.ScoreRowsPerSecond))
	}
	b.WriteString("\nThresholds, chosen without test data:\n")
	for _, m := range res.Models {
		fmt.Fprintf(&b, "  %-13s %s\n", m.Name, m.ThresholdRule)
	}
	b.WriteString("Fit seconds: the hybrid's is its two parts' plus calibration. rows/s: anomaly.ScoreBatch over all cores.\n")

	b.WriteString("\n## Business impact at each model's threshold\n\n")
	names := make([]string, len(res.Models))
	reports := make([]*anomaly.Report, len(res.Models))
	for k, m := range res.Models {
		names[k], reports[k] = m.Name, m.Report
	}
	if err := anomaly.WriteComparison(&b, names, reports); err != nil {
		return err
	}
	for _, m := range res.Models {
		fmt.Fprintf(&b, "%s: %.0f false alarms per 10k benign flows, %.1f %% of alerts are attacks, expected cost %.0f per million flows\n",
			m.Name, m.Report.FalseAlarmsPer10k, 100*m.Report.Precision, m.Report.CostPerMillion)
	}

	fmt.Fprintf(&b, "\nThe hybrid's report in full:\n\n")
	if err := res.Models[len(res.Models)-1].Report.WriteText(&b); err != nil {
		return err
	}

	b.WriteString("\n## Hybrid at false-alarm budgets (calibrated on held-out benign training rows)\n\n")
	names, reports = names[:0], reports[:0]
	for _, h := range res.HybridBudgets {
		names = append(names, fmt.Sprintf("hybrid @ %g %%", 100*h.Budget))
		reports = append(reports, h.Report)
	}
	if err := anomaly.WriteComparison(&b, names, reports); err != nil {
		return err
	}
	for _, h := range res.HybridBudgets {
		fmt.Fprintf(&b, "hybrid @ %g %%: forest >= %.4f, Isolation Forest >= %.4f (%.2f %% flagged of %d calibration rows)\n",
			100*h.Budget, float64(h.Params.ClassifierThreshold), float64(h.Params.NoveltyThreshold), 100*h.Params.CalibrationFPR, h.Params.CalibrationRows)
	}

	b.WriteString("\n## Detection rate against the false-alarm budget (budget.png)\n\n")
	b.WriteString("Each calibrated on the held-out benign training rows; detected: share of the test attacks; (false alarms observed on the benign test rows).\n\n")
	b.WriteString("| budget | classifier alone | novelty alone | hybrid |\n|---:|---:|---:|---:|\n")
	for _, p := range res.BudgetCurve {
		fmt.Fprintf(&b, "| %g %% | %s (%s) | %s (%s) | %s (%s) |\n", 100*p.Budget,
			pct(float64(p.ClassifierDetection)), pct(float64(p.ClassifierFPR)),
			pct(float64(p.NoveltyDetection)), pct(float64(p.NoveltyFPR)),
			pct(float64(p.HybridDetection)), pct(float64(p.HybridFPR)))
	}

	if cfg.Explain > 0 {
		fmt.Fprintf(&b, "\n## Global feature ranking: mean |contribution| over %d evenly spaced test rows (-explain)\n", min(cfg.Explain, d.TestRows))
		for _, m := range res.Models {
			if m.Importance == nil {
				fmt.Fprintf(&b, "\n%s: %s\n", m.Name, m.ImportanceNote)
				continue
			}
			r := m.Importance
			fmt.Fprintf(&b, "\n%s (%s; %s):\n", m.Name, r.Method, r.Units)
			fmt.Fprintf(&b, "  %-41s   %s\n", "raw column", "encoded feature")
			for i := 0; i < 10 && (i < len(r.ByColumn) || i < len(r.ByFeature)); i++ {
				var c, f string
				if i < len(r.ByColumn) {
					c = fmt.Sprintf("%-30s %-10.4g", r.ByColumn[i].Name, r.ByColumn[i].Value)
				} else {
					c = fmt.Sprintf("%-41s", "")
				}
				if i < len(r.ByFeature) {
					f = fmt.Sprintf("%-34s %.4g", r.ByFeature[i].Name, r.ByFeature[i].Value)
				}
				fmt.Fprintf(&b, "  %s   %s\n", c, f)
			}
		}
	}

	fmt.Fprintf(&b, "\nSaved to %s:\n", res.Out)
	for _, f := range res.Files {
		fmt.Fprintf(&b, "  %s\n", f)
	}
	if cfg.Out == "" {
		b.WriteString("(a new temporary folder: use -out DIR to choose one)\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(f float64) string {
	if math.IsNaN(f) {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*f)
}

func rate(m map[string]number, k string) string {
	v, ok := m[k]
	if !ok {
		return "–"
	}
	return pct(float64(v))
}
