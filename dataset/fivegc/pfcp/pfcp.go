// Package pfcp decodes the Packet Forwarding Control Protocol that a 5G
// SMF and UPF (or a 4G SGW-C/PGW-C and their user planes) speak on N4
// (Sxa/Sxb), as 3GPP TS 29.244 (release 17) defines it: the message header
// (§7.2.2), the information element framing (§8.1.1, including vendor IEs
// with an enterprise ID and grouped IEs nested to any depth) and the IEs a
// detector follows nodes and sessions by: Cause, Node ID, F-SEID, Recovery
// Time Stamp, F-TEID, UE IP Address, Apply Action, Destination Interface,
// Redirect Information, PDR/FAR/URR/QER IDs, and the counts of
// Create/Update/Remove PDR, FAR, URR and QER.
//
// Decode reads one message into a caller's Message, whose slices it reuses:
// it allocates nothing once the Message has grown to the largest message
// seen. IE values are sub-slices of the input, valid until the caller
// reuses it. A Message is not safe for concurrent use; the package's
// functions are.
//
// Bad input is an *Error naming the byte offset and what was wrong,
// wrapping ErrFormat (truncated or inconsistent lengths) or ErrVersion (a
// version other than 1). Decode never panics.
package pfcp

import (
	"encoding/binary"
	"fmt"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/wire"
	"github.com/netwarden/netwarden/internal/errs"
)

// Port is the UDP port of PFCP (TS 29.244 §4.2.2).
const Port = 8805

// Version is the only PFCP version (TS 29.244 §7.2.2.1).
const Version = 1

// ErrFormat is the sentinel a malformed message's *Error wraps.
var ErrFormat = errs.ErrFormat

// ErrVersion is the sentinel an *Error wraps for a version other than 1.
var ErrVersion = errs.ErrVersion

// Error is a decoding failure at a byte offset of the message (Offset
// from its first byte, What says what was wrong, Err is the sentinel it
// wraps); its text starts with "pfcp: byte N:".
type Error = wire.Error

func bad(off int, what string) error {
	return &Error{Proto: "pfcp", Offset: off, What: what, Err: ErrFormat}
}

// MaxDepth is the deepest nesting of grouped IEs Decode follows; deeper
// nesting is an error. Release 17 nests at most four levels.
const MaxDepth = 8

// IE is one information element as it appears in the message, in pre-order
// (a grouped IE comes before the IEs it holds).
type IE struct {
	// Type is the IE type (TS 29.244 Table 8.1.2-1); types of 32768 and
	// above are vendor-specific.
	Type uint16
	// Enterprise is the IANA enterprise number of a vendor-specific IE.
	Enterprise uint16
	// Depth is 0 for an IE of the message, 1 inside a grouped IE, …
	Depth uint8
	// Parent is the index in Message.IEs of the grouped IE holding this one,
	// or -1.
	Parent int32
	// Offset is the byte offset of the IE's type field in the message.
	Offset int
	// Value is the IE's value (after the enterprise ID of a vendor IE).
	Value []byte
}

// Rule kinds counted in Message.Rules.
const (
	PDR = iota
	FAR
	URR
	QER
)

// Rule operations counted in Message.Rules.
const (
	Create = iota
	Update
	Remove
)

// Message is one decoded PFCP message. Decode overwrites all of it.
type Message struct {
	Header
	// IEs lists every IE, grouped ones and those inside them, in order.
	IEs []IE

	// Cause is the first Cause IE of the message (0 when absent).
	Cause Cause
	// NodeID is the message's Node ID IE (Type NodeIDNone when absent).
	NodeID NodeID
	// FSEID is the message's F-SEID IE (the sender's session endpoint);
	// HasFSEID says whether there was one.
	FSEID    FSEID
	HasFSEID bool
	// Recovery is the Recovery Time Stamp in seconds since 1900-01-01 UTC
	// (RFC 5905 era 0), 0 when absent.
	Recovery uint32
	// Rules counts the Create/Update/Remove PDR, FAR, URR and QER IEs,
	// indexed [operation][kind].
	Rules [3][4]int
	// Drop, Forward, Buffer and Redirect count the Create or Update FAR IEs
	// whose Apply Action drops, forwards or buffers, and those whose
	// forwarding parameters hold a Redirect Information IE.
	Drop, Forward, Buffer, Redirect int
}

// Header is the PFCP message header (TS 29.244 §7.2.2).
type Header struct {
	Version uint8
	// FO (follow on) says another message follows in the same datagram.
	FO bool
	// MP says the header carries a message priority.
	MP bool
	// S says the header carries a SEID.
	S bool
	// Type is the message type.
	Type MessageType
	// Length is the message length after the first 4 octets.
	Length uint16
	// SEID is the session endpoint identifier of the receiver (when S).
	SEID uint64
	// Seq is the 24-bit sequence number.
	Seq uint32
	// Priority is the 4-bit message priority (when MP).
	Priority uint8
}

// Size returns the message's length in bytes including the first 4 octets.
func (h *Header) Size() int { return int(h.Length) + 4 }

// DecodeHeader decodes the header at the start of b.
func DecodeHeader(b []byte, h *Header) error {
	if len(b) < 8 {
		return bad(len(b), fmt.Sprintf("header needs 8 bytes, have %d", len(b)))
	}
	h.Version = b[0] >> 5
	if h.Version != Version {
		return &Error{Proto: "pfcp", Offset: 0, What: fmt.Sprintf("version %d, want 1", h.Version), Err: ErrVersion}
	}
	h.FO = b[0]&0x04 != 0
	h.MP = b[0]&0x02 != 0
	h.S = b[0]&0x01 != 0
	h.Type = MessageType(b[1])
	h.Length = binary.BigEndian.Uint16(b[2:])
	hl := 8
	if h.S {
		hl = 16
	}
	if int(h.Length)+4 < hl {
		return bad(2, fmt.Sprintf("message length %d shorter than the %d-byte header", h.Length, hl))
	}
	if int(h.Length)+4 > len(b) {
		return bad(len(b), fmt.Sprintf("message length %d runs past the %d bytes received", h.Length, len(b)))
	}
	o := 4
	h.SEID = 0
	if h.S {
		h.SEID = binary.BigEndian.Uint64(b[4:])
		o = 12
	}
	h.Seq = uint32(b[o])<<16 | uint32(b[o+1])<<8 | uint32(b[o+2])
	h.Priority = 0
	if h.MP {
		h.Priority = b[o+3] >> 4
	}
	return nil
}

// Decode decodes the first PFCP message in b into m. When m.FO is set the
// next message starts at b[m.Size():]. Trailing bytes after a message
// without FO are ignored, as a receiver does.
func Decode(b []byte, m *Message) error {
	if err := DecodeHeader(b, &m.Header); err != nil {
		return err
	}
	m.IEs = m.IEs[:0]
	m.Cause, m.NodeID, m.FSEID, m.HasFSEID, m.Recovery = 0, NodeID{}, FSEID{}, false, 0
	m.Rules = [3][4]int{}
	m.Drop, m.Forward, m.Buffer, m.Redirect = 0, 0, 0, 0
	hl := 8
	if m.S {
		hl = 16
	}
	if err := m.walk(b, hl, m.Size(), 0, -1); err != nil {
		return err
	}
	return m.summarise()
}

// walk appends the IEs of b[off:end] at depth d.
func (m *Message) walk(b []byte, off, end, d int, parent int32) error {
	for off < end {
		if end-off < 4 {
			return bad(off, fmt.Sprintf("IE header needs 4 bytes, %d left", end-off))
		}
		t := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		v := off + 4
		if v+n > end {
			return bad(off+2, fmt.Sprintf("IE type %d length %d runs past its container (%d bytes left)", t, n, end-v))
		}
		ie := IE{Type: t, Depth: uint8(d), Parent: parent, Offset: off, Value: b[v : v+n]}
		if t >= 0x8000 {
			if n < 2 {
				return bad(off+2, fmt.Sprintf("vendor IE type %d length %d has no enterprise ID", t, n))
			}
			ie.Enterprise = binary.BigEndian.Uint16(b[v:])
			ie.Value = b[v+2 : v+n]
		}
		m.IEs = append(m.IEs, ie)
		if grouped(t) {
			if d+1 > MaxDepth {
				return bad(off, fmt.Sprintf("grouped IEs nested deeper than %d", MaxDepth))
			}
			if err := m.walk(b, v, v+n, d+1, int32(len(m.IEs)-1)); err != nil {
				return err
			}
		}
		off = v + n
	}
	return nil
}

// summarise fills the summary fields from the IE list.
func (m *Message) summarise() error {
	for i := range m.IEs {
		ie := &m.IEs[i]
		switch ie.Type {
		case IECause:
			if len(ie.Value) < 1 {
				return bad(ie.Offset, "Cause IE is empty")
			}
			if m.Cause == 0 && ie.Depth == 0 {
				m.Cause = Cause(ie.Value[0])
			}
		case IENodeID:
			if ie.Depth == 0 {
				id, err := ParseNodeID(ie.Value)
				if err != nil {
					return bad(ie.Offset+4, err.Error())
				}
				m.NodeID = id
			}
		case IEFSEID:
			f, err := ParseFSEID(ie.Value)
			if err != nil {
				return bad(ie.Offset+4, err.Error())
			}
			if ie.Depth == 0 && !m.HasFSEID {
				m.FSEID, m.HasFSEID = f, true
			}
		case IERecoveryTimeStamp:
			if len(ie.Value) < 4 {
				return bad(ie.Offset+4, fmt.Sprintf("Recovery Time Stamp of %d bytes, want 4", len(ie.Value)))
			}
			if ie.Depth == 0 {
				m.Recovery = binary.BigEndian.Uint32(ie.Value)
			}
		case IECreatePDR, IECreateFAR, IECreateURR, IECreateQER,
			IEUpdatePDR, IEUpdateFAR, IEUpdateURR, IEUpdateQER,
			IERemovePDR, IERemoveFAR, IERemoveURR, IERemoveQER:
			op, kind := ruleOf(ie.Type)
			m.Rules[op][kind]++
		case IEApplyAction:
			if len(ie.Value) < 1 {
				return bad(ie.Offset+4, "Apply Action IE is empty")
			}
			if ie.Parent >= 0 {
				if p := m.IEs[ie.Parent].Type; p == IECreateFAR || p == IEUpdateFAR {
					a := ApplyAction(ie.Value)
					if a.Drop() {
						m.Drop++
					}
					if a.Forward() {
						m.Forward++
					}
					if a.Buffer() {
						m.Buffer++
					}
				}
			}
		case IERedirectInformation:
			m.Redirect++
		}
	}
	return nil
}

func ruleOf(t uint16) (op, kind int) {
	switch t {
	case IECreatePDR:
		return Create, PDR
	case IECreateFAR:
		return Create, FAR
	case IECreateURR:
		return Create, URR
	case IECreateQER:
		return Create, QER
	case IEUpdatePDR:
		return Update, PDR
	case IEUpdateFAR:
		return Update, FAR
	case IEUpdateURR:
		return Update, URR
	case IEUpdateQER:
		return Update, QER
	case IERemovePDR:
		return Remove, PDR
	case IERemoveFAR:
		return Remove, FAR
	case IERemoveURR:
		return Remove, URR
	}
	return Remove, QER
}
