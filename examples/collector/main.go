// Command collector listens for NetFlow v5/v9, IPFIX and sFlow v5 exports
// on a UDP port, scores every flow record with a netwarden bundle and
// writes the records it flags as JSON lines:
//
//	{"time":"2026-01-01T00:00:01.234Z","exporter":"192.0.2.1","src":"10.1.2.3","src_port":51234,
//	 "dst":"203.0.113.9","dst_port":22,"proto":6,"packets":1,"bytes":44,"score":0.71,"source":"ipfix"}
//
// The bundle must have been fitted on flowrec.Schema rows (the NF-v2
// named flow features of package dataset/flowrec); with no -bundle it
// trains a demo Isolation Forest at start-up on synthetic benign flow
// records. When no exporter has sent anything within -wait, it says so
// and replays a synthetic IPFIX export (benign flows with SYN-scan probes
// and UDP floods mixed in) to its own port, so that it shows something on
// a machine without a router:
//
//	go run ./examples/collector                        # no exporter: synthetic replay
//	go run ./examples/collector -listen :2055 -bundle flows.nwb -wait 0
//	softflowd -r capture.pcap -n 127.0.0.1:2055 -v 10 -a   # a real exporter
//
// It stops after -records records (the replay sends that many), after
// -idle without records once some came, on SIGINT or SIGTERM, and then
// writes the collector's counters to stderr: records per second from the
// first datagram to the last, the CPU time (user and system) and heap
// allocations per record spent collecting, per exporter the datagrams
// received, dropped (queue full, only with -drop-when-full; oversize) and
// what the decoder skipped by reason, and what the kernel dropped before
// the collector could read it (Linux). By default the collector waits for
// the scorer when it falls behind and the datagrams wait in the socket's
// receive buffer, so only what overflows that buffer is lost.
//
// With -send it is the exporter instead: it sends -records synthetic flow
// records as IPFIX at -rate records per second and exits, so that the
// collector can be measured on one core with the exporter in another
// process on another:
//
//	GOMAXPROCS=1 taskset -c 0 collector -listen 127.0.0.1:2055 -wait 0 -idle 3s >alerts.jsonl
//	taskset -c 1 collector -send 127.0.0.1:2055 -records 3000000 -rate 300000
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flowrec"
	"github.com/netwarden/netwarden/examples/internal/records"
)

type config struct {
	Listen     string
	Bundle     string
	Wait       time.Duration
	Idle       time.Duration
	Records    int
	Seed       uint64
	Send       string
	Rate       int
	CPUProfile string
	// DropWhenFull is flowrec.CollectorConfig.DropWhenFull.
	DropWhenFull bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Listen, "listen", "127.0.0.1:2055", "UDP address to receive exports on")
	flag.StringVar(&cfg.Bundle, "bundle", "", "bundle fitted on flowrec.Schema rows (default: train a demo bundle)")
	flag.DurationVar(&cfg.Wait, "wait", 2*time.Second, "replay a synthetic export when no exporter sends within this time (0: never)")
	flag.IntVar(&cfg.Records, "records", 0, "stop after this many records (0: run until interrupted; the replay sends 20000)")
	flag.DurationVar(&cfg.Idle, "idle", 0, "stop when records came and then none for this long (0: never)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the demo bundle and the synthetic export")
	flag.StringVar(&cfg.Send, "send", "", "be the exporter instead: send -records synthetic flows as IPFIX to this UDP address and exit")
	flag.IntVar(&cfg.Rate, "rate", 100000, "with -send, records per second")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the collecting to this file")
	flag.BoolVar(&cfg.DropWhenFull, "drop-when-full", false, "drop (and count) datagrams when the decoder is behind, instead of leaving them in the socket buffer")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "collector:", err)
		os.Exit(1)
	}
}

// alert is one flagged record, as written (appendAlert writes the same
// fields without reflection; the struct documents them and reads them
// back in tests).
type alert struct {
	Time     time.Time `json:"time"`
	Exporter string    `json:"exporter"`
	Src      string    `json:"src"`
	SrcPort  uint16    `json:"src_port"`
	Dst      string    `json:"dst"`
	DstPort  uint16    `json:"dst_port"`
	Proto    uint8     `json:"proto"`
	Packets  uint64    `json:"packets"`
	Bytes    uint64    `json:"bytes"`
	Score    float64   `json:"score"`
	Source   string    `json:"source"`
}

// appendAlert appends r's alert with score v to b as one JSON line, as
// encoding/json would write an alert, without allocating: it runs for
// every flagged record, and a flood flags many. An invalid (zero) address
// is written as "".
func appendAlert(b []byte, r *flowrec.Record, v float64) []byte {
	b = append(b, `{"time":"`...)
	b = r.End.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","exporter":"`...)
	b = r.Exporter.AppendTo(b)
	b = append(b, `","src":"`...)
	b = r.Key.Src.AppendTo(b)
	b = append(b, `","src_port":`...)
	b = strconv.AppendUint(b, uint64(r.Key.SrcPort), 10)
	b = append(b, `,"dst":"`...)
	b = r.Key.Dst.AppendTo(b)
	b = append(b, `","dst_port":`...)
	b = strconv.AppendUint(b, uint64(r.Key.DstPort), 10)
	b = append(b, `,"proto":`...)
	b = strconv.AppendUint(b, uint64(r.Key.Proto), 10)
	b = append(b, `,"packets":`...)
	b = strconv.AppendUint(b, r.Packets(), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendUint(b, r.Bytes(), 10)
	b = append(b, `,"score":`...)
	b = records.AppendFloat(b, v)
	b = append(b, `,"source":`...)
	b = records.AppendString(b, r.Source.String())
	return append(b, "}\n"...)
}

// scorer scores records with a bundle, a datagram's records per call, and
// writes alerts. Its rows and results are reused from one datagram to the
// next.
type scorer struct {
	b       *bundle.Bundle
	rows    []dataset.Row
	res     []bundle.Result
	out     *bufio.Writer
	line    []byte
	records atomic.Int64
	alerts  atomic.Int64
	errs    atomic.Int64
	// first and last are the UNIX nanoseconds of the first and the last
	// datagram handled, 0 before the first.
	first, last atomic.Int64
}

func newScorer(b *bundle.Bundle, w io.Writer) *scorer {
	return &scorer{b: b, out: bufio.NewWriterSize(w, 64<<10), line: make([]byte, 0, 512)}
}

// handle scores one datagram's records in one bundle call (ScoreRows:
// the forest walks them together); it runs on the collector's decoding
// goroutine and allocates nothing once its rows have grown to the
// largest datagram.
func (s *scorer) handle(recs []flowrec.Record) {
	now := time.Now().UnixNano()
	if s.first.Load() == 0 {
		s.first.Store(now)
	}
	s.last.Store(now)
	if len(recs) > len(s.rows) {
		s.rows = append(s.rows, make([]dataset.Row, len(recs)-len(s.rows))...)
		s.res = make([]bundle.Result, len(s.rows))
	}
	rows, res := s.rows[:len(recs)], s.res[:len(recs)]
	for i := range recs {
		flowrec.FillRow(&rows[i], &recs[i].Record)
	}
	var errs, alerts int64
	for lo := 0; lo < len(rows); {
		n, err := s.b.ScoreRows(context.Background(), rows[lo:], res[lo:])
		for i := lo; i < lo+n; i++ {
			if !res[i].Attack {
				continue
			}
			alerts++
			s.line = appendAlert(s.line[:0], &recs[i], res[i].Score)
			_, _ = s.out.Write(s.line)
		}
		lo += n
		if err != nil {
			errs++ // this record could not be scored: skip it
			lo++
		}
	}
	s.errs.Add(errs)
	s.alerts.Add(alerts)
	s.records.Add(int64(len(recs)))
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	if cfg.Send != "" {
		if cfg.Records <= 0 {
			return errors.New("-send needs -records")
		}
		start := time.Now()
		if err := send(ctx, cfg.Send, cfg.Records, cfg.Rate, cfg.Seed); err != nil {
			return err
		}
		el := time.Since(start)
		fmt.Fprintf(stderr, "collector: sent %d synthetic flow records as IPFIX to %s in %v (%.0f records/s)\n",
			cfg.Records, cfg.Send, el.Round(time.Millisecond), float64(cfg.Records)/el.Seconds())
		return nil
	}
	var b *bundle.Bundle
	var err error
	if cfg.Bundle != "" {
		b, err = bundle.Load(cfg.Bundle)
	} else {
		fmt.Fprintln(stderr, "collector: no -bundle: training a demo Isolation Forest on synthetic benign flow records")
		b, err = demoBundle(ctx, 20000, cfg.Seed)
	}
	if err != nil {
		return err
	}
	if err := b.Pipeline().CheckSchema(flowrec.Schema()); err != nil {
		return fmt.Errorf("the bundle was not fitted on flowrec.Schema rows: %w", err)
	}
	c, err := flowrec.Listen(cfg.Listen, flowrec.CollectorConfig{DropWhenFull: cfg.DropWhenFull})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "collector: listening on udp %s (GOMAXPROCS %d)\n", c.Addr(), runtime.GOMAXPROCS(0))
	s := newScorer(b, stdout)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// What start-up left behind is collected now, so that the figures
	// below are the collector's alone.
	runtime.GC()
	use0 := measure()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, s.handle) }()

	limit := cfg.Records
	replayed := false
	var replayErr chan error
	start := time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-done:
			return err
		case <-tick.C:
		}
		if !replayed && cfg.Wait > 0 && s.first.Load() == 0 && time.Since(start) >= cfg.Wait && c.Totals().Packets == 0 {
			replayed = true
			if limit == 0 {
				limit = 20000
			}
			fmt.Fprintf(stderr, "collector: no exporter sent anything in %v: replaying a synthetic IPFIX export of %d flows (not real traffic) to %s\n",
				cfg.Wait, limit, c.Addr())
			replayErr = make(chan error, 1)
			go func() { replayErr <- send(ctx, c.Addr().String(), limit, 0, cfg.Seed) }()
		}
		if limit > 0 && s.records.Load() >= int64(limit) {
			break
		}
		if last := s.last.Load(); cfg.Idle > 0 && last != 0 && time.Since(time.Unix(0, last)) >= cfg.Idle {
			fmt.Fprintf(stderr, "collector: nothing received for %v: stopping\n", cfg.Idle)
			break
		}
		if replayErr != nil {
			select {
			case err := <-replayErr:
				if err != nil {
					return err
				}
				replayErr = nil
				// Everything is sent; give the last datagrams a moment.
				time.AfterFunc(time.Second, cancel)
			default:
			}
		}
	}
	// The kernel's count goes with the socket: read it before Run closes it.
	kernel, kernelOK := c.KernelDrops()
	cancel()
	if err := <-done; err != nil {
		return err
	}
	use := measure().since(use0)
	if err := s.out.Flush(); err != nil {
		return err
	}
	summary(stderr, c, s, use, kernel, kernelOK, time.Since(start))
	return nil
}

// send exports n synthetic flows (benign, with attacks mixed in) as IPFIX
// to addr, at rate records per second; rate 0 paces as a replay to a
// busy machine does (1 ms pause every 64 datagrams). The flows repeat
// after 20000, in ever new messages (the sequence number runs on).
func send(ctx context.Context, addr string, n, rate int, seed uint64) error {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	flows, _ := synthFlows(min(n, 20000), seed+1, true, time.Now().Add(-time.Minute).UTC())
	w := &flowrec.IPFIXWriter{Domain: 1, TemplateEvery: 32}
	var buf []byte
	// The clock is looked at every 16 datagrams (every 64 at rate 0).
	every := 16
	if rate <= 0 {
		every = 64
	}
	t0 := time.Now()
	for sent, dgrams, i := 0, 0, 0; sent < n; dgrams++ {
		rest := flows[i:min(len(flows), i+n-sent)]
		var k int
		buf, k = w.Append(buf[:0], rest, time.Now())
		if _, err := conn.Write(buf); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		sent += k
		if i += k; i == len(flows) {
			i = 0
		}
		if dgrams%every != every-1 {
			continue
		}
		wait := time.Millisecond
		if rate > 0 {
			wait = time.Until(t0.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second))))
		}
		if wait <= 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
	return nil
}

// summary writes the counters; kernelOK says whether the kernel's drops
// are known.
func summary(w io.Writer, c *flowrec.Collector, s *scorer, use usage, kernel uint64, kernelOK bool, elapsed time.Duration) {
	n := s.records.Load()
	fmt.Fprintf(w, "collector: %d records scored, %d alerts, %d scoring errors in %v\n",
		n, s.alerts.Load(), s.errs.Load(), elapsed.Round(time.Millisecond))
	if first, last := s.first.Load(), s.last.Load(); n > 0 && last > first {
		span := time.Duration(last - first)
		fmt.Fprintf(w, "collector: %.0f records/s from the first datagram to the last, using %.0f %% of one core meanwhile\n",
			float64(n)/span.Seconds(), 100*(use.user+use.sys).Seconds()/span.Seconds())
	}
	if n > 0 {
		fmt.Fprintf(w, "collector: cpu %.3f s user %.3f s sys (%.0f ns per record), %.3f allocations per record\n",
			use.user.Seconds(), use.sys.Seconds(), float64((use.user+use.sys).Nanoseconds())/float64(n), float64(use.mallocs)/float64(n))
	}
	if kernelOK {
		fmt.Fprintf(w, "collector: %d datagrams dropped by the kernel before they were read\n", kernel)
	}
	for _, e := range c.Exporters() {
		fmt.Fprintf(w, "exporter %s: %d datagrams, %d records, dropped %d (queue full) %d (oversize), held %d, replayed %d, lost by sequence %d",
			e.Exporter, e.Packets, e.Decoder.Records, e.QueueFull, e.Oversize, e.Decoder.Held, e.Decoder.Replayed, e.Decoder.Lost)
		for r := range flowrec.NumReasons {
			if n := e.Decoder.Skipped[r]; n > 0 {
				fmt.Fprintf(w, ", %s %s", flowrec.Reason(r), strconv.FormatUint(n, 10))
			}
		}
		fmt.Fprintln(w)
	}
}
