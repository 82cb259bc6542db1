package fivegc

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"
)

// SynthConfig configures WriteSynthetic; the zero value means the
// documented defaults.
type SynthConfig struct {
	// Seed seeds the generator (math/rand/v2 PCG); the same seed writes
	// the same capture.
	Seed uint64
	// UEs is the number of benign UEs (default 80).
	UEs int
	// Duration is the capture's length (default 10 minutes).
	Duration time.Duration
	// Attacks adds the attack scenarios (see Attacks).
	Attacks bool
	// Start is the first packet's time (default 2026-01-05 09:00 UTC).
	Start time.Time
}

// Attacks are the labels of the synthetic attack scenarios.
var Attacks = []string{
	"pfcp_establishment_flood", // a rogue SMF floods a UPF with session establishments
	"pfcp_deletion_flood",      // a rogue SMF deletes live sessions
	"pfcp_modify_drop",         // a rogue SMF sets live sessions' FARs to drop
	"pfcp_modify_redirect",     // a rogue SMF redirects live sessions to its own tunnel endpoint
	"pfcp_in_gtpu",             // a UE sends PFCP to the UPF's N4 port inside its tunnel
	"nas_registration_flood",   // a fake gNB floods the AMF with registrations of random SUCIs
	"suci_catching",            // identity requests and failing authentications against one UE, repeated
}

// Truth is the ground truth of a synthetic capture: the label of each
// packet ("normal" or one of Attacks), by packet number.
type Truth struct {
	Labels []string // Labels[n-1] is packet n's
}

// Label returns packet n's label, "" when out of range.
func (t *Truth) Label(n int64) string {
	if n < 1 || int(n) > len(t.Labels) {
		return ""
	}
	return t.Labels[n-1]
}

// The synthetic core's addresses.
var (
	synAMF    = netip.MustParseAddr("10.10.0.10")
	synSMF    = []netip.Addr{netip.MustParseAddr("10.10.0.20"), netip.MustParseAddr("10.10.0.21")}
	synUPF    = []netip.Addr{netip.MustParseAddr("10.10.0.30"), netip.MustParseAddr("10.10.0.31")}
	synGNB    = []netip.Addr{netip.MustParseAddr("10.10.1.1"), netip.MustParseAddr("10.10.1.2")}
	synRogue  = netip.MustParseAddr("10.99.0.66")
	synSink   = netip.MustParseAddr("10.99.0.77")
	synFakeGN = netip.MustParseAddr("10.99.1.1")
	synCatch  = netip.MustParseAddr("10.99.2.2")
	synDN     = netip.MustParseAddr("8.8.8.8")
)

type synPkt struct {
	t     time.Time
	b     []byte
	label string
}

type synth struct {
	rng   *rand.Rand
	pkts  []synPkt
	ipid  uint16
	seq   uint32
	tsn   uint32
	start time.Time
	label string
	live  []liveSession
}

type liveSession struct {
	smf, upf   netip.Addr
	cpSEID     uint64
	upSEID     uint64
	from, till time.Time
}

func (s *synth) emit(t time.Time, b []byte) {
	s.pkts = append(s.pkts, synPkt{t, b, s.label})
}

func (s *synth) udp(t time.Time, src, dst netip.Addr, sport, dport uint16, payload []byte) {
	s.ipid++
	s.emit(t, ipv4(src, dst, 17, s.ipid, udp(sport, dport, payload)))
}

func (s *synth) pfcp(t time.Time, src, dst netip.Addr, msg []byte) {
	s.udp(t, src, dst, 8805, 8805, msg)
}

func (s *synth) ngap(t time.Time, src, dst netip.Addr, pdu []byte) {
	s.ipid++
	s.tsn++
	sport, dport := uint16(38412), uint16(38412)
	s.emit(t, ipv4(src, dst, 132, s.ipid, sctpData(sport, dport, 0x5eed, s.tsn, 1, uint16(s.tsn), 60, pdu)))
}

func (s *synth) nextSeq() uint32 { s.seq = (s.seq + 1) & 0xffffff; return s.seq }

func (s *synth) jitter(d time.Duration) time.Duration {
	return time.Duration(s.rng.Int64N(int64(d) + 1))
}

// WriteSynthetic writes a capture (classic pcap, raw IPv4) of a synthetic
// 5G core's control plane, encoded by this package's own encoders, and
// returns its ground truth. Benign churn: two SMF–UPF pairs with
// association setup and heartbeats every 10 s, UEs registering (NGAP and
// NAS: registration, authentication, security mode), establishing,
// modifying and releasing PDU sessions (PFCP) and pinging through GTP-U.
// With Attacks, the scenarios of Attacks run at set times, each from its
// own node.
func WriteSynthetic(w io.Writer, cfg SynthConfig) (*Truth, error) {
	if cfg.UEs <= 0 {
		cfg.UEs = 80
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Minute
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	s := &synth{rng: rand.New(rand.NewPCG(cfg.Seed, 0x5eed5eed)), start: cfg.Start, label: "normal"}
	end := cfg.Start.Add(cfg.Duration)
	recovery := uint32(cfg.Start.Unix() + 2208988800 - 3600)
	for i := range synSMF {
		t := cfg.Start.Add(time.Duration(i) * 100 * time.Millisecond)
		q := s.nextSeq()
		s.pfcp(t, synSMF[i], synUPF[i], pfcpMessage(5, false, 0, q, ieNodeID(synSMF[i]), ieRecovery(recovery)))
		s.pfcp(t.Add(2*time.Millisecond), synUPF[i], synSMF[i], pfcpMessage(6, false, 0, q, ieNodeID(synUPF[i]), ieCause(1), ieRecovery(recovery)))
		for hb := t.Add(10 * time.Second); hb.Before(end); hb = hb.Add(10*time.Second + s.jitter(50*time.Millisecond)) {
			q := s.nextSeq()
			s.pfcp(hb, synSMF[i], synUPF[i], pfcpMessage(1, false, 0, q, ieRecovery(recovery)))
			s.pfcp(hb.Add(time.Millisecond), synUPF[i], synSMF[i], pfcpMessage(2, false, 0, q, ieRecovery(recovery)))
		}
	}
	for u := 0; u < cfg.UEs; u++ {
		at := cfg.Start.Add(time.Second + s.jitter(cfg.Duration*3/4))
		s.ue(u, at, end)
	}
	if cfg.Attacks {
		s.attacks(cfg)
	}
	sort.SliceStable(s.pkts, func(i, j int) bool { return s.pkts[i].t.Before(s.pkts[j].t) })
	pw := newPcapWriter(w)
	truth := &Truth{Labels: make([]string, len(s.pkts))}
	for i, p := range s.pkts {
		pw.write(p.t, p.b)
		truth.Labels[i] = p.label
	}
	if pw.err != nil {
		return nil, fmt.Errorf("fivegc: writing synthetic capture: %w", pw.err)
	}
	return truth, nil
}

func (s *synth) rnd16() []byte {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	return b
}

// ue runs one benign UE's life from at.
func (s *synth) ue(u int, at, end time.Time) {
	gnb := synGNB[u%2]
	k := u % 2
	smf, upf := synSMF[k], synUPF[k]
	ran := uint32(1000 + u)
	amf := uint64(50000 + u)
	ms := time.Millisecond
	t := at
	reg := nasPlain(0x41, append([]byte{0x79}, lvE(suci(uint64(1e9)+uint64(u)))...)...)
	s.ngap(t, gnb, synAMF, ngapPDU(0, 15, 1, ieRANUEID(ran), ieNAS(reg), ieUserLocation(uint32(0x100+u%7), 1), ieRRCCause(3)))
	t = t.Add(5*ms + s.jitter(5*ms))
	auth := nasPlain(0x56, append(append([]byte{0x00, 0x02, 0x00, 0x00, 0x21}, s.rnd16()...), append([]byte{0x20, 0x10}, s.rnd16()...)...)...)
	s.ngap(t, synAMF, gnb, ngapPDU(0, 4, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(auth)))
	t = t.Add(20*ms + s.jitter(20*ms))
	s.ngap(t, gnb, synAMF, ngapPDU(0, 46, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasPlain(0x57, append([]byte{0x2d, 0x10}, s.rnd16()...)...)), ieUserLocation(uint32(0x100+u%7), 1)))
	t = t.Add(5 * ms)
	smc := nasProtected(3, s.rng.Uint32(), 0, nasPlain(0x5d, 0x02, 0x01, 0x02, 0xf0, 0xf0))
	s.ngap(t, synAMF, gnb, ngapPDU(0, 4, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(smc)))
	t = t.Add(10*ms + s.jitter(10*ms))
	s.ngap(t, gnb, synAMF, ngapPDU(0, 46, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasProtected(4, s.rng.Uint32(), 0, s.rnd16())), ieUserLocation(uint32(0x100+u%7), 1)))
	t = t.Add(5 * ms)
	s.ngap(t, synAMF, gnb, ngapPDU(0, 14, 0, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasProtected(2, s.rng.Uint32(), 1, s.rnd16()))))
	t = t.Add(10 * ms)
	s.ngap(t, gnb, synAMF, ngapPDU(1, 14, 0, ieAMFUEID(amf), ieRANUEID(ran)))
	t = t.Add(20 * ms)
	s.ngap(t, gnb, synAMF, ngapPDU(0, 46, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasProtected(2, s.rng.Uint32(), 1, s.rnd16())), ieUserLocation(uint32(0x100+u%7), 1)))
	// PDU session: N4 establishment, N2 resource setup, N4 modification
	// with the gNB's tunnel.
	t = t.Add(30*ms + s.jitter(30*ms))
	cp := uint64(0x10000 + u)
	up := uint64(0x80000 + u)
	ueIP := netip.AddrFrom4([4]byte{10, 45, byte(u >> 8), byte(u)})
	ulTEID := uint32(0x1000 + u)
	dlTEID := uint32(0x2000 + u)
	q := s.nextSeq()
	s.pfcp(t, smf, upf, pfcpMessage(50, true, 0, q, ieNodeID(smf), ieFSEID(cp, smf),
		pfcpIE(1, iePDRID(1), iePrecedence(255), pfcpIE(2, ieSrcInterface(0), ieFTEID(ulTEID, upf), ieUEIP(ueIP, false)), ieFARID(1)),
		pfcpIE(1, iePDRID(2), iePrecedence(255), pfcpIE(2, ieSrcInterface(1), ieUEIP(ueIP, true)), ieFARID(2)),
		pfcpIE(3, ieFARID(1), ieApply(0x02), pfcpIE(4, ieDstInterface(1))),
		pfcpIE(3, ieFARID(2), ieApply(0x04))))
	t = t.Add(2 * ms)
	s.pfcp(t, upf, smf, pfcpMessage(51, true, cp, q, ieNodeID(upf), ieCause(1), ieFSEID(up, upf)))
	t = t.Add(10 * ms)
	s.ngap(t, synAMF, gnb, ngapPDU(0, 29, 0, ieAMFUEID(amf), ieRANUEID(ran)))
	t = t.Add(15 * ms)
	s.ngap(t, gnb, synAMF, ngapPDU(1, 29, 0, ieAMFUEID(amf), ieRANUEID(ran)))
	t = t.Add(5 * ms)
	q = s.nextSeq()
	s.pfcp(t, smf, upf, pfcpMessage(52, true, up, q,
		pfcpIE(10, ieFARID(2), ieApply(0x02), pfcpIE(11, ieDstInterface(0), ieOHC(dlTEID, gnb)))))
	t = t.Add(2 * ms)
	s.pfcp(t, upf, smf, pfcpMessage(53, true, cp, q, ieCause(1)))
	// Pings through the tunnel.
	life := 20*time.Second + s.jitter(2*time.Minute)
	stop := t.Add(life)
	if stop.After(end) {
		stop = end
	}
	for p := t.Add(time.Second); p.Before(stop); p = p.Add(time.Second + s.jitter(2*time.Second)) {
		s.ipid++
		icmp := []byte{8, 0, 0, 0, 0, 1, 0, byte(s.ipid)}
		s.udp(p, gnb, upf, 2152, 2152, gtpu(ulTEID, ipv4(ueIP, synDN, 1, s.ipid, icmp)))
		icmp = []byte{0, 0, 0, 0, 0, 1, 0, byte(s.ipid)}
		s.udp(p.Add(20*ms), upf, gnb, 2152, 2152, gtpu(dlTEID, ipv4(synDN, ueIP, 1, s.ipid, icmp)))
	}
	s.live = append(s.live, liveSession{smf, upf, cp, up, t, stop})
	if stop.Equal(end) {
		return
	}
	// Release.
	t = stop
	q = s.nextSeq()
	s.pfcp(t, smf, upf, pfcpMessage(54, true, up, q))
	s.pfcp(t.Add(2*ms), upf, smf, pfcpMessage(55, true, cp, q, ieCause(1)))
	s.ngap(t.Add(5*ms), synAMF, gnb, ngapPDU(0, 41, 0, ueNGAPIDsAMF(amf), ieCauseNASNormal()))
	s.ngap(t.Add(10*ms), gnb, synAMF, ngapPDU(1, 41, 1, ieAMFUEID(amf), ieRANUEID(ran)))
}

// attacks adds the scenarios of Attacks at fixed fractions of the
// capture.
func (s *synth) attacks(cfg SynthConfig) {
	d := cfg.Duration
	at := func(f float64) time.Time { return cfg.Start.Add(time.Duration(f * float64(d))) }
	ms := time.Millisecond
	liveAt := func(t time.Time, upf netip.Addr) []liveSession {
		var out []liveSession
		for _, l := range s.live {
			if l.upf == upf && l.from.Before(t) && l.till.After(t) {
				out = append(out, l)
			}
		}
		return out
	}
	// Establishment flood: 400 requests in 8 s.
	s.label = Attacks[0]
	t := at(0.15)
	for i := 0; i < 400; i++ {
		q := s.nextSeq()
		cp := uint64(0x900000 + i)
		ue := netip.AddrFrom4([4]byte{10, 46, byte(i >> 8), byte(i)})
		s.pfcp(t, synRogue, synUPF[0], pfcpMessage(50, true, 0, q, ieNodeID(synRogue), ieFSEID(cp, synRogue),
			pfcpIE(1, iePDRID(1), iePrecedence(255), pfcpIE(2, ieSrcInterface(0), ieUEIP(ue, false)), ieFARID(1)),
			pfcpIE(3, ieFARID(1), ieApply(0x02), pfcpIE(4, ieDstInterface(1)))))
		s.pfcp(t.Add(ms), synUPF[0], synRogue, pfcpMessage(51, true, cp, q, ieNodeID(synUPF[0]), ieCause(72)))
		t = t.Add(20 * ms)
	}
	// Deletion flood against live sessions.
	s.label = Attacks[1]
	t = at(0.30)
	for _, l := range liveAt(t, synUPF[0]) {
		for r := 0; r < 3; r++ {
			q := s.nextSeq()
			s.pfcp(t, synRogue, synUPF[0], pfcpMessage(54, true, l.upSEID, q))
			s.pfcp(t.Add(ms), synUPF[0], synRogue, pfcpMessage(55, true, 0, q, ieCause(65)))
			t = t.Add(30 * ms)
		}
	}
	// Modification to drop.
	s.label = Attacks[2]
	t = at(0.45)
	for _, l := range liveAt(t, synUPF[1]) {
		q := s.nextSeq()
		s.pfcp(t, synRogue, synUPF[1], pfcpMessage(52, true, l.upSEID, q, pfcpIE(10, ieFARID(1), ieApply(0x01)), pfcpIE(10, ieFARID(2), ieApply(0x01))))
		s.pfcp(t.Add(ms), synUPF[1], synRogue, pfcpMessage(53, true, l.cpSEID, q, ieCause(1)))
		t = t.Add(100 * ms)
	}
	// Modification to redirect.
	s.label = Attacks[3]
	t = at(0.60)
	for i, l := range liveAt(t, synUPF[0]) {
		q := s.nextSeq()
		s.pfcp(t, synRogue, synUPF[0], pfcpMessage(52, true, l.upSEID, q,
			pfcpIE(10, ieFARID(1), ieApply(0x02), pfcpIE(11, ieDstInterface(1), ieOHC(uint32(0x7000+i), synSink), ieRedirect("http://10.99.0.77/")))))
		s.pfcp(t.Add(ms), synUPF[0], synRogue, pfcpMessage(53, true, l.cpSEID, q, ieCause(1)))
		t = t.Add(100 * ms)
	}
	// PFCP inside GTP-U: a UE of gNB 1 reaches UPF 1's N4 port.
	s.label = Attacks[4]
	t = at(0.70)
	ue := netip.MustParseAddr("10.45.0.2")
	for i := 0; i < 20; i++ {
		s.ipid++
		q := s.nextSeq()
		msg := pfcpMessage(50, true, 0, q, ieNodeID(ue), ieFSEID(uint64(0xdead0000+i), ue))
		s.udp(t, synGNB[0], synUPF[0], 2152, 2152, gtpu(0x1002, ipv4(ue, synUPF[0], 17, s.ipid, udp(8805, 8805, msg))))
		t = t.Add(200 * ms)
	}
	// Registration flood from a fake gNB.
	s.label = Attacks[5]
	t = at(0.80)
	for i := 0; i < 300; i++ {
		ran := uint32(70000 + i)
		reg := nasPlain(0x41, append([]byte{0x79}, lvE(suci(uint64(s.rng.Uint32())))...)...)
		s.ngap(t, synFakeGN, synAMF, ngapPDU(0, 15, 1, ieRANUEID(ran), ieNAS(reg), ieUserLocation(0x999, 9), ieRRCCause(3)))
		rej := nasPlain(0x44, 0x16) // congestion
		s.ngap(t.Add(3*ms), synAMF, synFakeGN, ngapPDU(0, 4, 1, ieAMFUEID(uint64(90000+i)), ieRANUEID(ran), ieNAS(rej)))
		t = t.Add(25 * ms)
	}
	// SUCI catching: a false base station keeps one UE authenticating
	// with replayed challenges; each fails on the MAC, with an identity
	// request for the SUCI between.
	s.label = Attacks[6]
	t = at(0.90)
	ran, amf := uint32(4242), uint64(94242)
	s.ngap(t, synCatch, synAMF, ngapPDU(0, 15, 1, ieRANUEID(ran), ieNAS(nasPlain(0x41, append([]byte{0x79}, lvE(suci(4242))...)...)), ieUserLocation(0x424, 4), ieRRCCause(3)))
	for i := 0; i < 30; i++ {
		t = t.Add(300 * ms)
		s.ngap(t, synAMF, synCatch, ngapPDU(0, 4, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasPlain(0x5b, 0x01))))
		t = t.Add(20 * ms)
		s.ngap(t, synCatch, synAMF, ngapPDU(0, 46, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasPlain(0x5c, lvE(suci(4242))...)), ieUserLocation(0x424, 4)))
		t = t.Add(20 * ms)
		auth := nasPlain(0x56, append(append([]byte{0x00, 0x02, 0x00, 0x00, 0x21}, s.rnd16()...), append([]byte{0x20, 0x10}, s.rnd16()...)...)...)
		s.ngap(t, synAMF, synCatch, ngapPDU(0, 4, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(auth)))
		t = t.Add(20 * ms)
		s.ngap(t, synCatch, synAMF, ngapPDU(0, 46, 1, ieAMFUEID(amf), ieRANUEID(ran), ieNAS(nasPlain(0x59, 20)), ieUserLocation(0x424, 4)))
	}
	s.label = "normal"
}

// ueNGAPIDsAMF is UE-NGAP-IDs (IE 114) holding only the AMF-UE-NGAP-ID:
// choice index 1, then the 3-bit octet count in the same octet.
func ueNGAPIDsAMF(amf uint64) []byte {
	v := apInt(amf, 3)
	v[0] = 0x40 | v[0]>>2
	return ngapIE(114, 0, v)
}
