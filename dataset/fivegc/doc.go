// Package fivegc reads the control plane of a 5G (and 4G CUPS) core from
// packet captures: PFCP on N4 (package pfcp, 3GPP TS 29.244), NGAP on N2
// with its NAS-5GS payloads (packages ngap and nas, TS 38.413 in X.691
// aligned PER, TS 24.501) and GTPv2-C (package gtpv2, TS 29.274). The
// decoders were written from the specifications and are checked field by
// field against tshark's dissectors on every shared capture that carries
// these protocols (testdata/make_golden.py makes the reference files).
//
// Scanner reads a capture through dataset/packet (pcap, pcapng, gzip; the
// link types and tunnels it opens) and yields one Event per message: PFCP
// on UDP 8805, GTPv2-C on UDP 2123, NGAP in SCTP DATA chunks with payload
// protocol identifier 60 (or 0 on port 38412), and the same protocols
// arriving inside a GTP-U tunnel, which a UE should never send. It counts
// what it skips by reason: malformed messages by protocol (with the last
// error, naming packet number and byte offset), GTPv1-C, IP fragments.
// NGAP messages split over SCTP DATA chunk fragments are reassembled
// (RFC 9260 §3.3.1: B to E flag, consecutive TSNs, one stream and stream
// sequence number; 16 messages in progress of at most 64 KiB each), and
// the ones that cannot be are counted incomplete. With NullCiphered it reads the NAS
// messages of a core that ciphers with 5G-EA0 as plain (test beds do).
//
// Tracker turns events into rows of a dataset.Schema, so the feature
// pipeline, the models and the bundles take them unchanged:
//
//   - per signalling peer pair and time window (N4Schema): PFCP request
//     rates by message type, response ratio, rejections, session
//     establishments, modifications and deletions, orphan modifications and
//     deletions of SEIDs never established, FARs set to drop, buffer or
//     redirect, rules created and removed, heartbeats and the longest gap
//     between them, association setups, distinct SEIDs, unsupported message
//     types, GTPv2-C requests, Create/Delete Session requests and
//     rejections, signalling that arrived inside GTP-U (keyed by the
//     UE's token, never its address), and messages that failed to decode
//     (with Scanner.Malformed);
//   - per PFCP session (SessionSchema): its lifecycle (established,
//     rejected with which cause, modified, deleted, orphan), rules added,
//     updated and removed, FAR actions, reports, duration, and its user
//     plane: the GTP-U packets and bytes, uplink and downlink, of the
//     tunnels its F-TEIDs and Outer Header Creations set up;
//   - per UE on N2 (UESchema): its NGAP procedures and NAS messages,
//     registration attempts and rejections, authentication requests and
//     failures by 5GMM cause, identity requests (for the SUCI), security
//     mode, service requests, PDU session requests, and protocol errors;
//   - per gNB and window (GNBSchema): initial UE messages, distinct RAN UE
//     IDs, registrations, rejections, authentication failures, identity
//     requests, and protocol errors.
//
// The protocol errors are what a NAS or NGAP fuzzer sends and what the
// core answers it with (see UEColumns): NAS-PDUs that fail to decode or
// carry an undefined 5GMM or 5GSM message type (TS 24.501 §7.2, §7.4),
// 5GMM and 5GSM STATUS messages and the causes #95–#101, #111 of invalid
// messages (§5.4.6, Annex A, B), NGAP Error Indications (TS 38.413
// §8.7.5), Causes of the protocol group (§9.3.1.2), undefined procedure
// codes and, on gNB rows, NGAP PDUs that fail to decode.
//
// Subscriber identifiers (the mobile identity's value: SUCI, 5G-GUTI,
// IMEI; UE IP addresses) never reach a row or key: where a key must name a
// UE or a session it is a token of the keyed HMAC in internal/pseudo, the
// same one features.Pseudonymize uses.
//
// The user-plane join assumes one capture point that sees N4 and N3 (the
// F-TEIDs a PFCP message sets up are looked up in the GTP-U packets that
// follow it in the same capture, so the two must share a clock and an
// order), IPv4 tunnel endpoints, and TEIDs unique per endpoint address; a
// session's tunnels are forgotten when its deletion is answered.
//
// What differs from tshark 4.0.17, on purpose: IE 204 of PFCP
// (Requested Clock Drift Information) is a flags IE, which tshark
// dissects as grouped (one fuzzed message of ndpi/pfcp.pcapng); a NAS
// message with the reserved security header type 15 is rejected (tshark
// reads it as protected; one fuzzed message of dlteam5g/007d); a UDP
// datagram on port 2123 whose GTPv2 header claims length 0 is rejected
// (tshark flags it malformed). Representation only: tshark shows a
// vendor-specific PFCP IE's type in a field of its own, reads a Recovery
// Time Stamp below 2^31 as RFC 4330 era 1, and shows the addresses and IDs
// of Remote GTP-U Peer and Failed Rule ID IEs in the Node ID, PDR ID and
// FAR ID fields; the golden tests render the decoded messages the same way.
// The Scanner reassembles SCTP DATA fragments in capture order: it assumes
// the capture shows them in TSN order and without retransmissions.
//
// The UE rows keep the last SeqLen NGAP procedure and NAS message codes
// of each UE and derive from them and the registration state the
// transitions TS 23.502 §4.2.2.2.2 and TS 24.501 §5.5.1.2 do not expect
// (see SeqLen); the NAS-PDUs nested in PDU Session Resource lists count
// too (ngap.PDU.NestedNAS).
package fivegc
