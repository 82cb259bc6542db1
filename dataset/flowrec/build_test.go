package flowrec

import (
	"encoding/binary"
	"net/netip"
)

// Builders of export packets for the tests, written from RFC 3954 and
// RFC 7011 directly.

type field struct {
	id, length uint16
	pen        uint32
}

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// set returns a set (flowset) with its 4-byte header.
func set(id uint16, body ...[]byte) []byte {
	b := cat(body...)
	return cat(u16(id), u16(uint16(4+len(b))), b)
}

// tmpl returns a template record; pen fields are IPFIX enterprise elements.
func tmpl(id uint16, fs ...field) []byte {
	b := cat(u16(id), u16(uint16(len(fs))))
	for _, f := range fs {
		if f.pen != 0 {
			b = cat(b, u16(f.id|0x8000), u16(f.length), u32(f.pen))
		} else {
			b = cat(b, u16(f.id), u16(f.length))
		}
	}
	return b
}

// ipfixOptTmpl returns an IPFIX options template record.
func ipfixOptTmpl(id uint16, scope int, fs ...field) []byte {
	b := cat(u16(id), u16(uint16(len(fs))), u16(uint16(scope)))
	for _, f := range fs {
		b = cat(b, u16(f.id), u16(f.length))
	}
	return b
}

func ipfix(seq, domain, exportSec uint32, sets ...[]byte) []byte {
	body := cat(sets...)
	return cat(u16(10), u16(uint16(16+len(body))), u32(exportSec), u32(seq), u32(domain), body)
}

func v9(seq, source, uptime, unixSec uint32, count uint16, sets ...[]byte) []byte {
	return cat(u16(9), u16(count), u32(uptime), u32(unixSec), u32(seq), u32(source), cat(sets...))
}

// basic is a template of the elements most exporters send.
var basic = []field{
	{id: 8, length: 4}, {id: 12, length: 4}, {id: 7, length: 2}, {id: 11, length: 2},
	{id: 4, length: 1}, {id: 6, length: 1}, {id: 2, length: 4}, {id: 1, length: 8},
	{id: 152, length: 8}, {id: 153, length: 8},
}

func basicRecord(src, dst string, sp, dp uint16, proto, flags uint8, pkts uint32, bytes uint64, startMs, endMs uint64) []byte {
	s := netip.MustParseAddr(src).As4()
	d := netip.MustParseAddr(dst).As4()
	return cat(s[:], d[:], u16(sp), u16(dp), []byte{proto, flags}, u32(pkts), u64(bytes), u64(startMs), u64(endMs))
}

var exp1 = netip.MustParseAddr("192.0.2.1")
