package flow

import (
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/packet"
)

// FeatureSet turns metered flows into rows of a dataset.Schema, so the
// features pipeline, models and bundles take them unchanged. Row reuses
// dst's storage and allocates nothing once dst has grown.
type FeatureSet interface {
	Schema() dataset.Schema
	Row(f *Flow, dst *dataset.Row) error
}

var (
	_ FeatureSet = CIC{}
	_ FeatureSet = (*KDD)(nil)
	_ FeatureSet = RecordSet{}
)

// RecordColumns are the columns of RecordSet: the flow record itself, for
// users who build their own features. Addresses are left out (they are in
// the Record; pseudonymise them with the features pipeline if needed).
var RecordColumns = []dataset.Column{
	{Name: "proto", Kind: dataset.Categorical},         // "tcp", "udp", "icmp", "icmpv6", "sctp" or the number
	{Name: "src_port", Kind: dataset.Numeric},          // forward source port
	{Name: "dst_port", Kind: dataset.Numeric},          // forward destination port
	{Name: "duration", Kind: dataset.Numeric},          // seconds
	{Name: "fwd_packets", Kind: dataset.Numeric},       // packets
	{Name: "bwd_packets", Kind: dataset.Numeric},       // packets
	{Name: "fwd_bytes", Kind: dataset.Numeric},         // IP bytes
	{Name: "bwd_bytes", Kind: dataset.Numeric},         // IP bytes
	{Name: "fwd_payload_bytes", Kind: dataset.Numeric}, // transport payload bytes
	{Name: "bwd_payload_bytes", Kind: dataset.Numeric}, // transport payload bytes
	{Name: "fwd_flags", Kind: dataset.Numeric},         // OR of TCP flags (packet.TCPFlag*)
	{Name: "bwd_flags", Kind: dataset.Numeric},         // OR of TCP flags
	{Name: "tunnel", Kind: dataset.Categorical},        // packet.TunnelKind.String()
	{Name: "qfi", Kind: dataset.Numeric},               // GTP-U QFI, -1 when none
	{Name: "end", Kind: dataset.Categorical},           // EndReason.String()
}

// RecordSet is the flow record as a feature set (RecordColumns). It is
// stateless and safe for concurrent use.
type RecordSet struct{}

// Schema returns RecordColumns.
func (RecordSet) Schema() dataset.Schema {
	return dataset.Schema{Columns: append([]dataset.Column(nil), RecordColumns...)}
}

var protoStrings = [256]string{}

func init() {
	for i := range protoStrings {
		protoStrings[i] = itoa(i)
	}
	protoStrings[packet.ProtoTCP], protoStrings[packet.ProtoUDP] = "tcp", "udp"
	protoStrings[packet.ProtoICMP], protoStrings[packet.ProtoICMPv6], protoStrings[packet.ProtoSCTP] = "icmp", "icmpv6", "sctp"
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

var tunnelStrings, endStrings [256]string

func init() {
	for i := range 256 {
		tunnelStrings[i] = packet.TunnelKind(i).String()
		endStrings[i] = EndReason(i).String()
	}
}

// Row writes the record's columns into dst.
func (RecordSet) Row(f *Flow, dst *dataset.Row) error {
	r := &f.Record
	dst.Reset(len(RecordColumns))
	v, c := dst.Num, dst.Cat
	c[0] = protoStrings[r.Key.Proto]
	v[1], v[2] = float64(r.Key.SrcPort), float64(r.Key.DstPort)
	v[3] = r.End.Sub(r.Start).Seconds()
	v[4], v[5] = float64(r.FwdPackets), float64(r.BwdPackets)
	v[6], v[7] = float64(r.FwdBytes), float64(r.BwdBytes)
	v[8], v[9] = float64(r.FwdPayloadBytes), float64(r.BwdPayloadBytes)
	v[10], v[11] = float64(r.FwdFlags), float64(r.BwdFlags)
	c[12] = tunnelStrings[r.Tunnel.Kind]
	v[13] = -1
	if r.Tunnel.HasQFI {
		v[13] = float64(r.Tunnel.QFI)
	}
	c[14] = endStrings[r.Reason]
	dst.Label = ""
	return nil
}

// RecordColumnsProto returns the "proto" column's value for an IP
// protocol number ("tcp", "udp", "icmp", "icmpv6", "sctp" or the number).
func RecordColumnsProto(p uint8) string { return protoStrings[p] }
