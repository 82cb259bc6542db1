package packet

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pcapFile builds a classic pcap file: order, nanosecond magic, link type
// and records of (seconds, fraction, data).
func pcapFile(order binary.ByteOrder, nanos bool, link LinkType, recs ...[]byte) []byte {
	var b bytes.Buffer
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	h := make([]byte, 24)
	order.PutUint32(h, magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], 65535)
	order.PutUint32(h[20:], uint32(link))
	b.Write(h)
	for i, d := range recs {
		r := make([]byte, 16)
		order.PutUint32(r, uint32(1700000000+i))
		order.PutUint32(r[4:], 123)
		order.PutUint32(r[8:], uint32(len(d)))
		order.PutUint32(r[12:], uint32(len(d)))
		b.Write(r)
		b.Write(d)
	}
	return b.Bytes()
}

// block builds a little-endian pcapng block.
func block(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	b := make([]byte, 12+len(body))
	binary.LittleEndian.PutUint32(b, typ)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)))
	copy(b[8:], body)
	binary.LittleEndian.PutUint32(b[len(b)-4:], uint32(len(b)))
	return b
}

func shb() []byte {
	body := make([]byte, 16)
	binary.LittleEndian.PutUint32(body, 0x1a2b3c4d)
	binary.LittleEndian.PutUint16(body[4:], 1)
	binary.LittleEndian.PutUint64(body[8:], ^uint64(0))
	return block(0x0a0d0d0a, body)
}

func idb(link LinkType, tsresol byte) []byte {
	body := make([]byte, 8)
	binary.LittleEndian.PutUint16(body, uint16(link))
	binary.LittleEndian.PutUint32(body[4:], 65535)
	if tsresol != 0 {
		body = append(body, 9, 0, 1, 0, tsresol, 0, 0, 0, 0, 0, 0, 0)
	}
	return block(1, body)
}

func epb(iface uint32, ts uint64, data []byte) []byte {
	body := make([]byte, 20, 20+len(data))
	binary.LittleEndian.PutUint32(body, iface)
	binary.LittleEndian.PutUint32(body[4:], uint32(ts>>32))
	binary.LittleEndian.PutUint32(body[8:], uint32(ts))
	binary.LittleEndian.PutUint32(body[12:], uint32(len(data)))
	binary.LittleEndian.PutUint32(body[16:], uint32(len(data)))
	return block(6, append(body, data...))
}

func readAll(t *testing.T, b []byte) ([]Frame, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), "test.cap")
	if err != nil {
		return nil, err
	}
	var out []Frame
	for {
		var f Frame
		err := r.Next(&f)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		f.Data = append([]byte(nil), f.Data...)
		out = append(out, f)
	}
}

func TestReaderFormats(t *testing.T) {
	data := []byte{0x45, 0, 0, 20}
	for _, tc := range []struct {
		name string
		file []byte
		link LinkType
		ns   int
	}{
		{"pcap little-endian µs", pcapFile(binary.LittleEndian, false, LinkEthernet, data, data), LinkEthernet, 123000},
		{"pcap big-endian ns", pcapFile(binary.BigEndian, true, LinkRaw, data, data), LinkRaw, 123},
		{"pcapng two interfaces", bytes.Join([][]byte{shb(), idb(LinkEthernet, 0), idb(LinkLinuxSLL2, 9), epb(0, 1700000000_000123, data), epb(1, 1700000001_000000123, data)}, nil), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				file := tc.file
				if gz {
					var b bytes.Buffer
					w := gzip.NewWriter(&b)
					w.Write(file)
					w.Close()
					file = b.Bytes()
				}
				fr, err := readAll(t, file)
				require.NoError(t, err)
				require.Len(t, fr, 2)
				assert.Equal(t, int64(1), fr[0].Number)
				assert.Equal(t, int64(2), fr[1].Number)
				assert.Equal(t, data, fr[1].Data)
				if tc.link != 0 {
					assert.Equal(t, tc.link, fr[0].Link)
					assert.Equal(t, time.Unix(1700000000, int64(tc.ns)).UTC(), fr[0].Time)
				} else {
					assert.Equal(t, LinkEthernet, fr[0].Link)
					assert.Equal(t, LinkLinuxSLL2, fr[1].Link, "per-interface link type")
					assert.Equal(t, time.Unix(1700000000, 123000).UTC(), fr[0].Time)
					assert.Equal(t, time.Unix(1700000001, 123).UTC(), fr[1].Time, "if_tsresol 10^-9")
					assert.Equal(t, 1, fr[1].Interface)
				}
				assert.Equal(t, fr[0].DataOffset+int64(len(data)), fr[1].Offset-func() int64 {
					if tc.link == 0 {
						return 4 // the block's trailing length
					}
					return 0
				}())
			}
		})
	}
}

func TestReaderBadInput(t *testing.T) {
	data := bytes.Repeat([]byte{1}, 40)
	good := pcapFile(binary.LittleEndian, false, LinkEthernet, data, data)
	ng := bytes.Join([][]byte{shb(), idb(LinkEthernet, 0), epb(0, 0, data)}, nil)
	badLen := append([]byte(nil), ng...)
	binary.LittleEndian.PutUint32(badLen[len(shb())+len(idb(LinkEthernet, 0))+4:], 30) // not a multiple of 4
	badTrail := append([]byte(nil), ng...)
	binary.LittleEndian.PutUint32(badTrail[len(badTrail)-4:], 8)
	noIface := bytes.Join([][]byte{shb(), epb(0, 0, data)}, nil)
	huge := append([]byte(nil), good[:24+16]...)
	binary.LittleEndian.PutUint32(huge[24+8:], MaxRecord+1)
	for _, tc := range []struct {
		name    string
		file    []byte
		is      error
		packet  int64
		offset  int64
		packets int
	}{
		{"empty", nil, ErrTruncated, 1, 0, 0},
		{"unknown magic", []byte("GET / HTTP/1.1\r\n"), ErrUnknownFormat, 1, 0, 0},
		{"cut file header", good[:10], ErrTruncated, 1, 0, 0},
		{"cut record header", good[:24+16+40+5], ErrTruncated, 2, 80, 1},
		{"cut packet data", good[:len(good)-1], ErrTruncated, 2, 80, 1},
		{"record over MaxRecord", huge, ErrBadRecord, 1, 24, 0},
		{"pcapng block length not a multiple of 4", badLen, ErrBadRecord, 1, int64(len(shb()) + len(idb(LinkEthernet, 0))), 0},
		{"pcapng trailing length differs", badTrail, ErrBadRecord, 1, int64(len(shb()) + len(idb(LinkEthernet, 0))), 0},
		{"pcapng packet before any interface", noIface, ErrBadRecord, 1, int64(len(shb())), 0},
		{"pcapng cut block", ng[:len(ng)-3], ErrTruncated, 1, int64(len(shb()) + len(idb(LinkEthernet, 0))), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr, err := readAll(t, tc.file)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%v", err)
			assert.Equal(t, "test.cap", pe.File)
			assert.Equal(t, tc.packet, pe.Packet)
			assert.Equal(t, tc.offset, pe.Offset)
			assert.Len(t, fr, tc.packets)
			assert.Contains(t, err.Error(), "test.cap")
		})
	}
}
