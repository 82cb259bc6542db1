// Command xgboost scores NSL-KDD with an XGBoost model trained in Python:
// how a team moves a model from a notebook to a Go service.
//
// train.py (beside this file; run by hand, not in CI) trains the model on
// KDDTrain+_20Percent.txt with the scikit-learn reference encoding and saves
// it with its feature names as XGBoost JSON and UBJSON. This command reads
// that file (package forest/xgboost, no Python, no cgo), fits
// features.Reference() on the same training file, checks the model's feature
// names against the pipeline's (printing every column that differs), scores
// KDDTest+, and prints the ROC AUC, the accuracy and the business-impact
// report at the decision threshold. With -bundle it saves pipeline, model
// and threshold as one bundle file that examples/serve and examples/stream
// load.
//
// Without -model it uses the shared fixture
// ../shared/fixtures/xgboost/binary_100.json (trained by make_xgb_fixtures.py
// on the 20 % file with the same 118-column encoding) when it is there, and
// says so. When a file of Python's own predictions lies beside the model
// (NAME_test_pred.csv from train.py, NAME_pred.csv for the fixtures), the
// Go scores of the first test rows are compared with it.
//
//	/usr/bin/python3 examples/xgboost/train.py /tmp/nslkdd_xgb
//	go run ./examples/xgboost -data ../shared/data/nsl-kdd -model /tmp/nslkdd_xgb.json -bundle /tmp/xgb.nwb
//	go run ./examples/xgboost -data ../shared/data/nsl-kdd
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest/xgboost"
)

// fixture is the shared model used when -model is not given, relative to
// the repository root (CI: a clean clone with ../shared beside it).
var fixture = filepath.Join("..", "shared", "fixtures", "xgboost", "binary_100.json")

// config is the command line.
type config struct {
	Data      string
	Train     string
	Test      string
	Model     string
	Threshold float64
	Bundle    string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Data, "data", os.Getenv("NSLKDD_DIR"), "folder with the NSL-KDD files (default $NSLKDD_DIR, else ../shared/data/nsl-kdd)")
	flag.StringVar(&cfg.Train, "train", "KDDTrain+_20Percent.txt", "training file in -data: the pipeline is fitted on it, as the model was in Python")
	flag.StringVar(&cfg.Test, "test", "KDDTest+.txt", "test file in -data")
	flag.StringVar(&cfg.Model, "model", "", "XGBoost model file (.json, .ubj or legacy binary) written by train.py (default: "+fixture+")")
	flag.Float64Var(&cfg.Threshold, "threshold", 0.5, "attack probability at which a flow is flagged")
	flag.StringVar(&cfg.Bundle, "bundle", "", "also save pipeline, model and threshold as a bundle file (for examples/serve and examples/stream)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "xgboost:", err)
		os.Exit(1)
	}
}

// run is the whole example; it writes its report to w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if !(cfg.Threshold > 0 && cfg.Threshold <= 1) {
		return errors.New("-threshold: want a probability in (0, 1]")
	}
	if cfg.Data == "" {
		cfg.Data = filepath.Join("..", "shared", "data", "nsl-kdd")
	}
	if cfg.Train == "" {
		cfg.Train = "KDDTrain+_20Percent.txt"
	}
	if cfg.Test == "" {
		cfg.Test = "KDDTest+.txt"
	}
	modelPath, origin := cfg.Model, "given with -model"
	if modelPath == "" {
		if _, err := os.Stat(fixture); err != nil {
			return fmt.Errorf("no -model given and the shared fixture %s is absent: train one with examples/xgboost/train.py", fixture)
		}
		modelPath, origin = fixture, "the shared fixture, trained by make_xgb_fixtures.py (XGBoost 1.7.4) on KDDTrain+_20Percent.txt with the 118-column reference encoding"
	}

	train, err := dataset.LoadNSLKDD(filepath.Join(cfg.Data, cfg.Train))
	if err != nil {
		return fmt.Errorf("-data: %w (the NSL-KDD files are needed: set -data or NSLKDD_DIR)", err)
	}
	// The pipeline is fitted on the training file, as pandas.get_dummies was
	// in Python: the one-hot columns are the levels seen there.
	pipe, err := features.Fit(ctx, train, features.Reference()...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "train: NSL-KDD %s, %d rows; features.Reference() fitted on it gives %d features\n", cfg.Train, train.Len(), pipe.NumFeatures())
	m, err := bundle.LoadXGBoost(modelPath)
	if err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	fmt.Fprintf(w, "model: %s\n  %s\n  XGBoost %s format, objective %s, %d trees, %d features\n",
		modelPath, origin, m.Format(), m.Objective(), m.NumTrees(), m.NumFeatures())
	if err := checkNames(w, m, pipe, cfg.Train); err != nil {
		return err
	}
	test, err := dataset.LoadNSLKDD(filepath.Join(cfg.Data, cfg.Test))
	if err != nil {
		return fmt.Errorf("-data: %w", err)
	}
	fmt.Fprintf(w, "test: NSL-KDD %s, %d rows\n", cfg.Test, test.Len())

	x, err := pipe.TransformTable(ctx, test)
	if err != nil {
		return err
	}
	scores := make([]float64, test.Len())
	start := time.Now()
	if err := anomaly.ScoreBatch(ctx, m, x, scores, 0); err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(w, "scored %d test rows in %v (%.0f rows/s over all cores)\n", test.Len(), elapsed.Round(time.Millisecond), float64(test.Len())/elapsed.Seconds())
	if err := compare(w, modelPath, scores); err != nil {
		return err
	}

	attack := make([]bool, test.Len())
	for i := range attack {
		attack[i] = test.Category(i) != dataset.Normal
	}
	auc, err := anomaly.ROCAUC(scores, attack)
	if err != nil {
		return err
	}
	t := anomaly.Threshold(cfg.Threshold)
	conf, err := anomaly.NewConfusion(scores, attack, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nKDDTest+: ROC AUC %.4f, accuracy %.4f at probability %g\n\n", auc, conf.Accuracy(), cfg.Threshold)

	novelNames := dataset.NovelLabels(train, test)
	novel := make([]bool, test.Len())
	for i := range novel {
		_, novel[i] = novelNames[test.Label(i)]
	}
	report, err := anomaly.NewReport(scores, test.Categories(), t, anomaly.ReportConfig{Novel: novel})
	if err != nil {
		return err
	}
	if err := report.WriteText(w); err != nil {
		return err
	}
	if cfg.Bundle != "" {
		return saveBundle(w, cfg, modelPath, pipe, m, t, auc, conf.Accuracy(), train.Len(), test, scores)
	}
	return nil
}

// checkNames checks the model's feature names against the pipeline's and
// says exactly which differ.
func checkNames(w io.Writer, m *bundle.XGBoostModel, pipe *features.Pipeline, trainFile string) error {
	err := m.CheckFeatureNames(pipe.Names())
	var mm *xgboost.MismatchError
	switch {
	case errors.As(err, &mm):
		var b strings.Builder
		fmt.Fprintf(&b, "the model's feature names differ from the pipeline's (features.Reference() fitted on %s) at %d positions:\n", trainFile, len(mm.Positions))
		for i, p := range mm.Positions {
			if i == 20 {
				fmt.Fprintf(&b, "  … and %d more\n", len(mm.Positions)-i)
				break
			}
			fmt.Fprintf(&b, "  column %3d: model %-28q pipeline %q\n", p, mm.Model[i], mm.Pipeline[i])
		}
		b.WriteString("was the model trained on the same file with the reference encoding (see train.py)?")
		return errors.New(b.String())
	case err != nil:
		return fmt.Errorf("the model takes %d features, the pipeline (features.Reference() fitted on %s) gives %d: %w; was it trained on the same file with the reference encoding (see train.py)?",
			m.NumFeatures(), trainFile, pipe.NumFeatures(), err)
	case m.FeatureNames() == nil:
		fmt.Fprintf(w, "  the model carries no feature names: only their count (%d) could be checked\n", m.NumFeatures())
	default:
		fmt.Fprintf(w, "  its %d feature names match the pipeline's, in order\n", m.NumFeatures())
	}
	return nil
}

// compare checks the Go scores against Python's predictions when a file of
// them lies beside the model: train.py's NAME_test_pred.csv, or the
// fixtures' NAME_pred.csv (one probability a line, first test rows).
func compare(w io.Writer, modelPath string, scores []float64) error {
	stem := strings.TrimSuffix(modelPath, filepath.Ext(modelPath))
	for _, p := range []string{stem + "_test_pred.csv", stem + "_pred.csv"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		var n int
		var worst float64
		for sc.Scan() && n < len(scores) {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.Split(line, ",")[0], 64)
			if err != nil {
				return fmt.Errorf("%s line %d: %w", p, n+1, err)
			}
			worst = max(worst, math.Abs(v-scores[n]))
			n++
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		fmt.Fprintf(w, "  Python's predictions (%s): the first %d Go scores differ from them by at most %.2g\n", filepath.Base(p), n, worst)
		if worst > 1e-5 {
			return fmt.Errorf("the Go scores differ from Python's %s by %g (more than XGBoost's float32 rounding): is the test file the one Python scored?", p, worst)
		}
		return nil
	}
	return nil
}

// saveBundle saves pipeline, model and threshold as one file, loads it back
// and checks that it scores a few raw test rows as above.
func saveBundle(w io.Writer, cfg config, modelPath string, pipe *features.Pipeline, m *bundle.XGBoostModel, t anomaly.Threshold,
	auc, acc float64, trainRows int, test *dataset.Table, scores []float64) error {
	b, err := bundle.New(pipe, m, t, bundle.Metadata{
		Name:         "nslkdd-xgboost",
		Training:     "NSL-KDD " + cfg.Train,
		TrainingRows: trainRows,
		Metrics:      map[string]float64{"test_roc_auc": auc, "test_accuracy": acc},
		Notes:        "XGBoost model " + filepath.Base(modelPath) + " trained in Python (examples/xgboost/train.py or make_xgb_fixtures.py); features.Reference() fitted on the training file; threshold: attack probability",
	})
	if err != nil {
		return fmt.Errorf("-bundle: %w", err)
	}
	if err := b.Save(cfg.Bundle); err != nil {
		return fmt.Errorf("-bundle: %w", err)
	}
	back, err := bundle.Load(cfg.Bundle)
	if err != nil {
		return fmt.Errorf("-bundle: reading it back: %w", err)
	}
	var row dataset.Row
	for i := 0; i < min(100, test.Len()); i++ {
		test.Row(i, &row)
		r, err := back.ScoreRow(&row)
		if err != nil {
			return fmt.Errorf("-bundle: test row %d: %w", i, err)
		}
		if r.Score != scores[i] {
			return fmt.Errorf("-bundle: the saved bundle scores test row %d %v, the model %v", i, r.Score, scores[i])
		}
	}
	fmt.Fprintf(w, "\nbundle: %s (pipeline, model and threshold %g); reloaded, it scores the raw test rows as above\n", cfg.Bundle, float64(t))
	return nil
}
