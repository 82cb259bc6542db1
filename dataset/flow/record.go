package flow

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/netwarden/netwarden/dataset/packet"
)

// Key is a flow's bidirectional 5-tuple, oriented by the flow's first
// packet: Src is that packet's sender ("forward"), Dst its receiver. For a
// tunnelled flow the key is the inner (user) packet's.
type Key struct {
	// Src and Dst are the forward sender's and receiver's IP addresses
	// (IPv4 or IPv6, never 4-in-6 mapped by the meter).
	Src, Dst netip.Addr
	// SrcPort and DstPort are the TCP, UDP or SCTP ports of the forward
	// direction; 0 for other protocols (ICMP type and code are in
	// Record.ICMPType and Record.ICMPCode, not in the ports).
	SrcPort, DstPort uint16
	// Proto is the IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6,
	// 132 SCTP, …).
	Proto uint8
}

// String returns "proto src:sport > dst:dport".
func (k Key) String() string {
	return strconv.Itoa(int(k.Proto)) + " " + netip.AddrPortFrom(k.Src, k.SrcPort).String() +
		" > " + netip.AddrPortFrom(k.Dst, k.DstPort).String()
}

// Reverse returns the key seen from the other direction.
func (k Key) Reverse() Key {
	return Key{Src: k.Dst, Dst: k.Src, SrcPort: k.DstPort, DstPort: k.SrcPort, Proto: k.Proto}
}

// Tunnel holds the attributes of the tunnel a flow's packets arrived in.
// The zero value (Kind == packet.TunnelNone) means not tunnelled.
type Tunnel struct {
	// Kind is the innermost tunnel's kind.
	Kind packet.TunnelKind
	// OuterSrc and OuterDst are the outer IP addresses of the flow's first
	// packet: for GTP-U on N3, the gNB and the UPF (or the UPF and the gNB
	// when the flow began downlink).
	OuterSrc, OuterDst netip.Addr
	// TEID is the GTP-U tunnel endpoint identifier of the forward direction
	// (the TEID the forward packets were sent to) and ReverseTEID that of
	// the backward direction, 0 until a backward packet is seen. Uplink and
	// downlink of one PDU session use different TEIDs (3GPP TS 29.281 §5.1),
	// so a bidirectional flow has two.
	TEID, ReverseTEID uint32
	// QFI is the QoS Flow Identifier of the first packet that carried a PDU
	// Session Container (3GPP TS 38.415), valid when HasQFI.
	QFI    uint8
	HasQFI bool
	// VNI is the VXLAN network identifier, or the GRE key.
	VNI uint32
}

// EndReason says why a flow's record was emitted.
type EndReason uint8

// The reasons a record ends.
const (
	// EndUnknown: not known (a record from a source that does not say).
	EndUnknown EndReason = iota
	// EndIdle: no packet for the idle timeout.
	EndIdle
	// EndActive: the flow lasted the active timeout; its next packet starts
	// a new record with the same key.
	EndActive
	// EndFIN: TCP closed by FIN in both directions (or as Config says).
	EndFIN
	// EndRST: TCP reset.
	EndRST
	// EndEvicted: removed to make room when the table held its maximum of
	// live flows; Record.Evicted is set too.
	EndEvicted
	// EndEarly: a snapshot after N packets or T seconds of a flow that
	// stays live (Config.EmitAfterPackets, EmitAfterDuration); the flow's
	// final record follows and includes the snapshot's packets.
	EndEarly
	// EndOfInput: the capture ended (or Flush was called) with the flow live.
	EndOfInput
	numEndReasons
)

var endNames = [...]string{"unknown", "idle", "active", "fin", "rst", "evicted", "early", "end-of-input"}

// String returns "idle", "active", "fin", "rst", "evicted", "early",
// "end-of-input" or "unknown".
func (e EndReason) String() string {
	if int(e) < len(endNames) {
		return endNames[e]
	}
	return "end(" + strconv.Itoa(int(e)) + ")"
}

// SourceKind names what produced a Record.
type SourceKind uint8

// The sources of records. The meter in this package sets SourceMeter; the
// flow-record readers (NetFlow, IPFIX, Zeek, Argus, …) set theirs.
const (
	SourceUnknown SourceKind = iota
	// SourceMeter: metered from packets by this package.
	SourceMeter
	// SourceNetFlowV5 and SourceNetFlowV9: Cisco NetFlow exports (RFC 3954 for v9).
	SourceNetFlowV5
	SourceNetFlowV9
	// SourceIPFIX: an IPFIX export (RFC 7011).
	SourceIPFIX
	// SourceSFlow: an sFlow agent's flow samples.
	SourceSFlow
	// SourceZeek: a Zeek conn.log.
	SourceZeek
	// SourceArgus: an Argus record (ra output or the binary file).
	SourceArgus
	// SourceCSV: a flow CSV such as CICFlowMeter's.
	SourceCSV
	numSourceKinds
)

var sourceNames = [...]string{"unknown", "meter", "netflow-v5", "netflow-v9", "ipfix", "sflow", "zeek", "argus", "csv"}

// String returns the source's short name ("meter", "ipfix", …).
func (s SourceKind) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "source(" + strconv.Itoa(int(s)) + ")"
}

// Record is one flow: a bidirectional conversation between two endpoints
// over one transport protocol, as the meter emits it or as a flow-record
// reader maps an exported record into it. "Forward" is the direction of the
// flow's first packet (Key.Src to Key.Dst), "backward" the reverse.
//
// Byte counts come at three layers, because sources count differently:
// Bytes count IP packets (header included: the IPv4 total length, or 40
// plus the IPv6 payload length, as NetFlow's and IPFIX's octet counters and
// Zeek's *_ip_bytes do), FrameBytes count whole frames as on the wire
// (link header included, as Argus's sbytes/dbytes and tshark's conversation
// bytes do), and PayloadBytes count transport payload (TCP segment data,
// UDP payload, as CICFlowMeter's "Total Length of … Packets", Argus's
// *appbytes and Zeek's orig_bytes/resp_bytes do). For a tunnelled flow
// Bytes and PayloadBytes are the inner packet's and FrameBytes the outer
// frame's. A source that does not give a layer leaves it 0.
type Record struct {
	// Key is the flow's 5-tuple, oriented by its first packet.
	Key Key
	// Tunnel holds the tunnel attributes; zero when not tunnelled.
	Tunnel Tunnel

	// Start and End are the timestamps of the flow's first and last
	// packets (UTC). End equals Start for a one-packet flow.
	Start, End time.Time

	// FwdPackets and BwdPackets count packets per direction.
	FwdPackets, BwdPackets uint64
	// FwdBytes and BwdBytes count IP bytes per direction (see Record).
	FwdBytes, BwdBytes uint64
	// FwdFrameBytes and BwdFrameBytes count frame bytes on the wire.
	FwdFrameBytes, BwdFrameBytes uint64
	// FwdPayloadBytes and BwdPayloadBytes count transport payload bytes.
	FwdPayloadBytes, BwdPayloadBytes uint64

	// FwdFlags and BwdFlags are the OR of the TCP flags (packet.TCPFlagFIN
	// … packet.TCPFlagNS) seen in each direction; 0 for other protocols.
	FwdFlags, BwdFlags uint16
	// ICMPType and ICMPCode are the first ICMP or ICMPv6 packet's type and
	// code (valid when Key.Proto is 1 or 58).
	ICMPType, ICMPCode uint8

	// Reason says why the record was emitted.
	Reason EndReason
	// Evicted is set when the flow was removed early because the table was
	// full (Reason is then EndEvicted): its counts are a prefix of the real
	// flow's, and the rest may follow in another record.
	Evicted bool
	// Seq is the record's 1-based position in the meter's output,
	// snapshots included (0 from other sources).
	Seq uint64
	// Part numbers the records of one flow split by the active timeout: 0
	// for the first, 1 for the next, and so on. Snapshots keep the Part of
	// the record they preview.
	Part uint32

	// Fields the exporters and sensors fill; the meter leaves them zero.

	// Exporter is the address of the router or probe that exported the
	// record (the NetFlow/IPFIX packet's source or its exporter field).
	Exporter netip.Addr
	// InputIf and OutputIf are the exporter's SNMP ifIndex values of the
	// flow's input and output interfaces.
	InputIf, OutputIf uint32
	// SamplingRate is the exporter's packet sampling interval N (1 in N
	// packets sampled); 0 or 1 means unsampled.
	SamplingRate uint32
	// Scaled is set when the reader multiplied the packet and byte counts
	// by SamplingRate to estimate the true totals; unset when the counts are
	// the sampled ones.
	Scaled bool
	// Source says what produced the record.
	Source SourceKind
}

// Duration returns End − Start.
func (r *Record) Duration() time.Duration { return r.End.Sub(r.Start) }

// Packets returns the packets of both directions.
func (r *Record) Packets() uint64 { return r.FwdPackets + r.BwdPackets }

// Bytes returns the IP bytes of both directions.
func (r *Record) Bytes() uint64 { return r.FwdBytes + r.BwdBytes }
