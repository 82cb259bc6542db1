// Command stream scores flow records as they arrive on stdin and writes an
// alert for each attack as one JSON line on stdout, in constant memory
// whatever the stream's length.
//
// Records are NSL-KDD lines (the default), KDD Cup 1999 lines or CSV with a
// header (-format csv; columns are matched to the bundle's schema by name,
// other columns ignored). Each record is scored by a bundle (-bundle FILE,
// written by examples/nslkdd, examples/xgboost or bundle.Save) or by a demo
// Isolation Forest trained at start-up on synthetic traffic (-train-demo).
// An alert says where the record was and why it was flagged:
//
//	{"line":3,"score":0.6712,"attack":true,"decision":"attack","label":"neptune","category":"DoS",
//	 "top_features":[{"name":"flag","value":"S0","contribution":0.31}, …]}
//
// Contributions are positive towards "attack", in the model's own units
// (bundle.ExplainRow for an Isolation Forest, log-odds TreeSHAP for
// XGBoost); a model that cannot explain itself (a Random Forest, for now)
// gives none.
//
// A bad line is reported on stderr as a JSON line ({"bad_line":7,"column":12,
// "field":"src_bytes","error":"…"}) and skipped (-strict stops there with
// exit status 1). At the end a JSON summary goes to stderr: lines, rows,
// alerts, bad lines and, when the records carry labels, the detection and
// false-alarm rates.
//
//	go run ./examples/stream -train-demo < ../shared/data/nsl-kdd/KDDTest+.txt > alerts.jsonl
//	tail -f flows.csv | go run ./examples/stream -bundle model.nwb -format csv -csv-label Label
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/examples/internal/demo"
)

// config is the command line.
type config struct {
	Bundle    string
	TrainDemo bool
	DemoRows  int
	Seed      uint64
	Format    string   // nslkdd, kdd99 or csv
	CSVLabel  string   // label column of a CSV stream
	CSVIgnore []string // CSV columns to drop
	CSVComma  string
	Top       int  // contributing columns per alert
	All       bool // write every record, not only alerts
	Strict    bool // stop at the first bad line
	Name      string
}

func main() {
	var cfg config
	var ignore string
	flag.StringVar(&cfg.Bundle, "bundle", "", "bundle file that scores the records")
	flag.BoolVar(&cfg.TrainDemo, "train-demo", false, "without -bundle: train a demo Isolation Forest on synthetic traffic at start-up (offline; not NSL-KDD)")
	flag.IntVar(&cfg.DemoRows, "demo-rows", 20000, "rows of synthetic traffic for -train-demo")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed for -train-demo")
	flag.StringVar(&cfg.Format, "format", "nslkdd", "record format: nslkdd, kdd99 or csv (with a header line)")
	flag.StringVar(&cfg.CSVLabel, "csv-label", "", "-format csv: the column holding each record's label, if any")
	flag.StringVar(&ignore, "csv-ignore", "", "-format csv: comma-separated columns to drop (columns the bundle does not use are dropped anyway)")
	flag.StringVar(&cfg.CSVComma, "csv-comma", ",", "-format csv: the field separator")
	flag.IntVar(&cfg.Top, "top", 3, "contributing columns per alert (0: none)")
	flag.BoolVar(&cfg.All, "all", false, "write a line for every record, not only alerts")
	flag.BoolVar(&cfg.Strict, "strict", false, "stop at the first bad line (exit status 1) instead of skipping it")
	flag.Parse()
	if ignore != "" {
		cfg.CSVIgnore = strings.Split(ignore, ",")
	}
	cfg.Name = "stdin"

	// SIGTERM and SIGINT stop the stream after the record in hand, with the
	// summary. A read from stdin cannot be interrupted, so when the stream
	// is waiting for input the command exits at once: everything scored
	// has been written already (output is flushed before each wait).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	done := make(chan error, 1)
	go func() {
		_, err := run(ctx, cfg, os.Stdin, os.Stdout, os.Stderr)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(2 * time.Second):
			fmt.Fprintln(os.Stderr, "stream: stopped by a signal while waiting for input; every alert so far has been written")
			os.Exit(0)
		}
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "stream:", err)
		os.Exit(1)
	}
}

// load returns the bundle that scores the stream.
func load(ctx context.Context, cfg config) (*bundle.Bundle, error) {
	switch {
	case cfg.Bundle != "" && cfg.TrainDemo:
		return nil, errors.New("give -bundle FILE or -train-demo, not both")
	case cfg.Bundle != "":
		b, err := bundle.Load(cfg.Bundle)
		if err != nil {
			return nil, fmt.Errorf("-bundle: %w", err)
		}
		if b.Pipeline().NeedsKey() {
			return nil, fmt.Errorf("-bundle %s: its pipeline pseudonymises identifiers and needs its key, which this example does not take", cfg.Bundle)
		}
		return b, nil
	case cfg.TrainDemo:
		if cfg.DemoRows < 1000 {
			return nil, errors.New("-demo-rows: at least 1000")
		}
		b, err := demo.Bundle(ctx, cfg.DemoRows, cfg.Seed, "examples/stream")
		if err != nil {
			return nil, fmt.Errorf("-train-demo: %w", err)
		}
		return b, nil
	default:
		return nil, errors.New("give -bundle FILE, or -train-demo to train a demo model on synthetic traffic")
	}
}

// run scores the records of in, writes alerts to out and bad lines and the
// summary to errw, until in ends or ctx is cancelled.
func run(ctx context.Context, cfg config, in io.Reader, out, errw io.Writer) (summary, error) {
	if cfg.Top < 0 {
		return summary{}, errors.New("-top: want 0 or more")
	}
	b, err := load(ctx, cfg)
	if err != nil {
		return summary{}, err
	}
	sc, err := newScorer(b, cfg, in, out, errw)
	if err != nil {
		return summary{}, err
	}
	err = sc.run(ctx)
	sc.writeSummary()
	return sc.sum, err
}
