package anomaly

import "github.com/netwarden/netwarden/internal/errs"

// Sentinel errors shared by every package of netwarden. Test for them with
// errors.Is; the wrapping error says which row, column or field was at fault.
var (
	// ErrDimension: a row, buffer or matrix of the wrong length or width.
	ErrDimension = errs.ErrDimension
	// ErrNaN: a NaN or infinite value where none is allowed.
	ErrNaN = errs.ErrNaN
	// ErrEmpty: no rows or no columns where data is needed.
	ErrEmpty = errs.ErrEmpty
	// ErrNotFitted: a model or transformer used before it was fitted.
	ErrNotFitted = errs.ErrNotFitted
	// ErrFormat: truncated, corrupt or foreign bytes.
	ErrFormat = errs.ErrFormat
	// ErrChecksum: serialised bytes whose checksum does not match.
	ErrChecksum = errs.ErrChecksum
	// ErrVersion: a serialised format version this build cannot read.
	ErrVersion = errs.ErrVersion
	// ErrUnsupported: a model feature this build does not implement.
	ErrUnsupported = errs.ErrUnsupported
	// ErrUnknownCategory: a categorical value not seen when fitting.
	ErrUnknownCategory = errs.ErrUnknownCategory
	// ErrNoExplanation: a model that cannot explain its scores.
	ErrNoExplanation = errs.ErrNoExplanation
)
