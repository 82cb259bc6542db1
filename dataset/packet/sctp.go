package packet

// SCTP chunk types the iterator names (RFC 9260 §3.2, RFC 8260 for I-DATA).
const (
	SCTPData     uint8 = 0
	SCTPInit     uint8 = 1
	SCTPInitAck  uint8 = 2
	SCTPSack     uint8 = 3
	SCTPAbort    uint8 = 6
	SCTPShutdown uint8 = 7
	SCTPIData    uint8 = 64
)

// Well-known SCTP payload protocol identifiers (IANA "SCTP Payload Protocol
// Identifiers").
const (
	PPIDS1AP     uint32 = 18
	PPIDM3UA     uint32 = 3
	PPIDNGAP     uint32 = 60
	PPIDXnAP     uint32 = 61
	PPIDF1AP     uint32 = 62
	PPIDDiameter uint32 = 46
)

// SCTPChunk is one chunk of an SCTP packet. For DATA and I-DATA chunks the
// user-data fields are set; Payload is the user data (without padding).
// Offsets are from the start of the frame, for error messages.
type SCTPChunk struct {
	Type   uint8
	Flags  uint8
	Length int // the chunk's length field, header included, padding excluded
	Offset int // offset of the chunk header in the frame
	// Value is the chunk's value (after the 4-byte chunk header) as captured.
	Value []byte

	// DATA / I-DATA fields (RFC 9260 §3.3.1, RFC 8260 §2.1).
	TSN       uint32
	StreamID  uint16
	StreamSeq uint16 // DATA only
	MID       uint32 // I-DATA message identifier
	PPID      uint32
	// Payload is the user data and PayloadOffset its offset in the frame.
	Payload       []byte
	PayloadOffset int
	// Unordered, Beginning and Ending are the U, B and E flags.
	Unordered, Beginning, Ending bool
}

// SCTPChunks iterates the chunks of an SCTP packet's summary:
//
//	it := s.Chunks()
//	var c packet.SCTPChunk
//	for it.Next(&c) {
//		if c.Type == packet.SCTPData && c.PPID == packet.PPIDNGAP { ... }
//	}
//	if it.Err() != OK { ... } // a chunk overran the packet
//
// It allocates nothing.
type SCTPChunks struct {
	data []byte // frame bytes up to the end of the captured SCTP packet
	pos  int
	err  Reason
	off  int
}

// Chunks returns an iterator over the chunks of s, which must be an SCTP
// summary (s.Proto == ProtoSCTP) decoded from frame; otherwise the iterator
// yields nothing. frame is the frame's data as passed to Decode.
func (s *Summary) Chunks(frame []byte) SCTPChunks {
	if s.Proto != ProtoSCTP || s.TransportLen != 12 || s.PayloadOffset > len(frame) {
		return SCTPChunks{}
	}
	end := s.PayloadOffset + len(s.Payload)
	if end > len(frame) {
		end = len(frame)
	}
	return SCTPChunks{data: frame[:end], pos: s.PayloadOffset}
}

// Next reads the next chunk into c and reports whether there was one. It
// stops at the end of the packet or at a chunk whose length is below 4 or
// runs past the captured bytes; Err then says which.
func (it *SCTPChunks) Next(c *SCTPChunk) bool {
	if it.err != OK || it.pos+4 > len(it.data) {
		if it.err == OK && it.pos < len(it.data) {
			it.err, it.off = ReasonTruncated, it.pos
		}
		return false
	}
	b, p := it.data, it.pos
	l := int(be16(b, p+2))
	if l < 4 {
		it.err, it.off = ReasonBadHeaderLength, p+2
		return false
	}
	if p+l > len(b) {
		it.err, it.off = ReasonTruncated, p
		return false
	}
	*c = SCTPChunk{Type: b[p], Flags: b[p+1], Length: l, Offset: p, Value: b[p+4 : p+l]}
	switch c.Type {
	case SCTPData:
		if l < 16 {
			it.err, it.off = ReasonBadHeaderLength, p+2
			return false
		}
		c.TSN, c.StreamID, c.StreamSeq, c.PPID = be32(b, p+4), be16(b, p+8), be16(b, p+10), be32(b, p+12)
		c.Payload, c.PayloadOffset = b[p+16:p+l], p+16
	case SCTPIData:
		if l < 20 {
			it.err, it.off = ReasonBadHeaderLength, p+2
			return false
		}
		c.TSN, c.StreamID, c.MID = be32(b, p+4), be16(b, p+8), be32(b, p+12)
		if c.Flags&0x02 != 0 { // B flag: the field is the PPID
			c.PPID = be32(b, p+16)
		}
		c.Payload, c.PayloadOffset = b[p+20:p+l], p+20
	}
	if c.Type == SCTPData || c.Type == SCTPIData {
		c.Unordered, c.Beginning, c.Ending = c.Flags&4 != 0, c.Flags&2 != 0, c.Flags&1 != 0
	}
	it.pos = p + (l+3)&^3
	return true
}

// Err returns OK, or why iteration stopped early; ErrOffset gives the
// offset in the frame.
func (it *SCTPChunks) Err() Reason { return it.err }

// ErrOffset returns the frame offset of the chunk that stopped iteration.
func (it *SCTPChunks) ErrOffset() int { return it.off }
