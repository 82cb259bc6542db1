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
// It stops after -records records (the replay sends that many), on SIGINT
// or SIGTERM, and then writes the collector's counters to stderr: per
// exporter, datagrams received, dropped (queue full, oversize) and what
// the decoder skipped by reason, and what the kernel dropped before the
// collector could read it (Linux).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flowrec"
)

type config struct {
	Listen  string
	Bundle  string
	Wait    time.Duration
	Records int
	Seed    uint64
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Listen, "listen", "127.0.0.1:2055", "UDP address to receive exports on")
	flag.StringVar(&cfg.Bundle, "bundle", "", "bundle fitted on flowrec.Schema rows (default: train a demo bundle)")
	flag.DurationVar(&cfg.Wait, "wait", 2*time.Second, "replay a synthetic export when no exporter sends within this time (0: never)")
	flag.IntVar(&cfg.Records, "records", 0, "stop after this many records (0: run until interrupted; the replay sends 20000)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the demo bundle and the synthetic export")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "collector:", err)
		os.Exit(1)
	}
}

// alert is one flagged record, as written.
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

// scorer scores records with a bundle, reusing one row, and writes alerts.
type scorer struct {
	b       *bundle.Bundle
	row     dataset.Row
	out     *bufio.Writer
	enc     *json.Encoder
	records atomic.Int64
	alerts  atomic.Int64
	errs    atomic.Int64
}

func newScorer(b *bundle.Bundle, w io.Writer) *scorer {
	s := &scorer{b: b, out: bufio.NewWriterSize(w, 64<<10)}
	s.enc = json.NewEncoder(s.out)
	return s
}

// handle scores one datagram's records; it runs on the collector's
// decoding goroutine.
func (s *scorer) handle(recs []flowrec.Record) {
	for i := range recs {
		r := &recs[i]
		flowrec.FillRow(&s.row, &r.Record)
		res, err := s.b.ScoreRow(&s.row)
		s.records.Add(1)
		if err != nil {
			s.errs.Add(1)
			continue
		}
		if !res.Attack {
			continue
		}
		s.alerts.Add(1)
		_ = s.enc.Encode(alert{
			Time: r.End, Exporter: r.Exporter.String(), Src: r.Key.Src.String(), SrcPort: r.Key.SrcPort,
			Dst: r.Key.Dst.String(), DstPort: r.Key.DstPort, Proto: r.Key.Proto,
			Packets: r.Packets(), Bytes: r.Bytes(), Score: res.Score, Source: r.Source.String(),
		})
	}
}

func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
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
	c, err := flowrec.Listen(cfg.Listen, flowrec.CollectorConfig{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "collector: listening on udp %s\n", c.Addr())
	s := newScorer(b, stdout)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
		tot := c.Totals()
		if !replayed && cfg.Wait > 0 && tot.Packets == 0 && time.Since(start) >= cfg.Wait {
			replayed = true
			if limit == 0 {
				limit = 20000
			}
			fmt.Fprintf(stderr, "collector: no exporter sent anything in %v: replaying a synthetic IPFIX export of %d flows (not real traffic) to %s\n",
				cfg.Wait, limit, c.Addr())
			replayErr = make(chan error, 1)
			go func() { replayErr <- replay(ctx, c.Addr().String(), limit, cfg.Seed) }()
		}
		if limit > 0 && s.records.Load() >= int64(limit) {
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
	cancel()
	if err := <-done; err != nil {
		return err
	}
	if err := s.out.Flush(); err != nil {
		return err
	}
	summary(stderr, c, s, time.Since(start))
	return nil
}

// replay sends n synthetic flows as IPFIX to addr, paced so that a busy
// machine's socket buffer keeps up.
func replay(ctx context.Context, addr string, n int, seed uint64) error {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	flows, _ := synthFlows(n, seed+1, true, time.Now().Add(-time.Minute).UTC())
	w := &flowrec.IPFIXWriter{Domain: 1, TemplateEvery: 32}
	var buf []byte
	sent := 0
	for rest := flows; len(rest) > 0; {
		var k int
		buf, k = w.Append(buf[:0], rest, time.Now())
		if _, err := conn.Write(buf); err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		rest = rest[k:]
		sent++
		if sent%64 == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Millisecond):
			}
		}
	}
	return nil
}

func summary(w io.Writer, c *flowrec.Collector, s *scorer, elapsed time.Duration) {
	fmt.Fprintf(w, "collector: %d records scored, %d alerts, %d scoring errors in %v\n",
		s.records.Load(), s.alerts.Load(), s.errs.Load(), elapsed.Round(time.Millisecond))
	if n, ok := c.KernelDrops(); ok {
		fmt.Fprintf(w, "collector: %d datagrams dropped by the kernel before they were read\n", n)
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
