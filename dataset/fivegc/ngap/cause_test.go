package ngap

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Cause values built by hand from X.691 (the real ones are in the golden
// test): a 3-bit choice index, the ENUMERATED's extension bit and its
// root index, or an extension index after a 0 bit.
func TestParseCause(t *testing.T) {
	for _, c := range []struct {
		name  string
		in    []byte
		group CauseGroup
		value uint8
		err   bool
	}{
		{name: "radio network user-inactivity", in: []byte{0x05, 0x00}, group: CauseRadioNetwork, value: 20},
		{name: "radio network last root value", in: []byte{0x0b, 0x00}, group: CauseRadioNetwork, value: 44},
		{name: "radio network first extension", in: []byte{0x10, 0x00}, group: CauseRadioNetwork, value: 45},
		{name: "transport unspecified", in: []byte{0x28}, group: CauseTransport, value: 1},
		{name: "nas deregister", in: []byte{0x48}, group: CauseNAS, value: 2},
		{name: "protocol transfer-syntax-error", in: []byte{0x60}, group: CauseProtocol, value: 0},
		{name: "protocol unspecified", in: []byte{0x6c}, group: CauseProtocol, value: 6},
		{name: "misc unspecified", in: []byte{0x8a}, group: CauseMisc, value: 5},
		{name: "choice extension", in: []byte{0xa0}, group: CauseExtension},
		{name: "empty", in: nil, err: true},
		{name: "choice index 6", in: []byte{0xc0}, err: true},
		{name: "radio network truncated", in: []byte{0x01}, err: true},
		{name: "radio network root index 45 of 45", in: []byte{0x0b, 0x40}, err: true},
		{name: "protocol value 7 of 7", in: []byte{0x6e}, err: true},
		{name: "extension index of 64 or more", in: []byte{0x18, 0x00}, err: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, x, err := ParseCause(c.in)
			if c.err {
				assert.Error(t, err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, c.group, g)
			assert.Equal(t, c.value, x)
		})
	}
}
