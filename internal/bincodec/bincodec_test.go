package bincodec_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/bincodec"
	"github.com/netwarden/netwarden/internal/errs"
)

// record is a little structure of every kind of field: a uint8, uint16,
// uint32, uint64, float64, a uvarint count of 2-byte items and the items,
// then a uint32 length and that many bytes.
type record struct {
	u8    uint8
	u16   uint16
	u32   uint32
	u64   uint64
	f     float64
	items []uint16
	name  []byte
}

func (r record) encode() []byte {
	le := binary.LittleEndian
	b := []byte{r.u8}
	b = le.AppendUint16(b, r.u16)
	b = le.AppendUint32(b, r.u32)
	b = le.AppendUint64(b, r.u64)
	b = le.AppendUint64(b, math.Float64bits(r.f))
	b = binary.AppendUvarint(b, uint64(len(r.items)))
	for _, v := range r.items {
		b = le.AppendUint16(b, v)
	}
	b = le.AppendUint32(b, uint32(len(r.name)))
	return append(b, r.name...)
}

// decode reads a record as a format decoder would: every read, then one
// check of the error.
func decode(b []byte) (record, error) {
	r := bincodec.NewReader(b, "test: ")
	var d record
	d.u8, d.u16, d.u32, d.u64, d.f = r.Uint8(), r.Uint16(), r.Uint32(), r.Uint64(), r.Float64()
	d.items = make([]uint16, r.Count(r.Uvarint(), 2, "items"))
	for i := range d.items {
		d.items[i] = r.Uint16()
	}
	d.name = r.Bytes(r.Count(uint64(r.Uint32()), 1, "name bytes"))
	if r.Err() == nil && r.Len() != 0 {
		r.Failf("%d bytes after the record", r.Len())
	}
	return d, r.Err()
}

var sample = record{
	u8: 0xfe, u16: 0xbeef, u32: 0xdeadbeef, u64: 1<<63 | 5, f: -2.5,
	items: []uint16{1, 2, 300}, name: []byte("proto"),
}

func TestRoundTrip(t *testing.T) {
	for _, rec := range []record{sample, {f: math.Inf(1), items: []uint16{}, name: []byte{}}, {items: make([]uint16, 200), name: []byte{}}} {
		got, err := decode(rec.encode())
		require.NoError(t, err)
		assert.Equal(t, rec, got)
	}
	// NaN payloads come through bit for bit.
	nan := math.Float64frombits(0x7ff8_dead_beef_0001)
	r := bincodec.NewReader(binary.LittleEndian.AppendUint64(nil, math.Float64bits(nan)), "")
	assert.Equal(t, math.Float64bits(nan), math.Float64bits(r.Float64()))
	require.NoError(t, r.Err())
}

// TestTruncation cuts a record at every offset: each cut is an ErrFormat
// error that says where, never a panic.
func TestTruncation(t *testing.T) {
	b := sample.encode()
	for n := range len(b) {
		_, err := decode(b[:n])
		require.ErrorIs(t, err, errs.ErrFormat, "cut at %d", n)
		assert.Regexp(t, `^test: at byte \d+: `, err.Error())
	}
}

func TestReads(t *testing.T) {
	le := binary.LittleEndian
	for _, c := range []struct {
		name string
		in   []byte
		read func(r *bincodec.Reader) any
		want any
		err  string // "" for success, else a part of the message
	}{
		{"uint8", []byte{7}, func(r *bincodec.Reader) any { return r.Uint8() }, uint8(7), ""},
		{"uint8 empty", nil, func(r *bincodec.Reader) any { return r.Uint8() }, uint8(0), "at byte 0: truncated: need 1 bytes, have 0"},
		{"uint16", le.AppendUint16(nil, 0x1234), func(r *bincodec.Reader) any { return r.Uint16() }, uint16(0x1234), ""},
		{"uint16 short", []byte{1}, func(r *bincodec.Reader) any { return r.Uint16() }, uint16(0), "need 2 bytes, have 1"},
		{"uint32", le.AppendUint32(nil, 0x12345678), func(r *bincodec.Reader) any { return r.Uint32() }, uint32(0x12345678), ""},
		{"uint32 short", []byte{1, 2, 3}, func(r *bincodec.Reader) any { return r.Uint32() }, uint32(0), "need 4 bytes, have 3"},
		{"uint64", le.AppendUint64(nil, math.MaxUint64), func(r *bincodec.Reader) any { return r.Uint64() }, uint64(math.MaxUint64), ""},
		{"uint64 short", make([]byte, 7), func(r *bincodec.Reader) any { return r.Uint64() }, uint64(0), "need 8 bytes, have 7"},
		{"float64", le.AppendUint64(nil, math.Float64bits(0.1)), func(r *bincodec.Reader) any { return r.Float64() }, 0.1, ""},
		{"float64 short", make([]byte, 4), func(r *bincodec.Reader) any { return r.Float64() }, 0.0, "need 8 bytes"},
		{"uvarint", binary.AppendUvarint(nil, 300), func(r *bincodec.Reader) any { return r.Uvarint() }, uint64(300), ""},
		{"uvarint max", binary.AppendUvarint(nil, math.MaxUint64), func(r *bincodec.Reader) any { return r.Uvarint() }, uint64(math.MaxUint64), ""},
		{"uvarint non-minimal", []byte{0x80, 0x00}, func(r *bincodec.Reader) any { return r.Uvarint() }, uint64(0), ""},
		{"uvarint truncated", []byte{0x80}, func(r *bincodec.Reader) any { return r.Uvarint() }, uint64(0), "truncated varint"},
		{"uvarint empty", nil, func(r *bincodec.Reader) any { return r.Uvarint() }, uint64(0), "truncated varint"},
		{"uvarint overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, func(r *bincodec.Reader) any { return r.Uvarint() }, uint64(0), "overflows"},
		{"bytes", []byte("abc"), func(r *bincodec.Reader) any { return string(r.Bytes(3)) }, "abc", ""},
		{"bytes zero", nil, func(r *bincodec.Reader) any { return len(r.Bytes(0)) }, 0, ""},
		{"bytes short", []byte("ab"), func(r *bincodec.Reader) any { return r.Bytes(3) }, []byte(nil), "need 3 bytes, have 2"},
		{"bytes negative", []byte("ab"), func(r *bincodec.Reader) any { return r.Bytes(-1) }, []byte(nil), "need -1 bytes"},
		{"count fits", make([]byte, 8), func(r *bincodec.Reader) any { return r.Count(2, 4, "items") }, 2, ""},
		{"count exceeds", make([]byte, 7), func(r *bincodec.Reader) any { return r.Count(2, 4, "items") }, 0, "2 items do not fit in the 7 bytes left"},
		{"count huge", make([]byte, 7), func(r *bincodec.Reader) any { return r.Count(math.MaxUint64, 4, "items") }, 0, "do not fit"},
		{"count overflowing size", make([]byte, 7), func(r *bincodec.Reader) any { return r.Count(1<<62, 8, "items") }, 0, "do not fit"},
		{"count of zero-size items", nil, func(r *bincodec.Reader) any { return r.Count(1, 0, "items") }, 0, "do not fit"},
		{"count zero", nil, func(r *bincodec.Reader) any { return r.Count(0, 8, "items") }, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := bincodec.NewReader(c.in, "test: ")
			assert.Equal(t, c.want, c.read(r))
			if c.err == "" {
				require.NoError(t, r.Err())
				return
			}
			require.ErrorIs(t, r.Err(), errs.ErrFormat)
			assert.ErrorContains(t, r.Err(), "test: ")
			assert.ErrorContains(t, r.Err(), c.err)
			assert.Zero(t, r.Len(), "no bytes left after a failure")
		})
	}
}

// TestSticky checks that the first failure is kept and every later read
// returns zero, even where bytes would be left.
func TestSticky(t *testing.T) {
	malformed := errs.ErrFormat.Error()
	other := errors.New("nested")
	for _, c := range []struct {
		name string
		fail func(r *bincodec.Reader)
		want string
		is   error
	}{
		{"truncated read", func(r *bincodec.Reader) { r.Bytes(100) }, "test: at byte 2: truncated: need 100 bytes, have 14: " + malformed, errs.ErrFormat},
		{"count", func(r *bincodec.Reader) { r.Count(15, 1, "names") }, "test: at byte 2: 15 names do not fit in the 14 bytes left: " + malformed, errs.ErrFormat},
		{"Failf", func(r *bincodec.Reader) { r.Failf("tree %d: bad", 3) }, "test: at byte 2: tree 3: bad: " + malformed, errs.ErrFormat},
		{"Fail", func(r *bincodec.Reader) { r.Fail(fmt.Errorf("test: %w", other)) }, "test: nested", other},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := bincodec.NewReader(make([]byte, 16), "test: ")
			r.Skip(2)
			c.fail(r)
			first := r.Err()
			require.ErrorIs(t, first, c.is)
			assert.Equal(t, c.want, first.Error())
			assert.Equal(t, 2, r.Offset(), "a failure does not move the offset")
			assert.Zero(t, r.Len())

			// Later reads return zero values and keep the first error.
			assert.Zero(t, r.Uint8())
			assert.Zero(t, r.Uint16())
			assert.Zero(t, r.Uint32())
			assert.Zero(t, r.Uint64())
			assert.Zero(t, r.Float64())
			assert.Zero(t, r.Uvarint())
			assert.Nil(t, r.Bytes(0))
			assert.Nil(t, r.Bytes(1))
			assert.Zero(t, r.Count(0, 1, "items"))
			r.Failf("second")
			r.Fail(errors.New("third"))
			r.Skip(1)
			assert.Same(t, first, r.Err())
			assert.Equal(t, 2, r.Offset())
		})
	}
	// Fail(nil) records nothing.
	r := bincodec.NewReader([]byte{1}, "")
	r.Fail(nil)
	require.NoError(t, r.Err())
	assert.Equal(t, uint8(1), r.Uint8())
}

func TestOffsetAndLen(t *testing.T) {
	r := bincodec.NewReader(sample.encode(), "")
	assert.Equal(t, 0, r.Offset())
	r.Uint8()
	r.Uint16()
	r.Uint32()
	assert.Equal(t, 7, r.Offset())
	assert.Equal(t, len(sample.encode())-7, r.Len())
	r.Skip(r.Len())
	require.NoError(t, r.Err())
	assert.Zero(t, r.Len())
}

// FuzzReader decodes arbitrary bytes as a record: it must not panic, a
// failure wraps ErrFormat, and a record that decodes encodes back to the
// same bytes unless its count was a non-minimal varint.
func FuzzReader(f *testing.F) {
	f.Add(sample.encode())
	f.Add(record{}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decode(b)
		if err != nil {
			require.ErrorIs(t, err, errs.ErrFormat)
			return
		}
		if n, k := binary.Uvarint(b[23:]); uint64(k) == uint64(len(binary.AppendUvarint(nil, n))) {
			assert.Equal(t, b, rec.encode())
		}
	})
}
