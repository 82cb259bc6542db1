package pfcp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// IE types this package reads (TS 29.244 Table 8.1.2-1).
const (
	IECreatePDR            uint16 = 1
	IEPDI                  uint16 = 2
	IECreateFAR            uint16 = 3
	IEForwardingParameters uint16 = 4
	IECreateURR            uint16 = 6
	IECreateQER            uint16 = 7
	IECreatedPDR           uint16 = 8
	IEUpdatePDR            uint16 = 9
	IEUpdateFAR            uint16 = 10
	IEUpdateForwarding     uint16 = 11
	IEUpdateURR            uint16 = 13
	IEUpdateQER            uint16 = 14
	IERemovePDR            uint16 = 15
	IERemoveFAR            uint16 = 16
	IERemoveURR            uint16 = 17
	IERemoveQER            uint16 = 18
	IECause                uint16 = 19
	IESourceInterface      uint16 = 20
	IEFTEID                uint16 = 21
	IERedirectInformation  uint16 = 38
	IEDestinationInterface uint16 = 42
	IEApplyAction          uint16 = 44
	IEPDRID                uint16 = 56
	IEFSEID                uint16 = 57
	IENodeID               uint16 = 60
	IEURRID                uint16 = 81
	IEOuterHeaderCreation  uint16 = 84
	IEUEIPAddress          uint16 = 93
	IERecoveryTimeStamp    uint16 = 96
	IEFARID                uint16 = 108
	IEQERID                uint16 = 109
)

// groupedIE marks the grouped IE types of TS 29.244 release 17 (Table
// 8.1.2-1, the IEs whose value is a list of IEs).
var groupedIE = func() (g [512]bool) {
	for _, t := range []uint16{
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
		51, 54, 58, 59, 68, 77, 78, 79, 80, 83, 85, 86, 87, 99, 102, 105,
		118, 127, 128, 129, 130, 132, 143, 147, 165, 166, 167, 168, 169,
		175, 176, 183, 187, 188, 189, 190, 195, 199, 200, 201, 203, 205,
		211, 212, 213, 214, 216, 218, 220, 221, 225, 226, 227, 233, 238,
		239, 240, 242, 247, 252, 254, 255, 256, 261, 263, 264, 267, 270,
		272, 273, 276, 277, 279, 290, 295, 300, 301, 302, 303, 304, 310,
		311, 315, 316,
	} {
		g[t] = true
	}
	return g
}()

func grouped(t uint16) bool { return int(t) < len(groupedIE) && groupedIE[t] }

// Grouped reports whether IE type t is a grouped IE (its value a list of
// IEs) in TS 29.244 release 17.
func Grouped(t uint16) bool { return grouped(t) }

var errShort = errors.New("value too short")

// Node ID types (TS 29.244 §8.2.38).
const (
	NodeIDIPv4 = 0
	NodeIDIPv6 = 1
	NodeIDFQDN = 2
	// NodeIDNone marks an absent Node ID.
	NodeIDNone = 0xff
)

// NodeID is a Node ID IE: an address or an FQDN.
type NodeID struct {
	// Type is NodeIDIPv4, NodeIDIPv6, NodeIDFQDN, or 0 with a zero Addr
	// when the message has none (see Valid).
	Type uint8
	// Addr is the IPv4 or IPv6 address.
	Addr netip.Addr
	// FQDN is the FQDN in DNS label encoding (RFC 1035 §3.1), a sub-slice
	// of the message.
	FQDN []byte
}

// Valid reports whether the Node ID was present.
func (n NodeID) Valid() bool { return n.Addr.IsValid() || n.FQDN != nil }

// ParseNodeID decodes a Node ID IE value (TS 29.244 §8.2.38).
func ParseNodeID(v []byte) (NodeID, error) {
	if len(v) < 1 {
		return NodeID{}, fmt.Errorf("node ID: %w", errShort)
	}
	n := NodeID{Type: v[0] & 0x0f}
	switch n.Type {
	case NodeIDIPv4:
		if len(v) < 5 {
			return NodeID{}, fmt.Errorf("node ID IPv4 of %d bytes", len(v)-1)
		}
		n.Addr = netip.AddrFrom4([4]byte(v[1:5]))
	case NodeIDIPv6:
		if len(v) < 17 {
			return NodeID{}, fmt.Errorf("node ID IPv6 of %d bytes", len(v)-1)
		}
		n.Addr = netip.AddrFrom16([16]byte(v[1:17]))
	case NodeIDFQDN:
		n.FQDN = v[1:]
	default:
		return NodeID{}, fmt.Errorf("node ID type %d", n.Type)
	}
	return n, nil
}

// FSEID is an F-SEID IE: a session endpoint and its node's addresses.
type FSEID struct {
	SEID uint64
	V4   netip.Addr // invalid when absent
	V6   netip.Addr // invalid when absent
}

// ParseFSEID decodes an F-SEID IE value (TS 29.244 §8.2.37).
func ParseFSEID(v []byte) (FSEID, error) {
	if len(v) < 9 {
		return FSEID{}, fmt.Errorf("F-SEID of %d bytes, want at least 9", len(v))
	}
	f := FSEID{SEID: binary.BigEndian.Uint64(v[1:])}
	o := 9
	if v[0]&0x02 != 0 {
		if len(v) < o+4 {
			return FSEID{}, fmt.Errorf("F-SEID IPv4 address: %w", errShort)
		}
		f.V4 = netip.AddrFrom4([4]byte(v[o : o+4]))
		o += 4
	}
	if v[0]&0x01 != 0 {
		if len(v) < o+16 {
			return FSEID{}, fmt.Errorf("F-SEID IPv6 address: %w", errShort)
		}
		f.V6 = netip.AddrFrom16([16]byte(v[o : o+16]))
	}
	return f, nil
}

// FTEID is an F-TEID IE: a GTP-U tunnel endpoint.
type FTEID struct {
	// Choose says the CP function asks the UP function to allocate the
	// TEID (CH flag); TEID and the addresses are then absent.
	Choose   bool
	ChooseID uint8 // when ChooseIDSet
	// ChooseIDSet is the CHID flag.
	ChooseIDSet bool
	TEID        uint32
	V4          netip.Addr
	V6          netip.Addr
}

// ParseFTEID decodes an F-TEID IE value (TS 29.244 §8.2.3).
func ParseFTEID(v []byte) (FTEID, error) {
	if len(v) < 1 {
		return FTEID{}, fmt.Errorf("F-TEID: %w", errShort)
	}
	fl := v[0]
	f := FTEID{Choose: fl&0x04 != 0, ChooseIDSet: fl&0x08 != 0}
	o := 1
	if f.Choose {
		if f.ChooseIDSet {
			if len(v) < 2 {
				return FTEID{}, fmt.Errorf("F-TEID choose ID: %w", errShort)
			}
			f.ChooseID = v[1]
		}
		return f, nil
	}
	if len(v) < 5 {
		return FTEID{}, fmt.Errorf("F-TEID of %d bytes, want at least 5", len(v))
	}
	f.TEID = binary.BigEndian.Uint32(v[1:])
	o = 5
	if fl&0x01 != 0 {
		if len(v) < o+4 {
			return FTEID{}, fmt.Errorf("F-TEID IPv4 address: %w", errShort)
		}
		f.V4 = netip.AddrFrom4([4]byte(v[o : o+4]))
		o += 4
	}
	if fl&0x02 != 0 {
		if len(v) < o+16 {
			return FTEID{}, fmt.Errorf("F-TEID IPv6 address: %w", errShort)
		}
		f.V6 = netip.AddrFrom16([16]byte(v[o : o+16]))
	}
	return f, nil
}

// UEIP is a UE IP Address IE.
type UEIP struct {
	// Destination is the S/D flag: the address is a destination address
	// (downlink PDI) rather than a source.
	Destination bool
	V4          netip.Addr
	V6          netip.Addr
}

// ParseUEIP decodes a UE IP Address IE value (TS 29.244 §8.2.62).
func ParseUEIP(v []byte) (UEIP, error) {
	if len(v) < 1 {
		return UEIP{}, fmt.Errorf("UE IP address: %w", errShort)
	}
	fl := v[0]
	u := UEIP{Destination: fl&0x04 != 0}
	o := 1
	if fl&0x02 != 0 {
		if len(v) < o+4 {
			return UEIP{}, fmt.Errorf("UE IPv4 address: %w", errShort)
		}
		u.V4 = netip.AddrFrom4([4]byte(v[o : o+4]))
		o += 4
	}
	if fl&0x01 != 0 {
		if len(v) < o+16 {
			return UEIP{}, fmt.Errorf("UE IPv6 address: %w", errShort)
		}
		u.V6 = netip.AddrFrom16([16]byte(v[o : o+16]))
	}
	return u, nil
}

// ApplyAction is an Apply Action IE value (TS 29.244 §8.2.26).
type ApplyAction []byte

// Drop reports the DROP flag.
func (a ApplyAction) Drop() bool { return len(a) > 0 && a[0]&0x01 != 0 }

// Forward reports the FORW flag.
func (a ApplyAction) Forward() bool { return len(a) > 0 && a[0]&0x02 != 0 }

// Buffer reports the BUFF flag.
func (a ApplyAction) Buffer() bool { return len(a) > 0 && a[0]&0x04 != 0 }

// Interface values of Source and Destination Interface IEs (TS 29.244
// §8.2.24).
const (
	InterfaceAccess     = 0
	InterfaceCore       = 1
	InterfaceN6LAN      = 2
	InterfaceCPFunction = 3
	InterfaceLI         = 4
	Interface5GVN       = 5
)

// ParseInterface decodes a Source or Destination Interface IE value.
func ParseInterface(v []byte) (uint8, error) {
	if len(v) < 1 {
		return 0, fmt.Errorf("interface: %w", errShort)
	}
	return v[0] & 0x0f, nil
}

// ParseFARID decodes a FAR ID IE value (TS 29.244 §8.2.74): the 31-bit
// rule ID (the top bit says the FAR is predefined).
func ParseFARID(v []byte) (uint32, error) {
	if len(v) < 4 {
		return 0, fmt.Errorf("FAR ID of %d bytes, want 4", len(v))
	}
	return binary.BigEndian.Uint32(v) & 0x7fffffff, nil
}

// ParsePDRID decodes a PDR ID IE value (TS 29.244 §8.2.36).
func ParsePDRID(v []byte) (uint16, error) {
	if len(v) < 2 {
		return 0, fmt.Errorf("PDR ID of %d bytes, want 2", len(v))
	}
	return binary.BigEndian.Uint16(v), nil
}

// OuterHeaderCreation is an Outer Header Creation IE (TS 29.244
// §8.2.56): the tunnel the UP function sends a FAR's packets into.
type OuterHeaderCreation struct {
	// Description is the 16-bit outer header creation description.
	Description uint16
	// TEID is the GTP-U TEID when Description asks for a GTP-U header.
	TEID uint32
	V4   netip.Addr
	V6   netip.Addr
}

// GTPU reports whether the description asks for GTP-U/UDP/IPv4 or IPv6.
func (o OuterHeaderCreation) GTPU() bool { return o.Description&0x0300 != 0 }

// ParseOuterHeaderCreation decodes an Outer Header Creation IE value.
func ParseOuterHeaderCreation(v []byte) (OuterHeaderCreation, error) {
	if len(v) < 2 {
		return OuterHeaderCreation{}, fmt.Errorf("outer header creation: %w", errShort)
	}
	o := OuterHeaderCreation{Description: binary.BigEndian.Uint16(v)}
	p := 2
	if o.GTPU() {
		if len(v) < p+4 {
			return OuterHeaderCreation{}, fmt.Errorf("outer header creation TEID: %w", errShort)
		}
		o.TEID = binary.BigEndian.Uint32(v[p:])
		p += 4
	}
	if o.Description&0x0500 != 0 { // GTP-U/UDP/IPv4 or UDP/IPv4
		if len(v) < p+4 {
			return OuterHeaderCreation{}, fmt.Errorf("outer header creation IPv4: %w", errShort)
		}
		o.V4 = netip.AddrFrom4([4]byte(v[p : p+4]))
		p += 4
	}
	if o.Description&0x0a00 != 0 { // GTP-U/UDP/IPv6 or UDP/IPv6
		if len(v) < p+16 {
			return OuterHeaderCreation{}, fmt.Errorf("outer header creation IPv6: %w", errShort)
		}
		o.V6 = netip.AddrFrom16([16]byte(v[p : p+16]))
	}
	return o, nil
}
