package flowrec

import (
	"encoding/binary"
	"github.com/netwarden/netwarden/dataset/flow"
	"net/netip"
	"time"
)

// NetFlow v5 layout (Cisco, "NetFlow Export Datagram Format", version 5):
// a 24-byte header and up to 30 records of 48 bytes.
const (
	v5HeaderLen = 24
	v5RecordLen = 48
	v5MaxCount  = 30
)

// decodeV5 decodes a NetFlow v5 packet.
func (d *Decoder) decodeV5(dst []Record, exporter netip.Addr, p []byte) []Record {
	if len(p) < v5HeaderLen {
		d.fail(exporter, 0, ReasonTruncated, "netflow v5 header needs 24 bytes")
		return dst
	}
	be := binary.BigEndian
	count := int(be.Uint16(p[2:]))
	uptime := be.Uint32(p[4:])
	secs := be.Uint32(p[8:])
	nsecs := be.Uint32(p[12:])
	seq := be.Uint32(p[16:])
	engine := uint32(p[20])<<8 | uint32(p[21])
	// The top two bits are the sampling mode, the other 14 the interval.
	rate := uint32(be.Uint16(p[22:]) & 0x3fff)
	if count > v5MaxCount {
		d.fail(exporter, 2, ReasonTruncated, "netflow v5 count above 30")
		count = v5MaxCount
	}
	n := (len(p) - v5HeaderLen) / v5RecordLen
	if n < count {
		d.fail(exporter, v5HeaderLen+n*v5RecordLen, ReasonTruncated, "netflow v5 records past the packet")
		count = n
	}
	ds := d.domain(domainKey{addr: exporter, version: 5, domain: engine})
	d.sequence(exporter, ds, seq, int(be.Uint16(p[2:])))
	exportMs := int64(secs)*1000 + int64(nsecs)/1e6
	for i := range count {
		b := p[v5HeaderLen+i*v5RecordLen:][:v5RecordLen]
		dst = append(dst, Record{})
		r := &dst[len(dst)-1]
		r.Key.Src = netip.AddrFrom4([4]byte(b[0:4]))
		r.Key.Dst = netip.AddrFrom4([4]byte(b[4:8]))
		r.InputIf = uint32(be.Uint16(b[12:]))
		r.OutputIf = uint32(be.Uint16(b[14:]))
		r.FwdPackets = uint64(be.Uint32(b[16:]))
		r.FwdBytes = uint64(be.Uint32(b[20:]))
		r.Start = uptimeTime(exportMs, uptime, be.Uint32(b[24:]))
		r.End = uptimeTime(exportMs, uptime, be.Uint32(b[28:]))
		r.Key.SrcPort = be.Uint16(b[32:])
		r.Key.DstPort = be.Uint16(b[34:])
		r.FwdFlags = uint16(b[37])
		r.Key.Proto = b[38]
		r.ToS = b[39]
		d.finish(r, exporter, engine, flow.SourceNetFlowV5, rate)
	}
	d.cur.Records += uint64(count)
	return dst
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// uptimeTime places an uptime stamp (ms since the exporter booted) in
// time, given the export time and the uptime at export; the signed
// difference survives the 49.7-day wrap of the 32-bit uptime.
func uptimeTime(exportMs int64, uptime, at uint32) time.Time {
	return msTime(exportMs - int64(int32(uptime-at)))
}
