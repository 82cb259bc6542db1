package flowrec

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/packet"
)

// NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) share their template
// machinery: a packet header, then sets, each a 4-byte set header (ID,
// length) and a body. Template sets define record layouts by template ID,
// options template sets define layouts of records about the exporter
// (sampling, system init time), and data sets (ID >= 256) carry records
// in the layout of the template of the same ID from the same exporter and
// observation domain.

const (
	v9HeaderLen    = 20
	ipfixHeaderLen = 16
	varLength      = 65535 // field length of a variable-length IPFIX element
	// penReverse is the private enterprise number of RFC 5103's reverse
	// information elements: the reverse of IANA element N is (29305, N).
	penReverse = 29305
	// penVMware is VMware's private enterprise number, under which Open
	// vSwitch and VMware's distributed switch export the tunnel a flow came
	// in (tunnelType 891, tunnelKey 892, tunnelSourceIPv4Address 893,
	// tunnelDestinationIPv4Address 894: Open vSwitch,
	// ofproto/ipfix-enterprise-entities.def).
	penVMware = 6876
)

// fieldKind says what a template field fills in a Record.
type fieldKind uint8

const (
	kNone fieldKind = iota
	kBytes
	kPackets
	kBytesTotal
	kPacketsTotal
	kRevBytes
	kRevPackets
	kRevBytesTotal
	kRevPacketsTotal
	kOutBytes
	kOutPackets
	kProto
	kToS
	kFlags
	kRevFlags
	kSrcPort
	kDstPort
	kSrc4
	kDst4
	kSrc6
	kDst6
	kInIf
	kOutIf
	kFirstUp
	kLastUp
	kStartSec
	kEndSec
	kStartMs
	kEndMs
	kStartNTP
	kEndNTP
	kStartDeltaUs
	kEndDeltaUs
	kICMPTypeCode
	kICMPType
	kICMPCode
	kEndReason
	kSampling
	kSamplingSpace
	kSysInit
	kL2Segment
	kTunType
	kTunKey
	kTunSrc4
	kTunDst4
	kGTPTEID
	kGTPQFI
	numKinds // the number of field kinds; keep last
)

// classify maps an information element (enterprise number, ID) of the
// given length to what it fills; elements of other enterprises, and
// elements whose length cannot be their type's, fill nothing and are
// skipped by length.
func classify(pen uint32, id, length uint16) fieldKind {
	counter := length >= 1 && length <= 8
	if pen == penReverse {
		switch {
		case id == 1 && counter:
			return kRevBytes
		case id == 2 && counter:
			return kRevPackets
		case id == 85 && counter:
			return kRevBytesTotal
		case id == 86 && counter:
			return kRevPacketsTotal
		case id == 6 && counter:
			return kRevFlags
		}
		return kNone
	}
	if pen == penVMware {
		switch id {
		case 891:
			return pick(length == 1, kTunType)
		case 892:
			return pick(length == varLength || length >= 1 && length <= 8, kTunKey)
		case 893:
			return pick(length == 4, kTunSrc4)
		case 894:
			return pick(length == 4, kTunDst4)
		}
		return kNone
	}
	if pen != 0 {
		return kNone
	}
	switch id {
	case 1:
		return pick(counter, kBytes)
	case 2:
		return pick(counter, kPackets)
	case 85:
		return pick(counter, kBytesTotal)
	case 86:
		return pick(counter, kPacketsTotal)
	case 23:
		return pick(counter, kOutBytes)
	case 24:
		return pick(counter, kOutPackets)
	case 4:
		return pick(length == 1, kProto)
	case 5:
		return pick(length == 1, kToS)
	case 6:
		return pick(length == 1 || length == 2, kFlags)
	case 7:
		return pick(length == 2, kSrcPort)
	case 11:
		return pick(length == 2, kDstPort)
	case 8:
		return pick(length == 4, kSrc4)
	case 12:
		return pick(length == 4, kDst4)
	case 27:
		return pick(length == 16, kSrc6)
	case 28:
		return pick(length == 16, kDst6)
	case 10:
		return pick(length >= 1 && length <= 4, kInIf)
	case 14:
		return pick(length >= 1 && length <= 4, kOutIf)
	case 22:
		return pick(length == 4, kFirstUp)
	case 21:
		return pick(length == 4, kLastUp)
	case 150:
		return pick(length == 4, kStartSec)
	case 151:
		return pick(length == 4, kEndSec)
	case 152:
		return pick(length == 8, kStartMs)
	case 153:
		return pick(length == 8, kEndMs)
	case 154, 156:
		return pick(length == 8, kStartNTP)
	case 155, 157:
		return pick(length == 8, kEndNTP)
	case 158:
		return pick(length == 4, kStartDeltaUs)
	case 159:
		return pick(length == 4, kEndDeltaUs)
	case 32, 139:
		return pick(length == 2, kICMPTypeCode)
	case 176, 178:
		return pick(length == 1, kICMPType)
	case 177, 179:
		return pick(length == 1, kICMPCode)
	case 136:
		return pick(length == 1, kEndReason)
	case 34, 50, 305:
		return pick(counter, kSampling)
	case 306:
		return pick(counter, kSamplingSpace)
	case 160:
		return pick(length == 8, kSysInit)
	case 351:
		return pick(counter, kL2Segment)
	case 507:
		return pick(length == 4, kGTPTEID)
	case 509:
		return pick(length == 1, kGTPQFI)
	}
	return kNone
}

func pick(ok bool, k fieldKind) fieldKind {
	if ok {
		return k
	}
	return kNone
}

type tfield struct {
	length uint16 // varLength for a variable-length element
	kind   fieldKind
}

// template is a record layout learned from an exporter.
type template struct {
	fields  []tfield
	minLen  int  // length of a record whose variable fields are all empty
	fixed   bool // no variable-length field
	options bool
	seen    time.Time
}

// fixKinds resolves the elements that stand in for others: total counts
// are used only without delta counts, and v9's OUT_BYTES/OUT_PKTS (23/24,
// nProbe's bidirectional counters) only without RFC 5103 reverse ones.
func fixKinds(fs []tfield) {
	var has [numKinds]bool
	for _, f := range fs {
		has[f.kind] = true
	}
	for i := range fs {
		k := &fs[i].kind
		switch *k {
		case kBytesTotal:
			*k = pick(!has[kBytes], kBytes)
		case kPacketsTotal:
			*k = pick(!has[kPackets], kPackets)
		case kRevBytesTotal:
			*k = pick(!has[kRevBytes], kRevBytes)
		case kRevPacketsTotal:
			*k = pick(!has[kRevPackets], kRevPackets)
		case kOutBytes:
			*k = pick(!has[kRevBytes] && !has[kRevBytesTotal], kRevBytes)
		case kOutPackets:
			*k = pick(!has[kRevPackets] && !has[kRevPacketsTotal], kRevPackets)
		}
	}
}

// decodeTemplated decodes a NetFlow v9 or IPFIX packet.
func (d *Decoder) decodeTemplated(dst []Record, exporter netip.Addr, p []byte, version uint16, now time.Time) []Record {
	be := binary.BigEndian
	hl := v9HeaderLen
	if version == 10 {
		hl = ipfixHeaderLen
	}
	if len(p) < hl {
		d.fail(exporter, 0, ReasonTruncated, "header too short")
		return dst
	}
	var h header
	h.version = version
	var seq, domain uint32
	if version == 9 {
		h.uptimeMs = be.Uint32(p[4:])
		h.exportSec = be.Uint32(p[8:])
		seq = be.Uint32(p[12:])
		domain = be.Uint32(p[16:])
	} else {
		n := int(be.Uint16(p[2:]))
		if n < ipfixHeaderLen || n > len(p) {
			d.fail(exporter, 2, ReasonHeaderLength, "ipfix message length disagrees with the packet")
			if n < ipfixHeaderLen {
				return dst
			}
			// The sets that fit are still read; the cut one is counted
			// below as a set running past the packet.
		} else {
			p = p[:n]
		}
		h.exportSec = be.Uint32(p[4:])
		seq = be.Uint32(p[8:])
		domain = be.Uint32(p[12:])
	}
	dk := domainKey{addr: exporter, version: version, domain: domain}
	ds := d.domain(dk)
	src := flow.SourceIPFIX
	if version == 9 {
		src = flow.SourceNetFlowV9
	}
	records, unknown := 0, false
	off := hl
	for len(p)-off >= 4 {
		id := be.Uint16(p[off:])
		l := int(be.Uint16(p[off+2:]))
		if l < 4 || l > len(p)-off {
			if allZero(p[off:]) && version == 9 {
				break // padding at the end of a v9 packet
			}
			d.fail(exporter, off+2, ReasonSetLength, "set length below 4 or past the packet")
			unknown = true
			break
		}
		body := p[off+4 : off+l]
		switch {
		case (version == 9 && id == 0) || (version == 10 && id == 2):
			dst = d.templateSet(dst, exporter, dk, body, off+4, false, now)
		case (version == 9 && id == 1) || (version == 10 && id == 3):
			dst = d.templateSet(dst, exporter, dk, body, off+4, true, now)
		case id >= 256:
			h.sampling, h.sysInitMs = ds.sampling, ds.sysInitMs
			var n int
			dst, n = d.dataSet(dst, exporter, templateKey{dk, id}, body, off+4, &h, src, now)
			if n < 0 {
				unknown = true
			} else {
				records += n
			}
		default:
			d.fail(exporter, off, ReasonSetID, "reserved set id")
		}
		off += l
	}
	if off < len(p) && version == 10 {
		d.fail(exporter, off, ReasonSetLength, "bytes after the last set")
	}
	if version == 9 {
		d.sequence(exporter, ds, seq, 1)
	} else if unknown {
		d.sequence(exporter, ds, seq, -1)
	} else {
		d.sequence(exporter, ds, seq, records)
	}
	return dst
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// templateSet reads the template records (or options template records)
// of one set and caches them; base is the body's offset in the packet.
func (d *Decoder) templateSet(dst []Record, exporter netip.Addr, dk domainKey, b []byte, base int, options bool, now time.Time) []Record {
	be := binary.BigEndian
	ipfix := dk.version == 10
	off := 0
	for {
		rest := b[off:]
		if len(rest) < 4 || allZero(rest) {
			return dst // padding
		}
		id := be.Uint16(rest)
		count := int(be.Uint16(rest[2:]))
		var scope int // IPFIX scope field count, v9 scope bytes
		hdr := 4
		if ipfix && count == 0 {
			// Template withdrawal (RFC 7011 section 8.1); the ID of the set
			// itself (2 or 3) withdraws all templates of the domain.
			d.withdraw(dk, id, options)
			off += 4
			continue
		}
		if options {
			if len(rest) < 6 {
				d.fail(exporter, base+off, ReasonTemplateTruncated, "options template header past its set")
				return dst
			}
			hdr = 6
		}
		if id < 256 {
			d.fail(exporter, base+off, ReasonTemplateID, "template id below 256")
			return dst
		}
		if options {
			if ipfix {
				scope = int(be.Uint16(rest[4:]))
				if scope == 0 || scope > count {
					d.fail(exporter, base+off+4, ReasonTemplateTruncated, "options template scope count 0 or above its field count")
					return dst
				}
			} else {
				// v9: scope and option lengths in bytes, 4 per field.
				scope = count
				opt := int(be.Uint16(rest[4:]))
				if scope%4 != 0 || opt%4 != 0 {
					d.fail(exporter, base+off+2, ReasonTemplateTruncated, "options template lengths not a multiple of 4")
					return dst
				}
				count = (scope + opt) / 4
			}
		}
		fs := d.scratch[:0]
		p := hdr
		minLen, fixed, bad := 0, true, false
		for range count {
			if len(rest)-p < 4 {
				d.fail(exporter, base+off+p, ReasonTemplateTruncated, "template declares more fields than its set holds")
				return dst
			}
			typ := be.Uint16(rest[p:])
			flen := be.Uint16(rest[p+2:])
			p += 4
			var pen uint32
			if ipfix && typ&0x8000 != 0 {
				if len(rest)-p < 4 {
					d.fail(exporter, base+off+p, ReasonTemplateTruncated, "template declares more fields than its set holds")
					return dst
				}
				pen = be.Uint32(rest[p:])
				typ &= 0x7fff
				p += 4
			}
			switch {
			case flen == 0, flen == varLength && !ipfix:
				if !bad {
					d.fail(exporter, base+off+p-2, ReasonFieldLength, "template field length 0 or 65535")
				}
				bad = true
			case flen == varLength:
				fixed = false
				minLen++
			default:
				minLen += int(flen)
			}
			fs = append(fs, tfield{length: flen, kind: classify(pen, typ, flen)})
		}
		d.scratch = fs[:0]
		off += p
		if minLen == 0 && !bad {
			d.fail(exporter, base+off-p, ReasonFieldLength, "template without fields")
			bad = true
		}
		if bad {
			// The whole template is refused, so that its data are never
			// decoded in a layout the exporter did not mean; an older
			// version of it is dropped for the same reason.
			delete(d.templates, templateKey{dk, id})
			continue
		}
		fixKinds(fs)
		dst = d.store(dst, exporter, templateKey{dk, id}, fs, minLen, fixed, options, now)
	}
}

// store caches a template, reusing the storage of the one it refreshes,
// and decodes the data held for it.
func (d *Decoder) store(dst []Record, exporter netip.Addr, k templateKey, fs []tfield, minLen int, fixed, options bool, now time.Time) []Record {
	t := d.templates[k]
	if t == nil {
		if len(d.templates) >= d.cfg.MaxTemplates {
			d.fail(exporter, 0, ReasonTemplateLimit, "template cache full")
			return dst
		}
		t = &template{}
		d.templates[k] = t
	}
	t.fields = append(t.fields[:0], fs...)
	t.minLen, t.fixed, t.options, t.seen = minLen, fixed, options, now
	if options {
		d.cur.OptionsTemplates++
	} else {
		d.cur.Templates++
	}
	if len(d.held) > 0 {
		dst = d.replay(dst, k, now)
	}
	return dst
}

func (d *Decoder) withdraw(dk domainKey, id uint16, options bool) {
	all := (!options && id == 2) || (options && id == 3)
	for k, t := range d.templates {
		if k.domainKey == dk && t.options == options && (all || k.id == id) {
			delete(d.templates, k)
			d.cur.Withdrawn++
		}
	}
}

// lookup returns the live template for k, dropping it if it expired.
func (d *Decoder) lookup(k templateKey, now time.Time) *template {
	t := d.templates[k]
	if t == nil {
		return nil
	}
	if d.cfg.TemplateTTL > 0 && !now.IsZero() && !t.seen.IsZero() && now.Sub(t.seen) > d.cfg.TemplateTTL {
		delete(d.templates, k)
		d.cur.Skipped[ReasonTemplateExpired]++
		return nil
	}
	return t
}

// dataSet decodes the records of one data set and returns how many it
// held, or -1 when the set had no template (it is then held or skipped).
func (d *Decoder) dataSet(dst []Record, exporter netip.Addr, k templateKey, b []byte, base int, h *header, src flow.SourceKind, now time.Time) ([]Record, int) {
	t := d.lookup(k, now)
	if t == nil {
		d.hold(exporter, k, b, base, h, now)
		return dst, -1
	}
	n := 0
	if t.options {
		ds := d.domain(k.domainKey)
		for len(b) >= t.minLen {
			used, ok := d.optionsRecord(t, b, ds)
			if !ok {
				d.fail(exporter, base+(len(b)), ReasonRecordTruncated, "options record runs past its set")
				break
			}
			b = b[used:]
			n++
		}
		d.cur.OptionsRecords += uint64(n)
		return dst, n
	}
	start := len(b)
	for len(b) >= t.minLen {
		dst = append(dst, Record{})
		r := &dst[len(dst)-1]
		used, ok := decodeRecord(t, b, h, r)
		if !ok {
			dst = dst[:len(dst)-1]
			d.fail(exporter, base+start-len(b), ReasonRecordTruncated, "variable-length field runs past its set")
			break
		}
		d.finish(r, exporter, k.domain, src, h.sampling)
		b = b[used:]
		n++
	}
	d.cur.Records += uint64(n)
	return dst, n
}

// uintN reads a big-endian unsigned integer of 1 to 8 bytes (RFC 7011
// section 6.2 lets exporters shorten counters).
func uintN(v []byte) uint64 {
	switch len(v) {
	case 1:
		return uint64(v[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(v))
	case 4:
		return uint64(binary.BigEndian.Uint32(v))
	case 8:
		return binary.BigEndian.Uint64(v)
	}
	var x uint64
	for _, c := range v {
		x = x<<8 | uint64(c)
	}
	return x
}

// ntpTime converts an IPFIX dateTimeMicroseconds/Nanoseconds value (NTP
// format: seconds since 1900 and a binary fraction, RFC 7011 section
// 6.1.9) to a time.
func ntpTime(v uint64) time.Time {
	const ntpToUnix = 2208988800
	sec := int64(v>>32) - ntpToUnix
	ns := int64((v & 0xffffffff) * 1e9 >> 32)
	return time.Unix(sec, ns).UTC()
}

// decodeRecord decodes one data record of template t from the start of b
// into r, and returns the bytes it used; ok is false when a
// variable-length field runs past b.
func decodeRecord(t *template, b []byte, h *header, r *Record) (used int, ok bool) {
	off := 0
	var first, last uint32
	var hasFirst, hasLast bool
	var space uint64
	var end uint8
	var tunnel bool
	for _, f := range t.fields {
		var v []byte
		if v, off, ok = nextValue(b, off, f.length); !ok {
			return 0, false
		}
		switch f.kind {
		case kNone:
		case kBytes:
			r.FwdBytes = uintN(v)
		case kPackets:
			r.FwdPackets = uintN(v)
		case kRevBytes:
			r.BwdBytes = uintN(v)
		case kRevPackets:
			r.BwdPackets = uintN(v)
		case kProto:
			r.Key.Proto = v[0]
		case kToS:
			r.ToS = v[0]
		case kFlags:
			r.FwdFlags = uint16(uintN(v)) & 0x1ff
		case kRevFlags:
			r.BwdFlags = uint16(uintN(v)) & 0x1ff
		case kSrcPort:
			r.Key.SrcPort = binary.BigEndian.Uint16(v)
		case kDstPort:
			r.Key.DstPort = binary.BigEndian.Uint16(v)
		case kSrc4:
			r.Key.Src = netip.AddrFrom4([4]byte(v))
		case kDst4:
			r.Key.Dst = netip.AddrFrom4([4]byte(v))
		case kSrc6:
			r.Key.Src = netip.AddrFrom16([16]byte(v))
		case kDst6:
			r.Key.Dst = netip.AddrFrom16([16]byte(v))
		case kInIf:
			r.InputIf = uint32(uintN(v))
		case kOutIf:
			r.OutputIf = uint32(uintN(v))
		case kFirstUp:
			first, hasFirst = binary.BigEndian.Uint32(v), true
		case kLastUp:
			last, hasLast = binary.BigEndian.Uint32(v), true
		case kStartSec:
			r.Start = time.Unix(int64(binary.BigEndian.Uint32(v)), 0).UTC()
		case kEndSec:
			r.End = time.Unix(int64(binary.BigEndian.Uint32(v)), 0).UTC()
		case kStartMs:
			r.Start = msTime(int64(binary.BigEndian.Uint64(v)))
		case kEndMs:
			r.End = msTime(int64(binary.BigEndian.Uint64(v)))
		case kStartNTP:
			r.Start = ntpTime(binary.BigEndian.Uint64(v))
		case kEndNTP:
			r.End = ntpTime(binary.BigEndian.Uint64(v))
		case kStartDeltaUs:
			r.Start = time.Unix(int64(h.exportSec), 0).Add(-time.Duration(binary.BigEndian.Uint32(v)) * time.Microsecond).UTC()
		case kEndDeltaUs:
			r.End = time.Unix(int64(h.exportSec), 0).Add(-time.Duration(binary.BigEndian.Uint32(v)) * time.Microsecond).UTC()
		case kICMPTypeCode:
			r.ICMPType, r.ICMPCode = v[0], v[1]
		case kICMPType:
			r.ICMPType = v[0]
		case kICMPCode:
			r.ICMPCode = v[0]
		case kEndReason:
			end = v[0]
		case kSampling:
			r.SamplingRate = uint32(uintN(v))
		case kSamplingSpace:
			space = uintN(v)
		case kL2Segment, kTunType, kTunKey, kTunSrc4, kTunDst4, kGTPTEID, kGTPQFI:
			tunnel = true
		}
	}
	if tunnel {
		// Rare: read in a second pass, so that the records of other
		// templates carry no tunnel state.
		decodeTunnel(t, b[:off], &r.Tunnel)
	}
	r.Reason = endReason(end, r.FwdFlags)
	if space > 0 && r.SamplingRate > 0 {
		r.SamplingRate = uint32((uint64(r.SamplingRate) + space) / uint64(r.SamplingRate))
	}
	if hasFirst || hasLast {
		if h.version == 9 {
			exportMs := int64(h.exportSec) * 1000
			if hasFirst {
				r.Start = uptimeTime(exportMs, h.uptimeMs, first)
			}
			if hasLast {
				r.End = uptimeTime(exportMs, h.uptimeMs, last)
			}
		} else if h.sysInitMs > 0 {
			if hasFirst {
				r.Start = msTime(h.sysInitMs + int64(first))
			}
			if hasLast {
				r.End = msTime(h.sysInitMs + int64(last))
			}
		}
	}
	return off, true
}

// decodeTunnel fills tun from the tunnel elements of the data record b,
// whose fields decodeRecord has already checked.
func decodeTunnel(t *template, b []byte, tun *flow.Tunnel) {
	var tf tunnelFields
	off := 0
	for _, f := range t.fields {
		var v []byte
		var ok bool
		if v, off, ok = nextValue(b, off, f.length); !ok {
			return
		}
		switch f.kind {
		case kL2Segment:
			tf.segment, tf.hasSegment = uintN(v), true
		case kTunType:
			tf.kind, tf.hasKind = v[0], true
		case kTunKey:
			tf.key = v
		case kTunSrc4:
			tf.src = netip.AddrFrom4([4]byte(v))
		case kTunDst4:
			tf.dst = netip.AddrFrom4([4]byte(v))
		case kGTPTEID:
			tf.teid, tf.hasTEID = binary.BigEndian.Uint32(v), true
		case kGTPQFI:
			tf.qfi, tf.hasQFI = v[0]&0x3f, true
		}
	}
	tf.fill(tun)
}

// nextValue returns the value of a field of the given template length
// (varLength for a variable-length one, RFC 7011 section 7) at off in b,
// and the offset after it; ok is false when it runs past b.
func nextValue(b []byte, off int, length uint16) (v []byte, next int, ok bool) {
	l := int(length)
	if l == varLength {
		if off >= len(b) {
			return nil, 0, false
		}
		l = int(b[off])
		off++
		if l == 255 {
			if len(b)-off < 2 {
				return nil, 0, false
			}
			l = int(binary.BigEndian.Uint16(b[off:]))
			off += 2
		}
	}
	if len(b)-off < l {
		return nil, 0, false
	}
	return b[off : off+l], off + l, true
}

// tunnelFields are the tunnel elements of one data record.
type tunnelFields struct {
	segment    uint64 // layer2SegmentId
	hasSegment bool
	kind       uint8 // VMware's tunnelType
	hasKind    bool
	key        []byte     // VMware's tunnelKey
	src, dst   netip.Addr // VMware's tunnel source and destination
	teid       uint32     // gtpuTEid
	hasTEID    bool
	qfi        uint8 // gtpuQFI
	hasQFI     bool
}

// VMware's tunnelType values, as Open vSwitch exports them
// (ofproto/ofproto-dpif-ipfix.c, enum dpif_ipfix_tunnel_type).
const (
	vmwareVXLAN    = 0x01
	vmwareGRE      = 0x02
	vmwareIPsecGRE = 0x05
	vmwareGeneve   = 0x07
)

// The encapsulation types in the most significant byte of IANA's
// layer2SegmentId (IE 351).
const (
	segmentVXLAN = 0x01
	segmentNVGRE = 0x02
)

// fill sets t from the record's tunnel elements, leaving it zero (not
// tunnelled) when they name no tunnel a flow.Tunnel can hold.
//
// IANA's layer2SegmentId (IE 351, unsigned64) carries the overlay's
// encapsulation in its most significant byte (0x01 VXLAN, 0x02 NVGRE)
// and the segment identifier in its low three bytes: the 24-bit VXLAN
// network identifier (RFC 7348), or NVGRE's 24-bit virtual subnet ID
// (RFC 7637, the upper 24 bits of the GRE key), which becomes VNI of a
// TunnelGRE. VMware's tunnelType (VXLAN, GRE, IPsec over GRE, Geneve;
// LISP and STT have no packet.TunnelKind and are left out) with its
// tunnelKey (the VNI, or the 32-bit GRE key; a longer key is not kept)
// and the outer IPv4 addresses take precedence when both are exported.
// IANA's gtpuTEid (IE 507, the TEID of 3GPP TS 29.281) makes the tunnel
// GTP-U, with gtpuQFI (IE 509, the 6-bit QoS Flow Identifier of TS 38.415)
// when exported; a record names one direction, so ReverseTEID stays 0.
func (tf *tunnelFields) fill(t *flow.Tunnel) {
	if tf.hasTEID {
		*t = flow.Tunnel{Kind: packet.TunnelGTPU, TEID: tf.teid, QFI: tf.qfi, HasQFI: tf.hasQFI}
		return
	}
	if tf.hasKind {
		var kind packet.TunnelKind
		switch tf.kind {
		case vmwareVXLAN:
			kind = packet.TunnelVXLAN
		case vmwareGRE, vmwareIPsecGRE:
			kind = packet.TunnelGRE
		case vmwareGeneve:
			kind = packet.TunnelGeneve
		default:
			return
		}
		*t = flow.Tunnel{Kind: kind, OuterSrc: tf.src, OuterDst: tf.dst}
		if len(tf.key) <= 4 {
			t.VNI = uint32(uintN(tf.key))
		}
		return
	}
	if !tf.hasSegment {
		return
	}
	switch tf.segment >> 56 {
	case segmentVXLAN:
		*t = flow.Tunnel{Kind: packet.TunnelVXLAN, VNI: uint32(tf.segment & 0xffffff)}
	case segmentNVGRE:
		*t = flow.Tunnel{Kind: packet.TunnelGRE, VNI: uint32(tf.segment & 0xffffff)}
	}
}

// optionsRecord reads the sampling rate and system init time of one
// options data record into ds.
func (d *Decoder) optionsRecord(t *template, b []byte, ds *domainState) (int, bool) {
	off := 0
	var interval, space uint64
	for _, f := range t.fields {
		var v []byte
		var ok bool
		if v, off, ok = nextValue(b, off, f.length); !ok {
			return 0, false
		}
		switch f.kind {
		case kSampling:
			interval = uintN(v)
		case kSamplingSpace:
			space = uintN(v)
		case kSysInit:
			ds.sysInitMs = int64(binary.BigEndian.Uint64(v))
		}
	}
	if interval > 0 {
		if space > 0 {
			interval = (interval + space) / interval
		}
		ds.sampling = uint32(interval)
	}
	return off, true
}
