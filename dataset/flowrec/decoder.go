package flowrec

import (
	"encoding/binary"
	"github.com/netwarden/netwarden/dataset/flow"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/internal/errs"
)

// ErrFormat is the sentinel that malformed export packets and log lines
// wrap (the same value as anomaly.ErrFormat).
var ErrFormat = errs.ErrFormat

// Defaults of Config's zero fields.
const (
	DefaultTemplateTTL  = 30 * time.Minute
	DefaultHoldTime     = 10 * time.Second
	DefaultHoldSets     = 256
	DefaultHoldBytes    = 1 << 20
	DefaultMaxTemplates = 65536
)

// Config sets up a Decoder. The zero value means the documented defaults.
type Config struct {
	// TemplateTTL is how long a NetFlow v9 or IPFIX template stays valid
	// without being re-sent (RFC 7011 section 8.4 asks UDP collectors for
	// such a lifetime). Default 30 minutes; negative means forever.
	TemplateTTL time.Duration
	// HoldTime is how long a data set that came before its template is
	// held, waiting for it. Default 10 s; negative disables holding (such
	// sets are skipped at once with ReasonNoTemplate).
	HoldTime time.Duration
	// HoldSets and HoldBytes bound what is held at any moment, over all
	// exporters. Defaults 256 sets and 1 MiB.
	HoldSets  int
	HoldBytes int
	// MaxTemplates bounds the templates cached over all exporters and
	// domains, so that a hostile sender cannot grow memory without end.
	// Default 65536.
	MaxTemplates int
	// Scale multiplies packet and byte counts by the sampling rate the
	// exporter announced, and sets Record.Scaled. Default off: counts are
	// as exported and Record.SamplingRate says how they were sampled.
	Scale bool
}

func (c Config) withDefaults() Config {
	if c.TemplateTTL == 0 {
		c.TemplateTTL = DefaultTemplateTTL
	}
	if c.HoldTime == 0 {
		c.HoldTime = DefaultHoldTime
	}
	if c.HoldSets == 0 {
		c.HoldSets = DefaultHoldSets
	}
	if c.HoldBytes == 0 {
		c.HoldBytes = DefaultHoldBytes
	}
	if c.MaxTemplates == 0 {
		c.MaxTemplates = DefaultMaxTemplates
	}
	return c
}

// domainKey names one stream of an exporter: its address, the protocol
// version and the v9 source ID or IPFIX observation domain.
type domainKey struct {
	addr    netip.Addr
	version uint16
	domain  uint32
}

// domainState is what a decoder remembers of one stream between packets.
type domainState struct {
	nextSeq  uint32
	seqValid bool
	// sampling is the rate the options data announced (1 in N), 0 if none.
	sampling uint32
	// sysInitMs is IPFIX systemInitTimeMilliseconds from options data, so
	// that flowStartSysUpTime/flowEndSysUpTime can be placed; 0 if unknown.
	sysInitMs int64
}

type templateKey struct {
	domainKey
	id uint16
}

// header is what a data record's decoding needs from its packet header.
type header struct {
	version   uint16
	exportSec uint32 // export time, UNIX seconds
	uptimeMs  uint32 // NetFlow v9 sysUptime
	sysInitMs int64
	sampling  uint32
}

// Decoder decodes NetFlow v5, NetFlow v9, IPFIX and sFlow v5 export
// packets into Records. It caches templates per exporter address and
// observation domain (NetFlow v9 source ID), expires them after
// Config.TemplateTTL, holds data sets that arrive before their template,
// tracks sequence numbers, and counts everything it skips by Reason, in
// total and per exporter.
//
// A Decoder keeps state between packets and is not safe for concurrent
// use: give each goroutine its own, or serialise calls.
type Decoder struct {
	cfg       Config
	templates map[templateKey]*template
	domains   map[domainKey]*domainState
	exporters map[netip.Addr]*Stats
	held      []heldSet
	scratch   []tfield
	heldBytes int
	replaying bool
	// cur is the stats of the exporter of the packet being decoded.
	cur *Stats
	// err is the first problem of the packet being decoded.
	err *DecodeError
}

// NewDecoder returns a Decoder with the given configuration.
func NewDecoder(cfg Config) *Decoder {
	return &Decoder{
		cfg:       cfg.withDefaults(),
		templates: map[templateKey]*template{},
		domains:   map[domainKey]*domainState{},
		exporters: map[netip.Addr]*Stats{},
	}
}

// Stats returns the counters over all exporters.
func (d *Decoder) Stats() Stats {
	var s Stats
	for _, e := range d.exporters {
		s.add(e)
	}
	return s
}

// ExporterStats returns the counters of one exporter, and false if the
// decoder has seen no packet from it.
func (d *Decoder) ExporterStats(exporter netip.Addr) (Stats, bool) {
	s, ok := d.exporters[exporter.Unmap()]
	if !ok {
		return Stats{}, false
	}
	return *s, true
}

// Exporters returns the addresses the decoder has seen packets from.
func (d *Decoder) Exporters() []netip.Addr {
	out := make([]netip.Addr, 0, len(d.exporters))
	for a := range d.exporters {
		out = append(out, a)
	}
	return out
}

// Templates returns the number of templates cached.
func (d *Decoder) Templates() int { return len(d.templates) }

// Decode decodes one export packet (a UDP payload) sent by exporter and
// appends its flow records to dst. now is the time the packet arrived (a
// capture's timestamp when replaying one); it drives template expiry and
// held data, and is the time of sFlow samples. The zero time disables
// expiry for this call.
//
// What cannot be decoded is counted by Reason and skipped: the records
// appended are those the packet held intact, and err, if not nil, is a
// *DecodeError describing the first problem (it wraps ErrFormat). A data
// set that came before its template is held and decoded when the template
// comes (its records are then appended by the Decode call that brings it).
// Decode never panics on any input and allocates nothing in steady state.
func (d *Decoder) Decode(dst []Record, exporter netip.Addr, pkt []byte, now time.Time) (_ []Record, err error) {
	exporter = exporter.Unmap()
	st := d.exporters[exporter]
	if st == nil {
		st = &Stats{}
		d.exporters[exporter] = st
	}
	d.cur = st
	d.err = nil
	st.Packets++
	if len(d.held) > 0 {
		d.expireHeld(now)
	}
	if len(pkt) < 4 {
		d.fail(exporter, 0, ReasonTruncated, "packet shorter than a version field")
		return dst, d.takeErr()
	}
	switch v := binary.BigEndian.Uint16(pkt); v {
	case 5:
		dst = d.decodeV5(dst, exporter, pkt)
	case 9, 10:
		dst = d.decodeTemplated(dst, exporter, pkt, v, now)
	case 0:
		if binary.BigEndian.Uint32(pkt) == 5 {
			dst = d.decodeSFlow(dst, exporter, pkt, now)
			break
		}
		d.fail(exporter, 0, ReasonVersion, "version 0")
	default:
		d.fail(exporter, 0, ReasonVersion, "unknown version")
	}
	return dst, d.takeErr()
}

func (d *Decoder) takeErr() error {
	if d.err == nil {
		return nil
	}
	e := d.err
	d.err = nil
	return e
}

// fail counts one skip and remembers the first problem of the packet.
func (d *Decoder) fail(exporter netip.Addr, off int, r Reason, detail string) {
	d.cur.Skipped[r]++
	if d.err == nil && !d.replaying {
		d.err = &DecodeError{Exporter: exporter, Offset: off, Reason: r, Detail: detail}
	}
}

func (d *Decoder) domain(k domainKey) *domainState {
	s := d.domains[k]
	if s == nil {
		s = &domainState{}
		d.domains[k] = s
	}
	return s
}

// sequence checks a packet's sequence number against the one expected and
// sets the next; n is what the packet adds to the counter, or -1 when it
// cannot be known (the next packet then starts afresh).
func (d *Decoder) sequence(exporter netip.Addr, ds *domainState, seq uint32, n int) {
	if ds.seqValid && seq != ds.nextSeq {
		gap := seq - ds.nextSeq
		if gap < 1<<31 {
			d.cur.Lost += uint64(gap)
		}
		// A gap, a duplicate or an exporter restart: counted, not an error
		// of this packet's contents.
		d.cur.Skipped[ReasonSequence]++
	}
	if n < 0 {
		ds.seqValid = false
		return
	}
	ds.nextSeq = seq + uint32(n)
	ds.seqValid = true
}

// finish fills what every decoded record carries and applies scaling.
func (d *Decoder) finish(r *Record, exporter netip.Addr, domain uint32, src flow.SourceKind, rate uint32) {
	r.Exporter = exporter
	r.Domain = domain
	r.Source = src
	if r.SamplingRate == 0 {
		r.SamplingRate = rate
	}
	if p := r.Key.Proto; p == 1 || p == 58 {
		// NetFlow's convention: type and code in the destination port.
		if r.ICMPType == 0 && r.ICMPCode == 0 {
			r.ICMPType, r.ICMPCode = uint8(r.Key.DstPort>>8), uint8(r.Key.DstPort)
		}
		r.Key.SrcPort, r.Key.DstPort = 0, 0
	}
	if d.cfg.Scale && r.SamplingRate > 1 {
		m := uint64(r.SamplingRate)
		r.FwdPackets *= m
		r.FwdBytes *= m
		r.FwdFrameBytes *= m
		r.BwdPackets *= m
		r.BwdBytes *= m
		r.Scaled = true
	}
}
