package flow

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/packet"
)

// TestTenMillionPacketsBoundedMemory meters a 10-million-packet capture
// made in memory (1,000,000 two-way UDP flows of 10 packets, 1,000 of
// them interleaved at a time, 10 µs apart, a 100 ms idle timeout) with the
// CIC statistics on, and checks that the meter's memory follows its live
// flows, not the packets it has seen: after the first million packets the
// heap grows by less than 256 KiB and the meter allocates (almost)
// nothing, while every flow is emitted whole.
func TestTenMillionPacketsBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("meters 10 million packets (a few seconds; minutes under the race detector): not in -short")
	}
	const (
		packets    = 10_000_000
		concurrent = 1_000
		perFlow    = 10
		ports      = 1 << 16
		step       = 10 * time.Microsecond
	)
	client := netip.MustParseAddr("192.0.2.10")
	server := netip.MustParseAddr("198.51.100.53")
	// Two frames a source port: the query and the reply.
	g := &synth{}
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	frames := make([][2][]byte, ports)
	for p := range frames {
		g.out = g.out[:0]
		g.add(t0, LabelNormal, nil, udp(client, server, uint16(p), 53, make([]byte, 40)))
		g.add(t0, LabelNormal, nil, udp(server, client, 53, uint16(p), make([]byte, 120)))
		frames[p] = [2][]byte{g.out[0].Data, g.out[1].Data}
	}
	var emitted, pkts int
	m := NewMeter(Config{CIC: true, IdleTimeout: 100 * time.Millisecond}, func(f *Flow) {
		emitted++
		pkts += int(f.Record.FwdPackets + f.Record.BwdPackets)
	})
	var (
		ms            runtime.MemStats
		base, mallocs uint64
		maxLive       int
	)
	for i := range packets {
		gen, slot, j := i/(concurrent*perFlow), i%concurrent, (i/concurrent)%perFlow
		d := frames[(gen*concurrent+slot)%ports][j%2]
		f := packet.Frame{Time: t0.Add(time.Duration(i) * step), Link: packet.LinkEthernet, OrigLen: len(d), Data: d}
		if r := m.AddFrame(&f); r != packet.OK {
			t.Fatalf("packet %d: %v", i, r)
		}
		maxLive = max(maxLive, m.Live())
		if (i+1)%1_000_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if i+1 == 1_000_000 {
				base, mallocs = ms.HeapAlloc, ms.Mallocs
				continue
			}
			require.Less(t, int64(ms.HeapAlloc)-int64(base), int64(256<<10),
				"heap grew from %d to %d bytes between packet 1,000,000 and %d", base, ms.HeapAlloc, i+1)
		}
	}
	require.Less(t, ms.Mallocs-mallocs, uint64(1000), "allocations over 9 million packets")
	m.Flush()
	require.Equal(t, packets/perFlow, emitted)
	require.Equal(t, packets, pkts)
	require.LessOrEqual(t, maxLive, 3*concurrent, "live flows")
	t.Logf("heap %d bytes after 1M packets, %d after 10M; %d allocations over the last 9M; at most %d live flows",
		base, ms.HeapAlloc, ms.Mallocs-mallocs, maxLive)
}
