package wire

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/internal/errs"
)

func TestError(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		text string
		is   error
		not  error
	}{
		{"format", &Error{Proto: "pfcp", Offset: 12, What: "IE length 9 past the end", Err: errs.ErrFormat},
			"pfcp: byte 12: IE length 9 past the end", errs.ErrFormat, errs.ErrVersion},
		{"version", &Error{Proto: "gtpv2", Offset: 0, What: "version 1, want 2", Err: errs.ErrVersion},
			"gtpv2: byte 0: version 1, want 2", errs.ErrVersion, errs.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error = tt.err
			assert.EqualError(t, err, tt.text)
			assert.ErrorIs(t, err, tt.is)
			assert.NotErrorIs(t, err, tt.not)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tt.err.Offset, e.Offset)
		})
	}
}
