package flowrec

import (
	"fmt"
	"net/netip"
)

// Reason says why a decoder skipped part of an export packet. Each has a
// counter in Stats.Skipped.
type Reason uint8

// The reasons a decoder skips input.
const (
	// ReasonTruncated: the packet is shorter than its header or than the
	// records its header announces.
	ReasonTruncated Reason = iota
	// ReasonVersion: the version field is not 5, 9, 10 or sFlow's 5.
	ReasonVersion
	// ReasonHeaderLength: the IPFIX message length disagrees with the packet.
	ReasonHeaderLength
	// ReasonSetLength: a set or flowset length is below 4 or runs past the
	// packet.
	ReasonSetLength
	// ReasonSetID: a reserved set ID (NetFlow v9 2–255, IPFIX 0, 1, 4–255).
	ReasonSetID
	// ReasonTemplateID: a template ID below 256.
	ReasonTemplateID
	// ReasonFieldLength: a template field of length 0, or 65535 (variable
	// length) where the protocol has none (NetFlow v9), or a template
	// whose records have no length.
	ReasonFieldLength
	// ReasonTemplateTruncated: a template declares more fields than its
	// set holds.
	ReasonTemplateTruncated
	// ReasonTemplateLimit: Config.MaxTemplates templates are cached already.
	ReasonTemplateLimit
	// ReasonNoTemplate: a data set whose template never arrived (within
	// Config.HoldTime), or that could not be held.
	ReasonNoTemplate
	// ReasonTemplateExpired: a template not refreshed within
	// Config.TemplateTTL was dropped (its data are then held or skipped).
	ReasonTemplateExpired
	// ReasonRecordTruncated: a data record whose variable-length field
	// runs past its set.
	ReasonRecordTruncated
	// ReasonSequence: the sequence number jumped (forward gaps also add
	// to Stats.Lost).
	ReasonSequence
	// ReasonSample: an sFlow sample or flow record that is damaged or of a
	// kind the decoder cannot read.
	ReasonSample
	numReasons
)

// NumReasons is the number of Reason values.
const NumReasons = int(numReasons)

var reasonNames = [...]string{
	"truncated", "version", "header_length", "set_length", "set_id", "template_id",
	"field_length", "template_truncated", "template_limit", "no_template",
	"template_expired", "record_truncated", "sequence", "sample",
}

// String returns the reason's name as used in counters ("set_length").
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Stats counts what a decoder read and skipped.
type Stats struct {
	Packets          uint64 // export packets given to Decode
	Records          uint64 // flow records decoded
	OptionsRecords   uint64 // options data records read (sampling, system init time)
	Templates        uint64 // template records learned (including refreshes)
	OptionsTemplates uint64 // options template records learned
	Withdrawn        uint64 // templates withdrawn (IPFIX)
	Held             uint64 // data sets held until their template came
	Replayed         uint64 // held data sets decoded once their template came
	// Lost is the number of records (NetFlow v5, IPFIX) or datagrams
	// (NetFlow v9, sFlow) the sequence numbers say are missing.
	Lost uint64
	// Skipped counts skipped input by Reason.
	Skipped [NumReasons]uint64
}

// SkippedTotal returns the sum of Skipped.
func (s Stats) SkippedTotal() uint64 {
	var n uint64
	for _, v := range s.Skipped {
		n += v
	}
	return n
}

func (s *Stats) add(o *Stats) {
	s.Packets += o.Packets
	s.Records += o.Records
	s.OptionsRecords += o.OptionsRecords
	s.Templates += o.Templates
	s.OptionsTemplates += o.OptionsTemplates
	s.Withdrawn += o.Withdrawn
	s.Held += o.Held
	s.Replayed += o.Replayed
	s.Lost += o.Lost
	for i := range s.Skipped {
		s.Skipped[i] += o.Skipped[i]
	}
}

// DecodeError describes the first problem Decode met in one export
// packet. It wraps ErrFormat (anomaly.ErrFormat).
type DecodeError struct {
	Exporter netip.Addr
	Offset   int // byte offset in the packet where the problem starts
	Reason   Reason
	Detail   string
}

// Error returns "flowrec: exporter A: byte N: REASON: DETAIL".
func (e *DecodeError) Error() string {
	s := fmt.Sprintf("flowrec: exporter %v: byte %d: %s", e.Exporter, e.Offset, e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns ErrFormat.
func (e *DecodeError) Unwrap() error { return ErrFormat }
