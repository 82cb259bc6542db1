// Command stream scores flow records as they arrive on stdin and writes an
// alert for each attack as one JSON line on stdout, in constant memory
// whatever the stream's length.
//
// Records are NSL-KDD lines (the default), KDD Cup 1999 lines (-format
// kdd99: 42 fields, no difficulty column; an NSL-KDD stream given KDD'99
// lines says so and suggests the flag) or CSV with a header (-format csv;
// columns are matched to the bundle's schema by name, other columns
// ignored). Each record is scored by a bundle (-bundle FILE, written by
// examples/nslkdd, examples/xgboost or bundle.Save) or, given none, by a
// demo Isolation Forest trained at start-up on synthetic traffic (not
// NSL-KDD; the first line on stderr says so, and so does the summary).
// An alert says where the record was and why it was flagged:
//
//	{"line":3,"score":0.6712,"attack":true,"decision":"attack","label":"neptune","category":"DoS",
//	 "top_features":[{"name":"flag","value":"S0","contribution":0.31}, …]}
//
// The top features are the raw columns with the largest contributions in
// magnitude, each signed: positive pushes towards "attack", negative
// towards "normal", in the model's own unit (exact TreeSHAP summed per raw
// column: an Isolation Forest's path length, negated; a Random Forest's
// P(attack); XGBoost's margin), which the first stderr line names. Every
// model a bundle holds explains itself, but only alerts are explained, since
// an explanation costs milliseconds where a score costs microseconds (exact
// TreeSHAP: about 1.4 ms an alert for the demo Isolation Forest, 3.7 ms for
// a Random Forest of 100 unpruned trees, against 3–5 µs to score a row;
// BenchmarkAlertCost). Alerts are explained on -workers goroutines (all
// cores by default) while the stream goes on being read and scored, and
// the output stays in input order; with many alerts, -top 0 writes them
// unexplained.
//
// A bad line is reported on stderr as a JSON line ({"bad_line":7,"column":12,
// "field":"src_bytes","error":"…"}) and skipped (-strict stops there with
// exit status 1). At the end a JSON summary goes to stderr: lines, rows,
// alerts, bad lines and, when the records carry labels, the detection and
// false-alarm rates.
//
// A bundle that pseudonymises identifiers (features.Pseudonymize) needs its
// key: -key-file FILE (the file's bytes, one trailing line end removed;
// chmod 600 it) or the environment variable NETWARDEN_PSEUDONYM_KEY, never
// a flag's value, which any user of the machine sees in ps.
//
//	go build -o stream ./examples/stream
//	./stream < ../shared/data/nsl-kdd/KDDTest+.txt > alerts.jsonl     # the synthetic demo model
//	./stream -format kdd99 -bundle model.nwb < kddcup.data_10_percent
//	tail -f flows.csv | ./stream -bundle flows.nwb -key-file /run/secrets/nw-key -format csv -csv-label Label
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
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
	KeyFile   string
	DemoRows  int
	Seed      uint64
	Format    string   // nslkdd, kdd99 or csv
	CSVLabel  string   // label column of a CSV stream
	CSVIgnore []string // CSV columns to drop
	CSVComma  string
	Top       int  // contributing columns per alert
	Workers   int  // goroutines explaining alerts (1: explain inline)
	All       bool // write every record, not only alerts
	Strict    bool // stop at the first bad line
	Name      string
}

func main() {
	var cfg config
	var ignore string
	flag.StringVar(&cfg.Bundle, "bundle", "", "bundle file that scores the records")
	flag.BoolVar(&cfg.TrainDemo, "train-demo", false, "train a demo Isolation Forest on synthetic traffic at start-up (offline; not NSL-KDD); the default without -bundle")
	flag.StringVar(&cfg.KeyFile, "key-file", "", "file holding the pseudonymisation key of a bundle that needs one (else the environment variable "+demo.KeyEnv+")")
	flag.IntVar(&cfg.DemoRows, "demo-rows", 20000, "rows of synthetic traffic for -train-demo")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed for -train-demo")
	flag.StringVar(&cfg.Format, "format", "nslkdd", "record format: nslkdd, kdd99 or csv (with a header line)")
	flag.StringVar(&cfg.CSVLabel, "csv-label", "", "-format csv: the column holding each record's label, if any")
	flag.StringVar(&ignore, "csv-ignore", "", "-format csv: comma-separated columns to drop (columns the bundle does not use are dropped anyway)")
	flag.StringVar(&cfg.CSVComma, "csv-comma", ",", "-format csv: the field separator")
	flag.IntVar(&cfg.Top, "top", 3, "contributing columns per alert (0: none)")
	flag.IntVar(&cfg.Workers, "workers", runtime.GOMAXPROCS(0), "goroutines explaining alerts while the stream is read and scored (1: explain each alert inline); output stays in input order")
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

// load returns the bundle that scores the stream and a sentence saying
// where it came from.
func load(ctx context.Context, cfg config) (*bundle.Bundle, string, error) {
	switch {
	case cfg.Bundle != "" && cfg.TrainDemo:
		return nil, "", errors.New("give -bundle FILE or -train-demo, not both")
	case cfg.Bundle != "":
		b, err := bundle.Load(cfg.Bundle)
		if err != nil {
			return nil, "", fmt.Errorf("-bundle: %w", err)
		}
		note, err := demo.ApplyKey(b, cfg.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("-bundle %s: %w", cfg.Bundle, err)
		}
		source := "bundle file " + cfg.Bundle
		if note != "" {
			source += " (" + note + ")"
		}
		return b, source, nil
	default:
		if cfg.DemoRows == 0 {
			cfg.DemoRows = 20000
		}
		if cfg.DemoRows < 1000 {
			return nil, "", errors.New("-demo-rows: at least 1000")
		}
		b, err := demo.Bundle(ctx, cfg.DemoRows, cfg.Seed, "examples/stream")
		if err != nil {
			return nil, "", fmt.Errorf("-train-demo: %w", err)
		}
		return b, demoSource, nil
	}
}

// demoSource is what the stream says of the demo model.
const demoSource = "demo Isolation Forest trained at start-up on synthetic traffic (not NSL-KDD; its alerts show how the stream works, not how well a real model detects; give -bundle FILE for a real model)"

// run scores the records of in, writes alerts to out and bad lines and the
// summary to errw, until in ends or ctx is cancelled.
func run(ctx context.Context, cfg config, in io.Reader, out, errw io.Writer) (summary, error) {
	if cfg.Top < 0 {
		return summary{}, errors.New("-top: want 0 or more")
	}
	b, source, err := load(ctx, cfg)
	if err != nil {
		return summary{}, err
	}
	sc, err := newScorer(b, cfg, in, out, errw)
	if err != nil {
		return summary{}, err
	}
	sc.sum.Model = source
	sc.writeStart(source)
	err = sc.run(ctx)
	sc.writeSummary()
	return sc.sum, err
}
