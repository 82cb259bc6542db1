package fivegc

import (
	"bytes"
	"net/netip"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset/packet"
)

// writeNestedNAS writes a capture of NGAP requests whose NAS-PDUs sit
// inside PDU Session Resource lists (TS 38.413 §9.2.1.1, §9.2.1.5,
// §9.2.2.1): a PDU Session Resource Setup Request with two sessions, an
// Initial Context Setup Request and a PDU Session Resource Modify Request,
// each item's NAS-PDU a DL NAS Transport carrying a 5GSM message
// (TS 24.501 §8.2.11, §8.3.2, §8.3.9).
func writeNestedNAS(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	pw := newPcapWriter(&buf)
	amf := netip.MustParseAddr("10.100.0.1")
	gnb := netip.MustParseAddr("10.100.1.1")
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	dl := func(session, sm uint8) []byte {
		// PDU session establishment accept / modification command of
		// session `session`, PTI 1, in a DL NAS transport (payload
		// container type 1, N1 SM) with the PDU session ID IE.
		inner := []byte{0x2e, session, 0x01, sm}
		if sm == 0xc2 {
			inner = append(inner, 0x11, 0x00, 0x00, 0x06, 0x01, 0x00, 0x64, 0x01, 0x00, 0x64)
		}
		b := nasPlain(0x68, 0x01)
		b = append(b, lvE(inner)...)
		return append(b, 0x12, session)
	}
	pdus := [][]byte{
		ngapPDU(0, 29, 0, ieAMFUEID(1), ieRANUEID(1),
			ieSessionList(74, sessionItem{5, dl(5, 0xc2)}, sessionItem{6, dl(6, 0xc2)})),
		ngapPDU(0, 14, 0, ieAMFUEID(2), ieRANUEID(2),
			ieSessionList(71, sessionItem{1, nil}, sessionItem{2, dl(2, 0xc2)})),
		ngapPDU(0, 26, 0, ieAMFUEID(1), ieRANUEID(1),
			ieSessionList(64, sessionItem{5, dl(5, 0xcb)})),
	}
	for i, p := range pdus {
		pw.write(at.Add(time.Duration(i)*time.Millisecond),
			ipv4(amf, gnb, 132, uint16(i+1), sctpData(38412, 38412, 0x5eed, uint32(i+1), 1, uint16(i), 60, p)))
	}
	require.NoError(t, pw.err)
	return buf.Bytes()
}

// TestNestedNASCapture: testdata/nested_nas.pcap is what writeNestedNAS
// writes (WRITE_SEEDS=1 rewrites it), and tshark, when present, dissects
// every NAS-PDU in it.
func TestNestedNASCapture(t *testing.T) {
	path := committedCapture(t, "nested_nas.pcap", writeNestedNAS(t))
	needTshark(t)
	out, err := exec.Command("tshark", "-r", path, "-T", "fields", "-e", "nas_5gs.sm.message_type").Output()
	require.NoError(t, err)
	require.Equal(t, "0xc2,0xc2\n0xc2\n0xcb\n", string(out), "tshark's 5GSM message types")
}

func sumCol(tr *Tracker, name string) float64 {
	s := 0.0
	for _, x := range tr.UE().Numeric(UESchema().Index(name)) {
		s += x
	}
	return s
}

// TestTrackerNestedNAS: the four NAS-PDUs inside the session lists of
// testdata/nested_nas.pcap reach the UE rows, and their plain 5GSM
// messages, sent before the UE authenticated, count as sm_before_auth.
func TestTrackerNestedNAS(t *testing.T) {
	_, _, tr := scanAll(t, filepath.Join("testdata", "nested_nas.pcap"))
	assert.Equal(t, 4.0, sumCol(tr, "nested_nas"))
	assert.Equal(t, 4.0, sumCol(tr, "sm_before_auth"))
	assert.Zero(t, sumCol(tr, "reg_without_auth"))
}

// TestTrackerSequenceFeatures: in the synthetic capture the SUCI catcher's
// UE repeats identity requests; benign UEs request identity at most once,
// authenticate before any accept and send 5GSM only after authenticating.
func TestTrackerSequenceFeatures(t *testing.T) {
	var buf bytes.Buffer
	_, err := WriteSynthetic(&buf, SynthConfig{Seed: 1, UEs: 20, Attacks: true})
	require.NoError(t, err)
	r, err := packet.NewReader(bytes.NewReader(buf.Bytes()), "synthetic")
	require.NoError(t, err)
	s := NewScanner(r)
	tr, err := NewTracker(Config{Key: testKey})
	require.NoError(t, err)
	feed(t, s, tr)
	rep := tr.UE().Numeric(UESchema().Index("repeated_identity_req"))
	dist := tr.UE().Numeric(UESchema().Index("seq_distinct"))
	hit := 0
	for i, x := range rep {
		if x > 0 {
			hit++
		}
		assert.LessOrEqual(t, dist[i], float64(SeqLen))
	}
	assert.Equal(t, 1, hit, "one UE (the catcher's) repeats identity requests")
	assert.Zero(t, sumCol(tr, "reg_without_auth"))
}

// TestTrackerAddAllocs: a message of a UE and window already open
// allocates nothing in the Tracker (steady state).
func TestTrackerAddAllocs(t *testing.T) {
	r, err := packet.NewReader(bytes.NewReader(writeNestedNAS(t)), "nested")
	require.NoError(t, err)
	s := NewScanner(r)
	tr, err := NewTracker(Config{Key: testKey})
	require.NoError(t, err)
	var ev *Event
	for i := 0; i < 3; i++ {
		ev, err = s.Next()
		require.NoError(t, err)
		tr.Add(ev)
	}
	n := testing.AllocsPerRun(200, func() { tr.Add(ev) })
	if !raceEnabled {
		assert.Zero(t, n)
	}
}

// BenchmarkTrackerAdd adds one UE's message (a PDU Session Resource
// Modify Request with a nested NAS-PDU) over and over.
func BenchmarkTrackerAdd(b *testing.B) {
	r, err := packet.NewReader(bytes.NewReader(writeNestedNAS(b)), "nested")
	require.NoError(b, err)
	s := NewScanner(r)
	tr, _ := NewTracker(Config{Key: testKey})
	var ev *Event
	for i := 0; i < 3; i++ {
		ev, _ = s.Next()
		tr.Add(ev)
	}
	b.ReportAllocs()
	for b.Loop() {
		tr.Add(ev)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
