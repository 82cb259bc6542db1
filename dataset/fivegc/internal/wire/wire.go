// Package wire holds what the 5G core decoders (pfcp, gtpv2, ngap) share:
// the decoding error at a byte offset of a message.
package wire

import "fmt"

// Error is a decoding failure at a byte offset of a message. pfcp.Error,
// gtpv2.Error and ngap.Error are this one type, so errors.As matches a
// failure of any of the three; Proto tells them apart.
type Error struct {
	// Proto names the decoder ("pfcp", "gtpv2", "ngap"); it prefixes the
	// message.
	Proto string
	// Offset is the byte offset from the start of the message.
	Offset int
	// What says what was wrong.
	What string
	// Err is the sentinel the error wraps (the decoder's ErrFormat,
	// ErrVersion or ErrUnsupported).
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: byte %d: %s", e.Proto, e.Offset, e.What) }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }
