package fivegc

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/fivegc/ngap"
	"github.com/netwarden/netwarden/dataset/packet"
)

// writeFragmented writes a capture where a PDU Session Resource Setup
// Request (with its nested NAS-PDUs) travels in three DATA chunk
// fragments (B, middle, E; consecutive TSNs, one stream sequence number),
// then a message whose end fragment never comes.
func writeFragmented(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	pw := newPcapWriter(&buf)
	amf := netip.MustParseAddr("10.100.0.1")
	gnb := netip.MustParseAddr("10.100.1.1")
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	nasPDU := append(nasPlain(0x68, 0x01), lvE([]byte{0x2e, 0x05, 0x01, 0xcb})...)
	pdu := ngapPDU(0, 29, 0, ieAMFUEID(1), ieRANUEID(1), ieSessionList(74, sessionItem{5, nasPDU}, sessionItem{6, nasPDU}))
	third := len(pdu) / 3
	parts := [][]byte{pdu[:third], pdu[third : 2*third], pdu[2*third:]}
	flags := []uint8{0x02, 0x00, 0x01}
	tsn := uint32(100)
	for i, p := range parts {
		pw.write(at.Add(time.Duration(i)*time.Millisecond),
			ipv4(amf, gnb, 132, uint16(i+1), sctpDataFlags(flags[i], 38412, 38412, 0x5eed, tsn, 1, 7, 60, p)))
		tsn++
	}
	pw.write(at.Add(10*time.Millisecond), ipv4(amf, gnb, 132, 9, sctpDataFlags(0x02, 38412, 38412, 0x5eed, tsn, 1, 8, 60, pdu[:third])))
	require.NoError(t, pw.err)
	return buf.Bytes()
}

// TestSCTPReassembly: the three fragments make one NGAP PDU with both
// nested NAS-PDUs; the message without its end counts incomplete; tshark,
// when present, reassembles the same PDU.
func TestSCTPReassembly(t *testing.T) {
	data := writeFragmented(t)
	r, err := packet.NewReader(bytes.NewReader(data), "fragmented")
	require.NoError(t, err)
	s := NewScanner(r)
	var got []ngap.Procedure
	nested := 0
	for {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if ev.Proto == ProtoNGAP {
			got = append(got, ev.NGAP.Procedure)
			nested += len(ev.NGAP.NestedNAS)
			assert.Equal(t, uint32(1), ev.NGAP.RANUEID)
		}
	}
	c := s.Counts()
	assert.Equal(t, []ngap.Procedure{ngap.PDUSessionResourceSetup}, got)
	assert.Equal(t, 2, nested)
	assert.Equal(t, int64(4), c.SCTPFragments)
	assert.Equal(t, int64(1), c.SCTPReassembled)
	assert.Equal(t, int64(1), c.SCTPIncomplete)
	needTshark(t)
	path := filepath.Join(t.TempDir(), "fragmented.pcap")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	out, err := exec.Command("tshark", "-r", path, "-Y", "ngap", "-T", "fields", "-e", "frame.number", "-e", "ngap.procedureCode", "-e", "nas_5gs.sm.message_type").Output()
	require.NoError(t, err)
	assert.Equal(t, "3\t29\t0xcb,0xcb", strings.TrimSpace(string(out)), "tshark reassembles the PDU in the E fragment's frame")
}

// TestSCTPReassemblyBounds: a stray end fragment, a gap in the TSNs and
// more messages in progress than slots each count incomplete; steady
// state allocates nothing.
func TestSCTPReassemblyBounds(t *testing.T) {
	var r reassembly
	k := fragKey{stream: 1}
	c := packet.SCTPChunk{Ending: true, TSN: 5, Payload: []byte{1}}
	_, lost := r.add(k, &c)
	assert.Equal(t, 1, lost, "end without beginning")
	c = packet.SCTPChunk{Beginning: true, TSN: 1, Payload: []byte{1}}
	_, lost = r.add(k, &c)
	assert.Zero(t, lost)
	c = packet.SCTPChunk{Ending: true, TSN: 3, Payload: []byte{2}}
	msg, lost := r.add(k, &c)
	assert.Nil(t, msg)
	assert.Equal(t, 1, lost, "TSN gap")
	evicted := 0
	for i := 0; i < maxFrags+3; i++ {
		k.ssn = uint16(i)
		c = packet.SCTPChunk{Beginning: true, TSN: uint32(10 * i), Payload: []byte{1}}
		_, lost = r.add(k, &c)
		evicted += lost
	}
	assert.Equal(t, 3, evicted)
	assert.Equal(t, maxFrags, r.pending())
	big := make([]byte, maxFragBytes)
	n := testing.AllocsPerRun(100, func() {
		k.ssn = 1
		c = packet.SCTPChunk{Beginning: true, TSN: 1, Payload: big[:100]}
		r.add(k, &c)
		c = packet.SCTPChunk{Ending: true, TSN: 2, Payload: big[:100]}
		if m, _ := r.add(k, &c); len(m) != 200 {
			t.Fatal("not reassembled")
		}
	})
	assert.Zero(t, n)
}

// TestSCTPReassemblyUnordered: unordered messages (U flag) on one stream
// share no stream sequence number (RFC 9260 §3.3.1); two interleaved
// ones are told apart by their consecutive TSNs, and a gap still drops
// one message.
func TestSCTPReassemblyUnordered(t *testing.T) {
	tests := []struct {
		name   string
		chunks []packet.SCTPChunk
		want   []string
		lost   int
	}{
		{"interleaved", []packet.SCTPChunk{
			{Unordered: true, Beginning: true, TSN: 1, StreamSeq: 7, Payload: []byte("a1")},
			{Unordered: true, Beginning: true, TSN: 3, StreamSeq: 9, Payload: []byte("b1")},
			{Unordered: true, TSN: 2, Payload: []byte("a2")},
			{Unordered: true, TSN: 4, Payload: []byte("b2")},
			{Unordered: true, Ending: true, TSN: 5, Payload: []byte("b3")},
			{Unordered: true, Ending: true, TSN: 3, Payload: []byte("a3")},
		}, []string{"b1b2b3", "a1a2a3"}, 0},
		{"gap", []packet.SCTPChunk{
			{Unordered: true, Beginning: true, TSN: 1, Payload: []byte("a1")},
			{Unordered: true, Ending: true, TSN: 3, Payload: []byte("a2")},
		}, nil, 1},
		{"ordered on the same stream sequence number", []packet.SCTPChunk{
			{Beginning: true, TSN: 1, Payload: []byte("a1")},
			{Beginning: true, TSN: 2, Payload: []byte("b1")},
			{Ending: true, TSN: 3, Payload: []byte("b2")},
		}, []string{"b1b2"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reassembly
			var got []string
			lost := 0
			for i := range tt.chunks {
				m, l := r.add(fragKey{stream: 1, ssn: tt.chunks[i].StreamSeq}, &tt.chunks[i])
				lost += l
				if m != nil {
					got = append(got, string(m))
				}
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.lost, lost)
			assert.Zero(t, r.pending())
		})
	}
}
