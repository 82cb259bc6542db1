package fivegc

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/netwarden/netwarden/dataset/fivegc/gtpv2"
	"github.com/netwarden/netwarden/dataset/fivegc/nas"
	"github.com/netwarden/netwarden/dataset/fivegc/ngap"
	"github.com/netwarden/netwarden/dataset/fivegc/pfcp"
	"github.com/netwarden/netwarden/dataset/packet"
)

// Proto names a control-plane protocol.
type Proto uint8

// The protocols a Scanner decodes.
const (
	ProtoNone Proto = iota
	ProtoPFCP
	ProtoNGAP
	ProtoGTPv2
	// ProtoGTPU is a user-plane packet in a GTP-U tunnel (only when
	// Scanner.UserPlane is set): Event.TEID, OuterSrc, OuterDst and Bytes.
	ProtoGTPU
)

// String returns "pfcp", "ngap", "gtpv2" or "none".
func (p Proto) String() string {
	switch p {
	case ProtoPFCP:
		return "pfcp"
	case ProtoNGAP:
		return "ngap"
	case ProtoGTPv2:
		return "gtpv2"
	case ProtoGTPU:
		return "gtpu"
	}
	return "none"
}

// Event is one decoded control-plane message with the packet it came in.
// The Scanner reuses it: it is valid until the next call to Next.
type Event struct {
	// Frame is the packet number (as Wireshark shows it) and Time its
	// capture time.
	Frame int64
	Time  time.Time
	Proto Proto
	// Src, Dst and the ports are the innermost IP packet's (for signalling
	// inside GTP-U, the UE's packet).
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	// InTunnel says the message arrived inside a GTP-U tunnel: a UE
	// reaching a core signalling port. TEID is the tunnel's, OuterSrc and
	// OuterDst its endpoints.
	InTunnel           bool
	TEID               uint32
	OuterSrc, OuterDst netip.Addr
	// Payload is the message's bytes (the UDP payload or SCTP user data).
	Payload []byte
	// Bytes is a user-plane packet's inner IP length (ProtoGTPU).
	Bytes int
	// PFCP, NGAP and GTPv2 hold the decoded message of Proto.
	PFCP  pfcp.Message
	NGAP  ngap.PDU
	GTPv2 gtpv2.Message
	// NAS is the NGAP PDU's NAS-PDU, decoded when HasNAS.
	NAS    nas.Message
	HasNAS bool
	// Err is the decoder's error for a message that failed to decode
	// (yielded only when Scanner.Malformed is set); the packet fields,
	// Proto and Payload are then valid, the decoded message is not.
	Err error
}

// Counts reports what a Scanner read and skipped, by reason.
type Counts struct {
	Frames int64
	// Packet counts frames the packet layer could not decode, by reason.
	Packet [packet.NumReasons]int64
	// Messages counts decoded messages by protocol.
	Messages [5]int64
	// Malformed counts messages that failed to decode, by protocol;
	// NASMalformed the NAS-PDUs that failed (their NGAP PDU still counts
	// as decoded).
	Malformed    [5]int64
	NASMalformed int64
	// UnknownPFCP counts decoded PFCP messages by message type when the
	// type is not one of TS 29.244 release 17 (their IEs are still
	// decoded); UnknownNGAP counts NGAP PDUs by procedure code above those
	// of TS 38.413.
	UnknownPFCP [256]int64
	UnknownNGAP [256]int64
	// GTPv1C counts GTP version 1 control messages on port 2123, which are
	// not decoded.
	GTPv1C int64
	// Fragments counts IP fragments on the signalling ports, not reassembled.
	Fragments int64
	// SCTPFragments counts NGAP DATA chunks that carry part of a message
	// (B or E flag clear); SCTPReassembled the messages made whole from
	// them, SCTPIncomplete the messages dropped (a fragment missing or out
	// of order, over 64 KiB, or evicted when 16 were in progress).
	SCTPFragments, SCTPReassembled, SCTPIncomplete int64
}

// MessageError is a message that failed to decode: the packet number,
// the protocol and the decoder's error (which names the byte offset in the
// message).
type MessageError struct {
	Frame int64
	Proto Proto
	Err   error
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("fivegc: packet %d: %s: %v", e.Frame, e.Proto, e.Err)
}

// Unwrap returns the decoder's error.
func (e *MessageError) Unwrap() error { return e.Err }

// Scanner reads a capture and yields its PFCP (UDP 8805), GTPv2-C (UDP
// 2123) and NGAP (SCTP DATA chunks with PPID 60) messages, including
// those inside GTP-U tunnels, through the packet layer of dataset/packet.
// It allocates nothing per message in steady state. A Scanner is not safe
// for concurrent use.
type Scanner struct {
	r      *packet.Reader
	dec    packet.Decoder
	frame  packet.Frame
	sum    packet.Summary
	ev     Event
	chunks packet.SCTPChunks
	// pending: the rest of the current frame (more SCTP chunks, a PFCP
	// follow-on or a GTPv2 piggybacked message).
	inFrame  bool
	follow   []byte
	followOf Proto
	counts   Counts
	frags    reassembly
	// UserPlane makes Next also yield one ProtoGTPU event per GTP-U
	// T-PDU that carries no signalling, for joining user-plane traffic to
	// PFCP sessions (Tracker).
	UserPlane bool
	// NullCiphered decodes the NAS messages of security header type 2 and
	// 4 as plain when their bytes are (a core ciphering with 5G-EA0; see
	// nas.DecodeNullCiphered).
	NullCiphered bool
	// Malformed makes Next also yield the PFCP, GTPv2-C and NGAP
	// messages that fail to decode, with Event.Err set, so that a Tracker
	// can count them per N4 peer and gNB (what a fuzzer sends; TS 38.413
	// clause 10 says how an NGAP receiver treats them). They are counted in
	// Counts.Malformed either way.
	Malformed bool
	// LastError is the last malformed message's error, nil when none.
	LastError error
}

// NewScanner returns a Scanner over r.
func NewScanner(r *packet.Reader) *Scanner { return &Scanner{r: r} }

// Counts returns what the Scanner has read and skipped so far.
//
// SCTP messages still being reassembled count as incomplete.
func (s *Scanner) Counts() Counts {
	c := s.counts
	c.SCTPIncomplete += int64(s.frags.pending())
	return c
}

// Next returns the next decoded message, or io.EOF at the end of the
// capture. Malformed messages are counted (Counts, LastError) and
// skipped; a damaged capture file is an error.
func (s *Scanner) Next() (*Event, error) {
	for {
		if s.inFrame {
			if ev := s.more(); ev != nil {
				return ev, nil
			}
			s.inFrame = false
		}
		if err := s.r.Next(&s.frame); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, err
		}
		s.counts.Frames++
		if reason := s.dec.DecodeFrame(&s.frame, &s.sum); reason != packet.OK {
			s.counts.Packet[reason]++
			continue
		}
		sm := &s.sum
		ev := &s.ev
		ev.Frame, ev.Time = s.frame.Number, s.frame.Time
		ev.Src, ev.Dst, ev.SrcPort, ev.DstPort = sm.Src, sm.Dst, sm.SrcPort, sm.DstPort
		ev.InTunnel = sm.Tunnel == packet.TunnelGTPU
		ev.TEID, ev.OuterSrc, ev.OuterDst = 0, netip.Addr{}, netip.Addr{}
		if ev.InTunnel {
			ev.TEID, ev.OuterSrc, ev.OuterDst = sm.TEID, sm.OuterSrc, sm.OuterDst
		}
		s.follow, s.followOf = nil, ProtoNone
		userPlane := func() bool {
			if !s.UserPlane || !ev.InTunnel {
				return false
			}
			ev.Proto, ev.Payload, ev.HasNAS, ev.Bytes, ev.Err = ProtoGTPU, nil, false, sm.IPLen, nil
			s.counts.Messages[ProtoGTPU]++
			return true
		}
		switch sm.Proto {
		case packet.ProtoUDP:
			p := protoOfPorts(sm.SrcPort, sm.DstPort)
			if p == ProtoNone {
				if userPlane() {
					return ev, nil
				}
				continue
			}
			if sm.Fragment {
				s.counts.Fragments++
				continue
			}
			s.follow, s.followOf = sm.Payload, p
			s.inFrame = true
		case packet.ProtoSCTP:
			s.chunks = sm.Chunks(s.frame.Data)
			s.inFrame = true
		default:
			if userPlane() {
				return ev, nil
			}
		}
	}
}

func protoOfPorts(a, b uint16) Proto {
	switch {
	case a == pfcp.Port || b == pfcp.Port:
		return ProtoPFCP
	case a == gtpv2.Port || b == gtpv2.Port:
		return ProtoGTPv2
	}
	return ProtoNone
}

// more yields the next message of the current frame, or nil.
func (s *Scanner) more() *Event {
	ev := &s.ev
	// A message piggybacked on the one before (PFCP's FO, GTPv2's P flag)
	// comes first; each call yields at most one.
	if s.follow != nil {
		b, p := s.follow, s.followOf
		s.follow = nil
		ev.Proto, ev.Payload, ev.HasNAS, ev.Err = p, b, false, nil
		switch p {
		case ProtoPFCP:
			if err := pfcp.Decode(b, &ev.PFCP); err != nil {
				if s.fail(p, err) {
					return ev
				}
				return nil
			}
			if ev.PFCP.FO && ev.PFCP.Size() < len(b) {
				s.follow, s.followOf = b[ev.PFCP.Size():], p
			}
			ev.Payload = b[:ev.PFCP.Size()]
			if !ev.PFCP.Type.Known() {
				s.counts.UnknownPFCP[ev.PFCP.Type]++
			}
		case ProtoGTPv2:
			if len(b) > 0 && b[0]>>5 == 1 {
				s.counts.GTPv1C++
				return nil
			}
			if err := gtpv2.Decode(b, &ev.GTPv2); err != nil {
				if s.fail(p, err) {
					return ev
				}
				return nil
			}
			if ev.GTPv2.P && ev.GTPv2.Size() < len(b) {
				s.follow, s.followOf = b[ev.GTPv2.Size():], p
			}
			ev.Payload = b[:ev.GTPv2.Size()]
		}
		s.counts.Messages[p]++
		return ev
	}
	var c packet.SCTPChunk
	for s.chunks.Next(&c) {
		// NGAP is PPID 60, or PPID 0 (unspecified) on port 38412, as
		// tshark also takes it.
		if c.Type != packet.SCTPData || !(c.PPID == ngap.PPID || c.PPID == 0 && (ev.SrcPort == ngap.Port || ev.DstPort == ngap.Port)) {
			continue
		}
		payload := c.Payload
		if !c.Beginning || !c.Ending {
			s.counts.SCTPFragments++
			k := fragKey{src: ev.Src, dst: ev.Dst, sport: ev.SrcPort, dport: ev.DstPort, stream: c.StreamID, ssn: c.StreamSeq}
			msg, lost := s.frags.add(k, &c)
			s.counts.SCTPIncomplete += int64(lost)
			if msg == nil {
				continue
			}
			s.counts.SCTPReassembled++
			payload = msg
		}
		ev.Proto, ev.Payload, ev.HasNAS, ev.Err = ProtoNGAP, payload, false, nil
		if err := ngap.Decode(payload, &ev.NGAP); err != nil {
			if s.fail(ProtoNGAP, err) {
				return ev
			}
			continue
		}
		s.counts.Messages[ProtoNGAP]++
		if !ev.NGAP.Procedure.Known() {
			s.counts.UnknownNGAP[ev.NGAP.Procedure]++
		}
		if ev.NGAP.NAS != nil {
			dec := nas.Decode
			if s.NullCiphered {
				dec = nas.DecodeNullCiphered
			}
			if err := dec(ev.NGAP.NAS, &ev.NAS); err != nil {
				s.counts.NASMalformed++
				s.LastError = &MessageError{Frame: ev.Frame, Proto: ProtoNGAP, Err: err}
			} else {
				ev.HasNAS = true
			}
		}
		return ev
	}
	return nil
}

// fail counts a message that failed to decode and reports whether Next
// yields it (Malformed).
func (s *Scanner) fail(p Proto, err error) bool {
	s.counts.Malformed[p]++
	s.LastError = &MessageError{Frame: s.ev.Frame, Proto: p, Err: err}
	if s.Malformed {
		s.ev.Err = err
		return true
	}
	return false
}
