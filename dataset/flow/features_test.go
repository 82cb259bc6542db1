package flow

import (
	"math"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oneSession is a TCP session with known numbers: SYN, SYN+ACK, ACK at
// 0, 1, 2 ms; a 100-byte request at 10 ms; a 300-byte response at 12 ms;
// ACK at 13 ms; FIN+ACK, FIN+ACK, ACK at 20, 21, 22 ms.
func oneSession() *Capture {
	g := &synth{}
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	c, s := scanner, scanTarget
	A, S, F, P := packet.TCPFlagACK, packet.TCPFlagSYN, packet.TCPFlagFIN, packet.TCPFlagPSH
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	g.add(ms(0), LabelNormal, nil, tcp(c, s, 5555, 80, 1, 0, S, 1000, nil))
	g.add(ms(1), LabelNormal, nil, tcp(s, c, 80, 5555, 7, 2, S|A, 2000, nil))
	g.add(ms(2), LabelNormal, nil, tcp(c, s, 5555, 80, 2, 8, A, 1001, nil))
	g.add(ms(10), LabelNormal, nil, tcp(c, s, 5555, 80, 2, 8, P|A, 1001, make([]byte, 100)))
	g.add(ms(12), LabelNormal, nil, tcp(s, c, 80, 5555, 8, 102, P|A, 2001, make([]byte, 300)))
	g.add(ms(13), LabelNormal, nil, tcp(c, s, 5555, 80, 102, 308, A, 1001, nil))
	g.add(ms(20), LabelNormal, nil, tcp(c, s, 5555, 80, 102, 308, F|A, 1001, nil))
	g.add(ms(21), LabelNormal, nil, tcp(s, c, 80, 5555, 308, 103, F|A, 2001, nil))
	g.add(ms(22), LabelNormal, nil, tcp(c, s, 5555, 80, 103, 309, A, 1001, nil))
	return &Capture{Packets: g.out}
}

func cicRows(t *testing.T, c *Capture, cfg Config) []map[string]float64 {
	t.Helper()
	var out []map[string]float64
	var row dataset.Row
	m := NewMeter(cfg, func(f *Flow) {
		require.NoError(t, CIC{}.Row(f, &row))
		v := map[string]float64{}
		for i, n := range CICColumns {
			v[n] = row.Num[i]
		}
		out = append(out, v)
	})
	c.Meter(m)
	return out
}

func TestCICKnownSession(t *testing.T) {
	rows := cicRows(t, oneSession(), Config{CIC: true})
	require.Len(t, rows, 1)
	r := rows[0]
	want := map[string]float64{
		"Destination Port": 80, "Flow Duration": 22000,
		"Total Fwd Packets": 6, "Total Backward Packets": 3,
		"Total Length of Fwd Packets": 100, "Total Length of Bwd Packets": 300,
		"Fwd Packet Length Max": 100, "Fwd Packet Length Min": 0, "Fwd Packet Length Mean": 100.0 / 6,
		"Bwd Packet Length Max": 300, "Bwd Packet Length Mean": 100,
		"Flow IAT Mean": 22000.0 / 8, "Flow IAT Max": 8000, "Flow IAT Min": 1000,
		"Fwd IAT Total": 22000, "Fwd IAT Max": 8000, "Fwd IAT Min": 2000,
		"Bwd IAT Total": 20000, "Bwd IAT Mean": 10000,
		"Fwd PSH Flags": 1, "Bwd PSH Flags": 1, "Fwd Header Length": 120, "Bwd Header Length": 60,
		"FIN Flag Count": 2, "SYN Flag Count": 2, "ACK Flag Count": 8, "PSH Flag Count": 2,
		"Down/Up Ratio": 0.5, "Average Packet Size": 400.0 / 9,
		"Init_Win_bytes_forward": 1000, "Init_Win_bytes_backward": 2000,
		"act_data_pkt_fwd": 1, "min_seg_size_forward": 20,
		"Subflow Fwd Packets": 6, "Subflow Bwd Bytes": 300,
		"Flow Bytes/s": 400 / 0.022, "Flow Packets/s": 9 / 0.022,
		"Active Mean": 22000, "Idle Mean": 0,
	}
	for k, w := range want {
		assert.InDelta(t, w, r[k], 1e-9*math.Max(1, math.Abs(w)), k)
	}
	assert.InDelta(t, 100/math.Sqrt(6), r["Fwd Packet Length Std"], 1e-9) // sample std of {0,0,0,100,0,0}... see below
}

func TestCICCompat(t *testing.T) {
	rows := cicRows(t, oneSession(), CICCompatConfig())
	// the first FIN ends the flow: 7 packets, then the FIN+ACK and the ACK
	// of the teardown form a second flow of 2 packets
	require.Len(t, rows, 2)
	assert.Equal(t, 5.0, rows[0]["Total Fwd Packets"])
	assert.Equal(t, 2.0, rows[0]["Total Backward Packets"])
	assert.Equal(t, 0.0, rows[0]["Down/Up Ratio"], "integer division 2/5")
	assert.Equal(t, 0.0, rows[0]["Bwd PSH Flags"])
	assert.Equal(t, 1.0, rows[1]["Total Fwd Packets"], "the appendix flow: FIN+ACK from the server, then the client's ACK")
	assert.Equal(t, 1.0, rows[1]["Total Backward Packets"])
	assert.Equal(t, 5.0, rows[0]["Subflow Fwd Packets"])
	assert.Equal(t, 0.0, rows[0]["act_data_pkt_fwd"]-1, "the first packet carries no data anyway")

	// UDP: no TCP window, -1 in compat and 0 when corrected
	g := &synth{}
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	g.add(t0, LabelNormal, nil, udp(scanner, scanTarget, 1, 2, make([]byte, 10)))
	g.add(t0, LabelNormal, nil, udp(scanner, scanTarget, 1, 2, make([]byte, 10)))
	c := &Capture{Packets: g.out}
	rows = cicRows(t, c, CICCompatConfig())
	require.Len(t, rows, 1)
	assert.Equal(t, -1.0, rows[0]["Init_Win_bytes_forward"])
	assert.True(t, math.IsInf(rows[0]["Flow Bytes/s"], 1), "zero duration")
	rows = cicRows(t, c, Config{CIC: true})
	assert.Equal(t, 0.0, rows[0]["Init_Win_bytes_forward"])
	assert.Equal(t, 0.0, rows[0]["Flow Bytes/s"])
}

func TestCICNotTracked(t *testing.T) {
	var got error
	var row dataset.Row
	m := NewMeter(Config{}, func(f *Flow) { got = CIC{}.Row(f, &row) })
	oneSession().Meter(m)
	assert.ErrorIs(t, got, ErrNotTracked)
}

func TestKDDSynthetic(t *testing.T) {
	c := Synthesize(SynthConfig{Seed: 5})
	k := NewKDD()
	schema := k.Schema()
	flags := map[string]map[string]int{}
	var row dataset.Row
	var maxCount = map[string]float64{}
	m := NewMeter(Config{}, func(f *Flow) {
		require.NoError(t, k.Row(f, &row))
		require.Len(t, row.Num, schema.Len())
		l := c.Label(&f.Record)
		if flags[l] == nil {
			flags[l] = map[string]int{}
		}
		flags[l][row.Cat[3]]++
		maxCount[l] = max(maxCount[l], row.Num[22])
	})
	c.Meter(m)
	assert.Equal(t, map[string]int{KDDFlagS0: 3000}, flags[LabelSYNFlood])
	assert.Equal(t, 998, flags[LabelPortScan][KDDFlagREJ], "closed ports answer RST+ACK")
	assert.Equal(t, 2, flags[LabelPortScan][KDDFlagRSTO], "open ports: SYN+ACK then the scanner's RST")
	assert.Equal(t, map[string]int{KDDFlagSF: 372, KDDFlagREJ: 4, KDDFlagS0: 4}, flags[LabelNormal], "TCP sessions end SF, UDP and ICMP are SF; the failed attempts REJ and S0")
	assert.Equal(t, 511.0, maxCount[LabelSYNFlood], "more than 511 connections to the victim within 2 s")
}

func TestRecordSet(t *testing.T) {
	var row dataset.Row
	var got []string
	m := NewMeter(Config{}, func(f *Flow) {
		require.NoError(t, RecordSet{}.Row(f, &row))
		got = append(got, row.Cat[0], row.Cat[12], row.Cat[14])
		assert.Equal(t, 6.0, row.Num[4])
		assert.Equal(t, -1.0, row.Num[13])
	})
	oneSession().Meter(m)
	assert.Equal(t, []string{"tcp", "none", "fin"}, got)
	rs := RecordSet{}.Schema()
	assert.Equal(t, len(RecordColumns), rs.Len())
}
