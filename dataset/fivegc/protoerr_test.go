package fivegc

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/packet"
)

// writeProtocolErrors writes a capture of the erroneous messages a NAS and
// NGAP fuzzer sends and the error reports a core answers them with, all
// of one UE (RAN UE NGAP ID 1) on one gNB, in this order:
//
//  1. Initial UE Message, Registration Request (well formed);
//  2. UL NAS Transport whose 5GSM message has the undefined type 0xe1;
//  3. 5GMM STATUS, cause #97 (TS 24.501 §5.4.6, §7.4);
//  4. DL NAS Transport with 5GSM STATUS, cause #97 (§8.3.16);
//  5. DL NAS Transport with PDU Session Establishment Reject, cause #26
//     (insufficient resources: no protocol error);
//  6. a 5GMM message of the undefined type 0x73;
//  7. Error Indication from the gNB naming the UE, Cause protocol
//     semantic-error (TS 38.413 §8.7.5, §9.3.1.2);
//  8. Error Indication from the AMF naming no UE, Cause protocol
//     transfer-syntax-error;
//  9. an Uplink NAS Transport whose NAS-PDU is too short to hold a message
//     type (TS 24.501 §7.2);
//  10. an Initial UE Message whose IE runs past the PDU (malformed NGAP).
func writeProtocolErrors(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	pw := newPcapWriter(&buf)
	amf := netip.MustParseAddr("10.100.0.1")
	gnb := netip.MustParseAddr("10.100.1.1")
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	sm := func(mt uint8, body ...byte) []byte {
		// A 5GSM message of PDU session 10, PTI 1 (TS 24.501 §9.4, §9.6).
		return append([]byte{0x2e, 0x0a, 0x01, mt}, body...)
	}
	transport := func(mt uint8, inner []byte) []byte {
		// UL/DL NAS Transport, payload container type N1 SM, the PDU
		// session ID IE (TS 24.501 §8.2.10, §8.2.11).
		b := nasPlain(mt, 0x01)
		b = append(b, lvE(inner)...)
		return append(b, 0x12, 0x0a)
	}
	ul := func(n []byte) []byte { return ngapPDU(0, 46, 1, ieAMFUEID(1), ieRANUEID(1), ieNAS(n)) }
	dl := func(n []byte) []byte { return ngapPDU(0, 4, 1, ieAMFUEID(1), ieRANUEID(1), ieNAS(n)) }
	reg := nasPlain(0x41, 0x09)
	reg = append(reg, lvE(suci(1))...)
	bad := ngapPDU(0, 15, 1, ieRANUEID(2), ieNAS(reg), ieUserLocation(1, 1), ieRRCCause(3))
	bad[len(bad)-2] = 0x7f // the RRC establishment cause's length, past the end
	up, down := true, false
	msgs := []struct {
		up  bool
		pdu []byte
	}{
		{up, ngapPDU(0, 15, 1, ieRANUEID(1), ieNAS(reg), ieUserLocation(1, 1), ieRRCCause(3))},
		{up, ul(transport(0x67, sm(0xe1)))},
		{down, dl(nasPlain(0x64, 97))},
		{down, dl(transport(0x68, sm(0xd6, 97)))},
		{down, dl(transport(0x68, sm(0xc3, 26)))},
		{up, ul(nasPlain(0x73))},
		{up, ngapPDU(0, 9, 1, ieAMFUEID(1), ieRANUEID(1), ieNGAPCause(3, 4, 3))},
		{down, ngapPDU(0, 9, 1, ieNGAPCause(3, 0, 3))},
		{up, ul([]byte{0x7e, 0x00})},
		{up, bad},
	}
	for i, m := range msgs {
		src, dst, sport, dport := gnb, amf, uint16(40000), uint16(38412)
		if !m.up {
			src, dst, sport, dport = amf, gnb, dport, sport
		}
		pw.write(at.Add(time.Duration(i)*time.Millisecond),
			ipv4(src, dst, 132, uint16(i+1), sctpData(sport, dport, 0x5eed, uint32(i+1), 1, uint16(i), 60, m.pdu)))
	}
	require.NoError(t, pw.err)
	return buf.Bytes()
}

// TestProtocolErrorsCapture: testdata/protocol_errors.pcap is what
// writeProtocolErrors writes (WRITE_SEEDS=1 rewrites it), and tshark, when
// present, reads the same message types, causes and malformed PDU.
func TestProtocolErrorsCapture(t *testing.T) {
	path := committedCapture(t, "protocol_errors.pcap", writeProtocolErrors(t))
	needTshark(t)
	out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", "ngap.procedureCode", "-e", "nas_5gs.mm.message_type", "-e", "nas_5gs.sm.message_type",
		"-e", "nas_5gs.mm.5gmm_cause", "-e", "nas_5gs.sm.5gsm_cause", "-e", "ngap.Cause", "-e", "ngap.protocol").Output()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	require.Len(t, lines, 10)
	for i, w := range []string{
		"15\t0x41\t\t\t\t\t",
		"46\t0x67\t\t\t\t\t", // tshark names no type for 0xe1
		"4\t0x64\t\t97\t\t\t",
		"4\t0x68\t0xd6\t\t97\t\t",
		"4\t0x68\t0xc3\t\t26\t\t",
		"46\t\t\t\t\t\t",
		"9\t\t\t\t\t3\t4",
		"9\t\t\t\t\t3\t0",
	} {
		assert.Equal(t, w, lines[i], "tshark on message %d", i+1)
	}
	// tshark marks the too-short NAS-PDU malformed and the IE running past
	// the PDU an error.
	out, err = exec.Command("tshark", "-n", "-r", path, "-Y", "_ws.malformed || _ws.expert.severity == error", "-T", "fields", "-e", "frame.number").Output()
	require.NoError(t, err)
	assert.Equal(t, "9\n10\n", string(out), "the frames tshark finds erroneous")
}

// TestTrackerProtocolErrors: the protocol-error columns of the UE and gNB
// rows of testdata/protocol_errors.pcap count what writeProtocolErrors
// wrote; the malformed NGAP PDU reaches the gNB row only with
// Scanner.Malformed.
func TestTrackerProtocolErrors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "protocol_errors.pcap"))
	require.NoError(t, err)
	for _, malformed := range []bool{false, true} {
		r, err := packet.NewReader(bytes.NewReader(b), "protocol_errors")
		require.NoError(t, err)
		s := NewScanner(r)
		s.Malformed = malformed
		tr, err := NewTracker(Config{Key: testKey})
		require.NoError(t, err)
		feed(t, s, tr)
		require.Equal(t, 1, tr.UE().Len())
		require.Equal(t, 1, tr.GNB().Len())
		assert.Equal(t, int64(1), s.Counts().Malformed[ProtoNGAP])
		ue := map[string]float64{}
		for j, c := range UEColumns {
			ue[c] = tr.UE().Numeric(j)[0]
		}
		assert.Equal(t, map[string]float64{
			"nas_malformed": 1, "nas_unknown_type": 2, "nas_status": 1, "sm_status": 1,
			"protocol_error_cause": 2, "error_indication": 1, "ngap_protocol_cause": 1,
			"ngap_unknown_procedure": 0, "protocol_errors": 6,
		}, pick(ue, "nas_malformed", "nas_unknown_type", "nas_status", "sm_status", "protocol_error_cause",
			"error_indication", "ngap_protocol_cause", "ngap_unknown_procedure", "protocol_errors"))
		g := map[string]float64{}
		for j, c := range GNBColumns {
			g[c] = tr.GNB().Numeric(j)[0]
		}
		want := map[string]float64{
			"nas_malformed": 1, "nas_unknown_type": 2, "nas_status": 1, "sm_status": 1,
			"protocol_error_cause": 2, "error_indication": 2, "ngap_protocol_cause": 2,
			"ngap_unknown_procedure": 0, "ngap_malformed": 0, "protocol_errors": 7,
		}
		if malformed {
			want["ngap_malformed"], want["protocol_errors"] = 1, 8
		}
		assert.Equal(t, want, pick(g, "nas_malformed", "nas_unknown_type", "nas_status", "sm_status", "protocol_error_cause",
			"error_indication", "ngap_protocol_cause", "ngap_unknown_procedure", "ngap_malformed", "protocol_errors"), "malformed=%v", malformed)
		assert.Equal(t, "10.100.1.1@2024-01-01T00:00:00Z", tr.GNBKeys()[0], "the gNB is the end not on port 38412")
	}
}

func pick(m map[string]float64, names ...string) map[string]float64 {
	out := map[string]float64{}
	for _, n := range names {
		out[n] = m[n]
	}
	return out
}
