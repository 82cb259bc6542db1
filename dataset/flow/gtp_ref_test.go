package flow

import (
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/netwarden/netwarden/dataset/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGTPUEqualsTshark decodes every GTP-U T-PDU of the shared captures and
// compares the TEID, the inner addresses and the inner ports with tshark's
// decode of the same frame (testdata/gtp, written by make_refs.sh).
func TestGTPUEqualsTshark(t *testing.T) {
	dir := pcapDir(t)
	var frames, same, nonIP, reassembled int
	for _, name := range manifest(t, dir) {
		ref := filepath.Join("testdata", "gtp", name+".tsv")
		b, err := os.ReadFile(ref)
		if err != nil {
			continue
		}
		want := map[int64][]string{}
		for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			if line == "" {
				continue
			}
			c := strings.Split(line, "\t")
			n, err := strconv.ParseInt(c[0], 10, 64)
			require.NoError(t, err, "%s: %q", ref, line)
			want[n] = c
		}
		r, err := packet.Open(filepath.Join(dir, name))
		require.NoError(t, err)
		var f packet.Frame
		var s packet.Summary
		var d packet.Decoder
		for r.Next(&f) == nil {
			c, ok := want[f.Number]
			if !ok {
				continue
			}
			frames++
			reason := d.DecodeFrame(&f, &s)
			first := func(field string, i int) string {
				v := strings.Split(field, ",")
				if i < len(v) {
					return v[i]
				}
				return ""
			}
			// inner IPv4 follows the outer one in ip.src; an IPv6 inner is ipv6.src's first
			innerSrc, innerDst := first(c[2], 1), first(c[3], 1)
			if innerSrc == "" {
				innerSrc, innerDst = first(c[4], 0), first(c[5], 0)
			}
			if innerSrc == "" {
				nonIP++ // an Ethernet or unstructured PDU, or a T-PDU tshark could not open
				assert.NotEqual(t, packet.TunnelGTPU, s.Tunnel, "%s frame %d", name, f.Number)
				continue
			}
			teid, err := strconv.ParseUint(strings.TrimPrefix(first(c[1], 0), "0x"), 16, 32)
			require.NoError(t, err)
			if s.FragOffset > 0 {
				// tshark reassembles the outer datagram and shows the T-PDU on
				// its last fragment; the meter attributes the fragment to the
				// flow of the first, whose T-PDU it decoded
				reassembled++
				continue
			}
			if !assert.Equal(t, packet.OK, reason, "%s frame %d", name, f.Number) {
				continue
			}
			ok = assert.Equal(t, packet.TunnelGTPU, s.Tunnel, "%s frame %d", name, f.Number)
			ok = assert.Equal(t, uint32(teid), s.TEID, "%s frame %d TEID", name, f.Number) && ok
			ok = assert.Equal(t, netip.MustParseAddr(innerSrc), s.Src, "%s frame %d", name, f.Number) && ok
			ok = assert.Equal(t, netip.MustParseAddr(innerDst), s.Dst, "%s frame %d", name, f.Number) && ok
			// ports of the inner transport (not of a header quoted in ICMP)
			if p := first(c[6], 0); p != "" && s.Proto == packet.ProtoTCP {
				ok = assert.Equal(t, p+">"+first(c[7], 0), strconv.Itoa(int(s.SrcPort))+">"+strconv.Itoa(int(s.DstPort)), "%s frame %d TCP", name, f.Number) && ok
			} else if p := first(c[8], 1); p != "" && s.Proto == packet.ProtoUDP {
				ok = assert.Equal(t, p+">"+first(c[9], 1), strconv.Itoa(int(s.SrcPort))+">"+strconv.Itoa(int(s.DstPort)), "%s frame %d UDP", name, f.Number) && ok
			}
			if ok {
				same++
			}
		}
		r.Close()
	}
	require.Positive(t, frames, "no GTP-U references under testdata/gtp: run make_refs.sh")
	t.Logf("%d GTP-U T-PDUs: %d equal to tshark's decode (TEID, inner addresses and ports), %d without an inner IP packet, %d last fragments of an outer datagram tshark reassembled", frames, same, nonIP, reassembled)
	assert.Equal(t, frames, same+nonIP+reassembled)
}
