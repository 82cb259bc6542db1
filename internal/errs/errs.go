// Package errs holds the sentinel errors that netwarden's packages share.
//
// Model packages wrap these so that they need not import package anomaly
// (which would make the import graph loop once anomaly's bundle imports the
// models); package anomaly re-exports each one under the same name, and that
// is the name users test with errors.Is.
package errs

import "errors"

var (
	// ErrDimension reports a row, buffer or matrix whose length or number of
	// columns is not the one a model or transformer was fitted with.
	ErrDimension = errors.New("netwarden: wrong dimension")
	// ErrNaN reports a NaN or an infinity where the callee cannot take one.
	ErrNaN = errors.New("netwarden: NaN or infinite value")
	// ErrEmpty reports empty input where data is needed (no rows, no columns).
	ErrEmpty = errors.New("netwarden: empty input")
	// ErrNotFitted reports use of a model or transformer before it was fitted.
	ErrNotFitted = errors.New("netwarden: not fitted")
	// ErrFormat reports a file or byte stream that is truncated, corrupt or
	// not in the format the reader expects.
	ErrFormat = errors.New("netwarden: malformed input")
	// ErrChecksum reports serialised bytes whose checksum does not match.
	ErrChecksum = errors.New("netwarden: checksum mismatch")
	// ErrVersion reports a serialised format version this build cannot read.
	ErrVersion = errors.New("netwarden: unsupported format version")
	// ErrUnsupported reports a model feature (objective, booster, split type,
	// …) that this build does not implement; the wrapping error names it.
	ErrUnsupported = errors.New("netwarden: unsupported")
	// ErrUnknownCategory reports a categorical value not seen when fitting.
	ErrUnknownCategory = errors.New("netwarden: unknown category")
	// ErrNoExplanation reports a model that cannot explain its scores (for
	// instance a tree model saved without cover statistics).
	ErrNoExplanation = errors.New("netwarden: model cannot explain its scores")
)
