// Command nslkdd runs the whole detection workflow of the Python notebook it
// replaces, in Go: it loads a training and a test set, builds the features,
// trains an Isolation Forest (novelty detector, benign rows only) and a Random
// Forest (classifier of known attacks), optionally scores an XGBoost model
// trained elsewhere, joins forest and Isolation Forest into a hybrid detector,
// and compares them all in one table: ROC AUC, PR AUC, accuracy, F1, detection
// rate per attack category and of the attack types never seen in training,
// fit time and scoring speed. It then prints the business-impact report,
// the hybrid at false-alarm budgets of 1 %, 2 % and 5 %, and the global
// ranking of the features each model relies on (mean |contribution|); it saves
// one bundle per model (package anomaly/bundle) and draws roc.png,
// roc_low_fpr.png (the same curves with the false-positive rate on a log
// scale, where the 0.1–5 % budgets an operator works in are legible),
// pr.png, hist.png (one share axis from 0 to at most 1 for every panel),
// budget.png and importance_<model>.png.
//
// The rankings, like every explanation in the examples, are exact TreeSHAP
// summed per raw column (the encoded features' ranking is in -json too), in
// the model's own unit: a Random Forest's P(attack), an XGBoost model's
// margin, an Isolation Forest's expected path length. A ranking is of
// magnitudes; per record, examples/serve, examples/stream and
// examples/quickstart show the signed contributions, positive towards
// "attack" (an Isolation Forest's path-length contributions negated).
//
// Thresholds never look at test data: the classifiers decide at probability
// 0.5, the Isolation Forest and the hybrid are calibrated to the false-alarm
// budget (-budget) on a seeded fifth of the training set's benign rows that
// no model was trained on.
//
// Data: with no flags it runs offline on netwarden's synthetic
// NSL-KDD-schema traffic (said so in its output); -data DIR reads the NSL-KDD
// files from DIR; -fetch downloads them (checked by SHA-256) into a cache
// folder (-data DIR, or the user cache) and reuses them next time.
//
// Run it from the repository root:
//
//	go run ./examples/nslkdd
//	go run ./examples/nslkdd -data ../shared/data/nsl-kdd -xgb ../shared/fixtures/xgboost/binary_100.json
//	go run ./examples/nslkdd -data ../shared/data/nsl-kdd -train KDDTrain+.txt.gz -test KDDTest-21.txt -features telecom
//	go run ./examples/nslkdd -data ../shared/data/nsl-kdd -json > result.json
//
// Bundles and PNG files go to -out DIR; by default a new temporary folder,
// whose path is printed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// config holds the command-line settings of one run.
type config struct {
	Data     string  // folder of the NSL-KDD files; "" with Fetch false: synthetic data
	Fetch    bool    // download the files into Data (or the user cache)
	Train    string  // training file name or path
	Test     string  // test file name or path
	Features string  // reference, standard or telecom
	XGB      string  // XGBoost model file, "" for none
	Out      string  // output folder, "" for a new temporary one
	JSON     bool    // print the result as one JSON object
	Seed     uint64  // seeds the synthetic data, the split and the models
	Trees    int     // trees of the Isolation Forest and the Random Forest
	Budget   float64 // false-alarm budget of the calibrated thresholds
	Explain  int     // test rows explained for the global ranking (0: none)

	// Sizes of the synthetic training and test tables (0: 20,000 and
	// 10,000); tests make them small.
	SynthTrain, SynthTest int
}

func defaultConfig() config {
	return config{
		Train:    "KDDTrain+_20Percent.txt",
		Test:     "KDDTest+.txt",
		Features: "reference",
		Seed:     1,
		Trees:    100,
		Budget:   0.01,
		Explain:  2000,
	}
}

func main() {
	cfg := defaultConfig()
	flag.StringVar(&cfg.Data, "data", "", "folder holding the NSL-KDD files (default: synthetic NSL-KDD-schema traffic, offline)")
	flag.BoolVar(&cfg.Fetch, "fetch", false, "download the NSL-KDD files (SHA-256 checked) into -data DIR, or the user cache when -data is not given, and reuse them next time")
	flag.StringVar(&cfg.Train, "train", cfg.Train, "training file, in -data DIR unless a path (KDDTrain+_20Percent.txt, KDDTrain+.txt, KDDTrain+.txt.gz)")
	flag.StringVar(&cfg.Test, "test", cfg.Test, "test file, in -data DIR unless a path (KDDTest+.txt, KDDTest-21.txt)")
	flag.StringVar(&cfg.Features, "features", cfg.Features, "feature preset: reference, standard or telecom")
	flag.StringVar(&cfg.XGB, "xgb", "", "XGBoost model file to score as well (JSON, UBJSON or legacy binary); its feature names must be the pipeline's")
	flag.StringVar(&cfg.Out, "out", "", "folder for the bundles and PNG files (default: a new temporary folder, printed)")
	flag.BoolVar(&cfg.JSON, "json", false, "print the whole result as one JSON object (progress goes to stderr)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the synthetic data, the calibration split and the models")
	flag.IntVar(&cfg.Trees, "trees", cfg.Trees, "trees of the Isolation Forest and of the Random Forest")
	flag.Float64Var(&cfg.Budget, "budget", cfg.Budget, "false-alarm budget: the share of benign flows the Isolation Forest and the hybrid may flag, in (0, 1)")
	flag.IntVar(&cfg.Explain, "explain", cfg.Explain, "test rows, evenly spaced, explained for the global feature ranking (0: no ranking)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "nslkdd: unexpected arguments %q (flags only; see -h)\n", flag.Args())
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var text, progress io.Writer = os.Stdout, os.Stdout
	if cfg.JSON {
		text, progress = io.Discard, os.Stderr
	}
	res, err := run(ctx, text, progress, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nslkdd:", err)
		os.Exit(1)
	}
	if cfg.JSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, "nslkdd:", err)
			os.Exit(1)
		}
	}
}

// check validates the settings before any work is done.
func (c *config) check() error {
	switch {
	case !(c.Budget > 0 && c.Budget < 1):
		return fmt.Errorf("-budget %v: must be in (0, 1), e.g. 0.01 for one false alarm per 100 benign flows", c.Budget)
	case c.Trees < 1:
		return fmt.Errorf("-trees %d: must be at least 1", c.Trees)
	case c.Explain < 0:
		return fmt.Errorf("-explain %d: must be 0 (no ranking) or more", c.Explain)
	case c.Train == "" || c.Test == "":
		return errors.New("-train and -test must name files")
	case c.SynthTrain < 0 || c.SynthTest < 0:
		return errors.New("synthetic table sizes must not be negative")
	}
	if _, err := presetSteps(c.Features); err != nil {
		return err
	}
	return nil
}
