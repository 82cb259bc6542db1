package features

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"

	"github.com/netwarden/netwarden/internal/errs"
)

// MinKeyLen is the shortest pseudonymisation key accepted, in bytes (128
// bits, half of HMAC-SHA-256's output, as NIST SP 800-107 recommends at
// least).
const MinKeyLen = 16

const keyIDLen = 8

// keyIDLabel is hashed under the key to identify it without revealing it.
const keyIDLabel = "netwarden/features/pseudonymize/key-id/v1"

// Pseudonymizer turns identifiers into opaque tokens with a keyed
// HMAC-SHA-256 (RFC 2104). Without the key, a token cannot be linked back to
// its identifier, even by enumerating a small identifier space; with it, the
// same identifier always gives the same token. A Pseudonymizer is safe for
// concurrent use; Bucket allocates nothing.
type Pseudonymizer struct {
	key  []byte
	id   [keyIDLen]byte
	pool sync.Pool // *macState
}

type macState struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

// NewPseudonymizer returns a Pseudonymizer with key, which must be at least
// MinKeyLen bytes (an error wrapping ErrDimension otherwise). The key is
// copied.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("features: pseudonymization key of %d bytes, want at least %d: %w", len(key), MinKeyLen, errs.ErrDimension)
	}
	p := &Pseudonymizer{key: append([]byte(nil), key...)}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(keyIDLabel))
	copy(p.id[:], m.Sum(nil))
	p.pool.New = func() any {
		return &macState{h: hmac.New(sha256.New, p.key), sum: make([]byte, 0, sha256.Size)}
	}
	return p, nil
}

// sum returns HMAC-SHA-256(key, v) in a pooled buffer that release returns.
func (p *Pseudonymizer) sum(v string) (*macState, []byte) {
	st := p.pool.Get().(*macState)
	st.buf = append(st.buf[:0], v...)
	st.h.Reset()
	st.h.Write(st.buf)
	st.sum = st.h.Sum(st.sum[:0])
	return st, st.sum
}

// AppendToken appends v's token (the hexadecimal first 16 bytes of its
// HMAC-SHA-256, 32 characters) to dst and returns the extended slice.
func (p *Pseudonymizer) AppendToken(dst []byte, v string) []byte {
	st, s := p.sum(v)
	dst = hex.AppendEncode(dst, s[:16])
	p.pool.Put(st)
	return dst
}

// Token returns v's token, 32 hexadecimal characters, fit for logs.
func (p *Pseudonymizer) Token(v string) string { return string(p.AppendToken(nil, v)) }

// Bucket returns v's hashed bucket in [0, n): the token's first 8 bytes, as
// a big-endian integer, modulo n. It allocates nothing.
func (p *Pseudonymizer) Bucket(v string, n int) int {
	st, s := p.sum(v)
	b := int(binary.BigEndian.Uint64(s[:8]) % uint64(n))
	p.pool.Put(st)
	return b
}

// KeyID returns the key's identifier: the first 8 bytes of the
// HMAC-SHA-256, under the key, of a fixed label. It tells keys apart without
// revealing them.
func (p *Pseudonymizer) KeyID() [8]byte { return p.id }
