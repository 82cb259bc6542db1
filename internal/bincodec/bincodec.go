// Package bincodec reads the little-endian binary formats that netwarden
// saves its models and pipelines in.
//
// It is internal: it exists so that the four decoders (package forest,
// iforest, features and anomaly/bundle) share one bounds-checked reader
// instead of four copies of it, and it is no part of netwarden's API. Each
// format keeps its own magic, version and checksum checks; a Reader only
// reads the payload after them.
package bincodec

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/netwarden/netwarden/internal/errs"
)

// A Reader reads little-endian values from a byte slice with a sticky
// error: the first failure (a read past the end, a count the input cannot
// hold, or one the caller records with Failf or Fail) is kept, and every
// later read returns a zero value. A decoder can so read a whole structure
// and check Err once. A Reader never panics on its input.
//
// The errors a Reader makes wrap errs.ErrFormat and read
// "<prefix>at byte <offset>: <what went wrong>", where prefix is the one
// given to NewReader and offset counts from the start of its slice.
type Reader struct {
	b      []byte // the input up to its end, or up to the failure
	p      []byte // the unread rest of b
	err    error
	prefix string
}

// NewReader returns a Reader over b, positioned at its first byte. Prefix
// starts every error message the Reader makes, for instance "forest: ".
func NewReader(b []byte, prefix string) *Reader {
	return &Reader{b: b, p: b, prefix: prefix}
}

// Err returns the first failure, or nil.
func (r *Reader) Err() error { return r.err }

// Offset returns the position of the next read, in bytes from the start of
// the slice.
func (r *Reader) Offset() int { return len(r.b) - len(r.p) }

// Len returns the number of bytes left to read; after a failure it is 0.
func (r *Reader) Len() int { return len(r.p) }

// Failf records a failure at the current offset, unless one is recorded
// already. The message is formatted as by fmt.Errorf, then prefixed and
// wrapped around errs.ErrFormat as described at Reader.
func (r *Reader) Failf(format string, a ...any) {
	if r.err == nil {
		r.fail(fmt.Errorf("%sat byte %d: "+format+": %w", append(append([]any{r.prefix, r.Offset()}, a...), errs.ErrFormat)...))
	}
}

// Fail records err as it is, unless a failure is recorded already. It is
// for errors that must keep their own sentinel, such as those of a nested
// decoder.
func (r *Reader) Fail(err error) {
	if r.err == nil && err != nil {
		r.fail(err)
	}
}

// fail records err and cuts the input at the current offset, so that every
// later read takes the slow path of a short input and returns zero.
func (r *Reader) fail(err error) {
	r.err = err
	r.b, r.p = r.b[:r.Offset()], nil
}

// short records that a read of n bytes does not fit, unless a failure is
// recorded already. Reads call it only when fewer than n bytes are left,
// which is always the case after a failure. It is kept out of line so that
// the common path of a read stays a length check and a load.
//
//go:noinline
func (r *Reader) short(n int) {
	if r.err == nil {
		r.Failf("truncated: need %d bytes, have %d", n, len(r.p))
	}
}

// Skip advances over n bytes.
func (r *Reader) Skip(n int) { r.Bytes(n) }

// Bytes returns the next n bytes, a subslice of the input (not a copy), or
// nil when fewer than n are left or n is negative.
func (r *Reader) Bytes(n int) []byte {
	if uint(n) > uint(len(r.p)) || r.err != nil {
		r.short(n)
		return nil
	}
	s := r.p[:n:n]
	r.p = r.p[n:]
	return s
}

// Uint8 reads one byte.
func (r *Reader) Uint8() uint8 {
	if len(r.p) < 1 {
		r.short(1)
		return 0
	}
	v := r.p[0]
	r.p = r.p[1:]
	return v
}

// Uint16 reads a little-endian uint16.
func (r *Reader) Uint16() uint16 {
	if len(r.p) < 2 {
		r.short(2)
		return 0
	}
	v := binary.LittleEndian.Uint16(r.p)
	r.p = r.p[2:]
	return v
}

// Uint32 reads a little-endian uint32.
func (r *Reader) Uint32() uint32 {
	if len(r.p) < 4 {
		r.short(4)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.p)
	r.p = r.p[4:]
	return v
}

// Uint64 reads a little-endian uint64.
func (r *Reader) Uint64() uint64 {
	if len(r.p) < 8 {
		r.short(8)
		return 0
	}
	v := binary.LittleEndian.Uint64(r.p)
	r.p = r.p[8:]
	return v
}

// Float64 reads a little-endian IEEE 754 float64, bit for bit (NaN
// payloads included).
func (r *Reader) Float64() float64 {
	return math.Float64frombits(r.Uint64())
}

// Uvarint reads an unsigned varint as encoding/binary writes it. As
// binary.Uvarint does, it accepts a non-minimal encoding; one longer than
// ten bytes or overflowing 64 bits is a failure.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p)
	switch {
	case n == 0:
		r.Failf("truncated varint")
		return 0
	case n < 0:
		r.Failf("varint overflows 64 bits")
		return 0
	}
	r.p = r.p[n:]
	return v
}

// Count checks a count n, which the caller has just read, of items that
// take at least size bytes each (size ≥ 1) against the bytes left, and
// returns it as an int. A count the rest of the input cannot hold is a
// failure naming what ("trees", "name bytes"), and Count returns 0, so that
// a corrupt count never makes the caller allocate more than the input.
func (r *Reader) Count(n uint64, size int, what string) int {
	if r.err != nil {
		return 0
	}
	left := len(r.p)
	if n > uint64(left/max(size, 1)) {
		r.Failf("%d %s do not fit in the %d bytes left", n, what, left)
		return 0
	}
	return int(n)
}
