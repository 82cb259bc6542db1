package fivegc

import (
	"net/netip"

	"github.com/netwarden/netwarden/dataset/packet"
)

// Bounds of SCTP reassembly: at most maxFrags user messages in progress
// at once (the oldest is evicted) and maxFragBytes per message.
const (
	maxFrags     = 16
	maxFragBytes = 64 << 10
)

// fragKey names one user message in progress: the association's
// addresses and ports, its stream and stream sequence number, which all
// fragments of an ordered message share (RFC 9260 §3.3.1, §6.9). An
// unordered message's stream sequence number carries no meaning, so add
// zeroes it and tells unordered messages on one stream apart by their
// consecutive TSNs alone.
type fragKey struct {
	src, dst     netip.Addr
	sport, dport uint16
	stream, ssn  uint16
	unordered    bool
}

type frag struct {
	key  fragKey
	next uint32 // the TSN the next fragment must carry
	buf  []byte
	used bool
	age  uint64
}

// reassembly joins the DATA chunk fragments of NGAP messages: a chunk
// with the B flag starts a message, middle chunks (no flag) and the E
// chunk must follow with consecutive TSNs on the same stream and stream
// sequence number (RFC 9260 §3.3.1, §6.9); fragments of unordered
// messages (U flag) need only consecutive TSNs on the stream, so two
// unordered messages may interleave. It assumes the capture shows the
// fragments in TSN order, without retransmissions; a gap, a message over
// maxFragBytes or an eviction drops the message and counts it incomplete. It allocates only while its buffers grow.
type reassembly struct {
	slots [maxFrags]frag
	clock uint64
}

// add takes one fragment and returns the whole message when c ends it;
// the bytes stay valid until the next call. incomplete counts messages
// dropped by this call.
func (r *reassembly) add(k fragKey, c *packet.SCTPChunk) (msg []byte, incomplete int) {
	r.clock++
	if c.Unordered {
		k.ssn, k.unordered = 0, true
	}
	var f *frag
	if !c.Unordered || !c.Beginning { // an unordered beginning always starts a message
		for i := range r.slots {
			s := &r.slots[i]
			if !s.used || s.key != k {
				continue
			}
			if f == nil || s.next == c.TSN {
				f = s // an unordered fragment prefers the message its TSN continues
			}
			if !c.Unordered || s.next == c.TSN {
				break
			}
		}
	}
	if c.Beginning {
		if f != nil {
			incomplete++ // a new message on the same stream sequence number
		} else {
			f = &r.slots[0]
			for i := range r.slots {
				s := &r.slots[i]
				if !s.used {
					f = s
					break
				}
				if s.age < f.age {
					f = s
				}
			}
			if f.used {
				incomplete++ // evicted
			}
		}
		*f = frag{key: k, next: c.TSN + 1, buf: append(f.buf[:0], c.Payload...), used: true, age: r.clock}
		return nil, incomplete
	}
	if f == nil {
		return nil, 1 // a middle or end fragment without its beginning
	}
	if c.TSN != f.next || len(f.buf)+len(c.Payload) > maxFragBytes {
		f.used = false
		return nil, 1
	}
	f.buf = append(f.buf, c.Payload...)
	f.next++
	f.age = r.clock
	if !c.Ending {
		return nil, 0
	}
	f.used = false
	return f.buf, 0
}

// pending counts the messages still in progress.
func (r *reassembly) pending() int {
	n := 0
	for i := range r.slots {
		if r.slots[i].used {
			n++
		}
	}
	return n
}
