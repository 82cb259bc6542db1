package flow

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net/netip"
	"sort"
	"time"

	"github.com/netwarden/netwarden/dataset/packet"
)

// SynthConfig describes a synthetic capture for Synthesize. The zero value
// means the documented defaults; a negative count leaves that traffic out.
type SynthConfig struct {
	// Seed seeds the generator (math/rand/v2 PCG); the same seed gives the
	// same capture byte for byte.
	Seed uint64
	// Start is the first packet's time. Default 2026-01-05 09:00:00 UTC.
	Start time.Time
	// Duration is the span benign traffic is spread over. Default 120 s.
	Duration time.Duration
	// Sessions is the number of benign TCP sessions (handshake, requests
	// and responses, FIN teardown) from 40 clients to 4 servers. Default
	// 300. A tenth of the sessions are DNS query/response pairs over UDP,
	// a twentieth ICMP echo exchanges and a fortieth failed connection
	// attempts (refused with RST+ACK, or unanswered and retried) instead.
	Sessions int
	// SYNFlood is the number of spoofed SYNs sent to 10.0.0.80:80, each
	// from its own address in 198.18.0.0/15, none answered. Default 3000.
	SYNFlood int
	// PortScan is the number of ports 203.0.113.66 SYN-scans on
	// 10.0.0.20; closed ports answer RST+ACK, ports 22 and 80 SYN+ACK.
	// Default 1000.
	PortScan int
	// UDPFlood is the number of UDP datagrams 198.51.100.77 sends to
	// 10.0.0.53:53, each from its own source port. Default 3000.
	UDPFlood int
	// UEs is the number of user equipments whose traffic runs in GTP-U
	// between the gNB 10.100.0.1 and the UPF 10.100.0.2 (TEIDs per UE and
	// direction, QFI 9). Default 20. UE 10.45.0.66 attacks: a SYN flood of
	// AttackPackets packets from its own address to 93.184.216.34:443.
	UEs int
	// AttackPackets is the attacking UE's packet count (SYNs, each from its
	// own source port). Default 1500.
	AttackPackets int
}

// Labels of the synthetic ground truth.
const (
	LabelNormal   = "normal"
	LabelSYNFlood = "syn-flood"
	LabelPortScan = "port-scan"
	LabelUDPFlood = "udp-flood"
	LabelUEAttack = "ue-syn-flood"
)

// SynthPacket is one generated frame (Ethernet) with its label.
type SynthPacket struct {
	Time  time.Time
	Data  []byte
	Label string
}

// Capture is a synthetic capture: frames in time order, each labelled.
type Capture struct {
	Packets []SynthPacket
}

// Synthetic addresses that identify the attacks.
var (
	synVictim   = netip.MustParseAddr("10.0.0.80")
	scanner     = netip.MustParseAddr("203.0.113.66")
	scanTarget  = netip.MustParseAddr("10.0.0.20")
	udpFlooder  = netip.MustParseAddr("198.51.100.77")
	dnsServer   = netip.MustParseAddr("10.0.0.53")
	gnb         = netip.MustParseAddr("10.100.0.1")
	upf         = netip.MustParseAddr("10.100.0.2")
	attackingUE = netip.MustParseAddr("10.45.0.66")
	ueTarget    = netip.MustParseAddr("93.184.216.34")
)

// Label returns the ground-truth label of a record metered from a
// synthetic capture: the attack its endpoints belong to, or LabelNormal.
func (c *Capture) Label(r *Record) string {
	k := r.Key
	has := func(a netip.Addr) bool { return k.Src == a || k.Dst == a }
	switch {
	case r.Tunnel.Kind == packet.TunnelGTPU && has(attackingUE):
		return LabelUEAttack
	case has(scanner):
		return LabelPortScan
	case has(udpFlooder):
		return LabelUDPFlood
	case has(synVictim) && (k.Src.As4()[0] == 198 || k.Dst.As4()[0] == 198):
		return LabelSYNFlood
	}
	return LabelNormal
}

type synth struct {
	rng *rand.Rand
	out []SynthPacket
	id  uint16
}

func def(n, d int) int {
	if n == 0 {
		return d
	}
	return max(n, 0)
}

// Synthesize generates the capture cfg describes, deterministically.
func Synthesize(cfg SynthConfig) *Capture {
	start := cfg.Start
	if start.IsZero() {
		start = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	}
	span := cfg.Duration
	if span <= 0 {
		span = 120 * time.Second
	}
	g := &synth{rng: rand.New(rand.NewPCG(cfg.Seed, 0x6e657477617264))}
	servers := []netip.Addr{netip.MustParseAddr("10.0.0.10"), netip.MustParseAddr("10.0.0.11"), netip.MustParseAddr("10.0.0.12"), netip.MustParseAddr("10.0.0.13")}
	ports := []uint16{80, 443, 22, 25}
	for i := range def(cfg.Sessions, 300) {
		t := start.Add(time.Duration(g.rng.Int64N(int64(span))))
		client := netip.AddrFrom4([4]byte{10, 0, 1, byte(10 + i%40)})
		// distinct client ports (and ping sources) make every session one flow
		switch {
		case i%40 == 17:
			// benign networks see failed connections too: a closed port
			// answers RST+ACK, an unreachable one not at all (retried once)
			sv, cp := servers[i%4], uint16(32768+i)
			seq := g.rng.Uint32()
			if i%80 == 17 {
				g.add(t, LabelNormal, nil, tcp(client, sv, cp, 8080, seq, 0, packet.TCPFlagSYN, 64240, nil))
				g.add(t.Add(300*time.Microsecond), LabelNormal, nil, tcp(sv, client, 8080, cp, 0, seq+1, packet.TCPFlagRST|packet.TCPFlagACK, 0, nil))
			} else {
				g.add(t, LabelNormal, nil, tcp(client, sv, cp, 8443, seq, 0, packet.TCPFlagSYN, 64240, nil))
				g.add(t.Add(time.Second), LabelNormal, nil, tcp(client, sv, cp, 8443, seq, 0, packet.TCPFlagSYN, 64240, nil))
			}
		case i%20 == 19:
			g.ping(t, netip.AddrFrom4([4]byte{10, 0, 2, byte(i / 20)}), servers[i%4], LabelNormal)
		case i%10 == 9:
			g.dns(t, client, dnsServer, uint16(20000+i), LabelNormal)
		default:
			g.session(t, client, uint16(32768+i), servers[i%4], ports[i%4], 1+g.rng.IntN(6), nil)
		}
	}
	at := start.Add(span / 3)
	for i := range def(cfg.SYNFlood, 3000) {
		src := netip.AddrFrom4([4]byte{198, 18 + byte(i>>16&1), byte(i >> 8), byte(i)})
		t := at.Add(time.Duration(i) * 200 * time.Microsecond)
		g.add(t, LabelSYNFlood, nil, tcp(src, synVictim, uint16(1024+g.rng.IntN(60000)), 80, g.rng.Uint32(), 0, packet.TCPFlagSYN, 64, nil))
	}
	at = start.Add(span / 2)
	for i := range def(cfg.PortScan, 1000) {
		t := at.Add(time.Duration(i) * time.Millisecond)
		port := uint16(1 + i)
		seq := g.rng.Uint32()
		g.add(t, LabelPortScan, nil, tcp(scanner, scanTarget, 40000, port, seq, 0, packet.TCPFlagSYN, 1024, nil))
		rt := t.Add(150 * time.Microsecond)
		if port == 22 || port == 80 {
			g.add(rt, LabelPortScan, nil, tcp(scanTarget, scanner, port, 40000, g.rng.Uint32(), seq+1, packet.TCPFlagSYN|packet.TCPFlagACK, 64240, nil))
			g.add(rt.Add(100*time.Microsecond), LabelPortScan, nil, tcp(scanner, scanTarget, 40000, port, seq+1, 0, packet.TCPFlagRST, 0, nil))
		} else {
			g.add(rt, LabelPortScan, nil, tcp(scanTarget, scanner, port, 40000, 0, seq+1, packet.TCPFlagRST|packet.TCPFlagACK, 0, nil))
		}
	}
	at = start.Add(2 * span / 3)
	payload := make([]byte, 512)
	for i := range def(cfg.UDPFlood, 3000) {
		t := at.Add(time.Duration(i) * 100 * time.Microsecond)
		g.add(t, LabelUDPFlood, nil, udp(udpFlooder, dnsServer, uint16(1024+i%64000), 53, payload))
	}
	ues := def(cfg.UEs, 20)
	for u := range ues {
		ue := netip.AddrFrom4([4]byte{10, 45, 0, byte(10 + u)})
		tun := &gtpTunnel{ul: 0x1000 + uint32(u), dl: 0x2000 + uint32(u), qfi: 9}
		for s := range 4 {
			t := start.Add(time.Duration(g.rng.Int64N(int64(span))))
			switch s {
			case 3:
				g.dnsTunnel(t, ue, tun)
			default:
				g.session(t, ue, uint16(40000+u*10+s), servers[s], ports[s], 1+g.rng.IntN(4), tun)
			}
		}
	}
	if ues > 0 {
		tun := &gtpTunnel{ul: 0x1fff, dl: 0x2fff, qfi: 9}
		at = start.Add(span / 4)
		for i := range def(cfg.AttackPackets, 1500) {
			t := at.Add(time.Duration(i) * 300 * time.Microsecond)
			g.add(t, LabelUEAttack, tun, tcp(attackingUE, ueTarget, uint16(1024+i%64000), 443, g.rng.Uint32(), 0, packet.TCPFlagSYN, 64, nil))
		}
	}
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].Time.Before(g.out[j].Time) })
	return &Capture{Packets: g.out}
}

type gtpTunnel struct {
	ul, dl uint32
	qfi    uint8
}

// add frames an IP packet in Ethernet (and in GTP-U when tun is set: from
// the gNB for packets whose source is a UE, from the UPF otherwise).
func (g *synth) add(t time.Time, label string, tun *gtpTunnel, ip []byte) {
	t = t.Truncate(time.Microsecond) // what a microsecond pcap keeps
	g.id++
	binary.BigEndian.PutUint16(ip[4:], g.id)
	ipv4Checksum(ip)
	if tun != nil {
		src := netip.AddrFrom4([4]byte(ip[12:16]))
		up := src.As4()[0] == 10 && src.As4()[1] == 45
		teid, from, to, pdu := tun.dl, upf, gnb, uint8(0)
		if up {
			teid, from, to, pdu = tun.ul, gnb, upf, 1
		}
		// GTP-U header with E flag, one PDU Session Container (TS 38.415)
		gtp := make([]byte, 16+len(ip))
		gtp[0] = 0x34 // version 1, PT 1, E
		gtp[1] = 255
		binary.BigEndian.PutUint16(gtp[2:], uint16(8+len(ip)))
		binary.BigEndian.PutUint32(gtp[4:], teid)
		gtp[11] = 0x85
		gtp[12] = 1
		gtp[13] = pdu << 4
		gtp[14] = tun.qfi
		gtp[15] = 0
		copy(gtp[16:], ip)
		g.id++
		ip = udp(from, to, 2152, 2152, gtp)
		binary.BigEndian.PutUint16(ip[4:], g.id)
		ipv4Checksum(ip)
	}
	frame := make([]byte, 14+len(ip))
	copy(frame, []byte{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00})
	copy(frame[14:], ip)
	g.out = append(g.out, SynthPacket{Time: t, Data: frame, Label: label})
}

func ipv4(src, dst netip.Addr, proto uint8, l4 []byte) []byte {
	b := make([]byte, 20+len(l4))
	b[0], b[8], b[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	copy(b[20:], l4)
	return b
}

func ipv4Checksum(b []byte) {
	b[10], b[11] = 0, 0
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[10:], ^uint16(sum))
}

func tcp(src, dst netip.Addr, sp, dp uint16, seq, ack uint32, flags uint16, win uint16, payload []byte) []byte {
	b := make([]byte, 20+len(payload))
	binary.BigEndian.PutUint16(b[0:], sp)
	binary.BigEndian.PutUint16(b[2:], dp)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = 5 << 4
	b[13] = byte(flags)
	binary.BigEndian.PutUint16(b[14:], win)
	copy(b[20:], payload)
	return ipv4(src, dst, packet.ProtoTCP, b)
}

func udp(src, dst netip.Addr, sp, dp uint16, payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sp)
	binary.BigEndian.PutUint16(b[2:], dp)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	copy(b[8:], payload)
	return ipv4(src, dst, packet.ProtoUDP, b)
}

// session is a TCP connection: handshake, n request/response exchanges,
// FIN teardown by the client.
func (g *synth) session(t time.Time, c netip.Addr, cp uint16, s netip.Addr, sp uint16, n int, tun *gtpTunnel) {
	rtt := time.Duration(200+g.rng.IntN(3000)) * time.Microsecond
	cs, ss := g.rng.Uint32(), g.rng.Uint32()
	A, S, F, P := packet.TCPFlagACK, packet.TCPFlagSYN, packet.TCPFlagFIN, packet.TCPFlagPSH
	g.add(t, LabelNormal, tun, tcp(c, s, cp, sp, cs, 0, S, 64240, nil))
	t = t.Add(rtt / 2)
	g.add(t, LabelNormal, tun, tcp(s, c, sp, cp, ss, cs+1, S|A, 65160, nil))
	t = t.Add(rtt / 2)
	cs, ss = cs+1, ss+1
	g.add(t, LabelNormal, tun, tcp(c, s, cp, sp, cs, ss, A, 502, nil))
	for range n {
		req := make([]byte, 60+g.rng.IntN(400))
		resp := make([]byte, 200+g.rng.IntN(1200))
		t = t.Add(time.Duration(g.rng.IntN(50_000)) * time.Microsecond)
		g.add(t, LabelNormal, tun, tcp(c, s, cp, sp, cs, ss, P|A, 502, req))
		cs += uint32(len(req))
		t = t.Add(rtt / 2)
		g.add(t, LabelNormal, tun, tcp(s, c, sp, cp, ss, cs, P|A, 509, resp))
		ss += uint32(len(resp))
		t = t.Add(rtt / 2)
		g.add(t, LabelNormal, tun, tcp(c, s, cp, sp, cs, ss, A, 502, nil))
	}
	t = t.Add(time.Duration(g.rng.IntN(100_000)) * time.Microsecond)
	g.add(t, LabelNormal, tun, tcp(c, s, cp, sp, cs, ss, F|A, 502, nil))
	t = t.Add(rtt / 2)
	g.add(t, LabelNormal, tun, tcp(s, c, sp, cp, ss, cs+1, F|A, 509, nil))
	t = t.Add(rtt / 2)
	g.add(t, LabelNormal, tun, tcp(c, s, cp, sp, cs+1, ss+1, A, 502, nil))
}

func (g *synth) dns(t time.Time, c, s netip.Addr, cp uint16, label string) {
	q := make([]byte, 30+g.rng.IntN(20))
	g.add(t, label, nil, udp(c, s, cp, 53, q))
	g.add(t.Add(time.Duration(500+g.rng.IntN(20000))*time.Microsecond), label, nil, udp(s, c, 53, cp, make([]byte, 60+g.rng.IntN(200))))
}

func (g *synth) dnsTunnel(t time.Time, ue netip.Addr, tun *gtpTunnel) {
	cp := uint16(50000 + g.rng.IntN(10000))
	g.add(t, LabelNormal, tun, udp(ue, dnsServer, cp, 53, make([]byte, 40)))
	g.add(t.Add(8*time.Millisecond), LabelNormal, tun, udp(dnsServer, ue, 53, cp, make([]byte, 120)))
}

func (g *synth) ping(t time.Time, c, s netip.Addr, label string) {
	id := uint16(g.rng.IntN(65536))
	for i := range 4 {
		req := make([]byte, 64)
		req[0] = 8
		binary.BigEndian.PutUint16(req[4:], id)
		binary.BigEndian.PutUint16(req[6:], uint16(i))
		rep := make([]byte, 64)
		copy(rep, req)
		rep[0] = 0
		at := t.Add(time.Duration(i) * time.Second)
		g.add(at, label, nil, ipv4(c, s, packet.ProtoICMP, req))
		g.add(at.Add(time.Millisecond), label, nil, ipv4(s, c, packet.ProtoICMP, rep))
	}
}

// WritePcap writes the capture as a classic little-endian microsecond
// pcap file with link type Ethernet.
func (c *Capture) WritePcap(w io.Writer) error {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], uint32(packet.LinkEthernet))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	var rh [16]byte
	for _, p := range c.Packets {
		binary.LittleEndian.PutUint32(rh[0:], uint32(p.Time.Unix()))
		binary.LittleEndian.PutUint32(rh[4:], uint32(p.Time.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(p.Data)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(p.Data)))
		if _, err := w.Write(rh[:]); err != nil {
			return err
		}
		if _, err := w.Write(p.Data); err != nil {
			return err
		}
	}
	return nil
}

// Meter meters the capture's frames in memory with m (then Flush).
func (c *Capture) Meter(m *Meter) {
	var f packet.Frame
	for i := range c.Packets {
		p := &c.Packets[i]
		f = packet.Frame{Number: int64(i + 1), Time: p.Time, Link: packet.LinkEthernet, OrigLen: len(p.Data), Data: p.Data}
		m.AddFrame(&f)
	}
	m.Flush()
}
