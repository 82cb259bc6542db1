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
// error, naming packet number and byte offset), GTPv1-C, IP fragments,
// SCTP DATA fragments (not reassembled).
//
// Tracker turns events into rows of a dataset.Schema, so the feature
// pipeline, the models and the bundles take them unchanged: one row per
// N4 peer pair and time window (PFCP request rates by message type,
// response ratio, rejections, session establishments, modifications and
// deletions, orphan modifications and deletions of SEIDs never
// established, FARs set to drop or redirect, heartbeats, association
// setups, distinct SEIDs, PFCP inside GTP-U) and one row per UE on N2 (its
// NGAP procedures and NAS messages, registration attempts and rejections,
// authentication failures, identity requests by identity type). Subscriber
// identifiers (the mobile identity's value: SUCI, 5G-GUTI, IMEI; UE IP
// addresses) never reach a row: the keys that name a UE are tokens of the
// keyed HMAC in internal/pseudo, the same one features.Pseudonymize uses.
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
// The Scanner does not reassemble SCTP DATA fragments: one NGAP message of
// suci/registration-oneplus.pcapng, split over two chunks, is counted, not
// decoded.
package fivegc
