package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/flowrec"
	"github.com/netwarden/netwarden/examples/internal/syncbuf"
)

// TestReplay runs the command with no exporter: it must say it replays a
// synthetic export, score every record, and flag the synthetic attacks
// while keeping to about its false-alarm budget on the benign flows.
func TestReplay(t *testing.T) {
	var out, errb bytes.Buffer
	const n = 4000
	err := run(context.Background(), config{Listen: "127.0.0.1:0", Wait: 200 * time.Millisecond, Records: n, Seed: 3}, &out, &errb)
	require.NoError(t, err)
	assert.Contains(t, errb.String(), "replaying a synthetic IPFIX export")
	assert.Contains(t, errb.String(), fmt.Sprintf("%d records scored", n))
	assert.Contains(t, errb.String(), "dropped 0 (queue full) 0 (oversize)")

	flows, bad := synthFlows(n, 4, true, time.Now())
	key := func(src string, sp uint16, dst string, dp uint16) string { return fmt.Sprint(src, sp, dst, dp) }
	isBad := map[string]bool{}
	attacks := 0
	for i := range flows {
		k := key(flows[i].Key.Src.String(), flows[i].Key.SrcPort, flows[i].Key.Dst.String(), flows[i].Key.DstPort)
		isBad[k] = bad[i]
		if bad[i] {
			attacks++
		}
	}
	hits, false_ := 0, 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var a alert
		require.NoError(t, json.Unmarshal(sc.Bytes(), &a), sc.Text())
		assert.Equal(t, "ipfix", a.Source)
		if isBad[key(a.Src, a.SrcPort, a.Dst, a.DstPort)] {
			hits++
		} else {
			false_++
		}
	}
	t.Logf("%d attacks, %d flagged; %d false alarms over %d benign flows", attacks, hits, false_, n-attacks)
	assert.GreaterOrEqual(t, float64(hits), 0.9*float64(attacks))
	assert.LessOrEqual(t, float64(false_), 0.03*float64(n-attacks))
}

func TestBadBundleSchema(t *testing.T) {
	err := run(context.Background(), config{Listen: "127.0.0.1:0", Bundle: "/nonexistent.nwb"}, new(bytes.Buffer), new(bytes.Buffer))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "nonexistent"), err.Error())
}

// BenchmarkEndToEnd measures the collector on loopback as the command
// runs it: receive, decode, fill the row, score with the demo bundle (no
// explanation). The export is paced at the rate of the sub-benchmark, as
// a router sends, and the drop counters are reported: queue_drops are the
// collector's, lost what never reached it (the kernel's socket buffer
// overflowed). records/s is what was handled over the time of sending
// and draining.
func BenchmarkEndToEnd(b *testing.B) {
	bun, err := demoBundle(context.Background(), 20000, 1)
	require.NoError(b, err)
	const n = 20000
	flows, _ := synthFlows(n, 2, true, time.Now())
	w := &flowrec.IPFIXWriter{TemplateEvery: 32}
	var pkts [][]byte
	for rest := flows; len(rest) > 0; {
		p, k := w.Append(nil, rest, time.Now())
		pkts = append(pkts, p)
		rest = rest[k:]
	}
	for _, rate := range []int{100_000, 300_000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			c, err := flowrec.Listen("127.0.0.1:0", flowrec.CollectorConfig{})
			require.NoError(b, err)
			s := newScorer(bun, io.Discard)
			var got atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = c.Run(ctx, func(r []flowrec.Record) { s.handle(r); got.Add(int64(len(r))) })
			}()
			conn, err := net.Dial("udp", c.Addr().String())
			require.NoError(b, err)
			defer conn.Close()
			perPkt := time.Duration(float64(time.Second) * float64(n) / float64(len(pkts)) / float64(rate))
			sent := int64(0)
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				for i, p := range pkts {
					if i%32 == 31 {
						if d := time.Until(t0.Add(time.Duration(i) * perPkt)); d > 0 {
							time.Sleep(d)
						}
					}
					if _, err := conn.Write(p); err != nil {
						b.Fatal(err)
					}
				}
				sent += n
				for deadline := time.Now().Add(2 * time.Second); got.Load() < sent && time.Now().Before(deadline); {
					time.Sleep(100 * time.Microsecond)
				}
			}
			b.StopTimer()
			kernel, _ := c.KernelDrops()
			cancel()
			<-done
			tot := c.Totals()
			b.ReportMetric(float64(kernel), "kernel_drops")
			b.ReportMetric(float64(got.Load())/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(tot.QueueFull), "queue_drops")
			b.ReportMetric(float64(int64(b.N)*n-got.Load()), "lost")
			b.ReportMetric(float64(s.errs.Load()), "score_errors")
		})
	}
}

// BenchmarkScoreRecord is the per-record work of the handler alone: fill
// the rows and score them with the demo bundle, one record per call and a
// datagram's 18 per call (as the collector calls it; IPFIXWriter puts 18
// of these records in a datagram). cpu-ns/record is the CPU time of the
// process per record:
//
//	GOMAXPROCS=1 taskset -c 0 go test -run '^$' -bench ScoreRecord -count 5 ./examples/collector/
func BenchmarkScoreRecord(b *testing.B) {
	bun, err := demoBundle(context.Background(), 20000, 1)
	require.NoError(b, err)
	flows, _ := synthFlows(4096, 2, true, time.Now())
	recs := make([]flowrec.Record, len(flows))
	for i := range flows {
		recs[i].Record = flows[i]
	}
	for _, per := range []int{1, 18} {
		b.Run(fmt.Sprintf("records=%d", per), func(b *testing.B) {
			s := newScorer(bun, io.Discard)
			b.ReportAllocs()
			u0 := measure()
			i := 0
			for b.Loop() {
				if i+per > len(recs) {
					i = 0
				}
				s.handle(recs[i : i+per])
				i += per
			}
			u := measure().since(u0)
			n := float64(b.N * per)
			b.ReportMetric(float64((u.user+u.sys).Nanoseconds())/n, "cpu-ns/record")
			b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// TestHandleBatches: the handler scoring a datagram's records in one call
// writes the alerts that scoring them one by one with ScoreRow writes,
// byte for byte, and allocates nothing once its rows have grown.
func TestHandleBatches(t *testing.T) {
	bun, err := demoBundle(context.Background(), 5000, 1)
	require.NoError(t, err)
	flows, _ := synthFlows(1000, 2, true, time.Now().UTC())
	recs := make([]flowrec.Record, len(flows))
	for i := range flows {
		recs[i].Record = flows[i]
	}
	var want bytes.Buffer
	var row dataset.Row
	alerts := 0
	for i := range recs {
		flowrec.FillRow(&row, &recs[i].Record)
		res, err := bun.ScoreRow(&row)
		require.NoError(t, err)
		if res.Attack {
			alerts++
			want.Write(appendAlert(nil, &recs[i], res.Score))
		}
	}
	require.NotZero(t, alerts)
	var got bytes.Buffer
	s := newScorer(bun, &got)
	for lo := 0; lo < len(recs); lo += 18 {
		s.handle(recs[lo:min(lo+18, len(recs))])
	}
	require.NoError(t, s.out.Flush())
	assert.Equal(t, want.String(), got.String())
	assert.Equal(t, int64(alerts), s.alerts.Load())
	assert.Equal(t, int64(len(recs)), s.records.Load())
	assert.Zero(t, s.errs.Load())
	if !raceEnabled {
		s.out.Reset(io.Discard)
		i := 0
		allocs := testing.AllocsPerRun(100, func() {
			s.handle(recs[i : i+18])
			i = (i + 18) % (len(recs) - 18)
		})
		assert.Zero(t, allocs)
	}
}

// TestAppendAlert checks the reflection-free alert line against
// encoding/json's encoding of the same alert, and that it allocates
// nothing once its buffer has grown.
func TestAppendAlert(t *testing.T) {
	base := flowrec.Record{}
	base.End = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	base.Exporter = netip.MustParseAddr("192.0.2.1")
	base.Key.Src, base.Key.Dst = netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("2001:db8::9")
	base.Key.SrcPort, base.Key.DstPort, base.Key.Proto = 51234, 22, 6
	base.FwdPackets, base.BwdPackets, base.FwdBytes, base.BwdBytes = 3, 2, 180, 1200
	base.Source = flow.SourceIPFIX
	for _, tc := range []struct {
		name  string
		edit  func(r *flowrec.Record)
		score float64
	}{
		{"typical", func(*flowrec.Record) {}, 0.7123456789},
		{"whole-second time", func(r *flowrec.Record) { r.End = r.End.Truncate(time.Second) }, 0.5},
		{"time zone", func(r *flowrec.Record) { r.End = r.End.In(time.FixedZone("x", -5*3600)) }, 1},
		{"tiny score", func(*flowrec.Record) {}, 1.5e-7},
		{"huge score", func(*flowrec.Record) {}, 3e21},
		{"zero score", func(*flowrec.Record) {}, 0},
		{"negative score", func(*flowrec.Record) {}, -0.25},
		{"sflow v6", func(r *flowrec.Record) {
			r.Source = flow.SourceSFlow
			r.Exporter = netip.MustParseAddr("2001:db8::1")
		}, 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.edit(&r)
			want, err := json.Marshal(alert{
				Time: r.End, Exporter: r.Exporter.String(), Src: r.Key.Src.String(), SrcPort: r.Key.SrcPort,
				Dst: r.Key.Dst.String(), DstPort: r.Key.DstPort, Proto: r.Key.Proto,
				Packets: r.Packets(), Bytes: r.Bytes(), Score: tc.score, Source: r.Source.String(),
			})
			require.NoError(t, err)
			assert.Equal(t, string(want)+"\n", string(appendAlert(nil, &r, tc.score)))
		})
	}
	t.Run("non-finite score", func(t *testing.T) {
		line := appendAlert(nil, &base, math.NaN())
		var a map[string]any
		require.NoError(t, json.Unmarshal(line, &a), string(line))
		assert.Nil(t, a["score"])
	})
	t.Run("allocations", func(t *testing.T) {
		buf := make([]byte, 0, 512)
		n := testing.AllocsPerRun(100, func() { buf = appendAlert(buf[:0], &base, 0.75) })
		assert.Zero(t, n)
	})
}

// TestSend runs the command twice, as the exporter (-send) and as the
// collector of what it sends: every record arrives, and the collector's
// summary gives the rate, the CPU time and the allocations per record.
func TestSend(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	require.NoError(t, pc.Close())
	const n = 5000
	var out bytes.Buffer
	var errb syncbuf.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), config{Listen: addr, Records: n, Idle: 5 * time.Second, Seed: 1}, &out, &errb)
	}()
	require.Eventually(t, func() bool { return strings.Contains(errb.String(), "listening on udp") }, time.Minute, 10*time.Millisecond)
	var sendErr bytes.Buffer
	require.NoError(t, run(context.Background(), config{Send: addr, Records: n, Rate: 50000, Seed: 1}, io.Discard, &sendErr))
	assert.Contains(t, sendErr.String(), fmt.Sprintf("sent %d synthetic flow records", n))
	require.NoError(t, <-done)
	s := errb.String()
	assert.Contains(t, s, fmt.Sprintf("%d records scored", n))
	assert.Contains(t, s, "records/s from the first datagram to the last")
	assert.Regexp(t, `cpu [0-9.]+ s user [0-9.]+ s sys \([0-9]+ ns per record\), [0-9.]+ allocations per record`, s)
	assert.Contains(t, s, "dropped 0 (queue full) 0 (oversize)")
	if runtime.GOOS == "linux" {
		assert.Contains(t, s, "0 datagrams dropped by the kernel")
	}
	assert.NotZero(t, out.Len(), "the synthetic attacks raise alerts")

	err = run(context.Background(), config{Send: addr}, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "-send needs -records")
}
