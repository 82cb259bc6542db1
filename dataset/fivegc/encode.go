package fivegc

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/netip"
	"time"
)

// This file holds the encoders the synthetic traffic is written with: a
// classic pcap writer (LINKTYPE_RAW, one IPv4 packet per record), IPv4
// (RFC 791, with its header checksum), UDP (RFC 768, checksum 0), SCTP
// with one DATA chunk (RFC 9260, CRC32c checksum), GTP-U G-PDUs (TS
// 29.281), PFCP messages and IEs (TS 29.244), NGAP PDUs in aligned PER
// (TS 38.413, X.691) and NAS-5GS messages (TS 24.501).

// pcapWriter writes a classic pcap file, microsecond time stamps,
// LINKTYPE_RAW (101).
type pcapWriter struct {
	w   io.Writer
	buf []byte
	n   int
	err error
}

func newPcapWriter(w io.Writer) *pcapWriter {
	p := &pcapWriter{w: w}
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 101)
	_, p.err = w.Write(h)
	return p
}

func (p *pcapWriter) write(t time.Time, pkt []byte) {
	if p.err != nil {
		return
	}
	h := p.buf[:0]
	h = binary.LittleEndian.AppendUint32(h, uint32(t.Unix()))
	h = binary.LittleEndian.AppendUint32(h, uint32(t.Nanosecond()/1000))
	h = binary.LittleEndian.AppendUint32(h, uint32(len(pkt)))
	h = binary.LittleEndian.AppendUint32(h, uint32(len(pkt)))
	h = append(h, pkt...)
	p.buf = h
	_, p.err = p.w.Write(h)
	p.n++
}

// ipv4 wraps payload in an IPv4 header.
func ipv4(src, dst netip.Addr, proto uint8, id uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(b[4:], id)
	b[6] = 0x40 // DF
	b[8] = 64
	b[9] = proto
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[10:], ^uint16(sum))
	return append(b, payload...)
}

func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sctpData is an SCTP packet with one unfragmented DATA chunk.
func sctpData(sport, dport uint16, tag, tsn uint32, stream uint16, ssn uint16, ppid uint32, data []byte) []byte {
	return sctpDataFlags(0x03, sport, dport, tag, tsn, stream, ssn, ppid, data)
}

// sctpDataFlags is an SCTP packet with one DATA chunk of the given flags
// (0x02 B, 0x01 E: a fragment of a user message when not both, RFC 9260
// §3.3.1).
func sctpDataFlags(flags uint8, sport, dport uint16, tag, tsn uint32, stream uint16, ssn uint16, ppid uint32, data []byte) []byte {
	b := make([]byte, 12, 12+16+len(data)+3)
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], tag)
	c := []byte{0, flags, 0, 0} // DATA
	binary.BigEndian.PutUint16(c[2:], uint16(16+len(data)))
	c = binary.BigEndian.AppendUint32(c, tsn)
	c = binary.BigEndian.AppendUint16(c, stream)
	c = binary.BigEndian.AppendUint16(c, ssn)
	c = binary.BigEndian.AppendUint32(c, ppid)
	c = append(c, data...)
	for len(c)%4 != 0 {
		c = append(c, 0)
	}
	b = append(b, c...)
	// RFC 9260 Appendix A: CRC32c over the packet with a zero checksum
	// field, stored in network byte order as the reflected CRC's bytes.
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, castagnoli))
	return b
}

// gtpu wraps an inner IP packet in a GTP-U G-PDU (message type 255).
func gtpu(teid uint32, inner []byte) []byte {
	b := []byte{0x30, 0xff, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(inner)))
	b = binary.BigEndian.AppendUint32(b, teid)
	return append(b, inner...)
}

// PFCP encoding (TS 29.244 §7.2.2, §8.1.1).

func pfcpIE(t uint16, v ...[]byte) []byte {
	n := 0
	for _, x := range v {
		n += len(x)
	}
	b := make([]byte, 4, 4+n)
	binary.BigEndian.PutUint16(b, t)
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	for _, x := range v {
		b = append(b, x...)
	}
	return b
}

func pfcpMessage(typ uint8, session bool, seid uint64, seq uint32, ies ...[]byte) []byte {
	hl := 8
	if session {
		hl = 16
	}
	b := make([]byte, hl)
	b[0] = 0x20
	b[1] = typ
	o := 4
	if session {
		b[0] |= 1
		binary.BigEndian.PutUint64(b[4:], seid)
		o = 12
	}
	b[o], b[o+1], b[o+2] = byte(seq>>16), byte(seq>>8), byte(seq)
	for _, x := range ies {
		b = append(b, x...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
	return b
}

func u8(v uint8) []byte   { return []byte{v} }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func a4(a netip.Addr) []byte {
	x := a.As4()
	return x[:]
}

func ieNodeID(a netip.Addr) []byte { return pfcpIE(60, u8(0), a4(a)) }
func ieCause(c uint8) []byte       { return pfcpIE(19, u8(c)) }
func ieRecovery(s uint32) []byte   { return pfcpIE(96, u32(s)) }
func ieFSEID(seid uint64, a netip.Addr) []byte {
	return pfcpIE(57, u8(0x02), binary.BigEndian.AppendUint64(nil, seid), a4(a))
}
func ieFTEID(teid uint32, a netip.Addr) []byte { return pfcpIE(21, u8(0x01), u32(teid), a4(a)) }
func ieUEIP(a netip.Addr, dst bool) []byte {
	f := uint8(0x02)
	if dst {
		f |= 0x04
	}
	return pfcpIE(93, u8(f), a4(a))
}
func ieApply(flags uint8) []byte    { return pfcpIE(44, u8(flags)) }
func ieFARID(id uint32) []byte      { return pfcpIE(108, u32(id)) }
func iePDRID(id uint16) []byte      { return pfcpIE(56, u16(id)) }
func ieDstInterface(i uint8) []byte { return pfcpIE(42, u8(i)) }
func ieSrcInterface(i uint8) []byte { return pfcpIE(20, u8(i)) }
func iePrecedence(p uint32) []byte  { return pfcpIE(29, u32(p)) }
func ieOHC(teid uint32, a netip.Addr) []byte {
	return pfcpIE(84, u16(0x0100), u32(teid), a4(a))
}
func ieRedirect(url string) []byte {
	return pfcpIE(38, u8(2), u16(uint16(len(url))), []byte(url)) // URL
}

// NGAP encoding in aligned PER (X.691), the subset TS 38.413 messages
// here need.

func perLen(n int) []byte {
	if n < 128 {
		return []byte{byte(n)}
	}
	return []byte{0x80 | byte(n>>8), byte(n)}
}

func ngapIE(id uint16, crit uint8, value []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = append(b, crit<<6)
	b = append(b, perLen(len(value))...)
	return append(b, value...)
}

func ngapPDU(pduType uint8, proc uint8, crit uint8, ies ...[]byte) []byte {
	v := []byte{0x00}
	v = binary.BigEndian.AppendUint16(v, uint16(len(ies)))
	for _, x := range ies {
		v = append(v, x...)
	}
	b := []byte{pduType << 5, proc, crit << 6}
	b = append(b, perLen(len(v))...)
	return append(b, v...)
}

// apInt encodes a constrained whole number of a range above 64K: the
// octet count minus one in lenBits bits (top of the first octet), then
// the octets.
func apInt(x uint64, lenBits uint) []byte {
	n := 1
	for y := x >> 8; y != 0; y >>= 8 {
		n++
	}
	b := []byte{byte(n-1) << (8 - lenBits)}
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(x>>(8*i)))
	}
	return b
}

func ieRANUEID(id uint32) []byte { return ngapIE(85, 0, apInt(uint64(id), 2)) }
func ieAMFUEID(id uint64) []byte { return ngapIE(10, 0, apInt(id, 3)) }
func ieNAS(nas []byte) []byte {
	return ngapIE(38, 0, append(perLen(len(nas)), nas...))
}

// ieUserLocation is a UserLocationInformationNR (choice 1 of 3, no time
// stamp) with an NR-CGI (36-bit cell identity) and a TAI of PLMN 001/01.
func ieUserLocation(cell uint32, tac uint32) []byte {
	v := []byte{0x40, 0x00, 0xf1, 0x10}
	v = append(v, byte(cell>>28), byte(cell>>20), byte(cell>>12), byte(cell>>4), byte(cell<<4))
	v = append(v, 0x00, 0xf1, 0x10, byte(tac>>16), byte(tac>>8), byte(tac))
	return ngapIE(121, 1, v)
}

// ieRRCCause is an RRCEstablishmentCause: an extensible ENUMERATED of 10
// root values (extension bit, then 4 bits).
func ieRRCCause(c uint8) []byte { return ngapIE(90, 1, []byte{c << 3}) }

// ieNGAPCause is a Cause (TS 38.413 §9.3.1.2: a CHOICE of 6 alternatives
// with no extension marker, so a 3-bit index) of group g whose extensible
// ENUMERATED takes an extension bit (0) and its value in w bits.
func ieNGAPCause(g, value uint8, w uint) []byte {
	x := uint16(g)<<13 | uint16(value)<<(12-w)
	if 4+w <= 8 {
		return ngapIE(15, 1, []byte{byte(x >> 8)})
	}
	return ngapIE(15, 1, []byte{byte(x >> 8), byte(x)})
}

// ieCauseNASNormal is the Cause nas (2) normal-release (0 of the 4 root
// values, 2 bits).
func ieCauseNASNormal() []byte { return ieNGAPCause(2, 0, 2) }

// NAS-5GS encoding (TS 24.501 §8).

func nasPlain(mt uint8, body ...byte) []byte { return append([]byte{0x7e, 0x00, mt}, body...) }

// nasProtected wraps a plain 5GMM message in a security-protected header.
func nasProtected(sht uint8, mac uint32, seq uint8, inner []byte) []byte {
	b := []byte{0x7e, sht}
	b = binary.BigEndian.AppendUint32(b, mac)
	b = append(b, seq)
	return append(b, inner...)
}

// suci is a SUCI 5GS mobile identity with the null protection scheme
// (TS 24.501 Figure 9.11.3.4.3): MCC 001 MNC 01, the MSIN's digits.
func suci(msin uint64) []byte {
	b := []byte{0x01, 0x00, 0xf1, 0x10, 0xf0, 0xff, 0x00, 0x00}
	d := make([]byte, 10)
	for i := 9; i >= 0; i-- {
		d[i] = byte(msin % 10)
		msin /= 10
	}
	for i := 0; i < 10; i += 2 {
		b = append(b, d[i]|d[i+1]<<4)
	}
	return b
}

func lvE(v []byte) []byte { return append(binary.BigEndian.AppendUint16(nil, uint16(len(v))), v...) }

// sessionItem is one item of a PDU Session Resource Setup (SUReq, CxtReq)
// or Modify (ModReq) request list: the PDU session ID, its NAS-PDU (nil
// for none) and, for the setup lists, an S-NSSAI of SST 1 and SD 1; the
// transfer is an empty ProtocolIE-Container.
type sessionItem struct {
	id  uint8
	nas []byte
}

// ieSessionList encodes a PDU Session Resource list (IE 64, 71 or 74) in
// aligned PER: the count minus one in an octet, then per item its
// preamble (extension bit, NAS-PDU and iE-Extensions presence bits), the
// PDU session ID octet, the NAS-PDU, the S-NSSAI (preamble, the unaligned
// one-octet SST, the aligned three-octet SD) and the transfer.
func ieSessionList(id uint16, items ...sessionItem) []byte {
	v := []byte{byte(len(items) - 1)}
	for _, it := range items {
		pre := byte(0x00)
		if it.nas != nil {
			pre = 0x40
		}
		v = append(v, pre, it.id)
		if it.nas != nil {
			v = append(v, perLen(len(it.nas))...)
			v = append(v, it.nas...)
		}
		if id != 64 {
			// 0 (extension) 1 (SD present) 0 (no extensions), SST 1 in
			// the next 8 bits, padding; then the SD.
			v = append(v, 0x40, 0x20, 0x00, 0x00, 0x01)
		}
		transfer := []byte{0x00, 0x00, 0x00}
		v = append(v, perLen(len(transfer))...)
		v = append(v, transfer...)
	}
	return ngapIE(id, 0, v)
}
