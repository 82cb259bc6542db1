package flowrec

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// synthFlows returns n seeded flows of both address families.
func synthFlows(n int, seed uint64) []flow.Record {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]flow.Record, n)
	base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := range out {
		r := &out[i]
		if i%5 == 4 {
			r.Key.Src = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)})
			r.Key.Dst = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 14: 1, 15: byte(i >> 8)})
		} else {
			r.Key.Src = netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			r.Key.Dst = netip.AddrFrom4([4]byte{192, 0, 2, byte(rng.IntN(256))})
		}
		r.Key.Proto = []uint8{6, 6, 17, 1}[rng.IntN(4)]
		if r.Key.Proto != 1 {
			r.Key.SrcPort = uint16(1024 + rng.IntN(60000))
			r.Key.DstPort = []uint16{80, 443, 53, 22}[rng.IntN(4)]
		} else {
			r.ICMPType = 8
		}
		r.Start = base.Add(time.Duration(i) * time.Millisecond)
		r.End = r.Start.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
		r.FwdPackets = uint64(1 + rng.IntN(100))
		r.FwdBytes = r.FwdPackets * uint64(40+rng.IntN(1400))
		r.BwdPackets = uint64(rng.IntN(100))
		r.BwdBytes = r.BwdPackets * uint64(40+rng.IntN(1400))
		if r.Key.Proto == 6 {
			r.FwdFlags, r.BwdFlags = flagSYN|flagACK|flagPSH, flagSYN|flagACK
		}
		r.InputIf, r.OutputIf = 3, 4
		r.Reason = flow.EndIdle
		r.Source = flow.SourceIPFIX
	}
	return out
}

// encodeAll writes flows as IPFIX messages.
func encodeAll(flows []flow.Record, w *IPFIXWriter, now time.Time) [][]byte {
	var pkts [][]byte
	for rest := flows; len(rest) > 0; {
		b, n := w.Append(nil, rest, now)
		pkts = append(pkts, b)
		rest = rest[n:]
	}
	return pkts
}

func TestIPFIXWriterRoundTrip(t *testing.T) {
	flows := synthFlows(500, 1)
	pkts := encodeAll(flows, &IPFIXWriter{Domain: 9}, t0)
	d := NewDecoder(Config{})
	var got []Record
	for _, p := range pkts {
		assert.LessOrEqual(t, len(p), 1400)
		var err error
		got, err = d.Decode(got, exp1, p, t0)
		require.NoError(t, err)
	}
	require.Len(t, got, len(flows))
	for i := range flows {
		want := flows[i]
		want.Exporter = exp1
		assert.Equal(t, want, got[i].Record, "record %d", i)
		assert.Equal(t, uint32(9), got[i].Domain)
	}
	assert.Zero(t, d.Stats().SkippedTotal())
}
