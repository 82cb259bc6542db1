package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/syncbuf"
)

// syntheticLines returns n records of seeded synthetic NSL-KDD-schema
// traffic (dataset.Synthetic: not NSL-KDD) as NSL-KDD lines.
func syntheticLines(n int, seed uint64) ([][]byte, error) {
	t, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: n, Seed: seed})
	if err != nil {
		return nil, err
	}
	schema := t.Schema()
	lines := make([][]byte, n)
	var row dataset.Row
	for i := range n {
		t.Row(i, &row)
		var b []byte
		for j, c := range schema.Columns {
			if j > 0 {
				b = append(b, ',')
			}
			if c.Kind == dataset.Categorical {
				b = append(b, row.Cat[j]...)
			} else {
				b = strconv.AppendFloat(b, row.Num[j], 'g', -1, 64)
			}
		}
		b = append(b, ',')
		b = append(b, row.Label...)
		b = append(b, ",0"...)
		lines[i] = b
	}
	return lines, nil
}

// readLines reads the non-blank lines of a file (.gz too).
func readLines(path string) ([][]byte, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var lines [][]byte
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
	}
	return lines, sc.Err()
}

// cycle returns a reader of n lines taken round and round from lines.
func cycle(lines [][]byte, n int) io.Reader {
	var b bytes.Buffer
	for i := range n {
		b.Write(lines[i%len(lines)])
		b.WriteByte('\n')
	}
	return &b
}

// startScorers starts k scorer processes of this program (exe score ...),
// each on GOMAXPROCS=1.
func startScorers(exe string, k int, env []string, args ...string) ([]*exec.Cmd, []*syncbuf.Buffer, error) {
	var cmds []*exec.Cmd
	var logs []*syncbuf.Buffer
	for i := range k {
		a := append([]string{"score", "-name", fmt.Sprintf("scorer%d", i+1)}, args...)
		cmd := exec.Command(exe, a...)
		cmd.Env = append(append(os.Environ(), env...), "GOMAXPROCS=1")
		lb := &syncbuf.Buffer{}
		cmd.Stderr, cmd.Stdout = lb, lb
		if err := cmd.Start(); err != nil {
			return cmds, logs, err
		}
		cmds = append(cmds, cmd)
		logs = append(logs, lb)
	}
	return cmds, logs, nil
}

// waitVerdicts waits until the alerts stream holds want verdicts.
func waitVerdicts(ctx context.Context, js jetstream.JetStream, n Names, want uint64, timeout time.Duration) (uint64, error) {
	n = n.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var got uint64
	for {
		st, err := js.Stream(ctx, n.Alerts)
		if err == nil {
			var info *jetstream.StreamInfo
			if info, err = st.Info(ctx); err == nil {
				got = info.State.Msgs
				if got >= want {
					return got, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("the alerts stream holds %d verdicts of %d after %v", got, want, timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitDone waits until want records have entered the flows stream and
// the scorers' consumer has every one acknowledged, which a scorer does
// once the record's verdict is durable. (It asks the consumer, not the
// work-queue stream: nats-server 2.9 may keep acknowledged records in the
// stream after it is killed and restarted.)
func waitDone(ctx context.Context, js jetstream.JetStream, n Names, want uint64, timeout time.Duration) error {
	n = n.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last jetstream.StreamState
	var acked, pending uint64
	var unacked int
	for {
		st, err := js.Stream(ctx, n.Flows)
		if err == nil {
			var info *jetstream.StreamInfo
			if info, err = st.Info(ctx); err == nil {
				last = info.State
			}
		}
		if c, err := js.Consumer(ctx, n.Flows, n.Consumer); err == nil {
			if ci, err := c.Info(ctx); err == nil {
				acked, unacked, pending = ci.AckFloor.Stream, ci.NumAckPending, ci.NumPending
			}
		}
		// Every record is in the stream, and the consumer has none left to
		// deliver and none delivered but unacknowledged. (After a cluster's
		// leader changes, the new leader may report an ack floor of 0 for a
		// consumer that has acknowledged everything, so the floor alone
		// is not enough.)
		if last.LastSeq >= want && unacked == 0 && (acked >= last.LastSeq || pending == 0) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %v the flows stream has taken %d records of %d, the consumer has all acknowledged up to %d, %d unacknowledged",
				timeout, last.LastSeq, want, acked, unacked)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// resetStreams deletes the fleet's streams and makes them again.
func resetStreams(ctx context.Context, js jetstream.JetStream, s Setup) error {
	n := s.Names.withDefaults()
	for _, name := range []string{n.Flows, n.Alerts} {
		if err := js.DeleteStream(ctx, name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
	}
	_, err := s.Ensure(ctx, js)
	return err
}

func benchCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	input := fs.String("input", "", "records to publish (NSL-KDD lines, cycled; default $NSLKDD_DIR/KDDTest+.txt, else synthetic traffic)")
	bundlePath := fs.String("bundle", "", "the bundle the scorers load (default: a demo Isolation Forest on synthetic traffic)")
	records := fs.Int("records", 200_000, "records in each throughput run")
	latRecords := fs.Int("latency-records", 20_000, "records in each latency run")
	rate := fs.Int("rate", 10_000, "records/s the probe offers in the latency runs")
	scorerList := fs.String("scorers", "1,2", "fleet sizes")
	batchList := fs.String("batch", "64,256,1024", "batch sizes")
	explain := fs.Int("explain", 0, "raw columns that explain each alert; 0: none")
	benign := fs.String("benign", "each", "the scorers' -benign: each or batch")
	_ = fs.Parse(args)
	bin, err := serverBinary()
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "fleet-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var lines [][]byte
	source := *input
	if source == "" && os.Getenv("NSLKDD_DIR") != "" {
		source = filepath.Join(os.Getenv("NSLKDD_DIR"), "KDDTest+.txt")
	}
	if source != "" {
		if lines, err = readLines(source); err != nil {
			return err
		}
	} else {
		source = "synthetic NSL-KDD-schema traffic (not NSL-KDD)"
		if lines, err = syntheticLines(20000, 7); err != nil {
			return err
		}
	}
	bpath := *bundlePath
	if bpath == "" {
		b, err := loadBundle(ctx, "", true)
		if err != nil {
			return err
		}
		bpath = filepath.Join(dir, "demo.nwb")
		if err := b.Save(bpath); err != nil {
			return err
		}
	}
	var sizes, batches []int
	for _, s := range strings.Split(*scorerList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || k < 1 {
			return fmt.Errorf("-scorers %q: want numbers", *scorerList)
		}
		sizes = append(sizes, k)
	}
	for _, s := range strings.Split(*batchList, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || k < 1 {
			return fmt.Errorf("-batch %q: want numbers", *batchList)
		}
		batches = append(batches, k)
	}

	ss, err := newServers(bin, dir, 1)
	if err != nil {
		return err
	}
	if err := ss[0].Start(); err != nil {
		return err
	}
	defer ss[0].Stop()
	nc, js, err := connect(ss[0].URL(), "fleet-bench")
	if err != nil {
		return err
	}
	defer nc.Close()
	if err := waitJetStream(ctx, js); err != nil {
		return err
	}
	setup := Setup{MaxFlows: int64(*records) + 1}
	fmt.Printf("fleet bench: nats-server %s on 127.0.0.1 (file storage), input %s, bundle %s, explain %d, benign verdicts %s; each scorer a process with GOMAXPROCS=1\n",
		ss[0].URL(), source, bpath, *explain, *benign)
	fmt.Printf("%-8s %-6s %9s %12s %14s %10s %10s\n", "scorers", "batch", "records", "records/s", "per CPU-s", "p50", "p99")
	for _, k := range sizes {
		for _, bs := range batches {
			args := []string{"-nats", ss[0].URL(), "-bundle", bpath, "-batch", strconv.Itoa(bs), "-explain", strconv.Itoa(*explain), "-benign", *benign}
			// Throughput: the backlog of records, drained.
			if err := resetStreams(ctx, js, setup); err != nil {
				return err
			}
			p := &Probe{JS: js, Name: "bench", Window: 4096}
			if err := p.Run(ctx, cycle(lines, *records)); err != nil {
				return err
			}
			cmds, logs, err := startScorers(exe, k, nil, args...)
			if err == nil {
				err = waitDone(ctx, js, Names{}, uint64(*records), 10*time.Minute)
			}
			cpu := stopAll(cmds)
			if err != nil {
				return fmt.Errorf("%w; scorer logs: %s", err, joinLogs(logs))
			}
			t, err := Count(ctx, js, Names{})
			if err != nil {
				return err
			}
			tput := float64(t.Distinct) / t.Last.Sub(t.First).Seconds()

			// Latency: records offered at -rate.
			if err := resetStreams(ctx, js, setup); err != nil {
				return err
			}
			cmds, logs, err = startScorers(exe, k, nil, args...)
			if err == nil {
				time.Sleep(500 * time.Millisecond) // let them load the bundle
				lp := &Probe{JS: js, Name: "lat", Window: 100, Rate: *rate}
				err = lp.Run(ctx, cycle(lines, *latRecords))
			}
			if err == nil {
				err = waitDone(ctx, js, Names{}, uint64(*latRecords), 5*time.Minute)
			}
			stopAll(cmds)
			if err != nil {
				return fmt.Errorf("%w; scorer logs: %s", err, joinLogs(logs))
			}
			lt, err := Count(ctx, js, Names{})
			if err != nil {
				return err
			}
			fmt.Printf("%-8d %-6d %9d %12.0f %14.0f %10v %10v   (%d alerts, %d benign, %d dead; %v)\n", k, bs, t.Distinct, tput,
				float64(t.Distinct)/cpu.Seconds(), lt.P50.Round(10*time.Microsecond), lt.P99.Round(10*time.Microsecond), t.Attack, t.Benign, t.Dead, t.ByScorer)
		}
	}
	fmt.Printf("records/s: wall clock, from the first verdict stored to the last, a backlog of -records drained; per CPU-s: records per second of CPU (user+system) the scorer processes used in all\n")
	fmt.Printf("latency: from a record's storing in %s to its verdict's storing in %s, at %d records/s offered (%d records)\n", "FLOWS", "ALERTS", *rate, *latRecords)
	return nil
}

// stopAll stops the scorers with SIGINT and returns the CPU time (user and
// system) they used in all.
func stopAll(cmds []*exec.Cmd) time.Duration {
	for _, c := range cmds {
		_ = c.Process.Signal(os.Interrupt)
	}
	var cpu time.Duration
	for _, c := range cmds {
		_ = c.Wait()
		if c.ProcessState != nil {
			cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
		}
	}
	return cpu
}

func joinLogs(logs []*syncbuf.Buffer) string {
	var b strings.Builder
	for _, l := range logs {
		b.WriteString(l.String())
	}
	return b.String()
}
