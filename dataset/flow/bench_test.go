package flow

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/packet"
)

// benchCapture is the synthetic capture the benchmarks meter, built on
// first use (not at package initialisation, which the meter's own process
// in BenchmarkArgusSideBySide would otherwise pay).
var benchCapture = sync.OnceValue(func() *Capture {
	return Synthesize(SynthConfig{Seed: 1, Sessions: 4000, UEs: 200})
})

// benchFrames is benchCapture's frames in capture order, their bytes laid
// end to end in one buffer as a capture file read into memory holds them
// (Synthesize allocates every frame on its own and then sorts them by
// time, which scatters consecutive frames over the heap).
var benchFrames = sync.OnceValue(func() []SynthPacket {
	pk := benchCapture().Packets
	n := 0
	for i := range pk {
		n += len(pk[i].Data)
	}
	buf := make([]byte, 0, n)
	out := make([]SynthPacket, len(pk))
	for i := range pk {
		out[i] = pk[i]
		out[i].Data = buf[len(buf) : len(buf)+len(pk[i].Data)]
		buf = append(buf, pk[i].Data...)
	}
	return out
})

// BenchmarkMeter decodes and meters a synthetic capture held in memory,
// one Meter across iterations (each shifted in time so earlier flows
// expire), computing a feature row for every flow: packets per second on
// one core and allocations per packet in steady state.
func BenchmarkMeter(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  Config
		set  FeatureSet
	}{
		{"cic", Config{CIC: true}, CIC{}},
		{"record", Config{}, RecordSet{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var row dataset.Row
			m := NewMeter(bc.cfg, func(f *Flow) { _ = bc.set.Row(f, &row) })
			pk := benchFrames()
			span := pk[len(pk)-1].Time.Sub(pk[0].Time) + time.Hour
			var f packet.Frame
			run := func(shift time.Duration) {
				for i := range pk {
					p := &pk[i]
					f = packet.Frame{Number: int64(i + 1), Time: p.Time.Add(shift), Link: packet.LinkEthernet, OrigLen: len(p.Data), Data: p.Data}
					m.AddFrame(&f)
				}
			}
			run(0) // warm up: the table and its slabs reach their working size
			// collect the warm-up's garbage now, so no mark phase (and its
			// write barriers) started by it runs into the timed loop
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocs := ms.Mallocs
			n := 1
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for b.Loop() {
				run(time.Duration(n) * span)
				n++
			}
			b.StopTimer()
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)*float64(len(pk))/cpu.Seconds(), "pkts/cpu-s")
			}
			runtime.ReadMemStats(&ms)
			pkts := float64(b.N) * float64(len(pk))
			b.ReportMetric(pkts/b.Elapsed().Seconds(), "pkts/s")
			b.ReportMetric(float64(ms.Mallocs-mallocs)/pkts, "allocs/pkt")
		})
	}
}

// BenchmarkLiveFlowBytes reports the heap a live flow costs: 200,000 UDP
// flows kept live (no timeout), with and without the CIC statistics.
func BenchmarkLiveFlowBytes(b *testing.B) {
	for _, cic := range []bool{false, true} {
		name := "record"
		if cic {
			name = "cic"
		}
		b.Run(name, func(b *testing.B) {
			const flows = 200_000
			g := &synth{}
			t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			frame := func(i int) []byte {
				g.out = g.out[:0]
				g.add(t0, LabelNormal, nil, udp(scanner, scanTarget, uint16(i), uint16(i>>16+1), nil))
				return g.out[0].Data
			}
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				m := NewMeter(Config{CIC: cic, IdleTimeout: -1, ActiveTimeout: -1}, nil)
				for i := range flows {
					d := frame(i)
					f := packet.Frame{Time: t0, Link: packet.LinkEthernet, OrigLen: len(d), Data: d}
					m.AddFrame(&f)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(m.Live()), "B/liveflow")
				runtime.KeepAlive(m)
			}
		})
	}
}

// BenchmarkDecode decodes the synthetic capture's frames.
func BenchmarkDecode(b *testing.B) {
	pk := benchFrames()
	var s packet.Summary
	var d packet.Decoder
	var bytes int64
	for i := range pk {
		bytes += int64(len(pk[i].Data))
	}
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		for i := range pk {
			d.Decode(pk[i].Data, packet.LinkEthernet, &s)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(pk))/b.Elapsed().Seconds(), "pkts/s")
}
