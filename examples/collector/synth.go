package main

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset/flow"
)

// synthFlows returns n seeded flows of a small office network: web, DNS,
// mail and SSH sessions of plausible sizes; with attacks, about one flow
// in twenty is a SYN scan probe (one SYN, no answer) or a UDP flood burst.
// The attack flows carry the label "attack" through the returned mask.
func synthFlows(n int, seed uint64, attacks bool, start time.Time) ([]flow.Record, []bool) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]flow.Record, n)
	bad := make([]bool, n)
	for i := range out {
		r := &out[i]
		r.Start = start.Add(time.Duration(i) * time.Millisecond)
		r.Key.Src = netip.AddrFrom4([4]byte{10, 1, byte(rng.IntN(4)), byte(1 + rng.IntN(250))})
		r.Key.Dst = netip.AddrFrom4([4]byte{203, 0, 113, byte(1 + rng.IntN(250))})
		r.Key.SrcPort = uint16(32768 + rng.IntN(28000))
		r.InputIf, r.OutputIf = 1, 2
		r.Reason = flow.EndIdle
		if attacks && rng.IntN(20) == 0 {
			bad[i] = true
			if rng.IntN(2) == 0 { // SYN scan probe
				r.Key.Proto, r.Key.DstPort = 6, uint16(1+rng.IntN(1024))
				r.FwdPackets, r.FwdBytes, r.FwdFlags = 1, 44, 0x02
				r.End = r.Start
			} else { // UDP flood burst
				r.Key.Proto, r.Key.DstPort = 17, uint16(1+rng.IntN(65535))
				r.FwdPackets = uint64(5000 + rng.IntN(20000))
				r.FwdBytes = r.FwdPackets * 1428
				r.End = r.Start.Add(time.Duration(500+rng.IntN(1500)) * time.Millisecond)
			}
			continue
		}
		dur := time.Duration(rng.ExpFloat64()*3000) * time.Millisecond
		r.End = r.Start.Add(dur)
		switch k := rng.IntN(10); {
		case k < 6: // web
			r.Key.Proto, r.Key.DstPort = 6, []uint16{443, 443, 80}[rng.IntN(3)]
			r.FwdPackets = uint64(6 + rng.IntN(30))
			r.BwdPackets = r.FwdPackets + uint64(rng.IntN(40))
			r.FwdBytes = r.FwdPackets * uint64(60+rng.IntN(200))
			r.BwdBytes = r.BwdPackets * uint64(600+rng.IntN(800))
			r.FwdFlags, r.BwdFlags = 0x1b, 0x1b
			r.Reason = flow.EndFIN
		case k < 9: // DNS
			r.Key.Proto, r.Key.DstPort = 17, 53
			r.FwdPackets, r.BwdPackets = 1, 1
			r.FwdBytes = uint64(60 + rng.IntN(40))
			r.BwdBytes = uint64(90 + rng.IntN(300))
			r.End = r.Start.Add(time.Duration(5+rng.IntN(80)) * time.Millisecond)
		default: // SSH or mail
			r.Key.Proto, r.Key.DstPort = 6, []uint16{22, 25, 993}[rng.IntN(3)]
			r.FwdPackets = uint64(20 + rng.IntN(200))
			r.BwdPackets = uint64(20 + rng.IntN(200))
			r.FwdBytes = r.FwdPackets * uint64(80+rng.IntN(400))
			r.BwdBytes = r.BwdPackets * uint64(80+rng.IntN(400))
			r.FwdFlags, r.BwdFlags = 0x1b, 0x1b
			r.Reason = flow.EndFIN
		}
	}
	return out, bad
}
