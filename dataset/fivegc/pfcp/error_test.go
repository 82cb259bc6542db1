package pfcp

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorText: a failure names this decoder and the byte offset, and
// wraps the sentinel for what was wrong.
func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated", []byte{0x20}, ErrFormat},
		{"first byte", append([]byte{0x40}, make([]byte, 15)...), ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			err := Decode(tt.in, &m)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "pfcp", e.Proto)
			assert.True(t, strings.HasPrefix(err.Error(), "pfcp: byte "), err.Error())
		})
	}
}
