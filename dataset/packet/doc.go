// Package packet reads packet captures and decodes each frame into a flat,
// reusable Summary: the innermost IP packet's addresses, its transport
// header and payload, and the attributes of the tunnel it arrived in
// (GTP-U TEID and QFI, VXLAN VNI, GRE key, outer addresses).
//
// Reader reads pcap (either byte order, micro- or nanosecond timestamps),
// pcapng (any number of sections and interfaces, per-interface link types
// and timestamp resolutions) and gzip-compressed captures of either,
// detecting each by its magic number. It yields frames with their 1-based
// packet number, timestamp, link type and byte offsets; damage is a
// *ParseError naming the file, packet number and byte offset.
//
// Decoder.Decode understands Ethernet (802.1Q, QinQ, MPLS, PPPoE,
// LLC/SNAP), Linux SLL and SLL2, raw IP (101, 228, 229, 12, 14), BSD
// NULL/LOOP and PPI; IPv4 and IPv6 with extension headers, fragments
// flagged; TCP, UDP, ICMP, ICMPv6 and SCTP (whose chunks Summary.Chunks
// iterates, DATA chunks with PPID, stream and payload); and the tunnels
// GTP-U (extension headers, PDU Session Container QFI), GRE (incl. ERSPAN
// II), VXLAN and IP-in-IP, decoding the inner packet. A frame it cannot
// decode gets a Reason (truncated, unknown link type, bad header length,
// …) for the caller to count. Decode allocates nothing.
//
// Live capture on Linux (AF_PACKET, no cgo) is in live_linux.go.
package packet
