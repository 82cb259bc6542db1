package packet

import (
	"net/netip"
	"strconv"
)

// Reason says why the decoder could not produce a flow-ready summary of a
// frame. OK means it could. Callers count frames by Reason; the meter in
// dataset/flow reports those counts with its records. Reason implements
// error so it can be wrapped (the conversion does not allocate).
type Reason uint8

// The decode outcomes.
const (
	// OK: the summary is complete.
	OK Reason = iota
	// ReasonTruncated: the frame ended inside a header (short capture or a
	// snap length that cut the headers).
	ReasonTruncated
	// ReasonUnknownLink: the frame's link type is not one Decode reads.
	ReasonUnknownLink
	// ReasonBadHeaderLength: a header's length field is smaller than the
	// header's fixed part (IPv4 IHL < 5, TCP data offset < 5, UDP length < 8,
	// an IPv4 total length below its header length, a GRE or GTP-U length
	// that overruns, …).
	ReasonBadHeaderLength
	// ReasonBadVersion: an IP header whose version nibble disagrees with the
	// link or EtherType that announced it.
	ReasonBadVersion
	// ReasonNotIP: a well-formed frame that carries no IP packet (ARP, LLDP,
	// STP, IS-IS, …). It is decoded, but there is no flow to add it to.
	ReasonNotIP
	// ReasonTooDeep: more nested tunnels or extension headers than the
	// decoder follows (MaxTunnels, MaxExtHeaders, 8 VLAN/MPLS labels).
	ReasonTooDeep
	numReasons
)

// NumReasons is the number of Reason values, for counting arrays:
// var counts [packet.NumReasons]int64.
const NumReasons = int(numReasons)

var reasonNames = [...]string{"ok", "truncated", "unknown link type", "bad header length", "bad IP version", "not IP", "too many nested headers"}

// String returns a short lower-case name ("truncated", "not IP", …).
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Error returns "packet: " and the reason's name.
func (r Reason) Error() string { return "packet: " + r.String() }

// TunnelKind names the encapsulation a packet arrived in.
type TunnelKind uint8

// The tunnels the decoder opens.
const (
	// TunnelNone: the packet was not encapsulated (or the tunnel was not opened).
	TunnelNone TunnelKind = iota
	// TunnelGTPU: GTP-U (3GPP TS 29.281) on UDP port 2152, T-PDU messages.
	TunnelGTPU
	// TunnelGRE: Generic Routing Encapsulation (RFC 2784, RFC 2890 key and
	// sequence number), carrying IPv4, IPv6 or Ethernet (0x6558).
	TunnelGRE
	// TunnelVXLAN: VXLAN (RFC 7348) on UDP port 4789.
	TunnelVXLAN
	// TunnelIPIP: IPv4 or IPv6 directly inside IPv4 or IPv6 (protocols 4
	// and 41; RFC 2003, RFC 2473, 6in4 of RFC 4213).
	TunnelIPIP
	// TunnelGeneve: Geneve (RFC 8926) on UDP port 6081.
	TunnelGeneve
	numTunnelKinds
)

// String returns "none", "gtp-u", "gre", "vxlan" or "ip-in-ip".
func (k TunnelKind) String() string {
	switch k {
	case TunnelNone:
		return "none"
	case TunnelGTPU:
		return "gtp-u"
	case TunnelGRE:
		return "gre"
	case TunnelVXLAN:
		return "vxlan"
	case TunnelIPIP:
		return "ip-in-ip"
	case TunnelGeneve:
		return "geneve"
	}
	return "tunnel(" + strconv.Itoa(int(k)) + ")"
}

// TCP flag bits as they appear in the TCP header's flags octet (RFC 9293,
// RFC 3168 for ECE and CWR); TCPFlagNS is the former nonce bit (RFC 3540,
// historic), stored above the octet.
const (
	TCPFlagFIN uint16 = 1 << iota
	TCPFlagSYN
	TCPFlagRST
	TCPFlagPSH
	TCPFlagACK
	TCPFlagURG
	TCPFlagECE
	TCPFlagCWR
	TCPFlagNS
)

// IP protocol numbers the decoder names (IANA "Assigned Internet Protocol
// Numbers").
const (
	ProtoICMP   uint8 = 1
	ProtoIPIP   uint8 = 4
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoIPv6   uint8 = 41
	ProtoGRE    uint8 = 47
	ProtoESP    uint8 = 50
	ProtoAH     uint8 = 51
	ProtoICMPv6 uint8 = 58
	ProtoSCTP   uint8 = 132
)

// Summary is the decoder's compact, flat view of one frame: the innermost
// IP packet's addresses, transport header and payload, plus the outer
// addresses and attributes of the innermost tunnel it arrived in. A Summary
// is reused across frames; Decode overwrites every field. Payload and the
// offsets refer to the frame's bytes, which the caller keeps alive.
//
// For a GTP-U T-PDU the IP and transport fields are the inner (user) packet
// and OuterSrc/OuterDst are the tunnel endpoints (gNB and UPF on N3).
type Summary struct {
	// Link is the frame's link type (after a PPI header, the inner one).
	Link LinkType
	// WireLen is the frame's length on the wire (Frame.OrigLen) and CapLen
	// the captured length, in bytes.
	WireLen, CapLen int
	// VLAN holds the first two 802.1Q/802.1ad VLAN IDs (outer first);
	// VLANs counts all tags seen, so VLANs > 2 means more were skipped.
	VLAN  [2]uint16
	VLANs uint8
	// EtherType is the last EtherType (or SLL protocol) before the
	// outermost IP header; 0 for raw-IP and loopback links.
	EtherType uint16

	// IPVersion is 4 or 6 for the innermost IP packet, 0 when there is none.
	IPVersion uint8
	// Src and Dst are the innermost IP packet's addresses.
	Src, Dst netip.Addr
	// Proto is the innermost transport protocol (IPv4 protocol or the IPv6
	// next header after the extension headers).
	Proto uint8
	// TTL is the IPv4 TTL or the IPv6 hop limit; TOS the IPv4 TOS octet or
	// the IPv6 traffic class.
	TTL, TOS uint8
	// IPOffset is the offset of the innermost IP header in the frame;
	// IPHeaderLen its length including IPv6 extension headers; IPLen the
	// packet's length from its own header (IPv4 total length, or 40 plus the
	// IPv6 payload length), which can exceed what was captured.
	IPOffset, IPHeaderLen, IPLen int
	// IPID is the IPv4 identification or the IPv6 fragment header's.
	IPID uint32
	// Fragment is set for any IPv4 or IPv6 fragment; FragOffset is the
	// fragment offset in bytes; MoreFragments the MF/M flag. A fragment with
	// FragOffset > 0 has no transport header: ports and flags are zero and
	// Payload holds the fragment's data.
	Fragment      bool
	MoreFragments bool
	FragOffset    int
	// DontFragment is the IPv4 DF flag.
	DontFragment bool
	// IPOptions reports IPv4 options or IPv6 hop-by-hop/destination options.
	IPOptions bool

	// SrcPort and DstPort are the TCP, UDP or SCTP ports (0 otherwise).
	SrcPort, DstPort uint16
	// TCPFlags holds the TCP flag bits (TCPFlagFIN…TCPFlagNS).
	TCPFlags uint16
	// Seq, Ack, Window and Urgent are the TCP header's fields.
	Seq, Ack uint32
	Window   uint16
	Urgent   uint16
	// ICMPType and ICMPCode are the ICMP or ICMPv6 type and code; ICMPID the
	// echo identifier for echo requests and replies.
	ICMPType, ICMPCode uint8
	ICMPID             uint16
	// SCTPTag is the SCTP verification tag; iterate the chunks with Chunks.
	SCTPTag uint32
	// TransportOffset is the offset of the transport header in the frame
	// and TransportLen its length (TCP data offset, 8 for UDP, 12 for the
	// SCTP common header, 8 for ICMP); 0 when there is no transport header.
	TransportOffset, TransportLen int
	// Payload is the transport payload as captured (the UDP payload, TCP
	// segment data, SCTP chunks, ICMP body); PayloadOffset is Payload[0]'s
	// offset in the frame and PayloadLen the payload's length from the
	// headers, which can exceed len(Payload) when the snap length cut it.
	Payload       []byte
	PayloadOffset int
	PayloadLen    int

	// Tunnel is the innermost tunnel opened; Tunnels counts all opened.
	Tunnel  TunnelKind
	Tunnels uint8
	// OuterSrc and OuterDst are the addresses of the IP header that carried
	// the innermost tunnel (for GTP-U: gNB and UPF, in the packet's
	// direction); OuterSrcPort/OuterDstPort its UDP ports (GTP-U, VXLAN).
	OuterSrc, OuterDst         netip.Addr
	OuterSrcPort, OuterDstPort uint16
	// OuterIPLen is the outer IP packet's length from its header.
	OuterIPLen int
	// TEID is the GTP-U tunnel endpoint identifier; GTPType the GTP-U
	// message type (255 for a T-PDU).
	TEID    uint32
	GTPType uint8
	// QFI is the QoS Flow Identifier of the PDU Session Container extension
	// header (3GPP TS 38.415), valid when HasQFI; PDUType its PDU type
	// (0 downlink, 1 uplink).
	QFI     uint8
	HasQFI  bool
	PDUType uint8
	// GTPExt counts the GTP-U extension headers.
	GTPExt uint8
	// VNI is the VXLAN or Geneve network identifier, or the GRE key (PPTP's call ID)
	// when GREKey.
	VNI    uint32
	GREKey bool
	// GREProto is the GRE (or Geneve) protocol type of the payload.
	GREProto uint16

	// LengthMismatch is set when a UDP or GTP-U length claimed more than
	// the enclosing header holds; decoding went on with what it holds.
	LengthMismatch bool

	// ErrOffset is the offset in the frame where decoding stopped when
	// Decode returned a reason other than OK.
	ErrOffset int
}

// Ports returns the source and destination ports for the flow key: the
// TCP/UDP/SCTP ports, or 0, 0.
func (s *Summary) Ports() (uint16, uint16) { return s.SrcPort, s.DstPort }
