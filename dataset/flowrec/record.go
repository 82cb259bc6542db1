package flowrec

import (
	"net/netip"
	"time"
)

// Source says which kind of exporter or log a Record came from.
type Source uint8

// The sources a Record can come from.
const (
	SourceUnknown Source = iota
	SourceNetFlowV5
	SourceNetFlowV9
	SourceIPFIX
	SourceSFlow
	SourceZeek
	SourceArgus
)

var sourceNames = [...]string{"unknown", "netflow5", "netflow9", "ipfix", "sflow5", "zeek", "argus"}

// String returns the source's short name ("netflow9", "ipfix", "zeek", …).
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// EndReason says why the exporter ended a flow (IPFIX flowEndReason, IANA
// element 136, RFC 5102 section 5.11.4; Zeek and Argus states map onto it).
type EndReason uint8

// The flow end reasons of IANA element 136.
const (
	EndUnknown     EndReason = 0
	EndIdle        EndReason = 1 // idle timeout
	EndActive      EndReason = 2 // active timeout
	EndOfFlow      EndReason = 3 // end of flow detected (TCP FIN or RST)
	EndForced      EndReason = 4 // forced end (exporter shut down)
	EndLackOfResrc EndReason = 5 // lack of resources
)

// Record is one flow record as a router exports it or a sensor logs it:
// the 5-tuple, first and last packet times, packets, bytes and OR-ed TCP
// flags per direction (Rev* is the reverse direction, filled by biflow
// exporters, Zeek and Argus; 0 otherwise), and where it came from.
//
// Counts are as exported unless Scaled is set: then the decoder multiplied
// them by SamplingRate (Config.Scale).
type Record struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8
	// ToS is the IPv4 type of service or IPv6 traffic class of the first packet.
	ToS uint8
	// ICMPType and ICMPCode are set for ICMP and ICMPv6 flows whose
	// exporter sends them.
	ICMPType, ICMPCode uint8

	Start, End time.Time

	Packets, Bytes        uint64
	RevPackets, RevBytes  uint64
	TCPFlags, RevTCPFlags uint8
	EndReason             EndReason

	// Exporter is the address the export came from (NetFlow, IPFIX) or
	// the sFlow agent address; invalid for logs.
	Exporter netip.Addr
	// Domain is the NetFlow v9 source ID, the IPFIX observation domain or
	// the sFlow sub-agent ID.
	Domain      uint32
	InIf, OutIf uint32
	// SamplingRate is 1 in N packets as the exporter announced it; 0 when
	// unknown or unsampled.
	SamplingRate uint32
	Scaled       bool
	Source       Source
}

// Duration returns End - Start, or 0 when either is unknown or End is
// before Start.
func (r *Record) Duration() time.Duration {
	if r.Start.IsZero() || r.End.IsZero() || r.End.Before(r.Start) {
		return 0
	}
	return r.End.Sub(r.Start)
}
