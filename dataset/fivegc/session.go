package fivegc

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
)

// SessionColumns are the numeric columns of a row per PFCP session. The
// user-plane columns count the GTP-U T-PDUs whose tunnel endpoint (address
// and TEID) a message of the session set up: uplink to an F-TEID of the UP
// function, downlink to a FAR's Outer Header Creation.
var SessionColumns = []string{
	"established", "est_rejected", "reject_cause", "modifications", "mod_rejected",
	"deleted", "orphan", "rules_created", "rules_updated", "rules_removed", "far_drop",
	"far_redirect", "far_buffer", "far_forward", "reports", "duration_s", "ue_addresses",
	"tunnels", "ul_packets", "ul_bytes", "dl_packets", "dl_bytes",
}

// SessionSchema returns the schema of the session rows.
func SessionSchema() dataset.Schema { return schemaOf(SessionColumns) }

var (
	sEst      = col(SessionColumns, "established")
	sEstRej   = col(SessionColumns, "est_rejected")
	sCause    = col(SessionColumns, "reject_cause")
	sMods     = col(SessionColumns, "modifications")
	sModRej   = col(SessionColumns, "mod_rejected")
	sDeleted  = col(SessionColumns, "deleted")
	sOrphan   = col(SessionColumns, "orphan")
	sCreated  = col(SessionColumns, "rules_created")
	sUpdated  = col(SessionColumns, "rules_updated")
	sRemoved  = col(SessionColumns, "rules_removed")
	sDrop     = col(SessionColumns, "far_drop")
	sRedirect = col(SessionColumns, "far_redirect")
	sBuffer   = col(SessionColumns, "far_buffer")
	sForward  = col(SessionColumns, "far_forward")
	sReports  = col(SessionColumns, "reports")
	sDur      = col(SessionColumns, "duration_s")
	sUEAddr   = col(SessionColumns, "ue_addresses")
	sTunnels  = col(SessionColumns, "tunnels")
	sULPkts   = col(SessionColumns, "ul_packets")
	sULBytes  = col(SessionColumns, "ul_bytes")
	sDLPkts   = col(SessionColumns, "dl_packets")
	sDLBytes  = col(SessionColumns, "dl_bytes")
)

type teidKey struct {
	addr netip.Addr
	teid uint32
}

type session struct {
	first, last time.Time
	cp, up      seidKey
	hasUP       bool
	v           []float64
	label       string
	token       string
	teids       map[teidKey]bool // true: uplink
	done        bool
}

type sessions struct {
	byCP, byUP map[seidKey]*session
	byTEID     map[teidKey]*session
	// everTEID remembers the session token of every tunnel endpoint ever
	// set up, for joining flow records after their session ended.
	everTEID map[teidKey]string
	tab      *dataset.Table
	keys     []string
}

func newSessions() sessions {
	return sessions{byCP: map[seidKey]*session{}, byUP: map[seidKey]*session{}, byTEID: map[teidKey]*session{}, everTEID: map[teidKey]string{}, tab: dataset.NewTable(SessionSchema())}
}

// Sessions returns the PFCP session rows emitted so far (a session's row
// is emitted when its deletion is answered, or by Flush).
func (t *Tracker) Sessions() *dataset.Table { return t.ss.tab }

// SessionKeys returns one key per session row: a token of the SMF's
// address and its SEID (no subscriber identifier).
func (t *Tracker) SessionKeys() []string { return t.ss.keys }

// SessionKey returns the key of the session a GTP-U tunnel endpoint
// (the address and TEID packets are sent to) belongs to, for a user-plane
// flow to carry: with dataset/flow, SessionKey(rec.Tunnel.OuterDst,
// rec.Tunnel.TEID). The key is the session row's key without its time (see
// SessionKeys). A tunnel endpoint reused by a later session maps to the
// later one; endpoints of ended sessions are remembered.
func (t *Tracker) SessionKey(endpoint netip.Addr, teid uint32) (string, bool) {
	k := teidKey{endpoint, teid}
	if s := t.ss.byTEID[k]; s != nil {
		return s.token, true
	}
	tok, ok := t.ss.everTEID[k]
	return tok, ok
}

func (t *Tracker) newSession(ev *Event, cp seidKey) *session {
	s := &session{first: ev.Time, cp: cp, v: make([]float64, len(SessionColumns)), teids: map[teidKey]bool{}}
	var b [24]byte
	a := cp.node.As16()
	copy(b[:16], a[:])
	binary.BigEndian.PutUint64(b[16:], cp.seid)
	s.token = "session:" + t.token(b[:])
	return s
}

// rules accounts a session message's rules, actions, tunnels and UE
// addresses. upf is the UP function's address.
func (t *Tracker) rules(s *session, m *pfcp.Message, upf netip.Addr) {
	v := s.v
	for k := 0; k < 4; k++ {
		v[sCreated] += float64(m.Rules[pfcp.Create][k])
		v[sUpdated] += float64(m.Rules[pfcp.Update][k])
		v[sRemoved] += float64(m.Rules[pfcp.Remove][k])
	}
	v[sDrop] += float64(m.Drop)
	v[sRedirect] += float64(m.Redirect)
	v[sBuffer] += float64(m.Buffer)
	v[sForward] += float64(m.Forward)
	for i := range m.IEs {
		ie := &m.IEs[i]
		switch ie.Type {
		case pfcp.IEFTEID:
			f, err := pfcp.ParseFTEID(ie.Value)
			if err != nil || f.Choose {
				continue
			}
			a := f.V4
			if !a.IsValid() {
				a = upf
			}
			t.tunnel(s, teidKey{a, f.TEID}, true)
		case pfcp.IEOuterHeaderCreation:
			o, err := pfcp.ParseOuterHeaderCreation(ie.Value)
			if err != nil || !o.GTPU() || !o.V4.IsValid() {
				continue
			}
			t.tunnel(s, teidKey{o.V4, o.TEID}, false)
		case pfcp.IEUEIPAddress:
			v[sUEAddr]++
		}
	}
}

func (t *Tracker) tunnel(s *session, k teidKey, up bool) {
	if _, ok := s.teids[k]; !ok {
		s.teids[k] = up
		s.v[sTunnels]++
	}
	t.ss.byTEID[k] = s
	t.ss.everTEID[k] = s.token
}

func (t *Tracker) addSession(ev *Event) {
	m := &ev.PFCP
	ss := &t.ss
	var s *session
	switch m.Type {
	case pfcp.SessionEstablishmentRequest:
		if !m.HasFSEID {
			return
		}
		k := seidKey{ev.Src, m.FSEID.SEID}
		s = t.newSession(ev, k)
		ss.byCP[k] = s
		t.rules(s, m, ev.Dst)
	case pfcp.SessionEstablishmentResponse:
		if s = ss.byCP[seidKey{ev.Dst, m.SEID}]; s == nil {
			return
		}
		if m.Cause.Accepted() && m.HasFSEID {
			s.v[sEst] = 1
			s.up, s.hasUP = seidKey{ev.Src, m.FSEID.SEID}, true
			ss.byUP[s.up] = s
			t.rules(s, m, ev.Src)
		} else {
			s.v[sEstRej], s.v[sCause] = 1, float64(m.Cause)
			s.done = true
		}
	case pfcp.SessionModificationRequest, pfcp.SessionDeletionRequest:
		k := seidKey{ev.Dst, m.SEID}
		if s = ss.byUP[k]; s == nil {
			// A SEID never established here: an orphan (or a session
			// older than the capture).
			s = t.newSession(ev, seidKey{ev.Src, m.SEID})
			s.v[sOrphan] = 1
			s.up, s.hasUP = k, true
			ss.byUP[k] = s
		}
		if m.Type == pfcp.SessionModificationRequest {
			s.v[sMods]++
			t.rules(s, m, ev.Dst)
		} else {
			s.v[sDeleted] = 1
			s.done = true
		}
	case pfcp.SessionModificationResponse:
		if s = ss.byCP[seidKey{ev.Dst, m.SEID}]; s != nil && m.Cause.Rejected() {
			s.v[sModRej]++
		}
	case pfcp.SessionDeletionResponse:
		if s = ss.byCP[seidKey{ev.Dst, m.SEID}]; s != nil {
			s.done = true
		}
	case pfcp.SessionReportRequest:
		if s = ss.byCP[seidKey{ev.Dst, m.SEID}]; s != nil {
			s.v[sReports]++
		}
	}
	if s != nil {
		t.mark(&s.label, ev)
		s.last = ev.Time
		if s.done && (m.Type == pfcp.SessionDeletionResponse || m.Type == pfcp.SessionEstablishmentResponse || s.v[sOrphan] == 1) {
			t.emitSession(s)
		}
	}
}

func (t *Tracker) addUserPlane(ev *Event) {
	s := t.ss.byTEID[teidKey{ev.OuterDst, ev.TEID}]
	if s == nil {
		return
	}
	if s.teids[teidKey{ev.OuterDst, ev.TEID}] {
		s.v[sULPkts]++
		s.v[sULBytes] += float64(ev.Bytes)
	} else {
		s.v[sDLPkts]++
		s.v[sDLBytes] += float64(ev.Bytes)
	}
}

func (t *Tracker) emitSession(s *session) {
	ss := &t.ss
	s.v[sDur] = s.last.Sub(s.first).Seconds()
	t.append(ss.tab, s.v, s.label)
	ss.keys = append(ss.keys, s.token+"@"+s.first.UTC().Format(time.RFC3339Nano))
	if ss.byCP[s.cp] == s {
		delete(ss.byCP, s.cp)
	}
	if s.hasUP && ss.byUP[s.up] == s {
		delete(ss.byUP, s.up)
	}
	// Tunnels stay mapped until reused, so late user-plane packets of a
	// deleted session are not counted to it: drop them now.
	for k := range s.teids {
		if ss.byTEID[k] == s {
			delete(ss.byTEID, k)
		}
	}
}

func (t *Tracker) flushSessions() {
	seen := map[*session]bool{}
	var all []*session
	for _, m := range []map[seidKey]*session{t.ss.byCP, t.ss.byUP} {
		for _, s := range m {
			if !seen[s] {
				seen[s] = true
				all = append(all, s)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].first.Equal(all[j].first) {
			return all[i].first.Before(all[j].first)
		}
		return all[i].token < all[j].token
	})
	for _, s := range all {
		t.emitSession(s)
	}
}
