package flowrec

import (
	"encoding/binary"
	"github.com/netwarden/netwarden/dataset/flow"
	"net/netip"
	"time"
)

// sFlow version 5 (sflow.org, "sFlow Version 5", 2004): a datagram header
// naming the agent, then samples. Flow samples (standard formats 1 and 3)
// become one Record each, of one packet, from their raw packet header
// (format 1) or sampled IPv4/IPv6 data (formats 3 and 4) record; counter
// samples carry no flows and are passed over.

const (
	sflowFlowSample         = 1
	sflowCounterSample      = 2
	sflowExpandedFlowSample = 3
	sflowExpandedCounter    = 4
)

type xdr struct {
	b   []byte
	off int
	bad bool
}

func (x *xdr) u32() uint32 {
	if len(x.b)-x.off < 4 {
		x.bad = true
		x.off = len(x.b)
		return 0
	}
	v := binary.BigEndian.Uint32(x.b[x.off:])
	x.off += 4
	return v
}

func (x *xdr) bytes(n int) []byte {
	if n < 0 || len(x.b)-x.off < n {
		x.bad = true
		x.off = len(x.b)
		return nil
	}
	v := x.b[x.off : x.off+n]
	x.off += n
	return v
}

// decodeSFlow decodes an sFlow v5 datagram.
func (d *Decoder) decodeSFlow(dst []Record, exporter netip.Addr, p []byte, now time.Time) []Record {
	x := xdr{b: p, off: 4}
	var agent netip.Addr
	switch x.u32() {
	case 1:
		if b := x.bytes(4); b != nil {
			agent = netip.AddrFrom4([4]byte(b))
		}
	case 2:
		if b := x.bytes(16); b != nil {
			agent = netip.AddrFrom16([16]byte(b)).Unmap()
		}
	default:
		d.fail(exporter, 4, ReasonTruncated, "sflow agent address type not 1 or 2")
		return dst
	}
	sub := x.u32()
	seq := x.u32()
	x.u32() // uptime
	n := x.u32()
	if x.bad {
		d.fail(exporter, 0, ReasonTruncated, "sflow header past the packet")
		return dst
	}
	d.sequence(exporter, d.domain(domainKey{addr: exporter, version: 5 << 8, domain: sub}), seq, 1)
	if !agent.IsValid() {
		agent = exporter
	}
	for range n {
		start := x.off
		format := x.u32()
		l := int(x.u32())
		body := x.bytes(l)
		if x.bad {
			d.fail(exporter, start, ReasonTruncated, "sflow sample past the packet")
			return dst
		}
		if format>>12 != 0 {
			continue // enterprise-specific sample
		}
		switch format & 0xfff {
		case sflowFlowSample, sflowExpandedFlowSample:
			var ok bool
			dst, ok = d.flowSample(dst, body, format&0xfff == sflowExpandedFlowSample, agent, sub, now)
			if !ok {
				d.fail(exporter, start, ReasonSample, "sflow flow sample damaged or without a packet header")
			}
		case sflowCounterSample, sflowExpandedCounter:
		default:
			d.fail(exporter, start, ReasonSample, "unknown sflow sample format")
		}
	}
	return dst
}

// flowSample turns one flow sample into a record.
func (d *Decoder) flowSample(dst []Record, b []byte, expanded bool, agent netip.Addr, sub uint32, now time.Time) ([]Record, bool) {
	x := xdr{b: b}
	var r Record
	x.u32() // sequence
	if expanded {
		x.u32() // source id type
		x.u32() // source id index
	} else {
		x.u32()
	}
	r.SamplingRate = x.u32()
	x.u32() // sample pool
	x.u32() // drops
	if expanded {
		x.u32()
		r.InputIf = x.u32()
		x.u32()
		r.OutputIf = x.u32()
	} else {
		r.InputIf = x.u32() & 0x3fffffff
		r.OutputIf = x.u32() & 0x3fffffff
	}
	n := x.u32()
	if x.bad {
		return dst, false
	}
	found := false
	for range n {
		format := x.u32()
		rec := x.bytes(int(x.u32()))
		if x.bad {
			return dst, false
		}
		if format>>12 != 0 || found {
			continue
		}
		y := xdr{b: rec}
		switch format & 0xfff {
		case 1: // sampled header
			proto := y.u32()
			frameLen := y.u32()
			y.u32() // stripped
			hl := int(y.u32())
			h := y.bytes(hl)
			if y.bad || !parseHeader(&r, proto, h) {
				return dst, false
			}
			r.FwdFrameBytes = uint64(frameLen)
			found = true
		case 3, 4: // sampled IPv4 / IPv6
			r.FwdBytes = uint64(y.u32())
			r.Key.Proto = uint8(y.u32())
			if format&0xfff == 3 {
				if a := y.bytes(4); a != nil {
					r.Key.Src = netip.AddrFrom4([4]byte(a))
				}
				if a := y.bytes(4); a != nil {
					r.Key.Dst = netip.AddrFrom4([4]byte(a))
				}
			} else {
				if a := y.bytes(16); a != nil {
					r.Key.Src = netip.AddrFrom16([16]byte(a))
				}
				if a := y.bytes(16); a != nil {
					r.Key.Dst = netip.AddrFrom16([16]byte(a))
				}
			}
			r.Key.SrcPort = uint16(y.u32())
			r.Key.DstPort = uint16(y.u32())
			r.FwdFlags = uint16(y.u32()) & 0x1ff
			r.ToS = uint8(y.u32())
			if y.bad {
				return dst, false
			}
			found = true
		}
	}
	if !found {
		return dst, false
	}
	r.FwdPackets = 1
	r.Start, r.End = now, now
	d.finish(&r, agent, sub, flow.SourceSFlow, 0)
	d.cur.Records++
	return append(dst, r), true
}

// parseHeader reads addresses, protocol, ports and TCP flags from the
// first bytes of a sampled packet (sFlow header protocol 1 Ethernet, 11
// IPv4, 12 IPv6); it reports false when no IP header is there.
func parseHeader(r *Record, proto uint32, h []byte) bool {
	be := binary.BigEndian
	switch proto {
	case 1:
		if len(h) < 14 {
			return false
		}
		et := be.Uint16(h[12:])
		h = h[14:]
		for (et == 0x8100 || et == 0x88a8 || et == 0x9100) && len(h) >= 4 {
			et = be.Uint16(h[2:])
			h = h[4:]
		}
		switch et {
		case 0x0800:
			proto = 11
		case 0x86dd:
			proto = 12
		default:
			return false
		}
	case 11, 12:
	default:
		return false
	}
	var l4 []byte
	var next uint8
	if proto == 11 {
		if len(h) < 20 || h[0]>>4 != 4 {
			return false
		}
		ihl := int(h[0]&0xf) * 4
		r.ToS = h[1]
		r.FwdBytes = uint64(be.Uint16(h[2:]))
		next = h[9]
		r.Key.Src = netip.AddrFrom4([4]byte(h[12:16]))
		r.Key.Dst = netip.AddrFrom4([4]byte(h[16:20]))
		if be.Uint16(h[6:])&0x1fff == 0 && ihl >= 20 && ihl <= len(h) {
			l4 = h[ihl:]
		}
	} else {
		if len(h) < 40 || h[0]>>4 != 6 {
			return false
		}
		r.ToS = h[0]<<4 | h[1]>>4
		r.FwdBytes = 40 + uint64(be.Uint16(h[4:]))
		next = h[6]
		r.Key.Src = netip.AddrFrom16([16]byte(h[8:24]))
		r.Key.Dst = netip.AddrFrom16([16]byte(h[24:40]))
		l4 = h[40:]
		// Skip the extension headers that have the generic layout.
		for i := 0; i < 8 && (next == 0 || next == 43 || next == 60) && len(l4) >= 8; i++ {
			n := (int(l4[1]) + 1) * 8
			next = l4[0]
			if n > len(l4) {
				l4 = nil
				break
			}
			l4 = l4[n:]
		}
		if next == 44 {
			l4 = nil // a fragment: ports may not be here
		}
	}
	r.Key.Proto = next
	switch next {
	case 6:
		if len(l4) >= 14 {
			r.Key.SrcPort, r.Key.DstPort = be.Uint16(l4), be.Uint16(l4[2:])
			r.FwdFlags = uint16(l4[12]&1)<<8 | uint16(l4[13])
		}
	case 17, 132:
		if len(l4) >= 4 {
			r.Key.SrcPort, r.Key.DstPort = be.Uint16(l4), be.Uint16(l4[2:])
		}
	case 1, 58:
		if len(l4) >= 2 {
			r.ICMPType, r.ICMPCode = l4[0], l4[1]
		}
	}
	return true
}
