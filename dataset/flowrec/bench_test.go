package flowrec

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
)

// benchPackets returns IPFIX messages of synthetic flows, the template
// re-sent every 16 messages as an exporter would, and the record count.
func benchPackets(n int) ([][]byte, int) {
	flows := synthFlows(n, 7)
	for i := range flows {
		// One family, so that every message is full.
		if flows[i].Key.Src.Is6() {
			flows[i].Key.Src, flows[i].Key.Dst = flows[0].Key.Src, flows[0].Key.Dst
		}
	}
	return encodeAll(flows, &IPFIXWriter{TemplateEvery: 16}, t0), n
}

// BenchmarkDecodeIPFIX decodes IPFIX messages held in memory, one core.
func BenchmarkDecodeIPFIX(b *testing.B) {
	pkts, n := benchPackets(20000)
	var size int64
	for _, p := range pkts {
		size += int64(len(p))
	}
	d := NewDecoder(Config{})
	recs := make([]Record, 0, 64)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pkts {
			recs, _ = d.Decode(recs[:0], exp1, p, t0)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		for _, p := range pkts {
			recs, _ = d.Decode(recs[:0], exp1, p, t0)
		}
	}))/float64(n), "allocs/record")
}

// BenchmarkDecodeV5 decodes NetFlow v5 packets of 30 records.
func BenchmarkDecodeV5(b *testing.B) {
	hdr := cat(u16(5), u16(30), u32(10000), u32(1000), u32(0), u32(0), []byte{0, 1}, u16(0))
	rec := cat([]byte{10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0}, u16(3), u16(4), u32(7), u32(700), u32(9000), u32(9999),
		u16(555), u16(80), []byte{0, 0x1b, 6, 0}, u16(0), u16(0), []byte{24, 24}, u16(0))
	pkt := hdr
	for range 30 {
		pkt = append(pkt, rec...)
	}
	d := NewDecoder(Config{})
	recs := make([]Record, 0, 30)
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		recs, _ = d.Decode(recs[:0], exp1, pkt, t0)
	}
	b.ReportMetric(30*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkFillRow turns a record into a feature row.
func BenchmarkFillRow(b *testing.B) {
	flows := synthFlows(1, 1)
	var row dataset.Row
	b.ReportAllocs()
	for b.Loop() {
		FillRow(&row, &flows[0])
	}
}

// BenchmarkCollectorLoopback sends IPFIX over loopback to a Collector and
// counts the records it hands on (no scoring: see examples/collector's
// benchmark for that), reporting records/s and the drops.
func BenchmarkCollectorLoopback(b *testing.B) {
	pkts, n := benchPackets(20000)
	c, err := Listen("127.0.0.1:0", CollectorConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var got atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Run(ctx, func(r []Record) { got.Add(int64(len(r))) })
	}()
	conn, err := net.Dial("udp", c.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	b.ReportAllocs()
	sent := int64(0)
	for b.Loop() {
		for _, p := range pkts {
			if _, err := conn.Write(p); err != nil {
				b.Fatal(err)
			}
		}
		sent += int64(n)
		// Let the collector keep up: the goal is its throughput without drops.
		for deadline := time.Now().Add(5 * time.Second); got.Load() < sent && time.Now().Before(deadline); {
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
	b.ReportMetric(float64(tot.Decoder.SkippedTotal()-tot.Decoder.Skipped[ReasonSequence]), "undecodable")
	b.ReportMetric(float64(sent-got.Load()), "lost")
}
