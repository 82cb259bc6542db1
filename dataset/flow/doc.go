// Package flow meters packets into bidirectional flows and computes the
// feature sets detection models are trained on.
//
// Record is the flow record shared by every traffic source in netwarden:
// the Meter here fills it from packets (dataset/packet decodes them), and
// the flow-record readers map NetFlow, IPFIX, Zeek and Argus records into
// it. Every field's unit is in its comment.
//
// # Meter
//
// A Meter keys flows by the bidirectional 5-tuple, the first packet's
// sender being "forward"; a GTP-U packet belongs to the flow of its inner
// 5-tuple and its tunnel's outer endpoints (uplink and downlink carry
// different TEIDs, both kept in Record.Tunnel; Config.KeyByTEID splits
// them instead). Flows end by idle and active timeouts, TCP FIN in both
// directions or RST (with a short linger for the trailing ACK), eviction
// of the least recently active flow when Config.MaxFlows are live, or the
// end of input; Config.EmitAfterPackets and EmitAfterDuration emit
// snapshots of long flows. Timestamps that go backwards are counted and
// replaced by the latest seen. IPv4 and IPv6 fragments are not
// reassembled: a datagram's later fragments are attributed to the flow of
// its first fragment (by addresses, protocol and IP ID), or, when that was
// not seen, to a flow keyed without ports. Undecodable frames are counted
// by packet.Reason in Stats.Skipped. Output is deterministic: the same
// capture gives the same records in the same order.
//
// # Feature sets
//
// CIC (CIC-IDS2017's 78 columns, corrected or CICFlowMeter-compatible, see
// CIC for the table of differences), KDD (NSL-KDD's 41 columns) and
// RecordSet (the record itself) implement FeatureSet: rows of a
// dataset.Schema that the features pipeline, bundles, serve and stream
// take unchanged.
//
// # Checked against other tools
//
// On the shared captures (PCAP_DIR; testdata/make_refs.sh runs the tools
// and writes their outputs into testdata):
//
//   - Argus 3.0.8 (argus -r, racluster per 5-tuple): packets and bytes per
//     5-tuple are equal on 212 of 249 captures and on 25,126 of 25,173
//     5-tuples, with the meter set as Argus works: GRE opened, GTP-U,
//     VXLAN, Geneve and IP-in-IP left closed, bytes counted as whole frames
//     without the NULL/SLL pseudo headers Argus strips.
//   - tshark 4.0 GTP-U decode: TEID, inner addresses and inner ports equal
//     on all 4,805 comparable T-PDUs of the captures that carry GTP-U
//     (44 more are last fragments of outer datagrams that tshark
//     reassembles, 1 carries no IP).
//   - gopacket's pcapgo and layers (dataset/packet's tests): the same
//     frames on every capture, the same addresses, ports and flags on
//     75,577 of 75,768 frames.
//
// The disagreements with Argus, by kind (each capture is listed with its
// reason in refs_test.go's argusDiffers, which the test keeps honest):
//
//		kind                                              captures  why
//		Argus keeps no record of packets the meter counts      20   links Argus 3.0.8 does not read (PPP, PPI), PPPoE, fuzzed or
//		                                                            odd headers (protocol 0, 170, 253), ICMP to self
//		the decoder refuses a header Argus counts from         12   headers cut by the snap length or inconsistent lengths
//		                                                            (counted in Stats.Skipped), Cisco HDLC, ERSPAN type I
//		fragments keyed differently                             3   non-first fragments: Argus and the meter attribute them
//		                                                            differently when the first fragment is missing or late
//		byte counts only                                        2   radiotap/802.11 headers Argus leaves out; a fuzzed 4 GB
//		                                                            wire length
//
//	  - tshark 4.0 conversations (-z conv,tcp,udp,sctp): frames equal on
//	    24,659 of 24,820 conversations and on every conversation of 178 of
//	    195 captures (a GTP-U packet is in tshark's outer and inner
//	    conversations: the meter is run with tunnels open and closed). The
//	    17 others (tsharkDiffers): tshark reassembles IP fragments (7), link
//	    types and tunnels the decoder does not open (NFLOG, Cisco HDLC, PBB,
//	    CAPWAP, Aruba GRE), headers the decoder refuses.
//
// nDPI's result files are not compared.
package flow
