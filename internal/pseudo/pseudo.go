// Package pseudo is the keyed pseudonymisation primitive that package
// features (its Pseudonymize step) and the traffic readers under dataset
// share: a keyed HMAC-SHA-256 (RFC 2104, FIPS 180-4) of an identifier,
// truncated to 16 bytes for a token or reduced modulo n for a bucket.
//
// It lives in internal so that a reader under dataset can pseudonymise
// subscriber identifiers without importing features (imports flow one way:
// dataset, then features).
package pseudo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// MinKeyLen is the shortest key accepted, in bytes (128 bits, half of
// HMAC-SHA-256's output, as NIST SP 800-107 recommends at least).
const MinKeyLen = 16

// TokenLen is the length of a token in characters (16 bytes in hexadecimal).
const TokenLen = 32

// KeyIDLen is the length of a key identifier in bytes.
const KeyIDLen = 8

// keyIDLabel is hashed under the key to identify it without revealing it.
// It is part of the saved format of feature pipelines: never change it.
const keyIDLabel = "netwarden/features/pseudonymize/key-id/v1"

// ErrShortKey reports a key shorter than MinKeyLen.
var ErrShortKey = errors.New("pseudo: key too short")

// Hasher turns identifiers into opaque tokens with a keyed HMAC-SHA-256.
// Without the key a token cannot be linked back to its identifier, even by
// enumerating a small identifier space (all IMSIs of an operator); with it
// the same identifier always gives the same token. A Hasher is safe for
// concurrent use; AppendToken into a buffer with room and Bucket allocate
// nothing in steady state.
type Hasher struct {
	key  []byte
	id   [KeyIDLen]byte
	pool sync.Pool // *state
}

type state struct {
	h   hash.Hash
	buf []byte
	sum []byte
}

// New returns a Hasher with key, which must be at least MinKeyLen bytes (an
// error wrapping ErrShortKey otherwise). The key is copied.
func New(key []byte) (*Hasher, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("pseudo: key of %d bytes, want at least %d: %w", len(key), MinKeyLen, ErrShortKey)
	}
	p := &Hasher{key: append([]byte(nil), key...)}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(keyIDLabel))
	copy(p.id[:], m.Sum(nil))
	p.pool.New = func() any {
		return &state{h: hmac.New(sha256.New, p.key), sum: make([]byte, 0, sha256.Size)}
	}
	return p, nil
}

// sum returns HMAC-SHA-256(key, v) in a pooled state that the caller puts back.
func (p *Hasher) sum(v string) *state {
	st := p.pool.Get().(*state)
	st.buf = append(st.buf[:0], v...)
	st.h.Reset()
	st.h.Write(st.buf)
	st.sum = st.h.Sum(st.sum[:0])
	return st
}

func (p *Hasher) sumBytes(v []byte) *state {
	st := p.pool.Get().(*state)
	st.h.Reset()
	st.h.Write(v)
	st.sum = st.h.Sum(st.sum[:0])
	return st
}

// AppendToken appends v's token (the hexadecimal first 16 bytes of its
// HMAC-SHA-256, TokenLen characters) to dst and returns the extended slice.
func (p *Hasher) AppendToken(dst []byte, v string) []byte {
	st := p.sum(v)
	dst = hex.AppendEncode(dst, st.sum[:16])
	p.pool.Put(st)
	return dst
}

// AppendTokenBytes is AppendToken for an identifier held in bytes (an
// address or an encoded identity straight from a packet). It gives the same
// token as AppendToken(dst, string(v)).
func (p *Hasher) AppendTokenBytes(dst, v []byte) []byte {
	st := p.sumBytes(v)
	dst = hex.AppendEncode(dst, st.sum[:16])
	p.pool.Put(st)
	return dst
}

// Token returns v's token, TokenLen hexadecimal characters.
func (p *Hasher) Token(v string) string { return string(p.AppendToken(nil, v)) }

// Bucket returns v's hashed bucket in [0, n): the HMAC's first 8 bytes, as
// a big-endian integer, modulo n. It allocates nothing. n must be positive.
func (p *Hasher) Bucket(v string, n int) int {
	st := p.sum(v)
	b := int(binary.BigEndian.Uint64(st.sum[:8]) % uint64(n))
	p.pool.Put(st)
	return b
}

// Sum64 returns the HMAC's first 8 bytes of v as a big-endian integer: a
// keyed 64-bit key for maps of pseudonymised identifiers. It allocates
// nothing.
func (p *Hasher) Sum64(v []byte) uint64 {
	st := p.sumBytes(v)
	s := binary.BigEndian.Uint64(st.sum[:8])
	p.pool.Put(st)
	return s
}

// KeyID returns the key's identifier: the first 8 bytes of the
// HMAC-SHA-256, under the key, of a fixed label. It tells keys apart without
// revealing them.
func (p *Hasher) KeyID() [KeyIDLen]byte { return p.id }
