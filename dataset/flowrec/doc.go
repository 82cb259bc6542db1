// Package flowrec reads the flow records that routers export and sensors
// log — NetFlow v5, NetFlow v9 (RFC 3954), IPFIX (RFC 7011, with RFC 5103
// biflow reverse elements) and sFlow v5 flow samples from a UDP
// Collector or a Decoder, Zeek conn.log (TSV and JSON) with ZeekReader,
// Argus ra output with ArgusReader — into the packet meter's flow record
// (package dataset/flow), so that one feature set and one bundle serve a
// probe, a router's export and a sensor's log.
//
// # Decoding exports
//
// A Decoder caches NetFlow v9 and IPFIX templates per exporter address,
// protocol version and observation domain (v9 source ID), expires them
// after Config.TemplateTTL (RFC 7011 section 8.4), honours IPFIX template
// withdrawal, skips enterprise-specific elements by their length, reads
// variable-length elements and reduced-size counters, learns sampling
// rates and system init time from options data, and tracks sequence
// numbers per stream. A data set that arrives before its template is held
// (Config.HoldTime, HoldSets, HoldBytes) and decoded when the template
// comes, or counted: a record is never decoded in a layout its exporter
// did not announce. Damaged input — truncated packets, template fields of
// length 0 or (in v9) 65535, templates that declare more fields than
// their set holds, unknown or reserved set IDs, set lengths past the
// packet, variable-length fields past their set, sequence jumps — is
// skipped and counted by Reason (Stats.Skipped, per exporter), and
// returned as a *DecodeError wrapping ErrFormat; Decode never panics and
// allocates nothing per record in steady state.
//
// The tunnel a flow came in fills Record.Tunnel where an exporter says
// it: IANA's layer2SegmentId (IE 351: a VXLAN network identifier, or an
// NVGRE virtual subnet ID as the GRE tunnel's VNI) and VMware's tunnel
// elements (enterprise 6876, tunnelType, tunnelKey and the outer IPv4
// addresses, as Open vSwitch and VMware's distributed switch export
// them), and IANA's GTP-U elements (gtpuTEid, IE 507, and gtpuQFI, IE
// 509) for a GTP-U tunnel.
//
// Decoding was checked field by field against Wireshark's dissectors on
// the NetFlow v9, IPFIX and sFlow packets of the shared captures
// (testdata/make_tshark_golden.sh writes the golden file), and against
// nfdump on softflowd's NetFlow v5, v9 and IPFIX exports of shared
// captures (TestSoftflowdNfdump).
//
// # Collecting
//
// Listen and Collector.Run receive datagrams on UDP, queue them in a
// bounded set of preallocated buffers and decode them on one goroutine,
// handing each datagram's records to a callback; datagrams dropped
// because the decoder fell behind or because they were too long are
// counted per exporter, beside the decoder's counters.
//
// # Logs
//
// ZeekReader and ArgusReader stream one Record per Read and return a
// *dataset.ParseError naming the file, line, byte column and field of a
// malformed line, after which reading may go on.
//
// # Features
//
// Schema and FillRow give a record's features under the names of nProbe's
// NetFlow v2 feature set (Sarhan et al. 2021; NF-UNSW-NB15-v2,
// NF-CSE-CIC-IDS2018-v2 and their siblings) plus direction, rate and flag
// features; NFv2Unfilled lists the NF-v2 features no flow record carries.
//
// Decoders and readers are for one goroutine each; a Collector's counters
// may be read from any goroutine while it runs.
package flowrec
