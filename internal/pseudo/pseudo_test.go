package pseudo

import (
	"encoding/hex"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values were computed with Python's hmac and hashlib modules:
//
//	d = hmac.new(key, v, hashlib.sha256).digest(); d[:16].hex(), int.from_bytes(d[:8], "big")
var vectors = []struct {
	v      string
	token  string
	sum64  uint64
	bucket int // modulo 1000
}{
	{"10.0.0.1", "4bd0efa295c0b6ef9986820f276c5582", 5463129829576586991, 991},
	{"imsi-208930000000001", "6334a07808e91532716d223540d4a8b0", 7148514945949832498, 498},
	{"", "07050ec748c7fd0ff5a6f023011d8643", 505826782231395599, 599},
}

var testKey = []byte("0123456789abcdef-netwarden")

func TestVectors(t *testing.T) {
	h, err := New(testKey)
	require.NoError(t, err)
	for _, c := range vectors {
		assert.Equal(t, c.token, h.Token(c.v), c.v)
		assert.Equal(t, c.token, string(h.AppendTokenBytes(nil, []byte(c.v))), c.v)
		assert.Equal(t, c.sum64, h.Sum64([]byte(c.v)), c.v)
		assert.Equal(t, c.bucket, h.Bucket(c.v, 1000), c.v)
	}
	id := h.KeyID()
	assert.Equal(t, "361155248198ac85", hex.EncodeToString(id[:]))
}

func TestShortKey(t *testing.T) {
	_, err := New(make([]byte, MinKeyLen-1))
	assert.ErrorIs(t, err, ErrShortKey)
	_, err = New(make([]byte, MinKeyLen))
	assert.NoError(t, err)
}

func TestKeyCopied(t *testing.T) {
	k := append([]byte(nil), testKey...)
	h, err := New(k)
	require.NoError(t, err)
	k[0] ^= 0xff
	assert.Equal(t, vectors[0].token, h.Token(vectors[0].v))
}

func TestConcurrent(t *testing.T) {
	h, err := New(testKey)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, TokenLen)
			for range 200 {
				for _, c := range vectors {
					if string(h.AppendToken(buf[:0], c.v)) != c.token {
						t.Error("token differs under concurrency")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestAllocs(t *testing.T) {
	h, err := New(testKey)
	require.NoError(t, err)
	buf := make([]byte, 0, TokenLen)
	v := []byte("imsi-208930000000001")
	h.AppendTokenBytes(buf, v) // warm the pool
	n := testing.AllocsPerRun(100, func() {
		buf = h.AppendTokenBytes(buf[:0], v)
		_ = h.Sum64(v)
		_ = h.Bucket("10.0.0.1", 7)
	})
	if !raceEnabled {
		assert.Zero(t, n)
	}
}
