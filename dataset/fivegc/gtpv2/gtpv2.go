// Package gtpv2 decodes GTPv2-C, the control protocol of 4G and
// non-standalone 5G cores (S11, S5/S8, S4, S3, S10, S16, Sm, Sn), as 3GPP
// TS 29.274 (release 17) defines it: the header (§5.1, with the TEID flag,
// message priority and piggybacked messages), the IE framing (§8.1:
// type, length, instance; grouped IEs nested to any depth) and the Cause
// IE (§8.4).
//
// Decode reads one message into a caller's Message, whose IE slice it
// reuses: it allocates nothing once the Message has grown to the largest
// message seen. A Message is not safe for concurrent use; the package's
// functions are. Bad input is an *Error naming the byte offset, wrapping
// ErrFormat or ErrVersion; Decode never panics.
package gtpv2

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/netwarden/netwarden/dataset/fivegc/internal/wire"
	"github.com/netwarden/netwarden/internal/errs"
)

// Port is the UDP port of GTPv2-C (TS 29.274 §4.2).
const Port = 2123

// Version is the GTP version this package decodes.
const Version = 2

// ErrFormat is the sentinel a malformed message's *Error wraps.
var ErrFormat = errs.ErrFormat

// ErrVersion is the sentinel an *Error wraps for a version other than 2.
var ErrVersion = errs.ErrVersion

// Error is a decoding failure at a byte offset of the message (Offset
// from its first byte, What says what was wrong, Err is the sentinel it
// wraps); its text starts with "gtpv2: byte N:".
type Error = wire.Error

func bad(off int, what string) error {
	return &Error{Proto: "gtpv2", Offset: off, What: what, Err: ErrFormat}
}

// MaxDepth is the deepest nesting of grouped IEs Decode follows.
const MaxDepth = 8

// IE types this package reads (TS 29.274 Table 8.1-1).
const (
	IEIMSI          uint8 = 1
	IECause         uint8 = 2
	IERecovery      uint8 = 3
	IEMSISDN        uint8 = 76
	IEFTEID         uint8 = 87
	IEBearerContext uint8 = 93
	IEPAA           uint8 = 79
)

var groupedIE = [256]bool{93: true, 109: true, 180: true, 181: true, 191: true, 195: true, 208: true, 209: true}

// Grouped reports whether IE type t is grouped in TS 29.274 release 17.
func Grouped(t uint8) bool { return groupedIE[t] }

// IE is one information element, in pre-order.
type IE struct {
	Type     uint8
	Instance uint8
	Depth    uint8
	Parent   int32
	Offset   int
	Value    []byte
}

// Header is the GTPv2-C header (TS 29.274 §5.1).
type Header struct {
	Version uint8
	// P says a piggybacked message follows this one.
	P bool
	// T says the header carries a TEID.
	T bool
	// MP says the header carries a message priority.
	MP       bool
	Type     MessageType
	Length   uint16
	TEID     uint32
	Seq      uint32
	Priority uint8
}

// Size returns the message's length including the first 4 octets.
func (h *Header) Size() int { return int(h.Length) + 4 }

// Message is one decoded GTPv2-C message.
type Message struct {
	Header
	IEs []IE
	// Cause is the value of the first top-level Cause IE, 0 when absent.
	Cause uint8
	// Recovery is the restart counter of the Recovery IE, -1 when absent.
	Recovery int
}

// Decode decodes the first GTPv2-C message of b into m. When m.P is set a
// piggybacked message starts at b[m.Size():].
func Decode(b []byte, m *Message) error {
	if len(b) < 8 {
		return bad(len(b), fmt.Sprintf("header needs 8 bytes, have %d", len(b)))
	}
	h := &m.Header
	h.Version = b[0] >> 5
	if h.Version != Version {
		return &Error{Proto: "gtpv2", Offset: 0, What: fmt.Sprintf("version %d, want 2", h.Version), Err: ErrVersion}
	}
	h.P = b[0]&0x10 != 0
	h.T = b[0]&0x08 != 0
	h.MP = b[0]&0x04 != 0
	h.Type = MessageType(b[1])
	h.Length = binary.BigEndian.Uint16(b[2:])
	hl := 8
	if h.T {
		hl = 12
	}
	if h.Size() < hl {
		return bad(2, fmt.Sprintf("message length %d shorter than the %d-byte header", h.Length, hl))
	}
	if h.Size() > len(b) {
		return bad(len(b), fmt.Sprintf("message length %d runs past the %d bytes received", h.Length, len(b)))
	}
	o := 4
	h.TEID = 0
	if h.T {
		h.TEID = binary.BigEndian.Uint32(b[4:])
		o = 8
	}
	h.Seq = uint32(b[o])<<16 | uint32(b[o+1])<<8 | uint32(b[o+2])
	h.Priority = 0
	if h.MP {
		h.Priority = b[o+3] >> 4
	}
	m.IEs = m.IEs[:0]
	m.Cause, m.Recovery = 0, -1
	if err := m.walk(b, hl, h.Size(), 0, -1); err != nil {
		return err
	}
	for i := range m.IEs {
		ie := &m.IEs[i]
		switch ie.Type {
		case IECause:
			if len(ie.Value) < 2 {
				return bad(ie.Offset+4, fmt.Sprintf("Cause IE of %d bytes, want at least 2", len(ie.Value)))
			}
			if ie.Depth == 0 && m.Cause == 0 {
				m.Cause = ie.Value[0]
			}
		case IERecovery:
			if len(ie.Value) < 1 {
				return bad(ie.Offset+4, "Recovery IE is empty")
			}
			if ie.Depth == 0 {
				m.Recovery = int(ie.Value[0])
			}
		}
	}
	return nil
}

func (m *Message) walk(b []byte, off, end, d int, parent int32) error {
	for off < end {
		if end-off < 4 {
			return bad(off, fmt.Sprintf("IE header needs 4 bytes, %d left", end-off))
		}
		t := b[off]
		n := int(binary.BigEndian.Uint16(b[off+1:]))
		v := off + 4
		if v+n > end {
			return bad(off+1, fmt.Sprintf("IE type %d length %d runs past its container (%d bytes left)", t, n, end-v))
		}
		m.IEs = append(m.IEs, IE{Type: t, Instance: b[off+3] & 0x0f, Depth: uint8(d), Parent: parent, Offset: off, Value: b[v : v+n]})
		if groupedIE[t] {
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

// MessageType is a GTPv2-C message type (TS 29.274 Table 6.1-1).
type MessageType uint8

// Some GTPv2-C message types.
const (
	EchoRequest                 MessageType = 1
	EchoResponse                MessageType = 2
	VersionNotSupported         MessageType = 3
	CreateSessionRequest        MessageType = 32
	CreateSessionResponse       MessageType = 33
	ModifyBearerRequest         MessageType = 34
	ModifyBearerResponse        MessageType = 35
	DeleteSessionRequest        MessageType = 36
	DeleteSessionResponse       MessageType = 37
	CreateBearerRequest         MessageType = 95
	CreateBearerResponse        MessageType = 96
	UpdateBearerRequest         MessageType = 97
	UpdateBearerResponse        MessageType = 98
	DeleteBearerRequest         MessageType = 99
	DeleteBearerResponse        MessageType = 100
	ReleaseAccessBearersRequest MessageType = 170
	ReleaseAccessBearersResp    MessageType = 171
	DownlinkDataNotification    MessageType = 176
	DownlinkDataNotificationAck MessageType = 177
)

// Request reports whether t is one of the request messages of TS 29.274
// Table 6.1-1 (most requests are odd below 64 and even or odd by pairs
// above; this reports the common pairs).
func (t MessageType) Request() bool {
	switch {
	case t == 1:
		return true
	case t >= 32 && t <= 73:
		return t%2 == 0
	case t >= 95 && t <= 100:
		return t%2 == 1
	case t >= 128:
		return t%2 == 0
	}
	return false
}

// String returns the type as a decimal string prefixed with "type_", or a
// short name for the common ones.
func (t MessageType) String() string {
	switch t {
	case EchoRequest:
		return "echo_req"
	case EchoResponse:
		return "echo_resp"
	case CreateSessionRequest:
		return "create_session_req"
	case CreateSessionResponse:
		return "create_session_resp"
	case ModifyBearerRequest:
		return "modify_bearer_req"
	case ModifyBearerResponse:
		return "modify_bearer_resp"
	case DeleteSessionRequest:
		return "delete_session_req"
	case DeleteSessionResponse:
		return "delete_session_resp"
	}
	return "type_" + strconv.Itoa(int(t))
}

// Accepted reports whether a Cause value is an acceptance (16..63, TS
// 29.274 Table 8.4-1).
func Accepted(cause uint8) bool { return cause >= 16 && cause < 64 }

// Rejected reports whether a Cause value is a rejection (64..239).
func Rejected(cause uint8) bool { return cause >= 64 && cause < 240 }
