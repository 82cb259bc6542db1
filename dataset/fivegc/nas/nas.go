// Package nas decodes the headers of 5GS NAS messages (the N1 signalling
// between a UE and its AMF and SMF, carried in NGAP NAS-PDUs) as 3GPP TS
// 24.501 (release 17) defines them: the extended protocol discriminator and
// security header type (§9.2, §9.3), the security-protected header (message
// authentication code and sequence number, §9.1.1) around a plain message,
// the 5GMM and 5GSM message types (§9.7), and, for plain messages, the
// 5GMM cause (§9.11.3.2) and the type of the 5GS mobile identity (§9.11.3.4)
// that Registration Request, Identity Request and Response, Service
// Request, Deregistration Request, Registration Accept and Security Mode
// Complete carry, the 5GSM message inside an UL or DL NAS Transport's
// N1 SM payload container, and the 5GSM cause (§9.11.4.2) of the 5GSM
// messages that carry it as their first mandatory IE (PDU Session
// Establishment, Modification and Release Reject, Release Command, 5GSM
// Status: §8.3.3, §8.3.8, §8.3.13, §8.3.14, §8.3.16).
//
// ProtocolErrorCause says whether a cause is one of those TS 24.501 lists
// as related to invalid messages (#95–#101, #111; Annex A and B): what a
// receiver answers, by §7, to a message too short, of unknown type, with
// a missing mandatory or unknown comprehension-required IE, or not
// compatible with the protocol state, which is what a fuzzer provokes.
//
// The identity's value (a SUCI, 5G-GUTI, IMEI …) is exposed only as a
// sub-slice of the input for the caller to pseudonymise; nothing in this
// package prints or keeps it.
//
// Decode allocates nothing; it never panics. A ciphered message (security
// header type 2 or 4) decodes to its outer header only.
package nas

import (
	"encoding/binary"
	"fmt"

	"github.com/netwarden/netwarden/internal/errs"
)

// Extended protocol discriminators (TS 24.501 §9.2).
const (
	EPD5GMM = 0x7e
	EPD5GSM = 0x2e
)

// Security header types (TS 24.501 §9.3).
const (
	Plain                     = 0
	IntegrityProtected        = 1
	IntegrityCiphered         = 2
	IntegrityNewContext       = 3
	IntegrityCipheredNewCtxt  = 4
	maxSecurityHeaderType     = 4
	securityProtectedHeaderSz = 7
)

// Mobile identity types (TS 24.501 Table 9.11.3.4.1).
const (
	IdentityNone  = 0
	IdentitySUCI  = 1
	IdentityGUTI  = 2
	IdentityIMEI  = 3
	IdentitySTMSI = 4
	IdentityIMEIS = 5
	IdentityMAC   = 6
	IdentityEUI64 = 7
	// IdentityAbsent marks a message without a mobile identity.
	IdentityAbsent = 0xff
)

// ErrFormat is the sentinel a malformed message's *Error wraps.
var ErrFormat = errs.ErrFormat

// Error is a decoding failure at a byte offset of the NAS message.
type Error struct {
	Offset int
	What   string
}

func (e *Error) Error() string { return fmt.Sprintf("nas: byte %d: %s", e.Offset, e.What) }

// Unwrap returns ErrFormat.
func (e *Error) Unwrap() error { return ErrFormat }

func bad(off int, what string) error { return &Error{Offset: off, What: what} }

// Message is a decoded NAS message header. Decode overwrites all of it.
type Message struct {
	// EPD and SecurityHeader are the outer header's extended protocol
	// discriminator and security header type.
	EPD            uint8
	SecurityHeader uint8
	// MAC and Seq are the message authentication code and NAS sequence
	// number of a security-protected message.
	MAC uint32
	Seq uint8
	// Ciphered says the plain message is ciphered (security header type 2
	// or 4); Decode does not decode it.
	Ciphered bool
	// NullCiphered says DecodeNullCiphered read the ciphered bytes as the
	// plain message (5G-EA0).
	NullCiphered bool
	// Plain says the fields below come from a plain message (the message
	// itself, or the plain message inside an integrity-protected one).
	Plain bool
	// InnerEPD and InnerSecurityHeader are the plain message's header
	// inside a security-protected message.
	InnerEPD, InnerSecurityHeader uint8
	// MMType is the 5GMM message type (0 when the message is 5GSM).
	MMType MMType
	// SMType is the 5GSM message type: of the message itself, or of the
	// one inside an UL/DL NAS Transport's N1 SM container (0 when none).
	SMType SMType
	// PDUSessionID and PTI are the 5GSM header's PDU session identity and
	// procedure transaction identity.
	PDUSessionID, PTI uint8
	// Cause is the 5GMM cause (0 when the message has none).
	Cause uint8
	// SMCause is the 5GSM cause of a 5GSM reject, release command or
	// status message (of the message itself or in the N1 SM container),
	// 0 when none.
	SMCause uint8
	// IdentityType is the type of the mobile identity the message carries
	// (IdentityAbsent when it carries none; for Identity Request, the type
	// requested).
	IdentityType uint8
	// Identity is the mobile identity's value (a sub-slice of the input),
	// nil when absent. Pseudonymise it before it reaches any record.
	Identity []byte
}

// Decode decodes the NAS message b into m.
func Decode(b []byte, m *Message) error {
	*m = Message{IdentityType: IdentityAbsent}
	if len(b) < 2 {
		return bad(len(b), fmt.Sprintf("NAS header needs 2 bytes, have %d", len(b)))
	}
	m.EPD = b[0]
	switch m.EPD {
	case EPD5GMM:
	case EPD5GSM:
		m.Plain = true
		return m.sm(b, 0)
	default:
		return bad(0, fmt.Sprintf("extended protocol discriminator 0x%02x is neither 5GMM nor 5GSM", m.EPD))
	}
	m.SecurityHeader = b[1] & 0x0f
	if m.SecurityHeader > maxSecurityHeaderType {
		return bad(1, fmt.Sprintf("security header type %d is reserved", m.SecurityHeader))
	}
	if m.SecurityHeader == Plain {
		m.Plain = true
		return m.mm(b, 0)
	}
	if len(b) < securityProtectedHeaderSz {
		return bad(len(b), fmt.Sprintf("security-protected header needs 7 bytes, have %d", len(b)))
	}
	m.MAC = binary.BigEndian.Uint32(b[2:])
	m.Seq = b[6]
	if m.SecurityHeader == IntegrityCiphered || m.SecurityHeader == IntegrityCipheredNewCtxt {
		m.Ciphered = true
		return nil
	}
	in := b[securityProtectedHeaderSz:]
	if len(in) < 2 {
		return bad(len(b), "integrity-protected message holds no plain message")
	}
	m.InnerEPD = in[0]
	m.InnerSecurityHeader = in[1] & 0x0f
	m.Plain = true
	switch {
	case m.InnerEPD == EPD5GSM:
		return m.sm(b, securityProtectedHeaderSz)
	case m.InnerEPD != EPD5GMM:
		return bad(securityProtectedHeaderSz, fmt.Sprintf("inner extended protocol discriminator 0x%02x", m.InnerEPD))
	case m.InnerSecurityHeader != Plain:
		return bad(securityProtectedHeaderSz+1, fmt.Sprintf("inner security header type %d, want 0", m.InnerSecurityHeader))
	}
	return m.mm(b, securityProtectedHeaderSz)
}

// sm decodes the 5GSM header at b[o:].
func (m *Message) sm(b []byte, o int) error {
	if len(b) < o+4 {
		return bad(len(b), fmt.Sprintf("5GSM header needs 4 bytes, have %d", len(b)-o))
	}
	m.sm5G(b[o:])
	return nil
}

// sm5G reads the 5GSM header and, where it is mandatory, the 5GSM cause
// of the 5GSM message c (at least 4 bytes).
func (m *Message) sm5G(c []byte) {
	m.PDUSessionID, m.PTI, m.SMType = c[1], c[2], SMType(c[3])
	if m.SMType.hasCause() && len(c) > 4 {
		m.SMCause = c[4]
	}
}

// mm decodes the plain 5GMM message at b[o:].
func (m *Message) mm(b []byte, o int) error {
	if len(b) < o+3 {
		return bad(len(b), "5GMM message has no message type")
	}
	m.MMType = MMType(b[o+2])
	p := o + 3 // first octet after the message type
	need := func(n int) error {
		if len(b) < p+n {
			return bad(len(b), fmt.Sprintf("%s: needs %d more bytes at %d, have %d", m.MMType, n, p, len(b)-p))
		}
		return nil
	}
	// identity reads an LV-E 5GS mobile identity at b[at:].
	identity := func(at int) error {
		if len(b) < at+2 {
			return bad(len(b), fmt.Sprintf("%s: mobile identity length missing", m.MMType))
		}
		n := int(binary.BigEndian.Uint16(b[at:]))
		if n < 1 || len(b) < at+2+n {
			return bad(at, fmt.Sprintf("%s: mobile identity of %d bytes, %d left", m.MMType, n, len(b)-at-2))
		}
		m.IdentityType = b[at+2] & 0x07
		m.Identity = b[at+2 : at+2+n]
		return nil
	}
	switch m.MMType {
	case RegistrationReject, ServiceReject, AuthenticationFailure, SecurityModeReject, Status:
		if err := need(1); err != nil {
			return err
		}
		m.Cause = b[p]
	case DeregistrationRequestUETerminated:
		if len(b) >= p+3 && b[p+1] == ieiCause {
			m.Cause = b[p+2]
		}
	case IdentityRequest:
		if err := need(1); err != nil {
			return err
		}
		m.IdentityType = b[p] & 0x07
	case IdentityResponse:
		return identity(p)
	case RegistrationRequest, DeregistrationRequestUEOriginating, ServiceRequest:
		if err := need(1); err != nil {
			return err
		}
		return identity(p + 1)
	case RegistrationAccept:
		// 5GS registration result (LV), then optional IEs: the 5G-GUTI
		// (IEI 0x77, TLV-E) comes first when present.
		if err := need(1); err != nil {
			return err
		}
		q := p + 1 + int(b[p])
		if len(b) < q {
			return bad(p, "registration result runs past the message")
		}
		if len(b) > q && b[q] == ieiMobileIdentity {
			return identity(q + 1)
		}
	case SecurityModeComplete:
		// The IMEISV (IEI 0x77, TLV-E) is the first optional IE.
		if len(b) > p && b[p] == ieiMobileIdentity {
			return identity(p + 1)
		}
	case ULNASTransport, DLNASTransport:
		if err := need(3); err != nil {
			return err
		}
		kind := b[p] & 0x0f
		n := int(binary.BigEndian.Uint16(b[p+1:]))
		if len(b) < p+3+n {
			return bad(p+1, fmt.Sprintf("payload container of %d bytes, %d left", n, len(b)-p-3))
		}
		if kind == payloadN1SM && n >= 4 && b[p+3] == EPD5GSM {
			m.sm5G(b[p+3 : p+3+n])
		}
	}
	return nil
}

const (
	ieiCause          = 0x58
	ieiMobileIdentity = 0x77
	payloadN1SM       = 1
)

// DecodeNullCiphered is Decode for a network that ciphers with the null
// algorithm 5G-EA0 (TS 33.501 §5.11.1.1; test beds and many small cores
// do): the "ciphered" bytes of a security header type 2 or 4 message are
// then the plain message, which it decodes when they start with a plain
// 5GMM header, or a 5GSM header of a defined message type. Ciphered and NullCiphered stay set; the fields of
// the plain message are filled as for an integrity-protected one. Bytes
// that do not look plain leave the message as Decode left it. tshark's
// "null_decipher" preference does the same.
func DecodeNullCiphered(b []byte, m *Message) error {
	if err := Decode(b, m); err != nil || !m.Ciphered || len(b) < securityProtectedHeaderSz+3 {
		return err
	}
	in := b[securityProtectedHeaderSz:]
	switch {
	case in[0] == EPD5GMM && in[1]&0x0f == Plain:
		cp := *m
		m.InnerEPD, m.InnerSecurityHeader, m.Plain, m.NullCiphered = in[0], Plain, true, true
		if err := m.mm(b, securityProtectedHeaderSz); err != nil {
			*m = cp // not a well-formed plain message after all
		}
	case in[0] == EPD5GSM && len(in) >= 4 && SMType(in[3]).Known():
		// One ciphertext in 256 starts with the 5GSM discriminator; a
		// defined message type too is far rarer.
		m.InnerEPD, m.Plain, m.NullCiphered = in[0], true, true
		m.sm5G(in)
	}
	return nil
}
