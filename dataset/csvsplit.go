package dataset

import (
	"fmt"

	"github.com/netwarden/netwarden/internal/errs"
)

// splitCSV splits one CSV line into r.spans over r.scratch, which it
// returns: fields are separated by r.comma, trimmed of spaces and tabs, and
// may be double-quoted (RFC 4180, "" inside quotes is one quote) when
// r.quotes is set. A quoted field may not span lines.
func (r *Reader) splitCSV(line []byte) ([]byte, *ParseError) {
	r.spans = r.spans[:0]
	r.scratch = r.scratch[:0]
	i := 0
	for {
		// one field starting at i
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') && line[i] != r.comma {
			i++
		}
		col := i + 1
		start := len(r.scratch)
		if r.quotes && i < len(line) && line[i] == '"' {
			i++
			closed := false
			for i < len(line) {
				c := line[i]
				if c == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						r.scratch = append(r.scratch, '"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				r.scratch = append(r.scratch, c)
				i++
			}
			if !closed {
				return nil, &ParseError{File: r.name, Line: r.line, Column: col,
					Err: fmt.Errorf("unterminated quoted field: %w", errs.ErrFormat)}
			}
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') && line[i] != r.comma {
				i++
			}
			if i < len(line) && line[i] != r.comma {
				return nil, &ParseError{File: r.name, Line: r.line, Column: i + 1,
					Err: fmt.Errorf("extraneous text after quoted field: %w", errs.ErrFormat)}
			}
		} else {
			for i < len(line) && line[i] != r.comma {
				r.scratch = append(r.scratch, line[i])
				i++
			}
			end := len(r.scratch)
			for end > start && (r.scratch[end-1] == ' ' || r.scratch[end-1] == '\t') {
				end--
			}
			r.scratch = r.scratch[:end]
		}
		r.spans = append(r.spans, span{start, len(r.scratch), col})
		if len(r.spans) > len(r.fields) && len(r.fields) > 0 {
			return r.scratch, nil
		}
		if i >= len(line) {
			return r.scratch, nil
		}
		i++ // the comma
	}
}
