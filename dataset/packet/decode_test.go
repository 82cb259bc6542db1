package packet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeSeeds(t *testing.T) {
	seeds := seedFrames()
	var d Decoder
	var s Summary
	dec := func(name string) Reason {
		fr := seeds[name]
		return d.Decode(fr.data, fr.link, &s)
	}

	require.Equal(t, OK, dec("gtpu-qfi"))
	assert.Equal(t, TunnelGTPU, s.Tunnel)
	assert.Equal(t, uint32(7), s.TEID)
	assert.True(t, s.HasQFI)
	assert.Equal(t, uint8(9), s.QFI)
	assert.Equal(t, uint8(1), s.PDUType, "uplink")
	assert.Equal(t, ProtoTCP, s.Proto)
	assert.Equal(t, TCPFlagSYN|TCPFlagACK, s.TCPFlags)
	assert.Equal(t, uint16(2152), s.OuterDstPort)

	require.Equal(t, OK, dec("sctp-ngap"))
	assert.Equal(t, uint16(38412), s.DstPort)
	frame := seeds["sctp-ngap"].data
	it := s.Chunks(frame)
	var c SCTPChunk
	require.True(t, it.Next(&c))
	assert.Equal(t, SCTPData, c.Type)
	assert.Equal(t, PPIDNGAP, c.PPID)
	assert.Equal(t, uint16(0), c.StreamID)
	assert.Equal(t, []byte{0xde, 0xad, 0xbe, 0xef}, c.Payload)
	assert.Equal(t, len(frame)-4, c.PayloadOffset, "offset of the user data in the frame")
	assert.False(t, it.Next(&c))
	assert.Equal(t, OK, it.Err())

	require.Equal(t, OK, dec("ipv6-fragment"))
	assert.True(t, s.Fragment)
	assert.Equal(t, uint8(6), s.IPVersion)
	assert.Equal(t, ProtoUDP, s.Proto)

	require.Equal(t, OK, dec("vxlan"))
	assert.Equal(t, TunnelVXLAN, s.Tunnel)
	assert.Equal(t, uint32(1), s.VNI)
	assert.Equal(t, uint16(53), s.DstPort)

	require.Equal(t, OK, dec("gre-key"))
	assert.Equal(t, TunnelGRE, s.Tunnel)
	assert.True(t, s.GREKey)
	assert.Equal(t, uint32(5), s.VNI)
	assert.Equal(t, ProtoICMP, s.Proto)

	require.Equal(t, OK, dec("qinq"))
	assert.Equal(t, [2]uint16{10, 20}, s.VLAN)
	assert.Equal(t, uint8(2), s.VLANs)

	require.Equal(t, OK, dec("sll-gtpu"))
	assert.Equal(t, TunnelGTPU, s.Tunnel)
	require.Equal(t, OK, dec("null"))
	require.Equal(t, OK, dec("raw"))

	assert.Equal(t, ReasonTruncated, dec("truncated"))
	assert.Equal(t, 14, s.ErrOffset, "the IPv4 header at byte 14 is cut")
	assert.Equal(t, ReasonUnknownLink, d.Decode(frame, 4242, &s))

	closed := Decoder{Closed: 1 << TunnelGTPU}
	fr := seeds["gtpu-qfi"]
	require.Equal(t, OK, closed.Decode(fr.data, fr.link, &s))
	assert.Equal(t, TunnelNone, s.Tunnel)
	assert.Equal(t, ProtoUDP, s.Proto)
}
