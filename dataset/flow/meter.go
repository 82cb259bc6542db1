package flow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset/packet"
)

// TCPEnd says which TCP packets end a flow before its timeouts do.
type TCPEnd uint8

const (
	// TCPEndBoth, the default, closes a TCP flow once both directions sent
	// FIN, or either sent RST. A closed flow absorbs the packets that follow
	// within Config.Linger (the last ACK, retransmitted FINs and RSTs), as
	// Argus and Zeek do, then is emitted with EndFIN or EndRST; a SYN
	// without ACK on a closed flow starts a new one at once.
	TCPEndBoth TCPEnd = iota
	// TCPEndFirstFIN emits a flow as soon as either side sends FIN,
	// including that packet, as CICFlowMeter does; the rest of the teardown
	// then starts new flows. RST does not end a flow.
	TCPEndFirstFIN
	// TCPEndNever ends TCP flows by timeouts only.
	TCPEndNever
)

// Defaults of a zero Config.
const (
	DefaultIdleTimeout   = 60 * time.Second
	DefaultActiveTimeout = 30 * time.Minute
	DefaultLinger        = 2 * time.Second
	DefaultMaxFlows      = 1 << 20
	// DefaultActivityTimeout is CICFlowMeter's threshold between a flow's
	// active and idle periods (its "activity timeout", 5 s).
	DefaultActivityTimeout = 5 * time.Second
	fragmentTimeout        = 30 * time.Second
	maxFragments           = 1 << 14
)

// Config sets up a Meter. The zero value means: 60 s idle timeout, 30 min
// active timeout, TCP ended by FIN in both directions or RST with 2 s of
// linger, no early emission, at most 1,048,576 live flows, GTP-U flows
// keyed by the inner 5-tuple and the tunnel's outer endpoints, CIC
// statistics not tracked.
type Config struct {
	// IdleTimeout ends a flow that saw no packet for this long. Default
	// DefaultIdleTimeout; negative: never.
	IdleTimeout time.Duration
	// ActiveTimeout ends a flow that has lasted this long since its first
	// packet (its next packet starts a new record, Part+1, same
	// orientation). Default DefaultActiveTimeout; negative: never.
	ActiveTimeout time.Duration
	// TCPEnd selects the TCP termination rule (default TCPEndBoth).
	TCPEnd TCPEnd
	// Linger is how long a closed TCP flow absorbs trailing packets.
	// Default DefaultLinger; negative: not at all.
	Linger time.Duration
	// EmitAfterPackets, when > 0, emits a snapshot of a flow (Reason
	// EndEarly, the counts so far) when it reaches this many packets, so a
	// long-lived flow can be scored before it ends. Once per record.
	EmitAfterPackets int
	// EmitAfterDuration, when > 0, emits such a snapshot when a flow has
	// lasted this long. Once per record.
	EmitAfterDuration time.Duration
	// MaxFlows bounds the live flows; when a new flow would exceed it, the
	// least recently active flow is emitted with EndEvicted and counted in
	// Stats.Evicted. Default DefaultMaxFlows.
	MaxFlows int
	// MinPackets drops records with fewer packets (counted in
	// Stats.Dropped); CICFlowMeter drops one-packet flows (2). Default 0.
	MinPackets int
	// KeyByTEID adds the GTP-U TEID to the key of tunnelled flows, so the
	// uplink and downlink of one inner conversation (which use different
	// TEIDs) become two flows. Default off: the key holds the inner
	// 5-tuple and the unordered pair of outer endpoints.
	KeyByTEID bool
	// Decoder decodes the frames given to AddFrame (its zero value opens
	// GTP-U, VXLAN, Geneve, GRE and IP-in-IP).
	Decoder packet.Decoder
	// CIC tracks the per-packet statistics the CIC feature set needs
	// (packet-length and inter-arrival statistics, bulks, active and idle
	// periods); without it CIC.Row returns ErrNotTracked.
	CIC bool
	// CICCompat makes the CIC statistics reproduce CICFlowMeter's
	// behaviour where it differs from the corrected one (see CIC).
	CICCompat bool
	// ActivityTimeout is the gap that separates a flow's active periods
	// for the CIC Active/Idle features. Default DefaultActivityTimeout.
	ActivityTimeout time.Duration
}

// CICCompatConfig returns the meter settings under which CICFlowMeter
// produced CIC-IDS2017: a 120 s flow timeout counted from the first
// packet, no idle timeout, the first FIN ends a flow, one-packet flows
// dropped, CIC statistics in compatibility mode.
func CICCompatConfig() Config {
	return Config{
		IdleTimeout: -1, ActiveTimeout: 120 * time.Second, TCPEnd: TCPEndFirstFIN,
		Linger: -1, MinPackets: 2, CIC: true, CICCompat: true,
	}
}

// Stats counts what a Meter saw.
type Stats struct {
	// Frames counts frames given to AddFrame, Packets the summaries added to
	// flows.
	Frames, Packets int64
	// Skipped counts frames by why they were not added (index by
	// packet.Reason; Skipped[packet.OK] is unused).
	Skipped [packet.NumReasons]int64
	// Backwards counts packets whose timestamp was earlier than one seen
	// before; the meter used the latest time seen instead.
	Backwards int64
	// Fragments counts IP fragments; FragmentsAttributed those after the
	// first that were added to their datagram's flow; the others went to a
	// flow keyed without ports.
	Fragments, FragmentsAttributed int64
	// Flows counts records emitted (snapshots excluded); Snapshots the
	// EndEarly records; Evicted the flows evicted for MaxFlows; Dropped the
	// records under MinPackets.
	Flows, Snapshots, Evicted, Dropped int64
	// MaxLive is the most flows live at once.
	MaxLive int
}

// ErrNotTracked reports a feature set asked for statistics the meter was
// not configured to keep (CIC without Config.CIC).
var ErrNotTracked = errors.New("flow: statistics not tracked by the meter")

// fkey is the internal, canonical (direction-free) flow key.
type fkey struct {
	a, b   [16]byte
	oa, ob [16]byte
	pa, pb uint16
	proto  uint8
	tunnel packet.TunnelKind
	teid   uint32
	vni    uint32
}

// flowState is one slab entry. It holds no pointers, so the garbage
// collector neither scans the slab nor puts write barriers on the packet
// path; the Record is built from it when the flow is emitted.
type flowState struct {
	key        fkey
	hash       uint32 // flowTable.hash(&key)
	id         flowID
	c          counts
	startNS    int64
	lastNS     int64
	prev, next int32
	part       uint32
	list       uint8
	fin        uint8 // bit 0: forward FIN, bit 1: backward FIN
	closed     bool
	early      bool
	kdd        kddState
}

// flowID is what a flow's records keep from its packets across parts:
// Record.Key, Record.Tunnel, Record.ICMPType and ICMPCode.
type flowID struct {
	src, dst           [16]byte // Key.Src, Key.Dst as 16 bytes (src is the forward sender)
	osrc, odst         [16]byte // Tunnel.OuterSrc, Tunnel.OuterDst
	sport, dport       uint16
	teid, rteid, vni   uint32
	proto              uint8
	ver, over          uint8 // 4, 6, or 0 for no address: of src/dst and of osrc/odst
	tunnel             packet.TunnelKind
	icmpType, icmpCode uint8
	qfi                uint8
	hasQFI             bool
}

// counts are the Record's counters.
type counts struct {
	FwdPackets, BwdPackets           uint64
	FwdBytes, BwdBytes               uint64
	FwdFrameBytes, BwdFrameBytes     uint64
	FwdPayloadBytes, BwdPayloadBytes uint64
	FwdFlags, BwdFlags               uint16
}

func addrBytes(a netip.Addr) ([16]byte, uint8) {
	switch {
	case a.Is4():
		return a.As16(), 4
	case a.Is6():
		return a.As16(), 6
	}
	return [16]byte{}, 0
}

func addrFrom(b *[16]byte, ver uint8) netip.Addr {
	switch ver {
	case 4:
		return netip.AddrFrom4([4]byte(b[12:]))
	case 6:
		return netip.AddrFrom16(*b)
	}
	return netip.Addr{}
}

// closeReason is why a closed TCP flow ended: EndRST when either side
// sent a RST, else EndFIN.
func (st *flowState) closeReason() EndReason {
	if (st.c.FwdFlags|st.c.BwdFlags)&packet.TCPFlagRST != 0 {
		return EndRST
	}
	return EndFIN
}

// record writes the flow's record, without the fields emitRecord sets.
func (st *flowState) record(r *Record) {
	id := &st.id
	*r = Record{
		Key: Key{Src: addrFrom(&id.src, id.ver), Dst: addrFrom(&id.dst, id.ver), SrcPort: id.sport, DstPort: id.dport, Proto: id.proto},
		Tunnel: Tunnel{Kind: id.tunnel, OuterSrc: addrFrom(&id.osrc, id.over), OuterDst: addrFrom(&id.odst, id.over),
			TEID: id.teid, ReverseTEID: id.rteid, QFI: id.qfi, HasQFI: id.hasQFI, VNI: id.vni},
		FwdPackets: st.c.FwdPackets, BwdPackets: st.c.BwdPackets, FwdBytes: st.c.FwdBytes, BwdBytes: st.c.BwdBytes,
		FwdFrameBytes: st.c.FwdFrameBytes, BwdFrameBytes: st.c.BwdFrameBytes,
		FwdPayloadBytes: st.c.FwdPayloadBytes, BwdPayloadBytes: st.c.BwdPayloadBytes,
		FwdFlags: st.c.FwdFlags, BwdFlags: st.c.BwdFlags,
		ICMPType: id.icmpType, ICMPCode: id.icmpCode, Part: st.part, Source: SourceMeter,
	}
}

const (
	listNone uint8 = iota
	listLive
	listClosing
)

type list struct{ head, tail int32 }

type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
}

type fragEntry struct {
	key fkey
	ns  int64
}

// Flow is what the Meter hands its callback: the record and the state the
// feature sets read. It is valid only during the callback.
type Flow struct {
	// Record is the flow's record.
	Record Record
	cic    *cicState
	kdd    *kddState
	compat bool
}

// Meter meters packets into bidirectional flows. It is not safe for
// concurrent use; run one Meter per goroutine. Once the table has grown to
// its working size, adding a packet allocates nothing.
type Meter struct {
	cfg      Config
	emit     func(*Flow)
	idleNS   int64
	activeNS int64
	lingerNS int64
	earlyNS  int64
	actUS    int64 // CIC activity timeout, µs
	maxFlows int

	table flowTable
	flows slab[flowState]
	cics  slab[cicState]
	free  []int32
	lists [3]list
	live  int
	frags map[fragKey]fragEntry
	clock int64
	seq   uint64
	out   Flow
	stats Stats
	sum   packet.Summary
}

// NewMeter returns a Meter that calls emit with each flow as it ends (and
// with snapshots, when configured). emit must not retain the *Flow.
func NewMeter(cfg Config, emit func(*Flow)) *Meter {
	m := &Meter{cfg: cfg, emit: emit, table: newFlowTable(), frags: map[fragKey]fragEntry{}}
	dur := func(d, def time.Duration) int64 {
		switch {
		case d < 0:
			return -1
		case d == 0:
			return int64(def)
		}
		return int64(d)
	}
	m.idleNS = dur(cfg.IdleTimeout, DefaultIdleTimeout)
	m.activeNS = dur(cfg.ActiveTimeout, DefaultActiveTimeout)
	m.lingerNS = dur(cfg.Linger, DefaultLinger)
	m.actUS = dur(cfg.ActivityTimeout, DefaultActivityTimeout) / 1000
	m.earlyNS = int64(cfg.EmitAfterDuration)
	m.maxFlows = cfg.MaxFlows
	if m.maxFlows <= 0 {
		m.maxFlows = DefaultMaxFlows
	}
	for i := range m.lists {
		m.lists[i] = list{-1, -1}
	}
	return m
}

// Stats returns the counts so far.
func (m *Meter) Stats() Stats { return m.stats }

// Live returns the number of live flows.
func (m *Meter) Live() int { return m.live }

// AddFrame decodes f and adds it to its flow; it returns the decoder's
// Reason, counted in Stats.Skipped when not OK.
func (m *Meter) AddFrame(f *packet.Frame) packet.Reason {
	m.stats.Frames++
	r := m.cfg.Decoder.DecodeFrame(f, &m.sum)
	if r != packet.OK {
		m.stats.Skipped[r]++
		// time still advances: flows expire even while undecodable frames arrive
		m.Advance(f.Time)
		return r
	}
	m.Add(f.Time, &m.sum)
	return packet.OK
}

// ReadFrom meters every frame of r, then emits the live flows (Flush). A
// capture that ends inside a record is metered up to the damage and the
// error returned after the flush.
func (m *Meter) ReadFrom(r *packet.Reader) error {
	var f packet.Frame
	for {
		err := r.Next(&f)
		if err == io.EOF {
			m.Flush()
			return nil
		}
		if err != nil {
			m.Flush()
			return err
		}
		m.AddFrame(&f)
	}
}

// MeterFile meters the capture at path with cfg, calling emit for every
// flow, and returns the meter's counts.
func MeterFile(path string, cfg Config, emit func(*Flow)) (Stats, error) {
	r, err := packet.Open(path)
	if err != nil {
		return Stats{}, err
	}
	defer r.Close()
	m := NewMeter(cfg, emit)
	err = m.ReadFrom(r)
	return m.Stats(), err
}

func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// less orders two endpoints (address, port).
func less(a [16]byte, pa uint16, b [16]byte, pb uint16) bool {
	if x, y := be64(a[:8]), be64(b[:8]); x != y {
		return x < y
	}
	if x, y := be64(a[8:]), be64(b[8:]); x != y {
		return x < y
	}
	return pa < pb
}

// Advance moves the meter's clock to t (if later) and emits the flows whose
// timeouts expired. Live capture calls it when no packet arrives.
func (m *Meter) Advance(t time.Time) {
	now := t.UnixNano()
	if now > m.clock {
		m.clock = now
	}
	m.expire(m.clock)
}

func (m *Meter) expire(now int64) {
	if m.idleNS >= 0 {
		for h := m.lists[listLive].head; h >= 0; h = m.lists[listLive].head {
			st := m.flows.at(h)
			if now-st.lastNS < m.idleNS {
				break
			}
			m.finish(h, EndIdle)
		}
	}
	for h := m.lists[listClosing].head; h >= 0; h = m.lists[listClosing].head {
		st := m.flows.at(h)
		if now-st.lastNS <= m.lingerNS {
			break
		}
		m.finish(h, st.closeReason())
	}
}

// Add adds a decoded packet with timestamp t to its flow. s must have been
// decoded with OK; other summaries are ignored.
func (m *Meter) Add(t time.Time, s *packet.Summary) {
	if s.IPVersion == 0 {
		return
	}
	now := t.UnixNano()
	if now < m.clock {
		m.stats.Backwards++
		now = m.clock
	} else {
		m.clock = now
	}
	m.stats.Packets++
	m.expire(now)

	var k fkey
	src, dst := s.Src.As16(), s.Dst.As16()
	sp, dp := s.SrcPort, s.DstPort
	if s.Fragment {
		m.stats.Fragments++
		fk := fragKey{src: src, dst: dst, id: s.IPID, proto: s.Proto}
		if s.FragOffset > 0 {
			if e, ok := m.frags[fk]; ok {
				m.stats.FragmentsAttributed++
				k = e.key
				if !s.MoreFragments {
					delete(m.frags, fk)
				}
				goto found
			}
		}
	}
	k.proto, k.tunnel = s.Proto, s.Tunnel
	if less(src, sp, dst, dp) {
		k.a, k.pa, k.b, k.pb = src, sp, dst, dp
	} else {
		k.a, k.pa, k.b, k.pb = dst, dp, src, sp
	}
	if s.Tunnel != packet.TunnelNone {
		oa, ob := s.OuterSrc.As16(), s.OuterDst.As16()
		if less(oa, 0, ob, 0) {
			k.oa, k.ob = oa, ob
		} else {
			k.oa, k.ob = ob, oa
		}
		switch s.Tunnel {
		case packet.TunnelGTPU:
			if m.cfg.KeyByTEID {
				k.teid = s.TEID
			}
		case packet.TunnelVXLAN, packet.TunnelGeneve:
			k.vni = s.VNI
		}
	}
	if s.Fragment && s.FragOffset == 0 && s.MoreFragments {
		m.addFragment(fragKey{src: src, dst: dst, id: s.IPID, proto: s.Proto}, k, now)
	}
found:
	h := m.table.hash(&k)
	idx := m.table.find(&k, h, &m.flows)
	if ok := idx >= 0; ok {
		st := m.flows.at(idx)
		fwd := st.id.src == src && (st.id.sport == sp || st.id.src != dst)
		if st.closed && s.Proto == packet.ProtoTCP && s.TCPFlags&(packet.TCPFlagSYN|packet.TCPFlagACK) == packet.TCPFlagSYN {
			m.finish(idx, st.closeReason())
			ok = false
		} else if m.activeNS >= 0 && now-st.startNS >= m.activeNS {
			m.restart(idx, now)
		}
		if ok {
			m.update(idx, fwd, now, s)
			return
		}
	}
	idx = m.create(k, h, src, sp, now, s)
	m.update(idx, true, now, s)
}

func (m *Meter) addFragment(fk fragKey, k fkey, now int64) {
	if len(m.frags) >= maxFragments {
		for key, e := range m.frags {
			if now-e.ns > int64(fragmentTimeout) {
				delete(m.frags, key)
			}
		}
		if len(m.frags) >= maxFragments {
			return // still full: later fragments go to a port-less flow
		}
	}
	m.frags[fk] = fragEntry{key: k, ns: now}
}

func (m *Meter) create(k fkey, h uint32, src [16]byte, sp uint16, now int64, s *packet.Summary) int32 {
	if m.live >= m.maxFlows {
		if h := m.lists[listClosing].head; h >= 0 {
			st := m.flows.at(h)
			m.finish(h, st.closeReason())
		} else if h := m.lists[listLive].head; h >= 0 {
			m.stats.Evicted++
			m.finish(h, EndEvicted)
		}
	}
	var idx int32
	if n := len(m.free); n > 0 {
		idx = m.free[n-1]
		m.free = m.free[:n-1]
	} else {
		idx = m.flows.grow()
		if m.cfg.CIC {
			m.cics.grow()
		}
	}
	st := m.flows.at(idx)
	*st = flowState{key: k, hash: h, startNS: now, lastNS: now, prev: -1, next: -1}
	id := &st.id
	// both addresses of a pair come from one IP header: one version
	id.src, id.ver = addrBytes(s.Src)
	id.dst, _ = addrBytes(s.Dst)
	id.sport, id.dport, id.proto = s.SrcPort, s.DstPort, s.Proto
	if s.Proto == packet.ProtoICMP || s.Proto == packet.ProtoICMPv6 {
		id.icmpType, id.icmpCode = s.ICMPType, s.ICMPCode
	}
	if s.Tunnel != packet.TunnelNone {
		id.tunnel, id.qfi, id.hasQFI = s.Tunnel, s.QFI, s.HasQFI
		id.osrc, id.over = addrBytes(s.OuterSrc)
		id.odst, _ = addrBytes(s.OuterDst)
		switch s.Tunnel {
		case packet.TunnelGTPU:
			id.teid = s.TEID
		case packet.TunnelVXLAN, packet.TunnelGeneve:
			id.vni = s.VNI
		case packet.TunnelGRE:
			if s.GREKey {
				id.vni = s.VNI
			}
		}
	}
	if m.cfg.CIC {
		m.cics.at(idx).reset()
	}
	m.table.insert(h, idx)
	m.push(idx, listLive)
	m.live++
	if m.live > m.stats.MaxLive {
		m.stats.MaxLive = m.live
	}
	return idx
}

// restart emits a flow at its active timeout and starts its next part with
// the same key and orientation.
func (m *Meter) restart(idx int32, now int64) {
	st := m.flows.at(idx)
	m.emitRecord(idx, EndActive, false)
	*st = flowState{key: st.key, hash: st.hash, id: st.id, startNS: now, lastNS: now, prev: st.prev, next: st.next, part: st.part + 1, list: st.list}
	if m.cfg.CIC {
		m.cics.at(idx).reset()
	}
}

func (m *Meter) update(idx int32, fwd bool, now int64, s *packet.Summary) {
	st := m.flows.at(idx)
	r := &st.c
	ipLen, wire, pay := uint64(s.IPLen), uint64(s.WireLen), uint64(max(s.PayloadLen, 0))
	if fwd {
		r.FwdPackets++
		r.FwdBytes += ipLen
		r.FwdFrameBytes += wire
		r.FwdPayloadBytes += pay
		r.FwdFlags |= s.TCPFlags
	} else {
		r.BwdPackets++
		r.BwdBytes += ipLen
		r.BwdFrameBytes += wire
		r.BwdPayloadBytes += pay
		r.BwdFlags |= s.TCPFlags
		if s.Tunnel == packet.TunnelGTPU && st.id.rteid == 0 {
			st.id.rteid = s.TEID
		}
	}
	if s.HasQFI && !st.id.hasQFI {
		st.id.qfi, st.id.hasQFI = s.QFI, true
	}
	if m.cfg.CIC {
		m.cics.at(idx).add(fwd, now, s, m.actUS, m.cfg.CICCompat, r.FwdPackets+r.BwdPackets == 1)
	}
	st.kdd.add(fwd, s)
	st.lastNS = now
	m.touch(idx)

	if s.Proto == packet.ProtoTCP {
		switch m.cfg.TCPEnd {
		case TCPEndBoth:
			if s.TCPFlags&packet.TCPFlagFIN != 0 {
				if fwd {
					st.fin |= 1
				} else {
					st.fin |= 2
				}
			}
			if !st.closed && (st.fin == 3 || s.TCPFlags&packet.TCPFlagRST != 0) {
				st.closed = true
				if m.lingerNS < 0 {
					r := EndFIN
					if s.TCPFlags&packet.TCPFlagRST != 0 {
						r = EndRST
					}
					m.finish(idx, r)
					return
				}
				m.unlink(idx)
				m.push(idx, listClosing)
			}
		case TCPEndFirstFIN:
			// as CICFlowMeter, a FIN closes a flow it did not open
			if s.TCPFlags&packet.TCPFlagFIN != 0 && r.FwdPackets+r.BwdPackets > 1 {
				m.finish(idx, EndFIN)
				return
			}
		}
	}
	if !st.early && ((m.cfg.EmitAfterPackets > 0 && r.FwdPackets+r.BwdPackets >= uint64(m.cfg.EmitAfterPackets)) ||
		(m.earlyNS > 0 && now-st.startNS >= m.earlyNS)) {
		st.early = true
		m.stats.Snapshots++
		m.emitRecord(idx, EndEarly, true)
	}
}

// Flush emits every live flow with EndOfInput (closed TCP flows with
// EndFIN or EndRST), oldest activity first.
func (m *Meter) Flush() {
	for h := m.lists[listClosing].head; h >= 0; h = m.lists[listClosing].head {
		st := m.flows.at(h)
		m.finish(h, st.closeReason())
	}
	for h := m.lists[listLive].head; h >= 0; h = m.lists[listLive].head {
		m.finish(h, EndOfInput)
	}
}

func (m *Meter) finish(idx int32, why EndReason) {
	st := m.flows.at(idx)
	m.emitRecord(idx, why, false)
	m.unlink(idx)
	m.table.remove(st.hash, idx)
	m.free = append(m.free, idx)
	m.live--
}

func (m *Meter) emitRecord(idx int32, why EndReason, snapshot bool) {
	st := m.flows.at(idx)
	if !snapshot && int(st.c.FwdPackets+st.c.BwdPackets) < m.cfg.MinPackets {
		m.stats.Dropped++
		return
	}
	if !snapshot {
		m.stats.Flows++
	}
	m.seq++
	r := &m.out.Record
	st.record(r)
	r.Start = time.Unix(0, st.startNS).UTC()
	r.End = time.Unix(0, st.lastNS).UTC()
	r.Reason = why
	r.Evicted = why == EndEvicted
	r.Seq = m.seq
	m.out.kdd = &st.kdd
	m.out.cic = nil
	if m.cfg.CIC {
		m.out.cic = m.cics.at(idx)
	}
	m.out.compat = m.cfg.CICCompat
	if m.emit != nil {
		m.emit(&m.out)
	}
}

func (m *Meter) push(idx int32, l uint8) {
	st := m.flows.at(idx)
	ls := &m.lists[l]
	st.list, st.prev, st.next = l, ls.tail, -1
	if ls.tail >= 0 {
		m.flows.at(ls.tail).next = idx
	} else {
		ls.head = idx
	}
	ls.tail = idx
}

func (m *Meter) unlink(idx int32) {
	st := m.flows.at(idx)
	ls := &m.lists[st.list]
	if st.prev >= 0 {
		m.flows.at(st.prev).next = st.next
	} else {
		ls.head = st.next
	}
	if st.next >= 0 {
		m.flows.at(st.next).prev = st.prev
	} else {
		ls.tail = st.prev
	}
	st.prev, st.next, st.list = -1, -1, listNone
}

// touch moves a flow to the tail of its list (most recently active).
func (m *Meter) touch(idx int32) {
	st := m.flows.at(idx)
	if st.next < 0 {
		return
	}
	l := st.list
	m.unlink(idx)
	m.push(idx, l)
}

// String returns a one-line summary of the counts.
func (s Stats) String() string {
	var skipped int64
	for _, n := range s.Skipped {
		skipped += n
	}
	return fmt.Sprintf("%d frames, %d packets metered, %d skipped, %d flows, %d evicted, %d backwards timestamps",
		s.Frames, s.Packets, skipped, s.Flows, s.Evicted, s.Backwards)
}
