package flowrec

import (
	"encoding/binary"
	"time"

	"github.com/netwarden/netwarden/dataset/flow"
)

// IPFIXWriter writes flow records as IPFIX messages (RFC 7011) in two
// templates of IANA elements, one for IPv4 and one for IPv6 flows, with
// RFC 5103 reverse counters for the backward direction: a small exporter
// for tests, benchmarks and replays of synthetic traffic to a collector.
// It is not safe for concurrent use.
type IPFIXWriter struct {
	// Domain is the observation domain ID written in each message.
	Domain uint32
	// MaxBytes bounds a message's length. Default 1400 (fits an Ethernet MTU).
	MaxBytes int
	// TemplateEvery re-sends the templates every so many messages, as UDP
	// exporters must. Default 1: every message.
	TemplateEvery int
	seq           uint32
	msgs          int
}

const (
	ipfixTemplate4 = 256
	ipfixTemplate6 = 257
)

var writerFields = [...]struct{ id, length uint16 }{
	{7, 2}, {11, 2}, {4, 1}, {6, 2}, {2, 8}, {1, 8}, {152, 8}, {153, 8},
	{0x8000 | 2, 8}, {0x8000 | 1, 8}, {0x8000 | 6, 2}, {10, 4}, {14, 4}, {32, 2}, {136, 1},
}

func writerRecordLen(v6 bool) int {
	n := 8
	if v6 {
		n = 32
	}
	for _, f := range writerFields {
		n += int(f.length)
	}
	return n
}

func appendTemplate(b []byte, id uint16, v6 bool) []byte {
	be := binary.BigEndian
	b = be.AppendUint16(b, id)
	b = be.AppendUint16(b, uint16(2+len(writerFields)))
	src, dst, l := uint16(8), uint16(12), uint16(4)
	if v6 {
		src, dst, l = 27, 28, 16
	}
	b = be.AppendUint16(be.AppendUint16(b, src), l)
	b = be.AppendUint16(be.AppendUint16(b, dst), l)
	for _, f := range writerFields {
		b = be.AppendUint16(be.AppendUint16(b, f.id), f.length)
		if f.id&0x8000 != 0 {
			b = be.AppendUint32(b, penReverse)
		}
	}
	return b
}

// Append appends one IPFIX message holding as many of recs as fit in
// MaxBytes (all of one address family: the family of recs[0]), exported
// at now, and returns it with the number of records written. Callers loop
// until every record is written.
func (w *IPFIXWriter) Append(dst []byte, recs []flow.Record, now time.Time) ([]byte, int) {
	be := binary.BigEndian
	maxBytes := w.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 1400
	}
	every := w.TemplateEvery
	if every <= 0 {
		every = 1
	}
	start := len(dst)
	dst = be.AppendUint16(dst, 10)
	dst = be.AppendUint16(dst, 0) // length, set below
	dst = be.AppendUint32(dst, uint32(now.Unix()))
	dst = be.AppendUint32(dst, w.seq)
	dst = be.AppendUint32(dst, w.Domain)
	if w.msgs%every == 0 {
		set := len(dst)
		dst = be.AppendUint32(dst, 2<<16)
		dst = appendTemplate(dst, ipfixTemplate4, false)
		dst = appendTemplate(dst, ipfixTemplate6, true)
		be.PutUint16(dst[set+2:], uint16(len(dst)-set))
	}
	w.msgs++
	if len(recs) == 0 {
		be.PutUint16(dst[start+2:], uint16(len(dst)-start))
		return dst, 0
	}
	v6 := recs[0].Key.Src.Is6()
	id := uint16(ipfixTemplate4)
	if v6 {
		id = ipfixTemplate6
	}
	rl := writerRecordLen(v6)
	set := len(dst)
	dst = be.AppendUint16(dst, id)
	dst = be.AppendUint16(dst, 0)
	n := 0
	for n < len(recs) && len(dst)-start+rl <= maxBytes && recs[n].Key.Src.Is6() == v6 {
		r := &recs[n]
		if v6 {
			a, b := r.Key.Src.As16(), r.Key.Dst.As16()
			dst = append(append(dst, a[:]...), b[:]...)
		} else {
			a, b := r.Key.Src.As4(), r.Key.Dst.As4()
			dst = append(append(dst, a[:]...), b[:]...)
		}
		sp, dp := r.Key.SrcPort, r.Key.DstPort
		var icmp uint16
		if r.Key.Proto == 1 || r.Key.Proto == 58 {
			sp, dp, icmp = 0, 0, uint16(r.ICMPType)<<8|uint16(r.ICMPCode)
		}
		dst = be.AppendUint16(dst, sp)
		dst = be.AppendUint16(dst, dp)
		dst = append(dst, r.Key.Proto)
		dst = be.AppendUint16(dst, r.FwdFlags)
		dst = be.AppendUint64(dst, r.FwdPackets)
		dst = be.AppendUint64(dst, r.FwdBytes)
		dst = be.AppendUint64(dst, uint64(r.Start.UnixMilli()))
		dst = be.AppendUint64(dst, uint64(r.End.UnixMilli()))
		dst = be.AppendUint64(dst, r.BwdPackets)
		dst = be.AppendUint64(dst, r.BwdBytes)
		dst = be.AppendUint16(dst, r.BwdFlags)
		dst = be.AppendUint32(dst, r.InputIf)
		dst = be.AppendUint32(dst, r.OutputIf)
		dst = be.AppendUint16(dst, icmp)
		dst = append(dst, ipfixEnd(r.Reason))
		n++
	}
	be.PutUint16(dst[set+2:], uint16(len(dst)-set))
	be.PutUint16(dst[start+2:], uint16(len(dst)-start))
	w.seq += uint32(n)
	return dst, n
}

// ipfixEnd is the inverse of endReason.
func ipfixEnd(e flow.EndReason) uint8 {
	switch e {
	case flow.EndIdle:
		return 1
	case flow.EndActive, flow.EndEarly:
		return 2
	case flow.EndFIN, flow.EndRST:
		return 3
	case flow.EndOfInput:
		return 4
	case flow.EndEvicted:
		return 5
	}
	return 0
}
