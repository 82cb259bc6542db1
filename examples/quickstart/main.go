// Command quickstart trains an Isolation Forest on benign traffic, calibrates
// its alert threshold to a false-alarm budget on held-out benign rows, scores
// a test set and prints the business-impact report and why the top alert was
// raised: the raw columns with the largest contributions to its score, each
// signed (positive pushes towards "attack"), by exact TreeSHAP of the
// forest's path length through the bundle, as examples/serve and
// examples/stream explain.
//
// With no flags it runs offline on netwarden's synthetic NSL-KDD-schema
// traffic (named as such in its output). With -data DIR it reads the real
// NSL-KDD files KDDTrain+_20Percent.txt and KDDTest+.txt from DIR.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -data ../shared/data/nsl-kdd
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/iforest"
)

func main() {
	data := flag.String("data", "", "folder with the NSL-KDD files KDDTrain+_20Percent.txt and KDDTest+.txt (default: synthetic traffic, offline)")
	budget := flag.Float64("budget", 0.02, "false-alarm budget: the share of benign flows allowed to raise an alert")
	seed := flag.Uint64("seed", 1, "seed for the synthetic data, the calibration split and the forest")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *data, *budget, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, dir string, budget float64, seed uint64) error {
	if !(budget > 0 && budget < 1) {
		return errors.New("-budget must be in (0, 1)")
	}
	train, test, source, err := load(dir, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "data: %s\n  train %d rows, test %d rows\n", source, train.Len(), test.Len())

	// Encode: one-hot the categorical columns, standard-scale the numbers.
	pipe, err := features.Fit(ctx, train, features.Standard()...)
	if err != nil {
		return err
	}

	// The novelty detector learns benign traffic only. A seeded fifth of the
	// benign training rows is held out: the threshold is calibrated on rows
	// the forest never saw, never on the test set.
	c, err := demo.FitCalibrated(ctx, pipe, train, func(i int) bool { return train.Category(i) == dataset.Normal },
		rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), 0.2, budget, iforest.Config{Seed: seed})
	if err != nil {
		return err
	}
	forest, threshold, fitIdx, calIdx := c.Forest, c.Threshold, c.Fit, c.Cal
	fmt.Fprintf(w, "model: Isolation Forest, %d trees of ψ=%d, fitted on %d benign rows\n",
		forest.NumTrees(), forest.SampleSize(), len(fitIdx))
	fmt.Fprintf(w, "threshold: %.4f, calibrated on %d held-out benign training rows for a %.1f%% false-alarm budget\n\n",
		float64(threshold), len(calIdx), budget*100)

	xte, err := pipe.TransformTable(ctx, test)
	if err != nil {
		return err
	}
	scores := make([]float64, test.Len())
	if err := anomaly.ScoreBatch(ctx, forest, xte, scores, 0); err != nil {
		return err
	}
	novelNames := dataset.NovelLabels(train, test)
	novel := make([]bool, test.Len())
	for i := range novel {
		_, novel[i] = novelNames[test.Label(i)]
	}
	report, err := anomaly.NewReport(scores, test.Categories(), threshold, anomaly.ReportConfig{Budget: budget, Novel: novel})
	if err != nil {
		return err
	}
	if err := report.WriteText(w); err != nil {
		return err
	}
	return explainTop(w, forest, pipe, threshold, test, scores)
}

// explainTop prints why the highest-scoring test row was flagged, as every
// example explains: through the bundle of pipeline, model and threshold
// (bundle.ExplainRow), one signed contribution per raw column, positive
// towards "attack", in the unit of the model that made it.
func explainTop(w io.Writer, f *iforest.Forest, pipe *features.Pipeline, threshold anomaly.Threshold, test *dataset.Table, scores []float64) error {
	top := 0
	for i, s := range scores {
		if s > scores[top] {
			top = i
		}
	}
	b, err := bundle.New(pipe, f, threshold, bundle.Metadata{Name: "quickstart"})
	if err != nil {
		return err
	}
	var row dataset.Row
	test.Row(top, &row)
	res, err := b.ExplainRow(&row, 5)
	if err != nil {
		return err
	}
	e := demo.ExplanationOf(b)
	fmt.Fprintf(w, "\ntop alert: test row %d (label %q), score %.3f\n", top, test.Label(top), res.Score)
	// The bundle says what its explanation explains (res.Explained): the
	// model and the unit.
	fmt.Fprintf(w, "why, per %s (%s, %s; unit: %s; %s):\n", e.Per, e.ModelName, e.Method, res.Explained.Unit, e.Sign)
	schema := test.Schema()
	for _, c := range res.TopFeatures {
		value := ""
		if j := schema.Index(c.Column); j >= 0 {
			if schema.Columns[j].Kind == dataset.Categorical {
				value = row.Cat[j]
			} else {
				value = strconv.FormatFloat(row.Num[j], 'g', 6, 64)
			}
		}
		fmt.Fprintf(w, "  %-28s %+.3f\n", c.Column+"="+value, c.Value)
	}
	return nil
}

// load returns the training and test tables and says where they came from.
func load(dir string, seed uint64) (train, test *dataset.Table, source string, err error) {
	if dir == "" {
		train, err = dataset.Synthetic(dataset.SyntheticConfig{Rows: 20000, Seed: seed})
		if err != nil {
			return nil, nil, "", err
		}
		// The test traffic also holds attack families the training set
		// lacks, as KDDTest+ does.
		test, err = dataset.Synthetic(dataset.SyntheticConfig{Rows: 10000, Seed: seed + 1, Attacks: dataset.SyntheticAttacks()})
		if err != nil {
			return nil, nil, "", err
		}
		return train, test, "synthetic NSL-KDD-schema traffic (not NSL-KDD; use -data DIR for the real files)", nil
	}
	train, err = dataset.LoadNSLKDD(filepath.Join(dir, "KDDTrain+_20Percent.txt"))
	if err != nil {
		return nil, nil, "", err
	}
	test, err = dataset.LoadNSLKDD(filepath.Join(dir, "KDDTest+.txt"))
	if err != nil {
		return nil, nil, "", err
	}
	return train, test, "NSL-KDD: KDDTrain+_20Percent.txt → KDDTest+.txt", nil
}
