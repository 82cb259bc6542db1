package features

import (
	"fmt"

	"github.com/netwarden/netwarden/internal/errs"
	"github.com/netwarden/netwarden/internal/pseudo"
)

// MinKeyLen is the shortest pseudonymisation key accepted, in bytes (128
// bits, half of HMAC-SHA-256's output, as NIST SP 800-107 recommends at
// least).
const MinKeyLen = pseudo.MinKeyLen

const keyIDLen = pseudo.KeyIDLen

// Pseudonymizer turns identifiers into opaque tokens with a keyed
// HMAC-SHA-256 (RFC 2104). Without the key, a token cannot be linked back to
// its identifier, even by enumerating a small identifier space; with it, the
// same identifier always gives the same token. It is the same primitive
// (internal/pseudo) that the traffic readers under dataset use, so a token
// made by a reader equals the one a pipeline makes with the same key. A
// Pseudonymizer is safe for concurrent use; Bucket allocates nothing.
type Pseudonymizer struct {
	h  *pseudo.Hasher
	id [keyIDLen]byte
}

// NewPseudonymizer returns a Pseudonymizer with key, which must be at least
// MinKeyLen bytes (an error wrapping ErrDimension otherwise). The key is
// copied.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("features: pseudonymization key of %d bytes, want at least %d: %w", len(key), MinKeyLen, errs.ErrDimension)
	}
	h, err := pseudo.New(key)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	return &Pseudonymizer{h: h, id: h.KeyID()}, nil
}

// AppendToken appends v's token (the hexadecimal first 16 bytes of its
// HMAC-SHA-256, 32 characters) to dst and returns the extended slice.
func (p *Pseudonymizer) AppendToken(dst []byte, v string) []byte { return p.h.AppendToken(dst, v) }

// Token returns v's token, 32 hexadecimal characters, fit for logs.
func (p *Pseudonymizer) Token(v string) string { return p.h.Token(v) }

// Bucket returns v's hashed bucket in [0, n): the token's first 8 bytes, as
// a big-endian integer, modulo n. It allocates nothing.
func (p *Pseudonymizer) Bucket(v string, n int) int { return p.h.Bucket(v, n) }

// KeyID returns the key's identifier: the first 8 bytes of the
// HMAC-SHA-256, under the key, of a fixed label. It tells keys apart without
// revealing them.
func (p *Pseudonymizer) KeyID() [8]byte { return p.id }
