// Command xgboost scores NSL-KDD with an XGBoost model trained in Python:
// how a team moves a model from a notebook, or a Dask cluster, to a Go
// service.
//
// train.py (beside this file) trains the model with the scikit-learn
// reference encoding and saves it with its feature names as XGBoost JSON and
// UBJSON: on one machine (KDDTrain+_20Percent.txt in memory), or with
// xgboost.dask on a Dask cluster (--scheduler tcp://HOST:8786, or
// --local-cluster N for a scheduler and N worker processes on this machine).
// This command reads that file (package forest/xgboost, no Python, no cgo),
// fits features.Reference() on the same training rows, checks the model's
// feature names against the pipeline's (printing every column that
// differs), scores KDDTest+, compares its scores with Python's own
// predictions when they lie beside the model, and prints the ROC AUC, the
// accuracy and the business-impact report at the decision threshold. With
// -bundle it saves pipeline, model and threshold as one bundle file that
// examples/serve, examples/stream and examples/fleet load.
//
// Without -model it uses the model the command carries (testdata/nslkdd_xgb.json,
// made by `train.py testdata/nslkdd_xgb` with XGBoost 1.7.4 on
// KDDTrain+_20Percent.txt, with XGBoost's predictions of the first 1000
// KDDTest+ rows), and says so. It needs the NSL-KDD files: -data or
// NSLKDD_DIR (`go run ./examples/nslkdd -fetch` downloads them).
//
// A file of Python's predictions beside the model (NAME_test_pred.csv from
// train.py, NAME_pred.csv from other scripts) holds XGBoost's predict() of
// the first test rows, one row a line: one probability for a binary model,
// one probability per class for multi:softprob, the class index for
// multi:softmax. The Go predictions of those rows must equal them within
// 1e-6 (XGBoost sums in float32). A multi-class model scores 1 − P(normal),
// class -normal-class (default 0) being normal.
//
//	/usr/bin/python3 examples/xgboost/train.py /tmp/nslkdd_xgb
//	go run ./examples/xgboost -data $NSLKDD_DIR -model /tmp/nslkdd_xgb.json -bundle /tmp/xgb.nwb
//	/usr/bin/python3 examples/xgboost/train.py --local-cluster 2 --sample 0.2 /tmp/dask_xgb
//	go run ./examples/xgboost -data $NSLKDD_DIR -train /tmp/dask_xgb_train.txt -model /tmp/dask_xgb.json
//	go run ./examples/xgboost -data $NSLKDD_DIR
package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
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

	"gonum.org/v1/gonum/mat"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/forest/xgboost"
)

// The model the command carries, made by train.py (see the package
// documentation), and XGBoost's predictions of the first 1000 KDDTest+ rows.
//
//go:embed testdata/nslkdd_xgb.json
var builtinModel []byte

//go:embed testdata/nslkdd_xgb_test_pred.csv
var builtinPred []byte

// builtinOrigin says where the built-in model comes from.
const builtinOrigin = "the model this command carries (testdata/nslkdd_xgb.json), trained by train.py with XGBoost 1.7.4 on KDDTrain+_20Percent.txt with the 118-column reference encoding"

// config is the command line.
type config struct {
	Data        string
	Train       string
	Test        string
	Model       string
	Threshold   float64
	Bundle      string
	NormalClass int
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Data, "data", os.Getenv("NSLKDD_DIR"), "folder with the NSL-KDD files (default $NSLKDD_DIR; go run ./examples/nslkdd -fetch downloads them)")
	flag.StringVar(&cfg.Train, "train", "KDDTrain+_20Percent.txt", "training file in -data, or a path: the pipeline is fitted on it, as the model was in Python (train.py --sample writes NAME_train.txt)")
	flag.StringVar(&cfg.Test, "test", "KDDTest+.txt", "test file in -data, or a path")
	flag.StringVar(&cfg.Model, "model", "", "XGBoost model file (.json, .ubj or legacy binary) written by train.py (default: the model this command carries)")
	flag.Float64Var(&cfg.Threshold, "threshold", 0.5, "attack probability at which a flow is flagged")
	flag.StringVar(&cfg.Bundle, "bundle", "", "also save pipeline, model and threshold as a bundle file (for examples/serve, examples/stream and examples/fleet)")
	flag.IntVar(&cfg.NormalClass, "normal-class", 0, "for a multi-class model: the class that is normal traffic (the score is 1 − its probability)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "xgboost:", err)
		os.Exit(1)
	}
}

// inData returns name as a path: itself when it names a path (absolute, or
// with a directory), else the file of that name in dir.
func inData(dir, name string) string {
	if filepath.IsAbs(name) || strings.ContainsRune(name, filepath.Separator) {
		return name
	}
	return filepath.Join(dir, name)
}

// run is the whole example; it writes its report to w.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if !(cfg.Threshold > 0 && cfg.Threshold <= 1) {
		return errors.New("-threshold: want a probability in (0, 1]")
	}
	if cfg.Data == "" {
		return errors.New("-data: no NSL-KDD folder: give -data DIR or set NSLKDD_DIR (go run ./examples/nslkdd -fetch downloads the files)")
	}
	if cfg.Train == "" {
		cfg.Train = "KDDTrain+_20Percent.txt"
	}
	if cfg.Test == "" {
		cfg.Test = "KDDTest+.txt"
	}
	modelPath, origin := cfg.Model, "given with -model"
	var m *bundle.XGBoostModel
	var err error
	if modelPath == "" {
		modelPath, origin = "testdata/nslkdd_xgb.json (built in)", builtinOrigin
		m, err = bundle.ParseXGBoost(builtinModel)
	} else {
		m, err = bundle.LoadXGBoost(modelPath)
	}
	if err != nil {
		return fmt.Errorf("-model: %w", err)
	}
	if m.NumClass() > 1 {
		if m, err = m.WithNormalClass(cfg.NormalClass); err != nil {
			return fmt.Errorf("-normal-class: %w", err)
		}
	}

	train, err := dataset.LoadNSLKDD(inData(cfg.Data, cfg.Train))
	if err != nil {
		return fmt.Errorf("-data: %w (the NSL-KDD files are needed: set -data or NSLKDD_DIR; go run ./examples/nslkdd -fetch downloads them)", err)
	}
	// The pipeline is fitted on the training rows, as pandas.get_dummies
	// was in Python: the one-hot columns are the levels seen there.
	pipe, err := features.Fit(ctx, train, features.Reference()...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "train: NSL-KDD %s, %d rows; features.Reference() fitted on it gives %d features\n", cfg.Train, train.Len(), pipe.NumFeatures())
	fmt.Fprintf(w, "model: %s\n  %s\n  XGBoost %s format, objective %s, %d trees, %d features\n",
		modelPath, origin, m.Format(), m.Objective(), m.NumTrees(), m.NumFeatures())
	if m.NumClass() > 1 {
		fmt.Fprintf(w, "  a %d-class model: the score of a flow is 1 − P(class %d), class %d being normal traffic (-normal-class)\n",
			m.NumClass(), m.NormalClass(), m.NormalClass())
	}
	if cfg.Model != "" {
		describeTraining(w, cfg.Model)
	}
	if err := checkNames(w, m, pipe, cfg.Train); err != nil {
		return err
	}
	test, err := dataset.LoadNSLKDD(inData(cfg.Data, cfg.Test))
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
	if cfg.Model == "" {
		err = compare(w, "testdata/nslkdd_xgb_test_pred.csv", bytes.NewReader(builtinPred), m, x)
	} else {
		err = compareBeside(w, cfg.Model, m, x)
	}
	if err != nil {
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
	fmt.Fprintf(w, "\n%s: ROC AUC %.4f, accuracy %.4f at probability %g\n\n", cfg.Test, auc, conf.Accuracy(), cfg.Threshold)

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

// describeTraining prints what train.py's NAME_meta.json says about how the
// model was trained (a Dask cluster's workers, rows and time), when it lies
// beside the model.
func describeTraining(w io.Writer, modelPath string) {
	stem := strings.TrimSuffix(modelPath, filepath.Ext(modelPath))
	data, err := os.ReadFile(stem + "_meta.json")
	if err != nil {
		return
	}
	var meta struct {
		Mode         string  `json:"mode"`
		Cluster      string  `json:"cluster"`
		Workers      int     `json:"workers"`
		Train        string  `json:"train"`
		Sample       float64 `json:"sample"`
		TrainRows    int     `json:"train_rows"`
		Partitions   int     `json:"train_partitions"`
		TestRows     int     `json:"test_rows"`
		SecondsTrain float64 `json:"seconds_train"`
		SecondsTotal float64 `json:"seconds_total"`
		XGBoost      string  `json:"xgboost"`
		Dask         string  `json:"dask"`
	}
	if json.Unmarshal(data, &meta) != nil || meta.Mode != "dask" {
		return
	}
	sample := ""
	if meta.Sample > 0 {
		sample = fmt.Sprintf(" (a seeded %g sample)", meta.Sample)
	}
	fmt.Fprintf(w, "  trained by xgboost.dask (XGBoost %s, Dask %s) on %s: %d workers, %d rows of %s%s in %d partitions, %.1f s training, %.1f s in all; the cluster scored the %d test rows\n",
		meta.XGBoost, meta.Dask, meta.Cluster, meta.Workers, meta.TrainRows, meta.Train, sample, meta.Partitions, meta.SecondsTrain, meta.SecondsTotal, meta.TestRows)
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

// compareBeside compares the Go predictions with Python's when a file of
// them lies beside the model: train.py's NAME_test_pred.csv, or the
// fixtures' NAME_pred.csv.
func compareBeside(w io.Writer, modelPath string, m *bundle.XGBoostModel, x mat.Matrix) error {
	stem := strings.TrimSuffix(modelPath, filepath.Ext(modelPath))
	for _, p := range []string{stem + "_test_pred.csv", stem + "_pred.csv"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		defer f.Close()
		return compare(w, p, f, m, x)
	}
	return nil
}

// predTolerance is how far a Go prediction may lie from XGBoost's own:
// XGBoost sums the leaves in float32, the Go reader in float64.
const predTolerance = 1e-6

// compare checks the Go predictions (Model.Predict, the values of XGBoost's
// predict()) of the first test rows against Python's, read from r (name in
// messages): one row a line, NumPredictions comma-separated values.
func compare(w io.Writer, name string, r io.Reader, m *bundle.XGBoostModel, x mat.Matrix) error {
	rows, _ := x.Dims()
	k := m.NumPredictions()
	got := make([]float64, k)
	row := make([]float64, m.NumFeatures())
	sc := bufio.NewScanner(r)
	var n, line int
	var worst float64
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		fields := strings.Split(text, ",")
		if len(fields) != k {
			return fmt.Errorf("%s line %d: %d values, but the model (objective %s, %d classes) predicts %d a row: are these the predictions of this model?",
				name, line, len(fields), m.Objective(), max(m.NumClass(), 1), k)
		}
		if n == rows {
			return fmt.Errorf("%s: more rows than the %d of the test file: is the test file the one Python scored?", name, rows)
		}
		mat.Row(row, n, x)
		if err := m.Predict(row, got); err != nil {
			return fmt.Errorf("test row %d: %w", n+1, err)
		}
		for j, f := range fields {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return fmt.Errorf("%s line %d, value %d: %w", name, line, j+1, err)
			}
			worst = max(worst, math.Abs(v-got[j]))
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	what := "probabilities"
	switch {
	case m.Objective() == "multi:softmax":
		what = "class indices"
	case k > 1:
		what = fmt.Sprintf("class probabilities (%d a row)", k)
	}
	fmt.Fprintf(w, "  Python's predictions (%s): the Go %s of the first %d test rows differ from them by at most %.2g\n", filepath.Base(name), what, n, worst)
	if worst > predTolerance {
		return fmt.Errorf("the Go predictions differ from Python's %s by %g, more than XGBoost's float32 rounding (%g): is the test file the one Python scored, and the training file the one the model was trained on?", name, worst, predTolerance)
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
		Notes:        "XGBoost model " + filepath.Base(modelPath) + " trained in Python (examples/xgboost/train.py); features.Reference() fitted on the training file; threshold: attack probability",
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
