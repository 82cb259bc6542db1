package fivegc

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/dataset/fivegc/gtpv2"
	"github.com/netwarden/netwarden/dataset/fivegc/nas"
	"github.com/netwarden/netwarden/dataset/fivegc/ngap"
	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/pseudo"
)

// DefaultWindow is the N4 peer window of a zero Config.
const DefaultWindow = 10 * time.Second

// Config configures a Tracker. Key is required; the zero value of the
// other fields means the documented defaults.
type Config struct {
	// Key is the pseudonymisation key (at least 16 bytes): UE addresses
	// and mobile identities become tokens of its keyed HMAC-SHA-256, the
	// same tokens features.Pseudonymize gives with the same key.
	Key []byte
	// Window is the length of an N4 peer window (DefaultWindow if 0).
	Window time.Duration
	// Label, when set, names the ground truth of an event ("" for
	// unknown, "normal" for benign); a row takes the label of its first
	// event unless a later one is an attack, whose label it then takes. It
	// sees raw addresses; what it returns is stored as given.
	Label func(ev *Event) string
}

// N4Columns are the numeric columns of a row per N4 peer pair and window;
// malformed counts the PFCP and GTPv2-C messages that failed to decode
// (with Scanner.Malformed; format errors only).
var N4Columns = []string{
	"pfcp_msgs", "requests", "responses", "response_ratio", "heartbeat_req",
	"assoc_setup_req", "sess_est_req", "sess_mod_req", "sess_del_req", "sess_report_req",
	"rejected", "rejected_no_context", "rejected_no_association", "rejected_no_resources",
	"rejected_other", "sess_est_rejected", "sess_established", "sess_deleted", "orphan_mod",
	"orphan_del", "far_drop", "far_redirect", "far_buffer", "rules_created", "rules_removed",
	"distinct_seids", "max_heartbeat_gap_s", "unsupported_type", "in_tunnel",
	"gtpv2_msgs", "gtpv2_requests", "gtpv2_create_session_req", "gtpv2_delete_session_req",
	"gtpv2_rejected", "malformed",
}

// GNBColumns are the numeric columns of a row per gNB (the source of
// N2 signalling) and window; UEColumns says what the protocol-error
// columns count.
var GNBColumns = []string{
	"ngap_msgs", "initial_ue", "distinct_ran_ue_ids", "reg_req", "reg_reject", "auth_fail",
	"identity_req", "sec_mode_reject", "ue_ctx_release", "nas_malformed", "in_tunnel",
	"nas_unknown_type", "nas_status", "sm_status", "protocol_error_cause", "error_indication",
	"ngap_protocol_cause", "ngap_unknown_procedure", "ngap_malformed", "protocol_errors",
}

// UEColumns are the numeric columns of a row per UE on N2.
//
// The protocol-error columns of the UE and gNB rows count what a NAS or
// NGAP fuzzer produces, and what a core answers it with, wherever it runs:
//   - nas_malformed: top-level NAS-PDUs that fail to decode (too short, a
//     reserved security header type, a length past the end: TS 24.501
//     §7.2, §9.3; protocol_errors also counts nested ones);
//   - nas_unknown_type: 5GMM or 5GSM message types TS 24.501 Table 9.7.1
//     and 9.7.2 do not define, of the message or of the 5GSM message in an
//     UL/DL NAS Transport's payload container (§7.4);
//   - nas_status and sm_status: 5GMM STATUS (§5.4.6) and 5GSM STATUS
//     (§8.3.16) messages, which report an erroneous message;
//   - protocol_error_cause: NAS messages whose 5GMM or 5GSM cause is one
//     of #95–#101, #111 (nas.ProtocolErrorCause; Annex A and B);
//   - error_indication: NGAP Error Indication procedures (TS 38.413
//     §8.7.5), which report what clause 10 finds erroneous; on gNB rows
//     also those that name no UE;
//   - ngap_protocol_cause: NGAP PDUs whose Cause is of the protocol group
//     (§9.3.1.2: transfer or abstract syntax error, semantic error, message
//     not compatible with the receiver state);
//   - ngap_unknown_procedure: procedure codes TS 38.413 does not define;
//   - ngap_malformed (gNB rows; with Scanner.Malformed): NGAP PDUs that
//     fail to decode, wrapping ErrFormat (an encoding the decoder does not
//     implement, ErrUnsupported, is not counted), the gNB being the end not
//     on port 38412;
//   - protocol_errors: the messages with any of the above, each counted
//     once: a fuzzed message and the error report it provokes are two.
//
// A conformant UE, gNB and core send none of these in normal operation;
// a real network still sees a few (a race between procedures makes a
// message not compatible with the protocol state), so a detector should
// learn their benign rate rather than alarm on one.
var UEColumns = []string{
	"ngap_msgs", "procedures", "initial_ue", "ul_nas", "dl_nas", "ctx_release", "nas_plain",
	"nas_protected", "nas_malformed", "reg_req", "reg_reject", "auth_req", "auth_resp",
	"auth_fail", "auth_fail_mac", "auth_fail_synch", "auth_reject", "identity_req",
	"identity_req_suci", "identity_resp", "sec_mode_cmd", "sec_mode_complete",
	"sec_mode_reject", "service_req", "dereg", "pdu_sess_req", "duration_s",
	"distinct_identities", "in_tunnel", "nas_unknown_type", "nas_status",
	"nested_nas", "repeated_identity_req", "reg_without_auth", "sm_before_auth", "seq_distinct",
	"sm_status", "protocol_error_cause", "error_indication", "ngap_protocol_cause",
	"ngap_unknown_procedure", "protocol_errors",
}

// SeqLen is the number of the last NGAP procedure and NAS message codes a
// Tracker keeps per UE. From that sequence and the UE's procedure state
// it derives, following the registration procedure of TS 23.502 §4.2.2.2.2
// and TS 24.501 §5.5.1.2 (registration request, optional identity
// request, authentication §5.4.1, security mode control §5.4.2,
// registration accept):
//   - repeated_identity_req: identity requests after the first since the
//     last registration request (a SUCI catcher repeats them);
//   - reg_without_auth: registration accepts with no authentication
//     request since the registration request;
//   - sm_before_auth: plain 5GSM messages (TS 24.501 §6) before the UE
//     authenticated (no authentication response or security mode
//     complete yet): a 5GSM procedure needs a registered UE;
//   - seq_distinct: distinct codes among the last SeqLen.
const SeqLen = 16

func schemaOf(cols []string) dataset.Schema {
	s := dataset.Schema{Columns: make([]dataset.Column, len(cols))}
	for i, c := range cols {
		s.Columns[i] = dataset.Column{Name: c, Kind: dataset.Numeric}
	}
	return s
}

// N4Schema returns the schema of the N4 peer rows.
func N4Schema() dataset.Schema { return schemaOf(N4Columns) }

// GNBSchema returns the schema of the gNB window rows.
func GNBSchema() dataset.Schema { return schemaOf(GNBColumns) }

// UESchema returns the schema of the UE rows.
func UESchema() dataset.Schema { return schemaOf(UEColumns) }

func col(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	panic("fivegc: no column " + name) // unreachable: names are constants
}

type n4Key struct{ a, b netip.Addr }

type n4Win struct {
	start   time.Time
	label   string
	v       []float64
	seids   map[uint64]struct{}
	lastHB  time.Time
	maxGap  float64
	keyText string
}

type ueKey struct {
	gnb netip.Addr
	ran uint32
}

type ueState struct {
	first, last time.Time
	label       string
	v           []float64
	procs       map[ngap.Procedure]struct{}
	ids         map[uint64]struct{}
	keyText     string
	// seq holds the last SeqLen codes (procedure<<8 | 5GMM type, or
	// 5GSM type with bit 15 set), seqN how many were added.
	seq            [SeqLen]uint16
	seqN           int
	regOpen, authd bool
	idReqs, auths  int
}

func (u *ueState) push(c uint16) {
	u.seq[u.seqN%SeqLen] = c
	u.seqN++
}

// account counts the sequence features of one decoded NAS message.
func (u *ueState) account(m *nas.Message) {
	v := u.v
	switch m.MMType {
	case nas.RegistrationRequest:
		u.regOpen, u.idReqs, u.auths = true, 0, 0
	case nas.IdentityRequest:
		u.idReqs++
		if u.idReqs > 1 {
			v[uRepID]++
		}
	case nas.AuthenticationRequest:
		u.auths++
	case nas.AuthenticationResponse, nas.SecurityModeComplete:
		u.authd = true
	case nas.RegistrationAccept:
		if u.regOpen && u.auths == 0 && m.Plain {
			v[uRegNoAuth]++
		}
		u.regOpen = false
	}
	if m.Plain && m.SMType != 0 && !u.authd {
		v[uSMEarly]++
	}
}

type seidKey struct {
	node netip.Addr
	seid uint64
}

// Tracker turns Events into rows: one per N4 peer pair and window, one
// per UE on N2 (emitted when its UE context is released, or by Flush). It
// is not safe for concurrent use.
type Tracker struct {
	cfg     Config
	h       *pseudo.Hasher
	n4      map[n4Key]*n4Win
	ue      map[ueKey]*ueState
	live    map[seidKey]struct{} // UP SEIDs established, by UPF address
	n4Tab   *dataset.Table
	ueTab   *dataset.Table
	n4Keys  []string
	ueKeys  []string
	row     dataset.Row
	tok     []byte
	lastEv  time.Time
	ss      sessions
	gnb     map[netip.Addr]*gnbWin
	gnbTab  *dataset.Table
	gnbKeys []string
	nested  nas.Message // scratch for the NAS-PDUs of PDU Session Resource lists
}

type gnbWin struct {
	start time.Time
	label string
	v     []float64
	ran   map[uint32]struct{}
	addr  netip.Addr
}

// NewTracker returns a Tracker; the key must be at least 16 bytes.
func NewTracker(cfg Config) (*Tracker, error) {
	h, err := pseudo.New(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("fivegc: %w", err)
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	return &Tracker{
		cfg: cfg, h: h,
		n4: map[n4Key]*n4Win{}, ue: map[ueKey]*ueState{}, live: map[seidKey]struct{}{},
		n4Tab: dataset.NewTable(N4Schema()), ueTab: dataset.NewTable(UESchema()),
		ss: newSessions(), gnb: map[netip.Addr]*gnbWin{}, gnbTab: dataset.NewTable(GNBSchema()),
	}, nil
}

// N4 returns the N4 peer rows emitted so far; N4Keys names each row's
// peers and window start (addresses of core nodes, or a UE token for
// PFCP inside GTP-U).
func (t *Tracker) N4() *dataset.Table { return t.n4Tab }

// N4Keys returns one key per N4 row.
func (t *Tracker) N4Keys() []string { return t.n4Keys }

// GNB returns the gNB window rows emitted so far (one per gNB address and
// window of Config.Window); GNBKeys names each row's gNB and window start.
func (t *Tracker) GNB() *dataset.Table { return t.gnbTab }

// GNBKeys returns one key per gNB row.
func (t *Tracker) GNBKeys() []string { return t.gnbKeys }

// UE returns the UE rows emitted so far.
func (t *Tracker) UE() *dataset.Table { return t.ueTab }

// UEKeys returns one key per UE row: the gNB address, the RAN UE NGAP ID
// and the first time seen (no subscriber identifier).
func (t *Tracker) UEKeys() []string { return t.ueKeys }

// mark updates a row's label with ev's (see Config.Label).
func (t *Tracker) mark(label *string, ev *Event) {
	if t.cfg.Label == nil {
		return
	}
	l := t.cfg.Label(ev)
	if *label == "" || *label == "normal" && l != "" && l != "normal" {
		*label = l
	}
}

// token returns the pseudonym of an identifier's bytes.
func (t *Tracker) token(b []byte) string {
	t.tok = t.h.AppendTokenBytes(t.tok[:0], b)
	return string(t.tok)
}

// Add accounts one event.
func (t *Tracker) Add(ev *Event) {
	t.lastEv = ev.Time
	if ev.Err != nil {
		t.addMalformed(ev)
		return
	}
	switch ev.Proto {
	case ProtoPFCP:
		t.addPFCP(ev)
		t.addSession(ev)
	case ProtoGTPU:
		t.addUserPlane(ev)
	case ProtoNGAP:
		t.addNGAP(ev)
	case ProtoGTPv2:
		t.addGTPv2(ev)
	}
}

func (t *Tracker) window(ev *Event) *n4Win {
	a, b := ev.Src, ev.Dst
	if b.Less(a) {
		a, b = b, a
	}
	k := n4Key{a, b}
	w := t.n4[k]
	if w != nil && ev.Time.Sub(w.start) >= t.cfg.Window {
		t.emitN4(w)
		w = nil
	}
	if w == nil {
		w = &n4Win{start: ev.Time, v: make([]float64, len(N4Columns)), seids: map[uint64]struct{}{}}
		if ev.InTunnel {
			// The inner source is a UE: name it by its token only.
			ab, _ := ev.Src.MarshalBinary()
			w.keyText = "ue:" + t.token(ab) + "->" + ev.Dst.String()
		} else {
			w.keyText = a.String() + "<->" + b.String()
		}
		t.n4[k] = w
	}
	t.mark(&w.label, ev)
	return w
}

var (
	cPFCP      = col(N4Columns, "pfcp_msgs")
	cReq       = col(N4Columns, "requests")
	cResp      = col(N4Columns, "responses")
	cRatio     = col(N4Columns, "response_ratio")
	cHB        = col(N4Columns, "heartbeat_req")
	cAssoc     = col(N4Columns, "assoc_setup_req")
	cEst       = col(N4Columns, "sess_est_req")
	cMod       = col(N4Columns, "sess_mod_req")
	cDel       = col(N4Columns, "sess_del_req")
	cRep       = col(N4Columns, "sess_report_req")
	cRej       = col(N4Columns, "rejected")
	cRejCtx    = col(N4Columns, "rejected_no_context")
	cRejAssoc  = col(N4Columns, "rejected_no_association")
	cRejRes    = col(N4Columns, "rejected_no_resources")
	cRejOther  = col(N4Columns, "rejected_other")
	cEstRej    = col(N4Columns, "sess_est_rejected")
	cEstOK     = col(N4Columns, "sess_established")
	cDelOK     = col(N4Columns, "sess_deleted")
	cOrphMod   = col(N4Columns, "orphan_mod")
	cOrphDel   = col(N4Columns, "orphan_del")
	cDrop      = col(N4Columns, "far_drop")
	cRedir     = col(N4Columns, "far_redirect")
	cBuf       = col(N4Columns, "far_buffer")
	cCreated   = col(N4Columns, "rules_created")
	cRemoved   = col(N4Columns, "rules_removed")
	cSEIDs     = col(N4Columns, "distinct_seids")
	cGap       = col(N4Columns, "max_heartbeat_gap_s")
	cUnsup     = col(N4Columns, "unsupported_type")
	cInTunnel  = col(N4Columns, "in_tunnel")
	cG2        = col(N4Columns, "gtpv2_msgs")
	cG2Req     = col(N4Columns, "gtpv2_requests")
	cG2Create  = col(N4Columns, "gtpv2_create_session_req")
	cG2Delete  = col(N4Columns, "gtpv2_delete_session_req")
	cG2Rej     = col(N4Columns, "gtpv2_rejected")
	gNGAP      = col(GNBColumns, "ngap_msgs")
	gInitial   = col(GNBColumns, "initial_ue")
	gRAN       = col(GNBColumns, "distinct_ran_ue_ids")
	gRegReq    = col(GNBColumns, "reg_req")
	gRegRej    = col(GNBColumns, "reg_reject")
	gAuthFail  = col(GNBColumns, "auth_fail")
	gIDReq     = col(GNBColumns, "identity_req")
	gSMRej     = col(GNBColumns, "sec_mode_reject")
	gRel       = col(GNBColumns, "ue_ctx_release")
	gNASBad    = col(GNBColumns, "nas_malformed")
	gInTunnel  = col(GNBColumns, "in_tunnel")
	uNGAP      = col(UEColumns, "ngap_msgs")
	uProcs     = col(UEColumns, "procedures")
	uInitial   = col(UEColumns, "initial_ue")
	uUL        = col(UEColumns, "ul_nas")
	uDL        = col(UEColumns, "dl_nas")
	uRel       = col(UEColumns, "ctx_release")
	uPlain     = col(UEColumns, "nas_plain")
	uProt      = col(UEColumns, "nas_protected")
	uNASBad    = col(UEColumns, "nas_malformed")
	uRegReq    = col(UEColumns, "reg_req")
	uRegRej    = col(UEColumns, "reg_reject")
	uAuthReq   = col(UEColumns, "auth_req")
	uAuthResp  = col(UEColumns, "auth_resp")
	uAuthFail  = col(UEColumns, "auth_fail")
	uAuthMAC   = col(UEColumns, "auth_fail_mac")
	uAuthSynch = col(UEColumns, "auth_fail_synch")
	uAuthRej   = col(UEColumns, "auth_reject")
	uIDReq     = col(UEColumns, "identity_req")
	uIDReqSUCI = col(UEColumns, "identity_req_suci")
	uIDResp    = col(UEColumns, "identity_resp")
	uSMC       = col(UEColumns, "sec_mode_cmd")
	uSMComp    = col(UEColumns, "sec_mode_complete")
	uSMRej     = col(UEColumns, "sec_mode_reject")
	uSvc       = col(UEColumns, "service_req")
	uDereg     = col(UEColumns, "dereg")
	uPDU       = col(UEColumns, "pdu_sess_req")
	uDur       = col(UEColumns, "duration_s")
	uIDs       = col(UEColumns, "distinct_identities")
	uInTunnel  = col(UEColumns, "in_tunnel")
	uUnknown   = col(UEColumns, "nas_unknown_type")
	uStatus    = col(UEColumns, "nas_status")
	uNested    = col(UEColumns, "nested_nas")
	uRepID     = col(UEColumns, "repeated_identity_req")
	uRegNoAuth = col(UEColumns, "reg_without_auth")
	uSMEarly   = col(UEColumns, "sm_before_auth")
	uSeqDist   = col(UEColumns, "seq_distinct")
	gUnknown   = col(GNBColumns, "nas_unknown_type")
	gStatus    = col(GNBColumns, "nas_status")
	cMalformed = col(N4Columns, "malformed")
	uSMStatus  = col(UEColumns, "sm_status")
	uProtoErrC = col(UEColumns, "protocol_error_cause")
	uErrInd    = col(UEColumns, "error_indication")
	uNGAPProto = col(UEColumns, "ngap_protocol_cause")
	uNGAPUnk   = col(UEColumns, "ngap_unknown_procedure")
	uProtoErrs = col(UEColumns, "protocol_errors")
	gSMStatus  = col(GNBColumns, "sm_status")
	gProtoErrC = col(GNBColumns, "protocol_error_cause")
	gErrInd    = col(GNBColumns, "error_indication")
	gNGAPProto = col(GNBColumns, "ngap_protocol_cause")
	gNGAPUnk   = col(GNBColumns, "ngap_unknown_procedure")
	gNGAPBad   = col(GNBColumns, "ngap_malformed")
	gProtoErrs = col(GNBColumns, "protocol_errors")
)

// protoErrs holds the protocol-error evidence of one NGAP PDU (see
// UEColumns), one bit per kind.
type protoErrs uint8

// The kinds of evidence, in the order of ueErrCols and gnbErrCols; NAS
// malformed has no column of its own there (nas_malformed counts
// top-level NAS-PDUs elsewhere).
const (
	errNASUnknown protoErrs = 1 << iota
	errMMStatus
	errSMStatus
	errCause
	errErrInd
	errNGAPProto
	errNGAPUnknown
	errNASMalformed
)

var (
	ueErrCols  = [...]int{uUnknown, uStatus, uSMStatus, uProtoErrC, uErrInd, uNGAPProto, uNGAPUnk}
	gnbErrCols = [...]int{gUnknown, gStatus, gSMStatus, gProtoErrC, gErrInd, gNGAPProto, gNGAPUnk}
)

func flag(c bool, f protoErrs) protoErrs {
	if c {
		return f
	}
	return 0
}

// nasErrs adds the evidence of one decoded NAS message.
func (e *protoErrs) nasErrs(m *nas.Message) {
	if !m.Plain {
		return
	}
	*e |= flag(m.MMType != 0 && !m.MMType.Known() || m.SMType != 0 && !m.SMType.Known(), errNASUnknown) |
		flag(m.MMType == nas.Status, errMMStatus) |
		flag(m.SMType == nas.SMStatus, errSMStatus) |
		flag(nas.ProtocolErrorCause(m.Cause) || nas.ProtocolErrorCause(m.SMCause), errCause)
}

// errsOf collects the evidence of ev's NGAP PDU and its top-level
// NAS-PDU; nestedNAS adds each nested one.
func errsOf(ev *Event) protoErrs {
	p := &ev.NGAP
	e := flag(p.Procedure == ngap.ErrorIndication, errErrInd) |
		flag(p.HasCause && p.CauseGroup == ngap.CauseProtocol, errNGAPProto) |
		flag(!p.Procedure.Known(), errNGAPUnknown) |
		flag(p.NAS != nil && !ev.HasNAS, errNASMalformed)
	if ev.HasNAS {
		e.nasErrs(&ev.NAS)
	}
	return e
}

// nestedNAS decodes a nested NAS-PDU into m, adds its evidence and
// reports whether it decoded.
func (e *protoErrs) nestedNAS(b []byte, m *nas.Message) bool {
	if nas.Decode(b, m) != nil {
		*e |= errNASMalformed
		return false
	}
	e.nasErrs(m)
	return true
}

// add counts e into a UE or gNB row: cols are the columns of the kinds,
// all that of protocol_errors.
func (e protoErrs) add(v []float64, cols *[7]int, all int) {
	if e == 0 {
		return // the common case
	}
	v[all]++
	for i, c := range cols {
		if e&(1<<i) != 0 {
			v[c]++
		}
	}
}

func (t *Tracker) addPFCP(ev *Event) {
	m := &ev.PFCP
	w := t.window(ev)
	v := w.v
	v[cPFCP]++
	if ev.InTunnel {
		v[cInTunnel]++
	}
	if !m.Type.Known() {
		v[cUnsup]++
		return
	}
	if m.Type.Request() {
		v[cReq]++
	} else {
		v[cResp]++
		if m.Cause.Rejected() {
			v[cRej]++
			switch m.Cause {
			case pfcp.CauseSessionContextNotFound:
				v[cRejCtx]++
			case pfcp.CauseNoEstablishedAssociation:
				v[cRejAssoc]++
			case pfcp.CauseNoResourcesAvailable, pfcp.CausePFCPEntityInCongestion:
				v[cRejRes]++
			default:
				v[cRejOther]++
			}
		}
	}
	if m.S && m.SEID != 0 {
		w.seids[m.SEID] = struct{}{}
	}
	v[cDrop] += float64(m.Drop)
	v[cRedir] += float64(m.Redirect)
	v[cBuf] += float64(m.Buffer)
	for k := 0; k < 4; k++ {
		v[cCreated] += float64(m.Rules[pfcp.Create][k])
		v[cRemoved] += float64(m.Rules[pfcp.Remove][k])
	}
	switch m.Type {
	case pfcp.HeartbeatRequest:
		v[cHB]++
		if !w.lastHB.IsZero() {
			if g := ev.Time.Sub(w.lastHB).Seconds(); g > w.maxGap {
				w.maxGap = g
			}
		}
		w.lastHB = ev.Time
	case pfcp.AssociationSetupRequest:
		v[cAssoc]++
	case pfcp.SessionEstablishmentRequest:
		v[cEst]++
	case pfcp.SessionEstablishmentResponse:
		if m.Cause.Rejected() {
			v[cEstRej]++
		} else if m.HasFSEID {
			// The UP function's F-SEID: the SEID later requests use.
			v[cEstOK]++
			t.live[seidKey{ev.Src, m.FSEID.SEID}] = struct{}{}
		}
	case pfcp.SessionModificationRequest:
		v[cMod]++
		if _, ok := t.live[seidKey{ev.Dst, m.SEID}]; !ok {
			v[cOrphMod]++
		}
	case pfcp.SessionDeletionRequest:
		v[cDel]++
		k := seidKey{ev.Dst, m.SEID}
		if _, ok := t.live[k]; !ok {
			v[cOrphDel]++
		}
		delete(t.live, k)
	case pfcp.SessionDeletionResponse:
		if m.Cause.Accepted() {
			v[cDelOK]++
		}
	case pfcp.SessionReportRequest:
		v[cRep]++
	}
}

func (t *Tracker) emitN4(w *n4Win) {
	v := w.v
	v[cSEIDs] = float64(len(w.seids))
	v[cGap] = w.maxGap
	if v[cReq] > 0 {
		v[cRatio] = v[cResp] / v[cReq]
	}
	t.append(t.n4Tab, v, w.label)
	t.n4Keys = append(t.n4Keys, w.keyText+"@"+w.start.UTC().Format(time.RFC3339Nano))
	for k, x := range t.n4 {
		if x == w {
			delete(t.n4, k)
		}
	}
}

func (t *Tracker) append(tab *dataset.Table, v []float64, label string) {
	t.row.Reset(len(v))
	copy(t.row.Num, v)
	t.row.Label = label
	t.row.Category = dataset.Unknown
	if label != "" {
		t.row.Category = dataset.CategoryOf(label)
	}
	_ = tab.Append(&t.row) // the row has the schema's width
}

func (t *Tracker) addGTPv2(ev *Event) {
	m := &ev.GTPv2
	v := t.window(ev).v
	v[cG2]++
	if ev.InTunnel {
		v[cInTunnel]++
	}
	if m.Type.Request() {
		v[cG2Req]++
	}
	switch m.Type {
	case gtpv2.CreateSessionRequest:
		v[cG2Create]++
	case gtpv2.DeleteSessionRequest:
		v[cG2Delete]++
	}
	if gtpv2.Rejected(m.Cause) {
		v[cG2Rej]++
	}
}

// gnbWindow returns the open window of the gNB at addr.
func (t *Tracker) gnbWindow(ev *Event, addr netip.Addr) *gnbWin {
	w := t.gnb[addr]
	if w != nil && ev.Time.Sub(w.start) >= t.cfg.Window {
		t.emitGNB(w)
		w = nil
	}
	if w == nil {
		w = &gnbWin{start: ev.Time, v: make([]float64, len(GNBColumns)), ran: map[uint32]struct{}{}, addr: addr}
		t.gnb[addr] = w
	}
	t.mark(&w.label, ev)
	return w
}

func (t *Tracker) emitGNB(w *gnbWin) {
	w.v[gRAN] = float64(len(w.ran))
	t.append(t.gnbTab, w.v, w.label)
	t.gnbKeys = append(t.gnbKeys, w.addr.String()+"@"+w.start.UTC().Format(time.RFC3339Nano))
	delete(t.gnb, w.addr)
}

// addMalformed counts a message that failed to decode (Scanner.Malformed)
// in its N4 peer window or its gNB's window. Only format errors count: an
// encoding the decoders do not implement is no evidence of an attack.
func (t *Tracker) addMalformed(ev *Event) {
	if !errors.Is(ev.Err, errs.ErrFormat) {
		return
	}
	switch ev.Proto {
	case ProtoPFCP, ProtoGTPv2:
		t.window(ev).v[cMalformed]++
	case ProtoNGAP:
		v := t.gnbWindow(ev, gnbByPort(ev)).v
		v[gNGAPBad]++
		v[gProtoErrs]++
	}
}

// gnbByPort names the gNB of an NGAP message by the SCTP port: the AMF
// listens on 38412 (TS 38.412 §7), so the gNB is the other end (the
// source when neither or both are on it).
func gnbByPort(ev *Event) netip.Addr {
	if ev.SrcPort == ngap.Port && ev.DstPort != ngap.Port {
		return ev.Dst
	}
	return ev.Src
}

func (t *Tracker) addNGAP(ev *Event) {
	p := &ev.NGAP
	if !p.HasRANUEID {
		// Not UE-associated (NG Setup, …): only its protocol errors count,
		// in the gNB's window.
		e := errsOf(ev)
		for _, b := range p.NestedNAS {
			e.nestedNAS(b, &t.nested)
		}
		if e != 0 {
			w := t.gnbWindow(ev, gnbByPort(ev))
			e.add(w.v, &gnbErrCols, gProtoErrs)
		}
		return
	}
	// Procedures the AMF initiates: the gNB is the destination of the
	// request and the source of the outcome; the others the reverse.
	var gnb netip.Addr
	switch p.Procedure {
	case ngap.DownlinkNASTransport, ngap.InitialContextSetup, ngap.PDUSessionResourceSetup,
		ngap.PDUSessionResourceRelease, ngap.PDUSessionResourceModify, ngap.UEContextModification:
		if p.Type == ngap.InitiatingMessage {
			gnb = ev.Dst
		} else {
			gnb = ev.Src
		}
	case ngap.UEContextRelease:
		if p.Type == ngap.InitiatingMessage {
			gnb = ev.Dst
		} else {
			gnb = ev.Src
		}
	case ngap.ErrorIndication:
		// Either end may report an error (TS 38.413 §8.7.5).
		gnb = gnbByPort(ev)
	default:
		if p.Type == ngap.InitiatingMessage {
			gnb = ev.Src
		} else {
			gnb = ev.Dst
		}
	}
	e := errsOf(ev)
	k := ueKey{gnb, p.RANUEID}
	u := t.ue[k]
	if u == nil {
		u = &ueState{first: ev.Time, v: make([]float64, len(UEColumns)), procs: map[ngap.Procedure]struct{}{}, ids: map[uint64]struct{}{}}
		u.keyText = fmt.Sprintf("%s/ran-ue-%d", gnb, p.RANUEID)
		t.ue[k] = u
	}
	t.mark(&u.label, ev)
	u.last = ev.Time
	v := u.v
	v[uNGAP]++
	if ev.InTunnel {
		v[uInTunnel]++
	}
	u.procs[p.Procedure] = struct{}{}
	u.push(uint16(p.Procedure) << 8)
	for _, b := range p.NestedNAS {
		v[uNested]++
		if e.nestedNAS(b, &t.nested) {
			u.push(uint16(p.Procedure)<<8 | uint16(t.nested.MMType))
			if t.nested.SMType != 0 {
				u.push(0x8000 | uint16(t.nested.SMType))
			}
			u.account(&t.nested)
		}
	}
	t.gnbAccount(ev, gnb, e)
	switch p.Procedure {
	case ngap.InitialUEMessage:
		v[uInitial]++
	case ngap.UplinkNASTransport:
		v[uUL]++
	case ngap.DownlinkNASTransport:
		v[uDL]++
	}
	if p.NAS != nil && !ev.HasNAS {
		v[uNASBad]++
	}
	if ev.HasNAS {
		m := &ev.NAS
		u.push(uint16(p.Procedure)<<8 | uint16(m.MMType))
		if m.SMType != 0 {
			u.push(0x8000 | uint16(m.SMType))
		}
		u.account(m)
		if m.SecurityHeader == nas.Plain {
			v[uPlain]++
		} else {
			v[uProt]++
		}
		if m.Identity != nil {
			u.ids[t.h.Sum64(m.Identity)] = struct{}{}
		}
		switch m.MMType {
		case nas.RegistrationRequest:
			v[uRegReq]++
		case nas.RegistrationReject:
			v[uRegRej]++
		case nas.AuthenticationRequest:
			v[uAuthReq]++
		case nas.AuthenticationResponse:
			v[uAuthResp]++
		case nas.AuthenticationFailure:
			v[uAuthFail]++
			switch m.Cause {
			case nas.CauseMACFailure:
				v[uAuthMAC]++
			case nas.CauseSynchFailure:
				v[uAuthSynch]++
			}
		case nas.AuthenticationReject:
			v[uAuthRej]++
		case nas.IdentityRequest:
			v[uIDReq]++
			if m.IdentityType == nas.IdentitySUCI {
				v[uIDReqSUCI]++
			}
		case nas.IdentityResponse:
			v[uIDResp]++
		case nas.SecurityModeCommand:
			v[uSMC]++
		case nas.SecurityModeComplete:
			v[uSMComp]++
		case nas.SecurityModeReject:
			v[uSMRej]++
		case nas.ServiceRequest:
			v[uSvc]++
		case nas.DeregistrationRequestUEOriginating, nas.DeregistrationRequestUETerminated:
			v[uDereg]++
		}
		if m.SMType == nas.PDUSessionEstablishmentRequest {
			v[uPDU]++
		}
	}
	e.add(v, &ueErrCols, uProtoErrs)
	if p.Procedure == ngap.UEContextRelease && p.Type == ngap.SuccessfulOutcome {
		v[uRel]++
		t.emitUE(k, u)
	}
}

func (t *Tracker) emitUE(k ueKey, u *ueState) {
	v := u.v
	v[uProcs] = float64(len(u.procs))
	v[uDur] = u.last.Sub(u.first).Seconds()
	v[uIDs] = float64(len(u.ids))
	n := min(u.seqN, SeqLen)
	d := 0
	for i := 0; i < n; i++ {
		seen := false
		for j := 0; j < i; j++ {
			seen = seen || u.seq[j] == u.seq[i]
		}
		if !seen {
			d++
		}
	}
	v[uSeqDist] = float64(d)
	t.append(t.ueTab, v, u.label)
	t.ueKeys = append(t.ueKeys, u.keyText+"@"+u.first.UTC().Format(time.RFC3339Nano))
	delete(t.ue, k)
}

func (t *Tracker) gnbAccount(ev *Event, gnb netip.Addr, e protoErrs) {
	p := &ev.NGAP
	w := t.gnbWindow(ev, gnb)
	v := w.v
	v[gNGAP]++
	w.ran[p.RANUEID] = struct{}{}
	if ev.InTunnel {
		v[gInTunnel]++
	}
	if p.Procedure == ngap.InitialUEMessage {
		v[gInitial]++
	}
	if p.Procedure == ngap.UEContextRelease && p.Type == ngap.SuccessfulOutcome {
		v[gRel]++
	}
	if p.NAS != nil && !ev.HasNAS {
		v[gNASBad]++
	}
	e.add(v, &gnbErrCols, gProtoErrs)
	if !ev.HasNAS {
		return
	}
	switch ev.NAS.MMType {
	case nas.RegistrationRequest:
		v[gRegReq]++
	case nas.RegistrationReject:
		v[gRegRej]++
	case nas.AuthenticationFailure:
		v[gAuthFail]++
	case nas.IdentityRequest:
		v[gIDReq]++
	case nas.SecurityModeReject:
		v[gSMRej]++
	}
}

// Flush emits the rows of every open window, session and UE, oldest first.
func (t *Tracker) Flush() {
	t.flushSessions()
	gs := make([]*gnbWin, 0, len(t.gnb))
	for _, w := range t.gnb {
		gs = append(gs, w)
	}
	sort.Slice(gs, func(i, j int) bool {
		if !gs[i].start.Equal(gs[j].start) {
			return gs[i].start.Before(gs[j].start)
		}
		return gs[i].addr.Less(gs[j].addr)
	})
	for _, w := range gs {
		t.emitGNB(w)
	}
	ws := make([]*n4Win, 0, len(t.n4))
	for _, w := range t.n4 {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		if !ws[i].start.Equal(ws[j].start) {
			return ws[i].start.Before(ws[j].start)
		}
		return ws[i].keyText < ws[j].keyText
	})
	for _, w := range ws {
		t.emitN4(w)
	}
	type kv struct {
		k ueKey
		u *ueState
	}
	us := make([]kv, 0, len(t.ue))
	for k, u := range t.ue {
		us = append(us, kv{k, u})
	}
	sort.Slice(us, func(i, j int) bool {
		if !us[i].u.first.Equal(us[j].u.first) {
			return us[i].u.first.Before(us[j].u.first)
		}
		return us[i].u.keyText < us[j].u.keyText
	})
	for _, x := range us {
		t.emitUE(x.k, x.u)
	}
}
