package flowrec

import (
	"github.com/netwarden/netwarden/dataset/flow"
)

// Record is one flow record as a router exports it or a sensor logs it,
// in the packet meter's flow.Record (package dataset/flow), so that one
// feature set and one bundle serve both, plus what flow.Record has no
// field for.
//
// Each source fills flow.Record as follows:
//   - NetFlow v5/v9, IPFIX: Key, Start/End, FwdPackets/FwdBytes (IP bytes,
//     as the octet counters count), FwdFlags, ICMPType/ICMPCode, Exporter,
//     InputIf/OutputIf, SamplingRate and Scaled; BwdPackets/BwdBytes/
//     BwdFlags only from biflow exporters (RFC 5103 reverse elements, or
//     nProbe's OUT_BYTES/OUT_PKTS, elements 23 and 24); Reason from
//     flowEndReason (element 136).
//   - sFlow v5: one record per flow sample of one packet, with
//     FwdFrameBytes the sampled frame's length and FwdBytes its IP length.
//   - Zeek: FwdBytes from orig_ip_bytes, FwdPayloadBytes from orig_bytes,
//     the flags from history, Reason from conn_state.
//   - Argus: FwdFrameBytes from SrcBytes (Argus counts frames), Reason
//     from State.
//
// As in the meter, ports are 0 for ICMP and ICMPv6, whose type and code
// are in ICMPType and ICMPCode (NetFlow puts them in the destination port,
// Zeek and Argus in the ports).
type Record struct {
	flow.Record
	// Domain is the NetFlow v9 source ID, the IPFIX observation domain,
	// the NetFlow v5 engine type and ID, or the sFlow sub-agent ID.
	Domain uint32
	// ToS is the IPv4 type of service or IPv6 traffic class byte.
	ToS uint8
}

// IPFIX flowEndReason values (IANA element 136, RFC 5102 section 5.11.4)
// and how they map to flow.EndReason.
func endReason(v uint8, flags uint16) flow.EndReason {
	switch v {
	case 1:
		return flow.EndIdle
	case 2:
		return flow.EndActive
	case 3:
		if flags&flagRST != 0 {
			return flow.EndRST
		}
		return flow.EndFIN
	case 4:
		return flow.EndOfInput
	case 5:
		return flow.EndEvicted
	}
	return flow.EndUnknown
}
