package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/examples/internal/demo"
)

const usage = `fleet: a scoring fleet on NATS JetStream

  fleet setup -nats URL [-replicas 3] [-max-flows N] [-ack-wait 30s] [-max-ack-pending N]
  fleet probe -nats URL -name NAME FILE...
  fleet score -nats URL (-bundle FILE | -train-demo) [-batch 256] [-explain 3] [-benign each] [-name NAME]
  fleet count -nats URL
  fleet bench [-input FILE] [-bundle FILE | -train-demo] [-records N] [-scorers 1,2] [-batch 64,256,1024]

Run "fleet COMMAND -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "setup":
		err = setupCmd(ctx, args)
	case "probe":
		err = probeCmd(ctx, args)
	case "score":
		err = scoreCmd(ctx, args)
	case "count":
		err = countCmd(ctx, args)
	case "bench":
		err = benchCmd(ctx, args)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "fleet: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

// common are the flags of every command.
type common struct {
	URLs string
	Names
}

func (c *common) register(fs *flag.FlagSet) {
	def := os.Getenv("NATS_URL")
	if def == "" {
		def = "nats://127.0.0.1:4222"
	}
	fs.StringVar(&c.URLs, "nats", def, "NATS server URLs, comma separated (default $NATS_URL, else nats://127.0.0.1:4222)")
	fs.StringVar(&c.Flows, "flows", "FLOWS", "the flows stream (subjects flows.>)")
	fs.StringVar(&c.Alerts, "alerts", "ALERTS", "the alerts stream (subjects alerts.attack, alerts.benign, alerts.dead)")
	fs.StringVar(&c.Consumer, "consumer", "scorers", "the scorers' durable pull consumer on the flows stream")
}

func registerSetup(fs *flag.FlagSet, s *Setup) {
	fs.IntVar(&s.Replicas, "replicas", 1, "servers holding each stream and the consumer (3 on a three-server cluster)")
	fs.Int64Var(&s.MaxFlows, "max-flows", 1_000_000, "records the flows stream holds at most; probes wait beyond")
	fs.DurationVar(&s.AckWait, "ack-wait", 30*time.Second, "a record unacknowledged this long goes to another scorer")
	fs.IntVar(&s.MaxAckPending, "max-ack-pending", 8192, "records delivered and unacknowledged, over all scorers, at most")
	fs.DurationVar(&s.Dedup, "dedup", 10*time.Minute, "window of de-duplication by message ID, both streams")
}

func setupCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	var c common
	var s Setup
	c.register(fs)
	registerSetup(fs, &s)
	_ = fs.Parse(args)
	nc, js, err := connect(c.URLs, "fleet-setup")
	if err != nil {
		return err
	}
	defer nc.Close()
	s.Names = c.Names
	if _, err := s.Ensure(ctx, js); err != nil {
		return err
	}
	fmt.Printf("streams %s (work queue, at most %d records) and %s, consumer %s: ready, %d replicas\n",
		c.Names.withDefaults().Flows, s.MaxFlows, c.Names.withDefaults().Alerts, c.Names.withDefaults().Consumer, max(s.Replicas, 1))
	return nil
}

// openInput opens a file of records, gunzipping a .gz; "-" is stdin.
func openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, nil
}

func probeCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("probe", flag.ExitOnError)
	var c common
	c.register(fs)
	name := fs.String("name", "probe1", "the probe's name: it publishes to flows.NAME with message IDs NAME-LINE")
	window := fs.Int("window", 1024, "records in flight")
	_ = fs.Parse(args)
	if fs.NArg() == 0 {
		return errors.New("probe: name the files of records (one a line, in the scorers' -format; - for stdin)")
	}
	nc, js, err := connect(c.URLs, "fleet-probe-"+*name)
	if err != nil {
		return err
	}
	defer nc.Close()
	p := &Probe{JS: js, Name: *name, Window: *window, Log: os.Stderr}
	start := time.Now()
	for _, path := range fs.Args() {
		in, err := openInput(path)
		if err != nil {
			return err
		}
		err = p.Run(ctx, in)
		in.Close()
		if err != nil {
			return err
		}
	}
	el := time.Since(start)
	fmt.Printf("probe %s: %d records published in %v (%.0f records/s), %d already held, %d publications repeated (%d refusals of a full flows stream)\n",
		*name, p.Published, el.Round(time.Millisecond), float64(p.Published)/el.Seconds(), p.Duplicates, p.Retries, p.Full)
	return nil
}

// scoreFlags are the flags of score.
type scoreFlags struct {
	common
	Bundle    string
	TrainDemo bool
	Format    Format
	Comma     string
	Batch     int
	Explain   int
	Name      string
	Hold      time.Duration
	Every     time.Duration
	Benign    string
}

func loadBundle(ctx context.Context, path string, trainDemo bool) (*bundle.Bundle, error) {
	switch {
	case path != "" && trainDemo:
		return nil, errors.New("give -bundle FILE or -train-demo, not both")
	case path != "":
		b, err := bundle.Load(path)
		if err != nil {
			return nil, fmt.Errorf("-bundle: %w", err)
		}
		if b.Pipeline().NeedsKey() {
			return nil, fmt.Errorf("-bundle %s: its pipeline pseudonymises identifiers and needs its key, which this example does not take", path)
		}
		return b, nil
	case trainDemo:
		b, err := demo.Bundle(ctx, 20000, 1, "examples/fleet")
		if err != nil {
			return nil, fmt.Errorf("-train-demo: %w", err)
		}
		return b, nil
	}
	return nil, errors.New("give -bundle FILE (examples/xgboost -bundle makes one), or -train-demo for a demo Isolation Forest trained on synthetic traffic (not NSL-KDD)")
}

func scoreCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("score", flag.ExitOnError)
	var f scoreFlags
	f.register(fs)
	fs.StringVar(&f.Bundle, "bundle", "", "the bundle file that scores the records")
	fs.BoolVar(&f.TrainDemo, "train-demo", false, "without -bundle: train a demo Isolation Forest on synthetic traffic at start-up (not NSL-KDD)")
	fs.StringVar(&f.Format.Name, "format", "nslkdd", "record format, one record a message: nslkdd or kdd99 lines, csv records (under -header), or json objects (names: the bundle's columns)")
	fs.StringVar(&f.Format.Header, "header", "", "-format csv: the header line naming the records' columns, or @FILE for the first line of FILE")
	fs.StringVar(&f.Comma, "comma", ",", "-format csv: the field separator")
	fs.StringVar(&f.Format.Label, "label", "", "-format csv or json: the column or member holding the label (default \"label\")")
	fs.IntVar(&f.Batch, "batch", 256, "records fetched, scored and acknowledged together")
	fs.IntVar(&f.Explain, "explain", 3, "raw columns that explain each alert (TreeSHAP); 0: none")
	host, _ := os.Hostname()
	fs.StringVar(&f.Name, "name", fmt.Sprintf("%s-%d", host, os.Getpid()), "the scorer's name, in its verdicts")
	fs.DurationVar(&f.Hold, "hold", 0, "fault tests: stop this long halfway through each batch's verdicts")
	fs.DurationVar(&f.Every, "stats", 0, "print the counts this often (and at the end); 0: at the end only")
	fs.StringVar(&f.Benign, "benign", "each", "benign verdicts: each (one message per record, de-duplicated by ID) or batch (one message per batch)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	_ = fs.Parse(args)
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	if f.Benign != "each" && f.Benign != "batch" {
		return fmt.Errorf("-benign %q: want each or batch", f.Benign)
	}
	if f.Batch < 1 || f.Batch > 65536 {
		return errors.New("-batch: want 1 to 65536 records")
	}
	if err := f.readHeader(); err != nil {
		return err
	}
	b, err := loadBundle(ctx, f.Bundle, f.TrainDemo)
	if err != nil {
		return err
	}
	s, err := NewScorer(b, f.Format, f.Name)
	if err != nil {
		return err
	}
	s.Explain, s.Hold, s.Log = f.Explain, f.Hold, os.Stderr
	nc, js, err := connect(f.URLs, "fleet-scorer-"+f.Name)
	if err != nil {
		return err
	}
	defer nc.Close()
	src, err := newJSSource(ctx, js, f.Names, f.Batch, func(err error) { s.logf("consumer: %v", err) })
	if err != nil {
		return err
	}
	defer src.Stop()
	fmt.Fprintf(os.Stderr, "%s: scoring %s records from %s/%s with %s (%s), batches of %d\n",
		f.Name, f.Format.Name, f.Names.withDefaults().Flows, f.Names.withDefaults().Consumer, b.Metadata().Name, b.Kind(), f.Batch)
	if f.Every > 0 {
		go func() {
			t := time.NewTicker(f.Every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					fmt.Fprintf(os.Stderr, "%s: %v\n", f.Name, &s.Stats)
				}
			}
		}()
	}
	sink, err := newJSSink(nc, f.Names, f.Benign == "batch")
	if err != nil {
		return err
	}
	defer sink.Close()
	err = s.Run(ctx, src, sink, f.Batch)
	fmt.Fprintf(os.Stderr, "%s: stopped: %v\n", f.Name, &s.Stats)
	return err
}

func (f *scoreFlags) register(fs *flag.FlagSet) { f.common.register(fs) }

// readHeader reads -header @FILE (the first line of FILE) and -comma.
func (f *scoreFlags) readHeader() error {
	if r := []rune(f.Comma); len(r) == 1 {
		f.Format.Comma = r[0]
	} else {
		return fmt.Errorf("-comma %q: want one character", f.Comma)
	}
	name, ok := strings.CutPrefix(f.Format.Header, "@")
	if !ok {
		return nil
	}
	fh, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("-header: %w", err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return fmt.Errorf("-header %s: %w", name, err)
		}
		return fmt.Errorf("-header %s: empty file", name)
	}
	f.Format.Header = strings.TrimSuffix(sc.Text(), "\r")
	return nil
}

func countCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	var c common
	c.register(fs)
	asJSON := fs.Bool("json", false, "print the tally as JSON")
	_ = fs.Parse(args)
	nc, js, err := connect(c.URLs, "fleet-count")
	if err != nil {
		return err
	}
	defer nc.Close()
	t, err := Count(ctx, js, c.Names)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(t)
	}
	fmt.Println(t)
	return nil
}
