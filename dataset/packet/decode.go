package packet

import (
	"net/netip"
)

// Default ports and limits of a zero Decoder.
const (
	// DefaultGTPUPort is GTP-U's registered UDP port (3GPP TS 29.281 §4.4.2.3).
	DefaultGTPUPort = 2152
	// DefaultVXLANPort is VXLAN's IANA UDP port (RFC 7348 §5).
	DefaultVXLANPort = 4789
	// GenevePort is Geneve's IANA UDP port (RFC 8926 §3.3).
	GenevePort = 6081
	// DefaultMaxTunnels is how many nested tunnels a zero Decoder opens.
	DefaultMaxTunnels = 3
	// MaxExtHeaders is the most IPv6 extension headers or GTP-U extension
	// headers followed before ReasonTooDeep.
	MaxExtHeaders = 16
	maxLabels     = 8
)

// Decoder turns frames into Summaries. Its zero value opens GTP-U on UDP
// 2152, VXLAN on UDP 4789, GRE and IP-in-IP, up to DefaultMaxTunnels deep.
// A Decoder is read-only once in use and safe for concurrent use; Decode
// allocates nothing.
//
// The header layouts follow RFC 791 (IPv4), RFC 8200 (IPv6 and its
// extension headers), RFC 9293 (TCP), RFC 768 (UDP), RFC 792 and RFC 4443
// (ICMP, ICMPv6), RFC 9260 (SCTP), IEEE 802.1Q (VLAN tags, QinQ), RFC 3032
// (MPLS), RFC 2516 (PPPoE), RFC 2784/2890 (GRE), RFC 7348 (VXLAN), 3GPP TS
// 29.281 (GTP-U, extension headers) and TS 38.415 (PDU Session Container),
// and the tcpdump.org link-type pages (Linux SLL and SLL2, NULL, LOOP, PPI).
type Decoder struct {
	// GTPUPort is the UDP port whose T-PDUs are opened as GTP-U (either
	// side of the packet). Default DefaultGTPUPort.
	GTPUPort uint16
	// VXLANPort is the UDP destination port opened as VXLAN. Default
	// DefaultVXLANPort.
	VXLANPort uint16
	// MaxTunnels bounds nested tunnels; deeper packets return ReasonTooDeep.
	// Default DefaultMaxTunnels; a negative value opens no tunnel at all,
	// so GTP-U traffic stays one UDP flow per endpoint pair.
	MaxTunnels int
	// Closed lists tunnel kinds left closed (their packets stay flows of
	// the outer header), as a bit mask: Closed = 1<<TunnelGTPU | 1<<TunnelVXLAN.
	// Default none.
	Closed uint32
}

func (d *Decoder) open(k TunnelKind) bool { return d.Closed&(1<<k) == 0 }

var defaultDecoder Decoder

// Decode decodes f with the zero Decoder (see Decoder.Decode).
func Decode(f *Frame, s *Summary) Reason { return defaultDecoder.DecodeFrame(f, s) }

// DecodeFrame decodes f into s; it is Decode with f's data and link type
// and s.WireLen set to f.OrigLen.
func (d *Decoder) DecodeFrame(f *Frame, s *Summary) Reason {
	r := d.Decode(f.Data, f.Link, s)
	if f.OrigLen > s.WireLen {
		s.WireLen = f.OrigLen
	}
	return r
}

// Decode decodes one frame of the given link type into s, overwriting every
// field. It returns OK, or why the frame yields no flow-ready summary, with
// s.ErrOffset set to where decoding stopped; fields decoded before that
// point stay set. It never panics on any input and allocates nothing.
func (d *Decoder) Decode(data []byte, link LinkType, s *Summary) Reason {
	*s = Summary{Link: link, CapLen: len(data), WireLen: len(data)}
	return d.link(data, 0, link, s)
}

func be16(b []byte, i int) uint16 { return uint16(b[i])<<8 | uint16(b[i+1]) }
func be32(b []byte, i int) uint32 {
	return uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
}
func le32(b []byte, i int) uint32 {
	return uint32(b[i+3])<<24 | uint32(b[i+2])<<16 | uint32(b[i+1])<<8 | uint32(b[i])
}

func fail(s *Summary, r Reason, off int) Reason {
	s.ErrOffset = off
	return r
}

func (d *Decoder) link(data []byte, off int, link LinkType, s *Summary) Reason {
	switch link {
	case LinkEthernet:
		return d.ethernet(data, off, s, 0)
	case LinkRaw, LinkRawDLT12, LinkRawDLT14:
		return d.ip(data, off, s, 0)
	case LinkIPv4:
		return d.ip4(data, off, s, 0)
	case LinkIPv6:
		return d.ip6(data, off, s, 0)
	case LinkLinuxSLL:
		if len(data) < off+16 {
			return fail(s, ReasonTruncated, off)
		}
		return d.ethertype(data, off+16, be16(data, off+14), s, 0)
	case LinkLinuxSLL2:
		if len(data) < off+20 {
			return fail(s, ReasonTruncated, off)
		}
		return d.ethertype(data, off+20, be16(data, off), s, 0)
	case LinkPPP, LinkPPPHDLC:
		return d.ppp(data, off, s, 0)
	case LinkRadiotap:
		return d.radiotap(data, off, s)
	case LinkIEEE80211:
		return d.wifi(data, off, s)
	case LinkFDDI:
		// frame control, destination, source; then 802.2 LLC/SNAP
		if len(data) < off+13+8 {
			return fail(s, ReasonTruncated, off)
		}
		off += 13
		if data[off] != 0xaa || data[off+1] != 0xaa || data[off+2] != 0x03 {
			return fail(s, ReasonNotIP, off)
		}
		return d.ethertype(data, off+8, be16(data, off+6), s, 0)
	case LinkNull, LinkLoop:
		if len(data) < off+4 {
			return fail(s, ReasonTruncated, off)
		}
		fam := be32(data, off)
		if link == LinkNull && fam > 0xffff {
			// written in the capturing host's byte order; little-endian hosts
			// put the family in the first byte
			fam = le32(data, off)
		}
		switch fam {
		case 2:
			return d.ip4(data, off+4, s, 0)
		case 24, 28, 30: // AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS
			return d.ip6(data, off+4, s, 0)
		}
		return fail(s, ReasonNotIP, off)
	case LinkPPI:
		if len(data) < off+8 {
			return fail(s, ReasonTruncated, off)
		}
		hl := int(uint16(data[off+3])<<8 | uint16(data[off+2]))
		if hl < 8 {
			return fail(s, ReasonBadHeaderLength, off)
		}
		if len(data) < off+hl {
			return fail(s, ReasonTruncated, off)
		}
		inner := LinkType(le32(data, off+4))
		if inner == LinkPPI || !inner.Known() {
			return fail(s, ReasonUnknownLink, off)
		}
		s.Link = inner
		return d.link(data, off+hl, inner, s)
	}
	return fail(s, ReasonUnknownLink, off)
}

// ppp decodes a PPP frame (RFC 1661): RFC 1662's address 0xff and control
// 0x03 unless compressed away, then a 1- or 2-byte protocol field.
func (d *Decoder) ppp(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) >= off+2 && data[off] == 0xff && data[off+1] == 0x03 {
		off += 2
	}
	if len(data) < off+1 {
		return fail(s, ReasonTruncated, off)
	}
	proto := uint16(data[off])
	if proto&1 == 0 {
		if len(data) < off+2 {
			return fail(s, ReasonTruncated, off)
		}
		proto = be16(data, off)
		off++
	}
	off++
	switch proto {
	case 0x0021:
		return d.ip4(data, off, s, depth)
	case 0x0057:
		return d.ip6(data, off, s, depth)
	}
	return fail(s, ReasonNotIP, off)
}

func (d *Decoder) ethernet(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) < off+14 {
		return fail(s, ReasonTruncated, off)
	}
	et := be16(data, off+12)
	off += 14
	for n := 0; et == 0x8100 || et == 0x88a8 || et == 0x9100 || et == 0x9200; n++ {
		if n == maxLabels {
			return fail(s, ReasonTooDeep, off)
		}
		if len(data) < off+4 {
			return fail(s, ReasonTruncated, off)
		}
		if s.VLANs < 2 {
			s.VLAN[s.VLANs] = be16(data, off) & 0x0fff
		}
		if s.VLANs < 255 {
			s.VLANs++
		}
		et = be16(data, off+2)
		off += 4
	}
	if et < 0x0600 {
		// 802.3 length field: IP only behind an LLC/SNAP header
		if len(data) < off+8 {
			return fail(s, ReasonNotIP, off)
		}
		if data[off] != 0xaa || data[off+1] != 0xaa || data[off+2] != 0x03 {
			return fail(s, ReasonNotIP, off)
		}
		et = be16(data, off+6)
		off += 8
	}
	return d.ethertype(data, off, et, s, depth)
}

func (d *Decoder) ethertype(data []byte, off int, et uint16, s *Summary, depth int) Reason {
	s.EtherType = et
	switch et {
	case 0x0800:
		return d.ip4(data, off, s, depth)
	case 0x86dd:
		return d.ip6(data, off, s, depth)
	case 0x8847, 0x8848: // MPLS unicast, multicast: pop to the bottom of the stack
		for n := 0; ; n++ {
			if n == maxLabels {
				return fail(s, ReasonTooDeep, off)
			}
			if len(data) < off+4 {
				return fail(s, ReasonTruncated, off)
			}
			bottom := data[off+2]&1 != 0
			off += 4
			if bottom {
				break
			}
		}
		if len(data) <= off {
			return fail(s, ReasonTruncated, off)
		}
		switch data[off] >> 4 {
		case 4:
			return d.ip4(data, off, s, depth)
		case 6:
			return d.ip6(data, off, s, depth)
		}
		return fail(s, ReasonNotIP, off) // pseudowire or other payload
	case 0x8864: // PPPoE session stage
		if len(data) < off+8 {
			return fail(s, ReasonTruncated, off)
		}
		switch be16(data, off+6) {
		case 0x0021:
			return d.ip4(data, off+8, s, depth)
		case 0x0057:
			return d.ip6(data, off+8, s, depth)
		}
		return fail(s, ReasonNotIP, off+6)
	}
	return fail(s, ReasonNotIP, off)
}

func (d *Decoder) ip(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) <= off {
		return fail(s, ReasonTruncated, off)
	}
	switch data[off] >> 4 {
	case 4:
		return d.ip4(data, off, s, depth)
	case 6:
		return d.ip6(data, off, s, depth)
	}
	return fail(s, ReasonBadVersion, off)
}

func (d *Decoder) ip4(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) < off+20 {
		return fail(s, ReasonTruncated, off)
	}
	if data[off]>>4 != 4 {
		return fail(s, ReasonBadVersion, off)
	}
	ihl := int(data[off]&0x0f) * 4
	if ihl < 20 {
		return fail(s, ReasonBadHeaderLength, off)
	}
	if len(data) < off+ihl {
		return fail(s, ReasonTruncated, off)
	}
	total := int(be16(data, off+2))
	if total == 0 {
		// segmentation offload leaves 0 in captures taken on the sender
		total = len(data) - off
	}
	if total < ihl {
		return fail(s, ReasonBadHeaderLength, off+2)
	}
	end := off + total
	if end < len(data) {
		data = data[:end] // link-layer padding
	}
	s.IPVersion = 4
	s.IPOffset, s.IPHeaderLen, s.IPLen = off, ihl, total
	s.TOS, s.TTL = data[off+1], data[off+8]
	s.IPID = uint32(be16(data, off+4))
	ff := be16(data, off+6)
	s.DontFragment = ff&0x4000 != 0
	s.MoreFragments = ff&0x2000 != 0
	s.FragOffset = int(ff&0x1fff) * 8
	s.Fragment = s.MoreFragments || s.FragOffset > 0
	s.IPOptions = ihl > 20
	s.Proto = data[off+9]
	s.Src = netip.AddrFrom4([4]byte(data[off+12 : off+16]))
	s.Dst = netip.AddrFrom4([4]byte(data[off+16 : off+20]))
	return d.transport(data, off+ihl, end, s, depth)
}

func (d *Decoder) ip6(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) < off+40 {
		return fail(s, ReasonTruncated, off)
	}
	if data[off]>>4 != 6 {
		return fail(s, ReasonBadVersion, off)
	}
	plen := int(be16(data, off+4))
	if plen == 0 {
		// a jumbogram (RFC 2675) or offload: take what was captured
		plen = len(data) - off - 40
	}
	end := off + 40 + plen
	if end < len(data) {
		data = data[:end]
	}
	s.IPVersion = 6
	s.IPOffset, s.IPLen = off, 40+plen
	s.TOS = uint8(be16(data, off) >> 4)
	s.TTL = data[off+7]
	s.Src = netip.AddrFrom16([16]byte(data[off+8 : off+24]))
	s.Dst = netip.AddrFrom16([16]byte(data[off+24 : off+40]))
	next := data[off+6]
	pos := off + 40
	for n := 0; ; n++ {
		var hl int
		switch next {
		case 0, 60, 43, 135, 139, 140: // hop-by-hop, destination, routing, mobility, HIP, shim6
			if len(data) < pos+2 {
				return fail(s, ReasonTruncated, pos)
			}
			hl = (int(data[pos+1]) + 1) * 8
			if next == 0 || next == 60 {
				s.IPOptions = true
			}
		case 51: // AH: length in 4-octet units minus 2 (RFC 4302)
			if len(data) < pos+2 {
				return fail(s, ReasonTruncated, pos)
			}
			hl = (int(data[pos+1]) + 2) * 4
		case 44: // fragment
			if len(data) < pos+8 {
				return fail(s, ReasonTruncated, pos)
			}
			hl = 8
			fo := be16(data, pos+2)
			s.Fragment = true
			s.FragOffset = int(fo & 0xfff8)
			s.MoreFragments = fo&1 != 0
			s.IPID = be32(data, pos+4)
		default:
			s.IPHeaderLen = pos - off
			s.Proto = next
			return d.transport(data, pos, end, s, depth)
		}
		if n == MaxExtHeaders {
			return fail(s, ReasonTooDeep, pos)
		}
		if pos+hl > end {
			return fail(s, ReasonBadHeaderLength, pos)
		}
		if len(data) < pos+hl {
			return fail(s, ReasonTruncated, pos)
		}
		next = data[pos]
		pos += hl
	}
}

// transport decodes the header at off of protocol s.Proto. data ends where
// the captured IP packet ends; end is where its header says it ends.
func (d *Decoder) transport(data []byte, off, end int, s *Summary, depth int) Reason {
	if s.FragOffset > 0 {
		// a non-first fragment carries no transport header
		s.PayloadOffset = off
		s.Payload = data[min(off, len(data)):]
		s.PayloadLen = end - off
		return OK
	}
	s.TransportOffset = off
	if s.Fragment && off+minHeader(s.Proto) > end {
		// a first fragment too small for its transport header (RFC 1858's
		// tiny fragment): there are no ports to read
		s.TransportOffset = 0
		s.PayloadOffset = off
		s.Payload = data[min(off, len(data)):]
		s.PayloadLen = end - off
		return OK
	}
	switch s.Proto {
	case ProtoTCP:
		if len(data) < off+20 {
			return fail(s, ReasonTruncated, off)
		}
		doff := int(data[off+12]>>4) * 4
		if doff < 20 {
			return fail(s, ReasonBadHeaderLength, off+12)
		}
		if off+doff > end {
			if !s.Fragment {
				return fail(s, ReasonBadHeaderLength, off+12)
			}
			doff = end - off // options continue in the next fragment
		}
		if len(data) < off+doff {
			return fail(s, ReasonTruncated, off)
		}
		s.SrcPort, s.DstPort = be16(data, off), be16(data, off+2)
		s.Seq, s.Ack = be32(data, off+4), be32(data, off+8)
		s.TCPFlags = uint16(data[off+13]) | uint16(data[off+12]&1)<<8
		s.Window, s.Urgent = be16(data, off+14), be16(data, off+18)
		return s.setPayload(data, off, doff, end)
	case ProtoUDP:
		if len(data) < off+8 {
			return fail(s, ReasonTruncated, off)
		}
		ulen := int(be16(data, off+4))
		if ulen == 0 && end-off > 0xffff {
			ulen = end - off // IPv6 jumbogram (RFC 2675)
		}
		if ulen < 8 {
			return fail(s, ReasonBadHeaderLength, off+4)
		}
		if off+ulen > end {
			// A first fragment's UDP length is the whole datagram's; other
			// packets claiming more than their IP payload are damaged, and,
			// as tshark and Argus do, keep their ports.
			if !s.Fragment {
				s.LengthMismatch = true
			}
			ulen = end - off
		}
		if off+ulen < len(data) {
			data = data[:off+ulen]
		}
		s.SrcPort, s.DstPort = be16(data, off), be16(data, off+2)
		if r := s.setPayload(data, off, 8, off+ulen); r != OK {
			return r
		}
		if d.MaxTunnels >= 0 && depth < d.maxTunnels() {
			gp := d.GTPUPort
			if gp == 0 {
				gp = DefaultGTPUPort
			}
			if (s.SrcPort == gp || s.DstPort == gp) && d.open(TunnelGTPU) {
				return d.gtpu(data, off+8, off+ulen, s, depth)
			}
			vp := d.VXLANPort
			if vp == 0 {
				vp = DefaultVXLANPort
			}
			if s.DstPort == vp && d.open(TunnelVXLAN) {
				return d.vxlan(data, off+8, s, depth)
			}
			if s.DstPort == GenevePort && d.open(TunnelGeneve) {
				return d.geneve(data, off+8, s, depth)
			}
		}
		return OK
	case ProtoICMP, ProtoICMPv6:
		if len(data) < off+8 {
			return fail(s, ReasonTruncated, off)
		}
		s.ICMPType, s.ICMPCode = data[off], data[off+1]
		if (s.Proto == ProtoICMP && (s.ICMPType == 8 || s.ICMPType == 0)) ||
			(s.Proto == ProtoICMPv6 && (s.ICMPType == 128 || s.ICMPType == 129)) {
			s.ICMPID = be16(data, off+4)
		}
		return s.setPayload(data, off, 8, end)
	case ProtoSCTP:
		if len(data) < off+12 {
			return fail(s, ReasonTruncated, off)
		}
		s.SrcPort, s.DstPort = be16(data, off), be16(data, off+2)
		s.SCTPTag = be32(data, off+4)
		return s.setPayload(data, off, 12, end)
	case ProtoGRE:
		if d.MaxTunnels >= 0 && depth < d.maxTunnels() && d.open(TunnelGRE) {
			return d.gre(data, off, end, s, depth)
		}
	case ProtoIPIP, ProtoIPv6:
		if d.MaxTunnels >= 0 && depth < d.maxTunnels() && d.open(TunnelIPIP) {
			s.enter(TunnelIPIP)
			if s.Proto == ProtoIPIP {
				return d.ip4(data, off, s, depth+1)
			}
			return d.ip6(data, off, s, depth+1)
		}
	}
	s.TransportOffset = 0
	s.PayloadOffset = off
	s.Payload = data[min(off, len(data)):]
	s.PayloadLen = end - off
	return OK
}

// minHeader is the smallest transport header of proto that Decode reads.
func minHeader(proto uint8) int {
	switch proto {
	case ProtoTCP:
		return 20
	case ProtoUDP, ProtoICMP, ProtoICMPv6:
		return 8
	case ProtoSCTP:
		return 12
	}
	return 0
}

func (d *Decoder) maxTunnels() int {
	if d.MaxTunnels == 0 {
		return DefaultMaxTunnels
	}
	return d.MaxTunnels
}

func (s *Summary) setPayload(data []byte, off, hl, end int) Reason {
	s.TransportLen = hl
	s.PayloadOffset = off + hl
	s.Payload = data[min(off+hl, len(data)):]
	s.PayloadLen = end - off - hl
	return OK
}

// enter records the current IP header as the outer side of a tunnel of kind
// k and clears the fields the inner packet will set.
func (s *Summary) enter(k TunnelKind) {
	s.Tunnel = k
	if s.Tunnels < 255 {
		s.Tunnels++
	}
	s.OuterSrc, s.OuterDst = s.Src, s.Dst
	s.OuterSrcPort, s.OuterDstPort = s.SrcPort, s.DstPort
	s.OuterIPLen = s.IPLen
	s.SrcPort, s.DstPort = 0, 0
	s.Fragment, s.MoreFragments, s.FragOffset, s.DontFragment, s.IPOptions = false, false, 0, false, false
	s.TransportOffset, s.TransportLen = 0, 0
	s.Payload, s.PayloadOffset, s.PayloadLen = nil, 0, 0
}

// gtpu opens a GTP-U message at off (the UDP payload) that ends at end (the
// UDP length). Messages other than a T-PDU carrying IP stay a UDP packet.
func (d *Decoder) gtpu(data []byte, off, end int, s *Summary, depth int) Reason {
	if len(data) < off+8 {
		return OK // too short for GTP-U: an ordinary UDP packet
	}
	flags := data[off]
	if flags>>5 != 1 || flags&0x10 == 0 {
		return OK // not GTPv1 (GTP' has PT=0)
	}
	s.GTPType = data[off+1]
	s.TEID = be32(data, off+4)
	gend := off + 8 + int(be16(data, off+2))
	if gend > end {
		// the rest of a fragmented T-PDU is in the next fragments; a length
		// over the UDP payload (VPP's UPF counts the 8-byte header in it) is
		// tolerated, as tshark does
		if !s.Fragment {
			s.LengthMismatch = true
		}
		gend = end
	}
	if s.GTPType != 255 {
		return OK
	}
	pos := off + 8
	if flags&0x07 != 0 {
		if gend < pos+4 {
			return fail(s, ReasonBadHeaderLength, pos)
		}
		if len(data) < pos+4 {
			return fail(s, ReasonTruncated, pos)
		}
		next := data[pos+3]
		pos += 4
		for n := 0; next != 0 && flags&0x04 != 0; n++ {
			if n == MaxExtHeaders {
				return fail(s, ReasonTooDeep, pos)
			}
			if len(data) < pos+1 {
				return fail(s, ReasonTruncated, pos)
			}
			l := int(data[pos]) * 4
			if l == 0 || pos+l > gend {
				return fail(s, ReasonBadHeaderLength, pos)
			}
			if len(data) < pos+l {
				return fail(s, ReasonTruncated, pos)
			}
			if next == 0x85 && l >= 4 { // PDU Session Container, TS 38.415 §5.5.2
				s.PDUType = data[pos+1] >> 4
				s.QFI = data[pos+2] & 0x3f
				s.HasQFI = true
			}
			if s.GTPExt < 255 {
				s.GTPExt++
			}
			next = data[pos+l-1]
			pos += l
		}
	}
	if pos >= gend || len(data) <= pos {
		if pos < gend {
			return fail(s, ReasonTruncated, pos)
		}
		return OK // T-PDU without payload
	}
	v := data[pos] >> 4
	if v != 4 && v != 6 {
		return OK // Ethernet or unstructured PDU session: stays the outer UDP flow
	}
	if gend < len(data) {
		data = data[:gend]
	}
	teid, typ, qfi, has, pdu, ext := s.TEID, s.GTPType, s.QFI, s.HasQFI, s.PDUType, s.GTPExt
	s.enter(TunnelGTPU)
	s.TEID, s.GTPType, s.QFI, s.HasQFI, s.PDUType, s.GTPExt = teid, typ, qfi, has, pdu, ext
	if v == 4 {
		return d.ip4(data, pos, s, depth+1)
	}
	return d.ip6(data, pos, s, depth+1)
}

func (d *Decoder) vxlan(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) < off+8 || data[off]&0x08 == 0 {
		return OK // no valid VNI: an ordinary UDP packet
	}
	vni := be32(data, off+4) >> 8
	s.enter(TunnelVXLAN)
	s.VNI, s.GREKey = vni, false
	return d.ethernet(data, off+8, s, depth+1)
}

// geneve opens a Geneve header (RFC 8926 §3.4): version 0, options in
// 4-byte units, a protocol type (Ethernet, IPv4, IPv6), a 24-bit VNI.
func (d *Decoder) geneve(data []byte, off int, s *Summary, depth int) Reason {
	if len(data) < off+8 || data[off]>>6 != 0 {
		return OK
	}
	inner := off + 8 + int(data[off]&0x3f)*4
	proto := be16(data, off+2)
	if len(data) < inner || (proto != 0x6558 && proto != 0x0800 && proto != 0x86dd) {
		return OK
	}
	vni := be32(data, off+4) >> 8
	s.enter(TunnelGeneve)
	s.VNI, s.GREProto = vni, proto
	switch proto {
	case 0x0800:
		return d.ip4(data, inner, s, depth+1)
	case 0x86dd:
		return d.ip6(data, inner, s, depth+1)
	}
	return d.ethernet(data, inner, s, depth+1)
}

// radiotap skips a radiotap header (its length at bytes 2–3, little
// endian) and decodes the IEEE 802.11 frame after it.
func (d *Decoder) radiotap(data []byte, off int, s *Summary) Reason {
	if len(data) < off+4 {
		return fail(s, ReasonTruncated, off)
	}
	hl := int(uint16(data[off+3])<<8 | uint16(data[off+2]))
	if hl < 8 {
		return fail(s, ReasonBadHeaderLength, off+2)
	}
	return d.wifi(data, off+hl, s)
}

// wifi decodes an IEEE 802.11 data frame (IEEE 802.11-2020 §9.3.2.1) with
// an LLC/SNAP header; management, control and protected frames are not IP.
func (d *Decoder) wifi(data []byte, off int, s *Summary) Reason {
	if len(data) < off+24 {
		return fail(s, ReasonTruncated, off)
	}
	fc0, fc1 := data[off], data[off+1]
	if (fc0>>2)&3 != 2 || fc1&0x40 != 0 {
		return fail(s, ReasonNotIP, off) // not a data frame, or protected
	}
	hl := 24
	if fc1&3 == 3 {
		hl += 6 // four addresses
	}
	if fc0&0x80 != 0 {
		hl += 2 // QoS control
		if fc1&0x80 != 0 {
			hl += 4 // HT control
		}
	}
	if fc0&0x40 != 0 {
		return fail(s, ReasonNotIP, off) // null data
	}
	off += hl
	if len(data) < off+8 {
		return fail(s, ReasonTruncated, off)
	}
	if data[off] != 0xaa || data[off+1] != 0xaa || data[off+2] != 0x03 {
		return fail(s, ReasonNotIP, off)
	}
	return d.ethertype(data, off+8, be16(data, off+6), s, 0)
}

func (d *Decoder) gre(data []byte, off, end int, s *Summary, depth int) Reason {
	plain := func() Reason {
		s.TransportOffset = 0
		s.PayloadOffset = off
		s.Payload = data[min(off, len(data)):]
		s.PayloadLen = end - off
		return OK
	}
	if len(data) < off+4 {
		return plain()
	}
	flags := be16(data, off)
	proto := be16(data, off+2)
	if flags&0x7 == 1 && proto == 0x880b {
		// PPTP's enhanced GRE (RFC 2637 §4.1): payload length, call ID,
		// optional sequence and acknowledgment numbers, then PPP
		hl := 8
		if flags&0x1000 != 0 {
			hl += 4
		}
		if flags&0x0080 != 0 {
			hl += 4
		}
		if len(data) < off+hl {
			return fail(s, ReasonTruncated, off)
		}
		if flags&0x1000 == 0 || off+hl >= end {
			return plain() // an acknowledgment without payload
		}
		p := off + hl
		if len(data) >= p+2 && data[p] == 0xff && data[p+1] == 0x03 {
			p += 2
		}
		if len(data) < p+2 || (data[p] != 0x21 && be16(data, p) != 0x0021 && be16(data, p) != 0x0057) {
			return plain() // compressed or encrypted (MPPE) PPP: not readable
		}
		call := uint32(be16(data, off+6))
		s.enter(TunnelGRE)
		s.GREProto, s.VNI, s.GREKey = proto, call, true
		return d.ppp(data, off+hl, s, depth+1)
	}
	if flags&0x7 != 0 || flags&0x4000 != 0 {
		return plain() // another GRE version, or source routing
	}
	hl := 4
	if flags&0x8000 != 0 {
		hl += 4
	}
	var key uint32
	hasKey := flags&0x2000 != 0
	if hasKey {
		if len(data) < off+hl+4 {
			return fail(s, ReasonTruncated, off)
		}
		key = be32(data, off+hl)
		hl += 4
	}
	if flags&0x1000 != 0 {
		hl += 4
	}
	if len(data) < off+hl {
		return fail(s, ReasonTruncated, off)
	}
	inner := off + hl
	switch proto {
	case 0x0800, 0x86dd, 0x6558, 0x88be:
	default:
		return plain()
	}
	s.enter(TunnelGRE)
	s.GREProto, s.VNI, s.GREKey = proto, key, hasKey
	switch proto {
	case 0x0800:
		return d.ip4(data, inner, s, depth+1)
	case 0x86dd:
		return d.ip6(data, inner, s, depth+1)
	case 0x88be: // ERSPAN type II: an 8-byte header, then the mirrored frame
		return d.ethernet(data, inner+8, s, depth+1)
	}
	return d.ethernet(data, inner, s, depth+1)
}
