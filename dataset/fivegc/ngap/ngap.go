// Package ngap decodes NGAP, the protocol between a 5G gNB and its AMF on
// N2 (SCTP payload protocol identifier 60), as 3GPP TS 38.413 (release 17)
// defines it in ASN.1 and ITU-T X.691 encodes it in the aligned variant of
// the Packed Encoding Rules (APER): the NGAP-PDU choice (initiating
// message, successful or unsuccessful outcome), its procedure code and
// criticality (§9.4.2, §9.4.3), the open-type message value and its
// ProtocolIE-Container (§9.4.4: every IE's id, criticality and value), and
// the values of the IEs a detector follows UEs by: RAN-UE-NGAP-ID (IE 85,
// INTEGER (0..2^32-1)), AMF-UE-NGAP-ID (IE 10, INTEGER (0..2^40-1)), the
// UE-NGAP-IDs choice (IE 114), the Cause (IE 15, §9.3.1.2: its group and
// value, see ParseCause), and the NAS-PDU (IE 38, OCTET STRING), whose
// bytes package nas decodes, and the NAS-PDUs inside the items of the PDU
// Session Resource Setup (IEs 71, 74) and Modify (IE 64) request lists.
//
// Only the subset of X.691 these need is implemented: extension and
// choice-index bits, constrained whole numbers of up to 64K values in one
// or two aligned octets (§11.5.7), constrained whole numbers of larger
// ranges as a bit-field length and aligned octets (§11.5.7.4), and
// unfragmented length determinants (§11.9.3.6, up to 16383 octets). A PDU
// using an extension addition in its choice, or a fragmented length, is an
// error wrapping ErrUnsupported.
//
// Decode reads one PDU into a caller's PDU, whose IE slice it reuses; it
// allocates nothing once the PDU has grown to the largest message seen.
// Values are sub-slices of the input. A PDU is not safe for concurrent
// use; the package's functions are. Decode never panics; bad input is an
// *Error naming the byte offset.
package ngap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/wire"
	"github.com/netwarden/netwarden/internal/errs"
)

// PPID is the SCTP payload protocol identifier of NGAP (TS 38.412 §7).
const PPID = 60

// Port is the SCTP port of NGAP (TS 38.412 §7).
const Port = 38412

// ErrFormat is the sentinel a malformed PDU's *Error wraps.
var ErrFormat = errs.ErrFormat

// ErrUnsupported is the sentinel an *Error wraps for an encoding this
// package does not implement (an extended choice, a fragmented length).
var ErrUnsupported = errs.ErrUnsupported

// Error is a decoding failure at a byte offset of the message (Offset
// from its first byte, What says what was wrong, Err is the sentinel it
// wraps); its text starts with "ngap: byte N:".
type Error = wire.Error

func bad(off int, what string) error {
	return &Error{Proto: "ngap", Offset: off, What: what, Err: ErrFormat}
}

// PDUType is the NGAP-PDU choice.
type PDUType uint8

// NGAP-PDU alternatives.
const (
	InitiatingMessage   PDUType = 0
	SuccessfulOutcome   PDUType = 1
	UnsuccessfulOutcome PDUType = 2
)

// String returns "initiating", "successful" or "unsuccessful".
func (t PDUType) String() string {
	switch t {
	case InitiatingMessage:
		return "initiating"
	case SuccessfulOutcome:
		return "successful"
	case UnsuccessfulOutcome:
		return "unsuccessful"
	}
	return "pdu_" + strconv.Itoa(int(t))
}

// Criticality values (TS 38.413 §9.4.3).
const (
	Reject = 0
	Ignore = 1
	Notify = 2
)

// IE ids this package reads (TS 38.413 §9.4.7).
const (
	IDAMFUENGAPID uint16 = 10
	IDCause       uint16 = 15
	IDNASPDU      uint16 = 38
	IDRANUENGAPID uint16 = 85
	IDUENGAPIDs   uint16 = 114
	IDUserLocInfo uint16 = 121
)

// IE is one ProtocolIE-Field of the message's container.
type IE struct {
	ID          uint16
	Criticality uint8
	// Offset is the byte offset of the IE's id in the PDU.
	Offset int
	// Value is the open type's bytes (the APER encoding of the IE value).
	Value []byte
}

// PDU is one decoded NGAP PDU. Decode overwrites all of it.
type PDU struct {
	Type        PDUType
	Procedure   Procedure
	Criticality uint8
	// Extended says the message value's extension bit was set (extension
	// additions after the container are not read).
	Extended bool
	IEs      []IE
	// RANUEID is the RAN-UE-NGAP-ID (IE 85, or from the UE-NGAP-IDs pair);
	// HasRANUEID says whether there was one.
	RANUEID    uint32
	HasRANUEID bool
	// AMFUEID is the AMF-UE-NGAP-ID (IE 10 or IE 114); HasAMFUEID says
	// whether there was one.
	AMFUEID    uint64
	HasAMFUEID bool
	// NAS is the first top-level NAS-PDU (IE 38), nil when absent.
	NAS []byte
	// NestedNAS are the NAS-PDUs inside the items of the PDU Session
	// Resource Setup (IE 71, 74) and Modify (IE 64) request lists, in
	// order, at most MaxNestedNAS; sub-slices of the input.
	NestedNAS [][]byte
	// NestedSkipped counts list items after one with extension additions
	// (or an S-NSSAI with them), whose NAS-PDU was not read.
	NestedSkipped int
	// HasCause says the PDU has a top-level Cause (IE 15, TS 38.413
	// §9.3.1.2); CauseGroup is its alternative and CauseValue the
	// group's ENUMERATED value (extension values counted after the root
	// ones, as the ASN.1 lists them).
	HasCause   bool
	CauseGroup CauseGroup
	CauseValue uint8
	// Size is the number of bytes the PDU took.
	Size int
}

// length reads an aligned unfragmented length determinant at b[o:]
// (X.691 §11.9.3.6) and returns the length and the offset after it.
func length(b []byte, o int) (int, int, error) {
	if o >= len(b) {
		return 0, 0, bad(o, "length determinant missing")
	}
	c := b[o]
	switch {
	case c&0x80 == 0:
		return int(c), o + 1, nil
	case c&0xc0 == 0x80:
		if o+1 >= len(b) {
			return 0, 0, bad(o, "two-octet length determinant truncated")
		}
		return int(c&0x3f)<<8 | int(b[o+1]), o + 2, nil
	}
	return 0, 0, &Error{Proto: "ngap", Offset: o, What: "fragmented length determinant (16K or more octets)", Err: ErrUnsupported}
}

// Decode decodes the NGAP PDU at the start of b into p.
func Decode(b []byte, p *PDU) error {
	p.IEs = p.IEs[:0]
	clear(p.NestedNAS)
	p.NestedNAS, p.NestedSkipped = p.NestedNAS[:0], 0
	p.RANUEID, p.HasRANUEID, p.AMFUEID, p.HasAMFUEID, p.NAS, p.Extended = 0, false, 0, false, nil, false
	p.HasCause, p.CauseGroup, p.CauseValue = false, 0, 0
	if len(b) < 4 {
		return bad(len(b), fmt.Sprintf("PDU needs at least 4 bytes, have %d", len(b)))
	}
	if b[0]&0x80 != 0 {
		return &Error{Proto: "ngap", Offset: 0, What: "NGAP-PDU choice extension", Err: ErrUnsupported}
	}
	p.Type = PDUType(b[0] >> 5 & 0x03)
	if p.Type > UnsuccessfulOutcome {
		return bad(0, "NGAP-PDU choice index 3")
	}
	p.Procedure = Procedure(b[1])
	p.Criticality = b[2] >> 6
	if p.Criticality > Notify {
		return bad(2, "criticality 3")
	}
	n, o, err := length(b, 3)
	if err != nil {
		return err
	}
	if o+n > len(b) {
		return bad(3, fmt.Sprintf("message value of %d bytes runs past the %d-byte PDU", n, len(b)))
	}
	p.Size = o + n
	end := o + n
	if n < 3 {
		return bad(o, fmt.Sprintf("message value of %d bytes has no IE container", n))
	}
	// The message SEQUENCE: its extension bit, then the container's
	// SIZE (0..65535) count in two aligned octets.
	p.Extended = b[o]&0x80 != 0
	count := int(binary.BigEndian.Uint16(b[o+1:]))
	o += 3
	for i := 0; i < count; i++ {
		if end-o < 3 {
			return bad(o, fmt.Sprintf("IE %d of %d: header truncated", i+1, count))
		}
		ie := IE{ID: binary.BigEndian.Uint16(b[o:]), Criticality: b[o+2] >> 6, Offset: o}
		if ie.Criticality > Notify {
			return bad(o+2, fmt.Sprintf("IE %d criticality 3", ie.ID))
		}
		vn, vo, err := length(b[:end], o+3)
		if err != nil {
			return err
		}
		if vo+vn > end {
			return bad(o+3, fmt.Sprintf("IE %d value of %d bytes runs past the message (%d left)", ie.ID, vn, end-vo))
		}
		ie.Value = b[vo : vo+vn]
		p.IEs = append(p.IEs, ie)
		if err := p.value(&ie, vo); err != nil {
			return err
		}
		o = vo + vn
	}
	return nil
}

// value reads the IEs a detector follows.
func (p *PDU) value(ie *IE, at int) error {
	v := ie.Value
	switch ie.ID {
	case IDRANUENGAPID:
		x, err := ranUEID(v, at)
		if err != nil {
			return err
		}
		p.RANUEID, p.HasRANUEID = x, true
	case IDAMFUENGAPID:
		x, err := amfUEID(v, at)
		if err != nil {
			return err
		}
		p.AMFUEID, p.HasAMFUEID = x, true
	case IDUENGAPIDs:
		amf, ran, hasRAN, ok, err := ParseUENGAPIDs(v)
		if err != nil {
			return bad(at, err.Error())
		}
		if ok {
			p.AMFUEID, p.HasAMFUEID = amf, true
		}
		if hasRAN {
			p.RANUEID, p.HasRANUEID = ran, true
		}
	case IDCause:
		g, x, err := ParseCause(v)
		if err != nil {
			return bad(at, err.Error())
		}
		if !p.HasCause {
			p.HasCause, p.CauseGroup, p.CauseValue = true, g, x
		}
	case IDNASPDU:
		n, o, err := length(v, 0)
		if err != nil {
			return bad(at, "NAS-PDU: "+err.Error())
		}
		if o+n > len(v) {
			return bad(at, fmt.Sprintf("NAS-PDU of %d bytes runs past its IE (%d bytes)", n, len(v)-o))
		}
		if p.NAS == nil {
			p.NAS = v[o : o+n]
		}
	case IDPDUSessionResourceSetupListSUReq, IDPDUSessionResourceSetupListCxtReq, IDPDUSessionResourceModifyListModReq:
		return p.nested(ie, at)
	}
	return nil
}

// ranUEID reads an INTEGER (0..4294967295): a 2-bit octet count, then
// the octets aligned (X.691 §11.5.7.4).
func ranUEID(v []byte, at int) (uint32, error) {
	if len(v) < 1 {
		return 0, bad(at, "RAN-UE-NGAP-ID empty")
	}
	n := int(v[0]>>6) + 1
	if len(v) < 1+n {
		return 0, bad(at, fmt.Sprintf("RAN-UE-NGAP-ID of %d octets, %d left", n, len(v)-1))
	}
	var x uint32
	for _, c := range v[1 : 1+n] {
		x = x<<8 | uint32(c)
	}
	return x, nil
}

// amfUEID reads an INTEGER (0..1099511627775): a 3-bit octet count, then
// the octets aligned.
func amfUEID(v []byte, at int) (uint64, error) {
	if len(v) < 1 {
		return 0, bad(at, "AMF-UE-NGAP-ID empty")
	}
	n := int(v[0]>>5) + 1
	if n > 5 {
		return 0, bad(at, fmt.Sprintf("AMF-UE-NGAP-ID of %d octets, at most 5", n))
	}
	if len(v) < 1+n {
		return 0, bad(at, fmt.Sprintf("AMF-UE-NGAP-ID of %d octets, %d left", n, len(v)-1))
	}
	var x uint64
	for _, c := range v[1 : 1+n] {
		x = x<<8 | uint64(c)
	}
	return x, nil
}

// ParseUENGAPIDs decodes a UE-NGAP-IDs value (IE 114, TS 38.413):
// CHOICE { uE-NGAP-ID-pair SEQUENCE { aMF-UE-NGAP-ID, rAN-UE-NGAP-ID,
// iE-Extensions OPTIONAL, ... }, aMF-UE-NGAP-ID, choice-Extensions }. ok
// says an AMF-UE-NGAP-ID was read (false for a choice extension), hasRAN
// that the pair's RAN-UE-NGAP-ID was.
func ParseUENGAPIDs(v []byte) (amf uint64, ran uint32, hasRAN, ok bool, err error) {
	if len(v) < 1 {
		return 0, 0, false, false, errors.New("UE-NGAP-IDs empty")
	}
	if v[0]&0x80 != 0 {
		return 0, 0, false, false, nil // choice extension: no IDs to read
	}
	// The bits before the AMF ID's octet count: the choice's extension
	// bit and 1-bit index, then for the pair its extension and optional
	// bits; the 3-bit count follows in the same octet.
	shift := uint(3)
	pair := v[0]&0x40 == 0
	if pair {
		shift = 1
	}
	na := int(v[0]>>shift&0x07) + 1
	if na > 5 || len(v) < 1+na {
		return 0, 0, false, false, fmt.Errorf("UE-NGAP-IDs: AMF-UE-NGAP-ID of %d octets, %d left", na, len(v)-1)
	}
	for _, c := range v[1 : 1+na] {
		amf = amf<<8 | uint64(c)
	}
	if !pair {
		return amf, 0, false, true, nil
	}
	r, err := ranUEID(v[1+na:], 0)
	if err != nil {
		return 0, 0, false, false, fmt.Errorf("UE-NGAP-IDs: %w", err)
	}
	return amf, r, true, true, nil
}
