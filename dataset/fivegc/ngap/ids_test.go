package ngap

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// UE-NGAP-IDs values built by hand from X.691: the pair (choice 0) and
// the AMF ID alone (choice 1); the real ones are in the golden test.
func TestParseUENGAPIDs(t *testing.T) {
	for _, c := range []struct {
		name       string
		in         []byte
		amf        uint64
		ran        uint32
		hasRAN, ok bool
		err        bool
	}{
		{name: "pair", in: []byte{0x00, 0x02, 0x00, 0x01}, amf: 2, ran: 1, hasRAN: true, ok: true},
		{name: "pair, 5-octet AMF ID, 4-octet RAN ID", in: []byte{0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0xc0, 0xde, 0xad, 0xbe, 0xef}, amf: 0x0102030405, ran: 0xdeadbeef, hasRAN: true, ok: true},
		{name: "AMF ID alone", in: []byte{0x48, 0x01, 0x2c}, amf: 300, ok: true},
		{name: "choice extension", in: []byte{0x80}},
		{name: "empty", in: nil, err: true},
		{name: "AMF ID truncated", in: []byte{0x48, 0x01}, err: true},
		{name: "RAN ID missing", in: []byte{0x00, 0x02}, err: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			amf, ran, hasRAN, ok, err := ParseUENGAPIDs(c.in)
			if c.err {
				assert.Error(t, err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, c.amf, amf)
			assert.Equal(t, c.ran, ran)
			assert.Equal(t, c.hasRAN, hasRAN)
			assert.Equal(t, c.ok, ok)
		})
	}
}
