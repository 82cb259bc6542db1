package fivegc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
	"github.com/netwarden/netwarden/dataset/flow"
	"github.com/netwarden/netwarden/dataset/packet"
)

var testKey = []byte("fivegc-test-key-0123456789")

// pfcpEvent decodes a PFCP message into an event between two nodes.
func pfcpEvent(t *testing.T, at time.Duration, src, dst string, b []byte) *Event {
	ev := &Event{Proto: ProtoPFCP, Time: time.Unix(1700000000, 0).Add(at), Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst)}
	require.NoError(t, pfcp.Decode(b, &ev.PFCP))
	return ev
}

// pfcpMsg builds a PFCP message: header with SEID when s, then IEs.
func pfcpMsg(typ uint8, s bool, seid uint64, ies ...[]byte) []byte {
	var body []byte
	for _, ie := range ies {
		body = append(body, ie...)
	}
	hl := 8
	if s {
		hl = 16
	}
	b := make([]byte, hl, hl+len(body))
	b[0] = 0x20
	if s {
		b[0] |= 1
		for i := 0; i < 8; i++ {
			b[4+i] = byte(seid >> (56 - 8*i))
		}
	}
	b[1] = typ
	n := hl - 4 + len(body)
	b[2], b[3] = byte(n>>8), byte(n)
	return append(b, body...)
}

func ie(typ uint16, v ...byte) []byte {
	return append([]byte{byte(typ >> 8), byte(typ), byte(len(v) >> 8), byte(len(v))}, v...)
}

func fseid(seid uint64) []byte {
	v := []byte{0x02}
	for i := 0; i < 8; i++ {
		v = append(v, byte(seid>>(56-8*i)))
	}
	return ie(pfcp.IEFSEID, append(v, 10, 0, 0, 1)...)
}

func TestTrackerN4(t *testing.T) {
	tr, err := NewTracker(Config{Key: testKey, Window: time.Minute})
	require.NoError(t, err)
	smf, upf := "10.0.0.1", "10.0.0.2"
	far := ie(pfcp.IEUpdateFAR, append(ie(pfcp.IEFARID, 0, 0, 0, 1), ie(pfcp.IEApplyAction, 0x01)...)...)
	for _, ev := range []*Event{
		pfcpEvent(t, 0, smf, upf, pfcpMsg(1, false, 0)),
		pfcpEvent(t, time.Second, upf, smf, pfcpMsg(2, false, 0)),
		pfcpEvent(t, 2*time.Second, smf, upf, pfcpMsg(50, true, 0, fseid(7))),
		pfcpEvent(t, 2*time.Second, upf, smf, pfcpMsg(51, true, 7, ie(pfcp.IECause, 1), fseid(100))),
		pfcpEvent(t, 3*time.Second, smf, upf, pfcpMsg(52, true, 100, far)), // known session, FAR to drop
		pfcpEvent(t, 4*time.Second, smf, upf, pfcpMsg(52, true, 555, far)), // orphan
		pfcpEvent(t, 5*time.Second, smf, upf, pfcpMsg(54, true, 999)),      // orphan deletion
		pfcpEvent(t, 6*time.Second, upf, smf, pfcpMsg(55, true, 7, ie(pfcp.IECause, 65))),
		pfcpEvent(t, 11*time.Second, smf, upf, pfcpMsg(1, false, 0)),
		pfcpEvent(t, 2*time.Minute, smf, upf, pfcpMsg(1, false, 0)), // next window
	} {
		tr.Add(ev)
	}
	tr.Flush()
	tab := tr.N4()
	require.Equal(t, 2, tab.Len())
	s := N4Schema()
	get := func(name string) float64 { return tab.Numeric(s.Index(name))[0] }
	assert.Equal(t, 9.0, get("pfcp_msgs"))
	assert.Equal(t, 6.0, get("requests"))
	assert.Equal(t, 3.0, get("responses"))
	assert.Equal(t, 0.5, get("response_ratio"))
	assert.Equal(t, 1.0, get("sess_established"))
	assert.Equal(t, 2.0, get("sess_mod_req"))
	assert.Equal(t, 1.0, get("orphan_mod"))
	assert.Equal(t, 1.0, get("orphan_del"))
	assert.Equal(t, 2.0, get("far_drop"))
	assert.Equal(t, 1.0, get("rejected"))
	assert.Equal(t, 11.0, get("max_heartbeat_gap_s"))
	assert.Equal(t, 2.0, get("heartbeat_req"))
	assert.Equal(t, "10.0.0.1<->10.0.0.2@2023-11-14T22:13:20Z", tr.N4Keys()[0])
}

func TestTrackerKey(t *testing.T) {
	_, err := NewTracker(Config{Key: []byte("short")})
	assert.Error(t, err)
}

// scanAll feeds a capture to a Tracker and returns every identifier the
// capture holds in clear (mobile identity values, UE addresses) and every
// output of the Tracker rendered as text.
func scanAll(t *testing.T, path string) (secrets [][]byte, out string, tr *Tracker) {
	return scanAllWith(t, path, false)
}

// scanAllWith is scanAll with the Scanner reading 5G-EA0 ciphered NAS as
// plain and yielding malformed messages when testBed is set, as the
// example does.
func scanAllWith(t *testing.T, path string, testBed bool) (secrets [][]byte, out string, tr *Tracker) {
	r, err := packet.Open(path)
	require.NoError(t, err)
	defer r.Close()
	s := NewScanner(r)
	s.UserPlane = true
	s.NullCiphered, s.Malformed = testBed, testBed
	tr, err = NewTracker(Config{Key: testKey})
	require.NoError(t, err)
	for {
		ev, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if ev.Err != nil {
			tr.Add(ev)
			continue
		}
		if ev.HasNAS && len(ev.NAS.Identity) > 1 {
			secrets = append(secrets, append([]byte(nil), ev.NAS.Identity[1:]...))
		}
		if ev.Proto == ProtoPFCP {
			for _, x := range ev.PFCP.IEs {
				if x.Type == pfcp.IEUEIPAddress {
					if u, err := pfcp.ParseUEIP(x.Value); err == nil && u.V4.IsValid() {
						secrets = append(secrets, []byte(u.V4.String()))
					}
				}
			}
		}
		if ev.InTunnel && ev.Proto != ProtoGTPU {
			// Signalling from inside a tunnel: its source is a UE.
			secrets = append(secrets, []byte(ev.Src.String()))
		}
		tr.Add(ev)
	}
	tr.Flush()
	var b strings.Builder
	for _, tab := range []*dataset.Table{tr.N4(), tr.UE(), tr.Sessions(), tr.GNB()} {
		for i := 0; i < tab.Len(); i++ {
			for j := 0; j < tab.NumColumns(); j++ {
				fmt.Fprintf(&b, "%v,", tab.Numeric(j)[i])
			}
			b.WriteString(tab.Label(i) + "\n")
		}
	}
	for _, k := range append(append(append(tr.N4Keys(), tr.UEKeys()...), tr.SessionKeys()...), tr.GNBKeys()...) {
		b.WriteString(k + "\n")
	}
	if s.LastError != nil {
		b.WriteString(s.LastError.Error())
	}
	return secrets, b.String(), tr
}

// TestNoIdentifiersInOutput greps every output of the Tracker for the
// subscriber identifiers of real captures: mobile identities (as bytes and
// as hexadecimal) and UE addresses.
func TestNoIdentifiersInOutput(t *testing.T) {
	dir := pcapDir(t)
	total := 0
	for _, c := range []string{"suci/OnePlus_32_PersonOfInterest_found.pcapng", "suci/registration-oneplus.pcapng",
		"tempo/multiple_ue.pcap", "dongnt/5GSA-Reg-PDUEst_filtered.pcap", "tfactory/5g_NGAP_gnodeb-to-amf-during-UEinit.pcap",
		"dlteam5g/007b-fuzz-open5gs.pcapng", "dlteam5g/007e-fuzz-open5gs.pcapng", "tempo/rohan_upf_gtpu_ext_dl.pcapng"} {
		for _, testBed := range []bool{false, true} {
			// The test-bed mode decodes more identities (the IMEISV of a
			// null-ciphered Security Mode Complete, the 5G-GUTI of a
			// Registration Accept).
			secrets, out, _ := scanAllWith(t, filepath.Join(dir, c), testBed)
			total += len(secrets)
			for _, sec := range secrets {
				assert.False(t, bytes.Contains([]byte(out), sec), "%s (test bed %v): identifier %q in output", c, testBed, sec)
				if len(sec) >= 4 {
					assert.NotContains(t, out, hex.EncodeToString(sec), "%s (test bed %v): identifier in output as hex", c, testBed)
				}
			}
		}
	}
	t.Logf("%d identifiers looked for", total)
	assert.Positive(t, total, "the captures hold identifiers to look for")
}

// TestSUCICatcher: the SUCI catcher capture's UEs show the failed
// authentication probes: 30 Authentication Failure messages (cause 20, MAC
// failure), the count tshark shows too (the source README speaks of 31
// failed probes before the success at packet 278).
func TestSUCICatcher(t *testing.T) {
	dir := pcapDir(t)
	_, _, tr := scanAll(t, filepath.Join(dir, "suci/OnePlus_32_PersonOfInterest_found.pcapng"))
	tab := tr.UE()
	s := UESchema()
	fails := 0.0
	for _, x := range tab.Numeric(s.Index("auth_fail")) {
		fails += x
	}
	t.Logf("%d UE rows, %v authentication failures", tab.Len(), fails)
	assert.Equal(t, 30.0, fails)
}

// TestSessionsJoinUserPlane: in tempo/multiple_ue.pcap two UEs establish
// PDU sessions and ping through GTP-U (64 T-PDUs, TEIDs 1 and 2); the
// session rows carry those packets.
func TestSessionsJoinUserPlane(t *testing.T) {
	dir := pcapDir(t)
	_, _, tr := scanAll(t, filepath.Join(dir, "tempo/multiple_ue.pcap"))
	tab := tr.Sessions()
	s := SessionSchema()
	var est, ul, dl float64
	for i := 0; i < tab.Len(); i++ {
		est += tab.Numeric(s.Index("established"))[i]
		ul += tab.Numeric(s.Index("ul_packets"))[i]
		dl += tab.Numeric(s.Index("dl_packets"))[i]
	}
	t.Logf("%d session rows, %v established, %v uplink and %v downlink T-PDUs joined", tab.Len(), est, ul, dl)
	assert.GreaterOrEqual(t, est, 2.0)
	assert.Positive(t, ul+dl)
	assert.Equal(t, 64.0, ul+dl, "every T-PDU of the capture belongs to one of the sessions")
}

// TestFlowsCarrySessionKey joins dataset/flow's GTP-U inner flows of
// tempo/multiple_ue.pcap to their PFCP sessions: every tunnelled flow gets
// the key of one of the two sessions, and the key is a token.
func TestFlowsCarrySessionKey(t *testing.T) {
	dir := pcapDir(t)
	path := filepath.Join(dir, "tempo/multiple_ue.pcap")
	_, _, tr := scanAll(t, path)
	keys := map[string]int{}
	tunnelled, joined := 0, 0
	_, err := flow.MeterFile(path, flow.Config{}, func(f *flow.Flow) {
		tn := f.Record.Tunnel
		if tn.Kind != packet.TunnelGTPU {
			return
		}
		tunnelled++
		if k, ok := tr.SessionKey(tn.OuterDst, tn.TEID); ok {
			joined++
			keys[k]++
		}
	})
	require.NoError(t, err)
	t.Logf("%d GTP-U flows, %d joined, sessions %v", tunnelled, joined, keys)
	require.Positive(t, tunnelled)
	assert.Equal(t, tunnelled, joined)
	assert.Len(t, keys, 2)
	for k := range keys {
		assert.True(t, strings.HasPrefix(k, "session:"), k)
	}
}

// TestTrackerAllocs: a message of an open window, session or UE
// allocates nothing.
func TestTrackerAllocs(t *testing.T) {
	tr, err := NewTracker(Config{Key: testKey, Window: time.Hour})
	require.NoError(t, err)
	smf, upf := "10.0.0.1", "10.0.0.2"
	hb := pfcpEvent(t, 0, smf, upf, pfcpMsg(1, false, 0))
	est := pfcpEvent(t, 0, smf, upf, pfcpMsg(50, true, 0, fseid(7)))
	resp := pfcpEvent(t, 0, upf, smf, pfcpMsg(51, true, 7, ie(pfcp.IECause, 1), fseid(100)))
	mod := pfcpEvent(t, 0, smf, upf, pfcpMsg(52, true, 100))
	for _, ev := range []*Event{hb, est, resp, mod} {
		tr.Add(ev)
	}
	n := testing.AllocsPerRun(100, func() {
		tr.Add(hb)
		tr.Add(mod)
	})
	assert.Zero(t, n)
}
