package dataset

import (
	"fmt"
	"strings"
)

// ParseError is the error of a reader that met malformed input, in the
// manner of encoding/csv's ParseError: it names the file, the 1-based line
// and the 1-based byte column where the problem starts, and, when the
// problem is in one field, that field's name.
//
// Err wraps one of the sentinels of package internal/errs (re-exported by
// package anomaly), so errors.Is(err, anomaly.ErrFormat) holds for malformed
// text and errors.Is(err, anomaly.ErrEmpty) for input without any row.
type ParseError struct {
	File   string // name given to the reader (a path for the Load functions)
	Line   int    // 1-based line number
	Column int    // 1-based byte column of the offending field; 0 if the whole line
	Field  string // column name of the offending field, "" if none
	Err    error  // the underlying error
}

// Error returns "dataset: FILE:LINE:COLUMN: field NAME: ERR".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("dataset: ")
	file := e.File
	if file == "" {
		file = "<input>"
	}
	b.WriteString(file)
	fmt.Fprintf(&b, ":%d", e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ":%d", e.Column)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
