package packet

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refSummary is what gopacket's layers say about a frame: the innermost
// IP header's addresses and protocol and the transport ports after it.
type refSummary struct {
	ok       bool
	ver      uint8
	src, dst string
	proto    uint8
	sp, dp   uint16
	flags    uint16
	failed   bool // gopacket reported a decode failure somewhere
}

func addr(b []byte) string {
	a, _ := netip.AddrFromSlice(b)
	return a.String()
}

func gopacketSummary(data []byte, link LinkType) refSummary {
	p := gopacket.NewPacket(data, layers.LinkType(link), gopacket.DecodeOptions{NoCopy: true})
	var r refSummary
	for _, l := range p.Layers() {
		switch v := l.(type) {
		case *layers.IPv4:
			r = refSummary{ok: true, ver: 4, proto: uint8(v.Protocol)}
			r.src, r.dst = addr(v.SrcIP.To4()), addr(v.DstIP.To4())
		case *layers.IPv6:
			r = refSummary{ok: true, ver: 6, proto: uint8(v.NextHeader)}
			r.src, r.dst = addr(v.SrcIP.To16()), addr(v.DstIP.To16())
		case *layers.IPv6Fragment:
			r.proto = uint8(v.NextHeader)
		case *layers.IPv6HopByHop:
			r.proto = uint8(v.NextHeader)
		case *layers.IPv6Destination:
			r.proto = uint8(v.NextHeader)
		case *layers.IPv6Routing:
			r.proto = uint8(v.NextHeader)
		case *layers.TCP:
			r.sp, r.dp = uint16(v.SrcPort), uint16(v.DstPort)
			if len(v.Contents) >= 14 {
				r.flags = uint16(v.Contents[13]) | uint16(v.Contents[12]&1)<<8
			}
		case *layers.UDP:
			r.sp, r.dp = uint16(v.SrcPort), uint16(v.DstPort)
		case *layers.SCTP:
			r.sp, r.dp = uint16(v.SrcPort), uint16(v.DstPort)
		}
	}
	r.failed = p.ErrorLayer() != nil
	return r
}

// TestDecodeEqualsGopacket decodes every frame of every shared capture with
// Decode and with gopacket's layers and requires the same innermost
// addresses, protocol, ports and TCP flags wherever both decode the frame.
// Frames where only one side decodes are counted and logged.
func TestDecodeEqualsGopacket(t *testing.T) {
	dir := pcapDir(t)
	var total, same, onlyUs, onlyThem, theirErr, tunnelOnlyUs int
	defer func() {
		t.Logf("%d frames: %d agree, %d decoded only by us, %d only by gopacket (bad IP version, or not IP inside a tunnel gopacket does not open), %d where gopacket reports a failure and we differ, %d in a tunnel only we open", total, same, onlyUs, onlyThem, theirErr, tunnelOnlyUs)
	}()
	var d Decoder
	var s Summary
	for _, p := range captures(t, dir) {
		name, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		r, err := NewReader(bytes.NewReader(b), name)
		require.NoError(t, err)
		var f Frame
		shown := 0
		for r.Next(&f) == nil {
			total++
			reason := d.DecodeFrame(&f, &s)
			ref := gopacketSummary(f.Data, f.Link)
			switch {
			case reason != OK && !ref.ok:
				same++
				continue
			case reason == OK && !ref.ok:
				onlyUs++
				continue
			case reason != OK && ref.failed:
				theirErr++
				continue
			case reason == ReasonBadVersion || (reason == ReasonNotIP && s.Tunnels > 0):
				// gopacket ignores the IP version nibble (tshark, like Decode,
				// calls it bogus), and it does not open GRE's Ethernet payloads,
				// where Decode finds ARP and the like
				onlyThem++
				continue
			case reason == ReasonTruncated && ref.proto == s.Proto && ref.sp == 0 && ref.dp == 0 && !s.Fragment:
				// gopacket, too, read no transport header
				onlyThem++
				continue
			case reason == ReasonTruncated && s.Tunnels > 0 && ref.src == s.OuterSrc.String():
				// cut inside a tunnel gopacket leaves closed
				onlyThem++
				continue
			case reason != OK:
				onlyThem++
				t.Errorf("%s packet %d: we say %v at %d, gopacket decodes %+v", name, f.Number, reason, s.ErrOffset, ref)
				continue
			}
			got := refSummary{ok: true, failed: ref.failed, ver: s.IPVersion, src: s.Src.String(), dst: s.Dst.String(), proto: s.Proto, sp: s.SrcPort, dp: s.DstPort, flags: s.TCPFlags}
			if s.Fragment && got != ref {
				// gopacket does not decode the transport header of fragments
				got.sp, got.dp, got.flags = ref.sp, ref.dp, ref.flags
			}
			if s.Tunnels > 0 && got != ref && ref.src == s.OuterSrc.String() && ref.dst == s.OuterDst.String() {
				// a tunnel gopacket leaves closed: ERSPAN, GRE's Ethernet
				// bridging, GTP-U in an outer fragment
				tunnelOnlyUs++
				continue
			}
			if ref.failed && got != ref {
				theirErr++
				continue
			}
			if assert.Equal(t, ref, got, "%s packet %d", name, f.Number) {
				same++
			} else if shown++; shown > 3 {
				t.FailNow()
			}
		}
	}
}
