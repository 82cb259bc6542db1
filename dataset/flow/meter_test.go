package flow

import (
	"bytes"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collect(t testing.TB, c *Capture, cfg Config) ([]Record, Stats) {
	t.Helper()
	var out []Record
	m := NewMeter(cfg, func(f *Flow) { out = append(out, f.Record) })
	c.Meter(m)
	return out, m.Stats()
}

func TestSyntheticGroundTruth(t *testing.T) {
	c := Synthesize(SynthConfig{Seed: 1})
	recs, st := collect(t, c, Config{})
	var pkts uint64
	byLabel := map[string]int{}
	for i := range recs {
		r := &recs[i]
		pkts += r.Packets()
		byLabel[c.Label(r)]++
		assert.Equal(t, uint64(i+1), r.Seq)
		assert.False(t, r.End.Before(r.Start))
	}
	assert.Equal(t, uint64(len(c.Packets)), pkts, "every packet in exactly one record")
	assert.Equal(t, int64(len(c.Packets)), st.Packets)
	assert.Equal(t, 1000, byLabel[LabelPortScan], "one flow per scanned port")
	assert.Equal(t, 3000, byLabel[LabelUDPFlood], "one flow per source port")
	assert.Equal(t, 3000, byLabel[LabelSYNFlood], "one flow per spoofed source")
	assert.Equal(t, 1500, byLabel[LabelUEAttack], "one flow per source port")
	assert.Equal(t, 300+20*4, byLabel[LabelNormal])

	// every benign TCP session is one flow ended by FIN with the teardown inside
	for i := range recs {
		r := &recs[i]
		if c.Label(r) != LabelNormal || r.Key.Proto != packet.ProtoTCP {
			continue
		}
		switch r.Key.DstPort {
		case 8080: // refused
			assert.Equal(t, EndRST, r.Reason)
			continue
		case 8443: // unanswered, retried
			assert.Equal(t, uint64(2), r.FwdPackets)
			continue
		}
		assert.Equal(t, EndFIN, r.Reason, r.Key.String())
		assert.Equal(t, (r.Packets()-6)%3, uint64(0), "handshake + n×3 + teardown: %s has %d", r.Key, r.Packets())
		assert.NotZero(t, r.FwdFlags&packet.TCPFlagSYN)
		assert.NotZero(t, r.BwdFlags&packet.TCPFlagFIN)
		if r.Tunnel.Kind == packet.TunnelGTPU {
			assert.Equal(t, gnb, r.Tunnel.OuterSrc)
			assert.Equal(t, upf, r.Tunnel.OuterDst)
			assert.Equal(t, r.Tunnel.TEID+0x1000, r.Tunnel.ReverseTEID, "UL 0x1000+u, DL 0x2000+u")
			assert.True(t, r.Tunnel.HasQFI)
			assert.Equal(t, uint8(9), r.Tunnel.QFI)
		}
	}
}

func TestMeterFileEqualsMemory(t *testing.T) {
	c := Synthesize(SynthConfig{Seed: 2, Sessions: 50, SYNFlood: 100, PortScan: 50, UDPFlood: 100, UEs: 3, AttackPackets: 50})
	mem, _ := collect(t, c, Config{})
	var buf bytes.Buffer
	require.NoError(t, c.WritePcap(&buf))
	r, err := packet.NewReader(&buf, "synthetic.pcap")
	require.NoError(t, err)
	var file []Record
	m := NewMeter(Config{}, func(f *Flow) { file = append(file, f.Record) })
	require.NoError(t, m.ReadFrom(r))
	assert.Equal(t, mem, file)
	again, _ := collect(t, c, Config{})
	assert.Equal(t, mem, again, "deterministic")
}

func TestMeterEviction(t *testing.T) {
	c := Synthesize(SynthConfig{Seed: 3})
	recs, st := collect(t, c, Config{MaxFlows: 100})
	var pkts uint64
	evicted := 0
	for i := range recs {
		pkts += recs[i].Packets()
		if recs[i].Evicted {
			evicted++
			assert.Equal(t, EndEvicted, recs[i].Reason)
		}
	}
	assert.Equal(t, uint64(len(c.Packets)), pkts)
	assert.Positive(t, st.Evicted)
	assert.Equal(t, int(st.Evicted), evicted)
	assert.LessOrEqual(t, st.MaxLive, 100)
}

func TestMeterTimeouts(t *testing.T) {
	c := Synthesize(SynthConfig{Seed: 4, Sessions: -1, SYNFlood: -1, PortScan: -1, UDPFlood: -1, UEs: -1})
	assert.Empty(t, c.Packets)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	g := &synth{}
	a, b := scanner, scanTarget
	for i := range 10 {
		g.add(t0.Add(time.Duration(i)*time.Second), LabelNormal, nil, udp(a, b, 1000, 2000, nil))
	}
	g.add(t0.Add(100*time.Second), LabelNormal, nil, udp(b, a, 2000, 1000, nil))
	c = &Capture{Packets: g.out}

	recs, _ := collect(t, c, Config{IdleTimeout: 30 * time.Second})
	require.Len(t, recs, 2)
	assert.Equal(t, EndIdle, recs[0].Reason)
	assert.Equal(t, uint64(10), recs[0].FwdPackets)
	assert.Equal(t, EndOfInput, recs[1].Reason)
	assert.Equal(t, b, recs[1].Key.Src, "a new flow's first sender is forward")

	recs, _ = collect(t, c, Config{ActiveTimeout: 4 * time.Second, IdleTimeout: -1})
	require.Len(t, recs, 4)
	assert.Equal(t, EndActive, recs[0].Reason)
	assert.Equal(t, uint64(4), recs[0].FwdPackets)
	assert.Equal(t, uint32(1), recs[1].Part)
	assert.Equal(t, uint64(1), recs[3].BwdPackets, "orientation kept across parts")

	recs, st := collect(t, c, Config{EmitAfterPackets: 3})
	require.Len(t, recs, 3)
	assert.Equal(t, EndEarly, recs[0].Reason)
	assert.Equal(t, uint64(3), recs[0].FwdPackets)
	assert.Equal(t, recs[0].Seq+1, recs[1].Seq)
	assert.Equal(t, EndIdle, recs[1].Reason)
	assert.Equal(t, uint64(10), recs[1].FwdPackets, "the final record holds the snapshot's packets too")
	assert.Equal(t, int64(1), st.Snapshots)
	assert.Equal(t, int64(2), st.Flows)

	// a timestamp going backwards is counted and clamped
	g.out[5].Time = t0.Add(-time.Hour)
	recs, st = collect(t, &Capture{Packets: g.out}, Config{})
	assert.Equal(t, int64(1), st.Backwards)
	assert.False(t, recs[0].End.Before(recs[0].Start))
}

func TestMeterSkipsUndecodable(t *testing.T) {
	m := NewMeter(Config{}, nil)
	for _, f := range []packet.Frame{
		{Link: packet.LinkEthernet, Data: []byte{1, 2, 3}},
		{Link: 9999, Data: make([]byte, 64)},
		{Link: packet.LinkEthernet, Data: append(make([]byte, 12), 0x08, 0x06, 0, 1)},
	} {
		m.AddFrame(&f)
	}
	st := m.Stats()
	assert.Equal(t, int64(1), st.Skipped[packet.ReasonTruncated])
	assert.Equal(t, int64(1), st.Skipped[packet.ReasonUnknownLink])
	assert.Equal(t, int64(1), st.Skipped[packet.ReasonNotIP])
	assert.Zero(t, m.Live())
}
