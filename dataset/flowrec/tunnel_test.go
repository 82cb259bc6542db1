package flowrec

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/packet"
)

// TestTunnelElements: IANA's layer2SegmentId and GTP-U elements and
// VMware's tunnel elements (as Open vSwitch exports them) fill
// Record.Tunnel; the tunnels a
// flow.Tunnel cannot hold, reduced-size segment IDs (their type byte is
// gone) and elements of the wrong length leave it zero.
func TestTunnelElements(t *testing.T) {
	vtepA, vtepB := netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")
	a4, b4 := vtepA.As4(), vtepB.As4()
	segment := func(typ byte, id uint32) uint64 { return uint64(typ)<<56 | uint64(id) }
	var (
		seg8   = field{id: 351, length: 8}
		seg4   = field{id: 351, length: 4}
		typ    = field{id: 891, length: 1, pen: penVMware}
		typ2   = field{id: 891, length: 2, pen: penVMware}
		keyVar = field{id: 892, length: varLength, pen: penVMware}
		key4   = field{id: 892, length: 4, pen: penVMware}
		src    = field{id: 893, length: 4, pen: penVMware}
		dst    = field{id: 894, length: 4, pen: penVMware}
		teid   = field{id: 507, length: 4}
		teid2  = field{id: 507, length: 2}
		qfi    = field{id: 509, length: 1}
	)
	for _, tc := range []struct {
		name   string
		fields []field
		data   []byte
		want   flow.Tunnel
	}{
		{"segment vxlan", []field{seg8}, u64(segment(0x01, 5001)), flow.Tunnel{Kind: packet.TunnelVXLAN, VNI: 5001}},
		{"segment nvgre", []field{seg8}, u64(segment(0x02, 0xabcdef)), flow.Tunnel{Kind: packet.TunnelGRE, VNI: 0xabcdef}},
		{"segment reserved type", []field{seg8}, u64(segment(0x00, 7)), flow.Tunnel{}},
		{"segment unknown type", []field{seg8}, u64(segment(0x09, 7)), flow.Tunnel{}},
		{"segment reduced size", []field{seg4}, u32(5001), flow.Tunnel{}},
		{"vmware vxlan", []field{typ, keyVar, src, dst}, cat([]byte{0x01, 3, 0x00, 0x13, 0x89}, a4[:], b4[:]),
			flow.Tunnel{Kind: packet.TunnelVXLAN, VNI: 5001, OuterSrc: vtepA, OuterDst: vtepB}},
		{"vmware gre key", []field{typ, key4, src, dst}, cat([]byte{0x02}, u32(0xdeadbeef), a4[:], b4[:]),
			flow.Tunnel{Kind: packet.TunnelGRE, VNI: 0xdeadbeef, OuterSrc: vtepA, OuterDst: vtepB}},
		{"vmware ipsec gre", []field{typ, src, dst}, cat([]byte{0x05}, a4[:], b4[:]),
			flow.Tunnel{Kind: packet.TunnelGRE, OuterSrc: vtepA, OuterDst: vtepB}},
		{"vmware geneve", []field{typ, keyVar}, []byte{0x07, 3, 0x01, 0x00, 0x00},
			flow.Tunnel{Kind: packet.TunnelGeneve, VNI: 0x010000}},
		{"vmware stt: no tunnel kind", []field{typ, keyVar, src}, cat([]byte{0x04, 8}, u64(1<<40), a4[:]), flow.Tunnel{}},
		{"vmware lisp: no tunnel kind", []field{typ, src}, cat([]byte{0x03}, a4[:]), flow.Tunnel{}},
		{"vmware key longer than 32 bits", []field{typ, keyVar}, cat([]byte{0x02, 8}, u64(1<<40)), flow.Tunnel{Kind: packet.TunnelGRE}},
		{"vmware before segment", []field{seg8, typ, keyVar}, cat(u64(segment(0x02, 9)), []byte{0x01, 3, 0, 0, 42}),
			flow.Tunnel{Kind: packet.TunnelVXLAN, VNI: 42}},
		{"type of the wrong length", []field{typ2, src}, cat(u16(1), a4[:]), flow.Tunnel{}},
		{"gtp-u teid and qfi", []field{teid, qfi}, cat(u32(0x1234abcd), []byte{0xc9}),
			flow.Tunnel{Kind: packet.TunnelGTPU, TEID: 0x1234abcd, QFI: 9, HasQFI: true}},
		{"gtp-u teid alone", []field{teid}, u32(7), flow.Tunnel{Kind: packet.TunnelGTPU, TEID: 7}},
		{"gtp-u qfi alone", []field{qfi}, []byte{9}, flow.Tunnel{}},
		{"gtp-u teid of the wrong length", []field{teid2}, u16(7), flow.Tunnel{}},
		{"addresses without a type", []field{src, dst}, cat(a4[:], b4[:]), flow.Tunnel{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(Config{})
			fs := append(append([]field{}, basic...), tc.fields...)
			data := cat(basicRecord("10.0.0.1", "10.0.0.2", 1234, 80, 6, 0x1b, 10, 1500, 0, 0), tc.data)
			recs, err := d.Decode(nil, exp1, ipfix(0, 1, 100, set(2, tmpl(300, fs...)), set(300, data)), t0)
			require.NoError(t, err)
			require.Len(t, recs, 1)
			assert.Equal(t, tc.want, recs[0].Tunnel)
			assert.Equal(t, uint16(80), recs[0].Key.DstPort, "the fields around the tunnel's are read in place")
			assert.Equal(t, uint64(1500), recs[0].FwdBytes)
		})
	}
}

// TestTunnelElementsV9: NetFlow v9 has no enterprise elements, but
// layer2SegmentId's number is read there too.
func TestTunnelElementsV9(t *testing.T) {
	d := NewDecoder(Config{})
	fs := append(append([]field{}, basic[:8]...), field{id: 351, length: 8})
	data := cat(basicRecord("10.0.0.1", "10.0.0.2", 1, 2, 17, 0, 2, 120, 0, 0)[:26], u64(0x01<<56|77))
	recs, err := d.Decode(nil, exp1, v9(0, 1, 1000, 100, 2, set(0, tmpl(300, fs...)), set(300, data)), t0)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, flow.Tunnel{Kind: packet.TunnelVXLAN, VNI: 77}, recs[0].Tunnel)
}
