package packet

import "strconv"

// LinkType is a capture's link-layer header type, numbered as the
// tcpdump.org LINKTYPE_ registry numbers them (the value stored in a pcap
// file header and in a pcapng Interface Description Block).
type LinkType uint16

// The link types the decoder understands. Others decode to ReasonUnknownLink.
const (
	// LinkNull is BSD loopback (LINKTYPE_NULL, 0): a 4-byte address family in
	// the capturing host's byte order.
	LinkNull LinkType = 0
	// LinkEthernet is IEEE 802.3 Ethernet (LINKTYPE_ETHERNET, 1), including
	// 802.1Q and 802.1ad (QinQ) tags.
	LinkEthernet LinkType = 1
	// LinkPPP is PPP (LINKTYPE_PPP, 9), with or without RFC 1662 address
	// and control bytes.
	LinkPPP LinkType = 9
	// LinkFDDI is FDDI (LINKTYPE_FDDI, 10) with 802.2 LLC/SNAP.
	LinkFDDI LinkType = 10
	// LinkRawDLT12 is raw IP as some BSDs number DLT_RAW (12); files written
	// there carry it instead of LinkRaw.
	LinkRawDLT12 LinkType = 12
	// LinkRawDLT14 is raw IP as OpenBSD numbers DLT_RAW (14).
	LinkRawDLT14 LinkType = 14
	// LinkPPPHDLC is PPP in HDLC-like framing (LINKTYPE_PPP_HDLC, 50).
	LinkPPPHDLC LinkType = 50
	// LinkRaw is raw IPv4 or IPv6 told apart by the version nibble
	// (LINKTYPE_RAW, 101).
	LinkRaw LinkType = 101
	// LinkLoop is OpenBSD loopback (LINKTYPE_LOOP, 108): a 4-byte address
	// family in network byte order.
	LinkLoop LinkType = 108
	// LinkLinuxSLL is Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL, 113),
	// a 16-byte pseudo header.
	LinkLinuxSLL LinkType = 113
	// LinkIEEE80211 is IEEE 802.11 without radio header (LINKTYPE_IEEE802_11, 105).
	LinkIEEE80211 LinkType = 105
	// LinkRadiotap is IEEE 802.11 behind a radiotap header
	// (LINKTYPE_IEEE802_11_RADIOTAP, 127).
	LinkRadiotap LinkType = 127
	// LinkPPI is the Per-Packet Information header (LINKTYPE_PPI, 192)
	// followed by the link type it names.
	LinkPPI LinkType = 192
	// LinkIPv4 is raw IPv4 (LINKTYPE_IPV4, 228).
	LinkIPv4 LinkType = 228
	// LinkIPv6 is raw IPv6 (LINKTYPE_IPV6, 229).
	LinkIPv6 LinkType = 229
	// LinkLinuxSLL2 is Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2, 276),
	// a 20-byte pseudo header.
	LinkLinuxSLL2 LinkType = 276
)

// String returns the registry's short name ("ethernet", "linux-sll", …) or
// "linktype(N)".
func (l LinkType) String() string {
	switch l {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ethernet"
	case LinkRawDLT12, LinkRawDLT14, LinkRaw:
		return "raw"
	case LinkPPP, LinkPPPHDLC:
		return "ppp"
	case LinkFDDI:
		return "fddi"
	case LinkIEEE80211:
		return "ieee802.11"
	case LinkRadiotap:
		return "radiotap"
	case LinkLoop:
		return "loop"
	case LinkLinuxSLL:
		return "linux-sll"
	case LinkPPI:
		return "ppi"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkLinuxSLL2:
		return "linux-sll2"
	}
	return "linktype(" + strconv.Itoa(int(l)) + ")"
}

// Known reports whether the decoder understands l.
func (l LinkType) Known() bool {
	switch l {
	case LinkNull, LinkEthernet, LinkPPP, LinkPPPHDLC, LinkFDDI, LinkIEEE80211, LinkRadiotap, LinkRawDLT12, LinkRawDLT14, LinkRaw, LinkLoop,
		LinkLinuxSLL, LinkPPI, LinkIPv4, LinkIPv6, LinkLinuxSLL2:
		return true
	}
	return false
}
