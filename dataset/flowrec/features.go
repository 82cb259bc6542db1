package flowrec

import (
	"math"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/flow"
)

// The flow-record feature set: the features of the NetFlow-based NIDS
// datasets of Sarhan, Layeghy and Portmann ("Towards a Standard Feature
// Set for Network Intrusion Detection System Datasets", Mobile Networks
// and Applications, 2021: NF-UNSW-NB15-v2, NF-ToN-IoT-v2, NF-BoT-IoT-v2,
// NF-CSE-CIC-IDS2018-v2), under nProbe's names, that a flow record can
// fill, then a few more that any flow source fills. A model trained on
// those datasets with the NF columns below finds them by name; the NF-v2
// features a flow record cannot fill are listed in NFv2Unfilled.
//
// Definitions follow nProbe's (ntop, nProbe information elements):
// IN_* is the client-to-server (forward) direction, OUT_* the reverse;
// bytes are IP bytes (when a source counts only frames, as Argus does,
// frame bytes stand in); FLOW_DURATION_MILLISECONDS is last minus first
// packet; the throughputs are bits per second over the flow's duration,
// SRC_TO_DST_SECOND_BYTES and DST_TO_SRC_SECOND_BYTES bytes per second (0
// for a flow of no duration); ICMP_TYPE is type*256+code and
// ICMP_IPV4_TYPE the type, both 0 for other protocols.
const (
	ColSrcPort            = "L4_SRC_PORT"
	ColDstPort            = "L4_DST_PORT"
	ColProtocol           = "PROTOCOL"
	ColInBytes            = "IN_BYTES"
	ColInPkts             = "IN_PKTS"
	ColOutBytes           = "OUT_BYTES"
	ColOutPkts            = "OUT_PKTS"
	ColTCPFlags           = "TCP_FLAGS"
	ColClientTCPFlags     = "CLIENT_TCP_FLAGS"
	ColServerTCPFlags     = "SERVER_TCP_FLAGS"
	ColDurationMs         = "FLOW_DURATION_MILLISECONDS"
	ColSrcToDstSecBytes   = "SRC_TO_DST_SECOND_BYTES"
	ColDstToSrcSecBytes   = "DST_TO_SRC_SECOND_BYTES"
	ColSrcToDstThroughput = "SRC_TO_DST_AVG_THROUGHPUT"
	ColDstToSrcThroughput = "DST_TO_SRC_AVG_THROUGHPUT"
	ColICMPType           = "ICMP_TYPE"
	ColICMPIPv4Type       = "ICMP_IPV4_TYPE"

	// Features beyond NF-v2, in lower case as the rest of netwarden's.
	ColInMeanPktBytes  = "in_mean_pkt_bytes"  // IN_BYTES / IN_PKTS
	ColOutMeanPktBytes = "out_mean_pkt_bytes" // OUT_BYTES / OUT_PKTS
	ColPktsPerSecond   = "pkts_per_second"    // both directions
	ColOutInByteRatio  = "out_in_byte_ratio"  // OUT_BYTES / (IN_BYTES + 1)
	ColSYN             = "syn"                // 1 if either side sent SYN
	ColACK             = "ack"
	ColFIN             = "fin"
	ColRST             = "rst"
	ColPSH             = "psh"
	ColURG             = "urg"
	ColBidirectional   = "bidirectional" // 1 if the reverse direction is counted (biflow, Zeek, Argus)
	ColSamplingRate    = "sampling_rate" // 1 in N, 1 when unsampled
)

var columns = []string{
	ColSrcPort, ColDstPort, ColProtocol, ColInBytes, ColInPkts, ColOutBytes, ColOutPkts,
	ColTCPFlags, ColClientTCPFlags, ColServerTCPFlags, ColDurationMs,
	ColSrcToDstSecBytes, ColDstToSrcSecBytes, ColSrcToDstThroughput, ColDstToSrcThroughput,
	ColICMPType, ColICMPIPv4Type,
	ColInMeanPktBytes, ColOutMeanPktBytes, ColPktsPerSecond, ColOutInByteRatio,
	ColSYN, ColACK, ColFIN, ColRST, ColPSH, ColURG, ColBidirectional, ColSamplingRate,
}

// NFv2Unfilled lists the NF-v2 features (nProbe names) that flow records
// cannot fill, with the reason; models that need them must be trained
// without them to score exported records. IPV4_SRC_ADDR and IPV4_DST_ADDR
// are left out of the schema on purpose (the datasets' authors drop them
// for training; Record.Key has them).
var NFv2Unfilled = map[string]string{
	"IPV4_SRC_ADDR":               "an identifier, not a feature: in Record.Key",
	"IPV4_DST_ADDR":               "an identifier, not a feature: in Record.Key",
	"L7_PROTO":                    "needs nDPI's application detection; not in NetFlow/IPFIX, Argus or Zeek's conn.log fields read",
	"DURATION_IN":                 "per-direction durations: exporters send one start and end",
	"DURATION_OUT":                "per-direction durations: exporters send one start and end",
	"MIN_TTL":                     "per-packet TTL statistics: not exported",
	"MAX_TTL":                     "per-packet TTL statistics: not exported",
	"LONGEST_FLOW_PKT":            "per-packet length statistics: not exported",
	"SHORTEST_FLOW_PKT":           "per-packet length statistics: not exported",
	"MIN_IP_PKT_LEN":              "per-packet length statistics: not exported",
	"MAX_IP_PKT_LEN":              "per-packet length statistics: not exported",
	"RETRANSMITTED_IN_BYTES":      "TCP retransmission tracking: not exported",
	"RETRANSMITTED_IN_PKTS":       "TCP retransmission tracking: not exported",
	"RETRANSMITTED_OUT_BYTES":     "TCP retransmission tracking: not exported",
	"RETRANSMITTED_OUT_PKTS":      "TCP retransmission tracking: not exported",
	"NUM_PKTS_UP_TO_128_BYTES":    "packet size histogram: not exported",
	"NUM_PKTS_128_TO_256_BYTES":   "packet size histogram: not exported",
	"NUM_PKTS_256_TO_512_BYTES":   "packet size histogram: not exported",
	"NUM_PKTS_512_TO_1024_BYTES":  "packet size histogram: not exported",
	"NUM_PKTS_1024_TO_1514_BYTES": "packet size histogram: not exported",
	"TCP_WIN_MAX_IN":              "TCP window: not exported",
	"TCP_WIN_MAX_OUT":             "TCP window: not exported",
	"DNS_QUERY_ID":                "DNS payload: not in flow records",
	"DNS_QUERY_TYPE":              "DNS payload: not in flow records",
	"DNS_TTL_ANSWER":              "DNS payload: not in flow records",
	"FTP_COMMAND_RET_CODE":        "FTP payload: not in flow records",
}

// Schema returns the flow-record feature schema: every column numeric,
// in the order of the Col constants. Rows filled by FillRow are rows of
// it, so dataset.Table, the features pipeline and bundles take them.
func Schema() dataset.Schema {
	s := dataset.Schema{Columns: make([]dataset.Column, len(columns))}
	for i, c := range columns {
		s.Columns[i] = dataset.Column{Name: c, Kind: dataset.Numeric}
	}
	return s
}

// FillRow writes r's features into dst in Schema's order, reusing dst's
// storage (no allocation once it has the room). The label is left "".
func FillRow(dst *dataset.Row, r *flow.Record) {
	dst.Reset(len(columns))
	v := dst.Num
	inB, outB := float64(r.FwdBytes), float64(r.BwdBytes)
	if r.FwdBytes == 0 && r.BwdBytes == 0 {
		inB, outB = float64(r.FwdFrameBytes), float64(r.BwdFrameBytes)
	}
	inP, outP := float64(r.FwdPackets), float64(r.BwdPackets)
	dur := r.Duration()
	if dur < 0 {
		dur = 0
	}
	sec := dur.Seconds()
	flags := r.FwdFlags | r.BwdFlags
	per := func(x float64) float64 {
		if sec <= 0 {
			return 0
		}
		return x / sec
	}
	mean := func(b, p float64) float64 {
		if p == 0 {
			return 0
		}
		return b / p
	}
	bit := func(f uint16) float64 {
		if flags&f != 0 {
			return 1
		}
		return 0
	}
	var icmp, icmpType float64
	if p := r.Key.Proto; p == 1 || p == 58 {
		icmp = float64(int(r.ICMPType)*256 + int(r.ICMPCode))
		icmpType = float64(r.ICMPType)
	}
	bidi := 0.0
	if r.BwdPackets > 0 || r.Source == flow.SourceZeek || r.Source == flow.SourceArgus || r.Source == flow.SourceMeter {
		bidi = 1
	}
	rate := float64(r.SamplingRate)
	if rate < 1 {
		rate = 1
	}
	v[0] = float64(r.Key.SrcPort)
	v[1] = float64(r.Key.DstPort)
	v[2] = float64(r.Key.Proto)
	v[3] = inB
	v[4] = inP
	v[5] = outB
	v[6] = outP
	v[7] = float64(flags)
	v[8] = float64(r.FwdFlags)
	v[9] = float64(r.BwdFlags)
	v[10] = math.Round(float64(dur.Microseconds()) / 1000)
	v[11] = per(inB)
	v[12] = per(outB)
	v[13] = per(8 * inB)
	v[14] = per(8 * outB)
	v[15] = icmp
	v[16] = icmpType
	v[17] = mean(inB, inP)
	v[18] = mean(outB, outP)
	v[19] = per(inP + outP)
	v[20] = outB / (inB + 1)
	v[21] = bit(flagSYN)
	v[22] = bit(flagACK)
	v[23] = bit(flagFIN)
	v[24] = bit(flagRST)
	v[25] = bit(flagPSH)
	v[26] = bit(flagURG)
	v[27] = bidi
	v[28] = rate
}

// NFv2 is the feature set of Schema and FillRow as a flow.FeatureSet, so
// that the packet meter's flows (dataset/flow) give the same rows as
// exported and logged records: a bundle trained on metered captures
// scores a router's export, and the other way round. It is stateless and
// safe for concurrent use.
type NFv2 struct{}

var _ flow.FeatureSet = NFv2{}

// Schema returns Schema().
func (NFv2) Schema() dataset.Schema { return Schema() }

// Row writes the flow's features into dst (FillRow); it never fails.
func (NFv2) Row(f *flow.Flow, dst *dataset.Row) error {
	FillRow(dst, &f.Record)
	return nil
}
