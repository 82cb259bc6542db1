// Command benchmark runs netwarden's models and their Python references side
// by side on the same data, threads and machine, and prints one table of both
// with their ratios.
//
// It compares, on NSL-KDD (KDDTrain+_20Percent → KDDTest+, Reference
// encoding: the numeric columns as they are plus one-hot protocol_type,
// service and flag):
//
//   - Isolation Forest (100 trees, ψ = 256, fitted on the normal training
//     rows) against scikit-learn's IsolationForest: fit time, batch scoring
//     rows/s, one-row latency, ROC AUC;
//   - Random Forest (100 trees) against scikit-learn's RandomForestClassifier:
//     fit time, predict_proba rows/s, one-row latency, ROC AUC, accuracy;
//   - scoring XGBoost's binary_100 fixture model (100 trees, depth 6) against
//     XGBoost's inplace_predict, and exact TreeSHAP per row against XGBoost's
//     predict(pred_contribs=True).
//
// Each throughput and fit time is measured with 1 thread and with -threads
// threads (GOMAXPROCS and the models' worker counts on the Go side, n_jobs and
// nthread on the Python side); times are medians of -reps repetitions after a
// warm-up run. One-row latency is single-threaded on both sides: the Go figure
// is the median over blocks of single-row calls, the Python one the median of
// single-row calls.
//
// The Go half runs in this process. The Python half is the script bench.py
// (embedded in the binary and written to a temporary folder), run with
// /usr/bin/python3 (or $PYTHON, or -python) on the very matrices the Go half
// used, handed over as .npy files, right after the Go half. Without Python,
// scikit-learn or XGBoost the table holds the Go half and says what is missing.
//
// Without NSL-KDD (-data DIR or $NSLKDD_DIR) it runs on netwarden's synthetic
// NSL-KDD-schema traffic, labelled as such, and scores the XGBoost model on
// the fixture's 500 encoded test rows, repeated.
//
// The XGBoost part scores $XGBOOST_FIXTURES/binary_100.json (or -model);
// without either it is skipped and says so. Run it from the repository root:
//
//	XGBOOST_FIXTURES=DIR go run ./examples/benchmark -data NSLKDD_DIR
//	go run ./examples/benchmark -quick -no-python   # a quick Go-only run
//	go run ./examples/benchmark -json > bench.json  # machine-readable
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
)

func main() {
	var cfg Config
	flag.StringVar(&cfg.DataDir, "data", os.Getenv("NSLKDD_DIR"), "folder with the NSL-KDD files KDDTrain+_20Percent.txt and KDDTest+.txt (default $NSLKDD_DIR; synthetic traffic when empty)")
	flag.IntVar(&cfg.Threads, "threads", runtime.NumCPU(), "threads for the all-threads columns (Go GOMAXPROCS and workers; Python n_jobs and nthread)")
	flag.IntVar(&cfg.Reps, "reps", 5, "repetitions of each timed run (the median is reported), after one warm-up run")
	flag.BoolVar(&cfg.Quick, "quick", false, "one repetition, at most 3000 rows of each file, fewer single-row calls (for CI and smoke tests; overrides -reps)")
	flag.StringVar(&cfg.Python, "python", defaultPython(), "Python interpreter for the reference half (default $PYTHON or /usr/bin/python3)")
	flag.BoolVar(&cfg.NoPython, "no-python", false, "run only the Go half")
	flag.StringVar(&cfg.Model, "model", "", "XGBoost model to score (default: $XGBOOST_FIXTURES/binary_100.json)")
	flag.BoolVar(&cfg.JSON, "json", false, "print the results as JSON instead of a Markdown table")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "benchmark: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if cfg.Threads < 1 || cfg.Reps < 1 {
		// Config's zero values mean "the default"; on the command line a
		// zero is a mistake worth saying so.
		fmt.Fprintf(os.Stderr, "benchmark: -threads (%d) and -reps (%d) must be at least 1\n", cfg.Threads, cfg.Reps)
		os.Exit(2)
	}
	cfg.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := Run(ctx, cfg)
	if err == nil {
		if cfg.JSON {
			err = rep.WriteJSON(os.Stdout)
		} else {
			err = rep.WriteMarkdown(os.Stdout)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "benchmark: interrupted")
		} else {
			fmt.Fprintln(os.Stderr, "benchmark:", err)
		}
		os.Exit(1)
	}
}

// defaultPython returns $PYTHON, or Debian's /usr/bin/python3.
func defaultPython() string {
	if p := os.Getenv("PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}
