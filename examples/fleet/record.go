package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
)

// maxRecord is the longest record a scorer parses, in bytes; a longer one
// goes to the dead-letter subject. NSL-KDD lines are about 150 bytes.
const maxRecord = 16 << 10

// Reasons a record is dead-lettered before the reader sees it.
var (
	errBlank   = errors.New("empty record")
	errTooLong = fmt.Errorf("record over %d bytes", maxRecord)
	errNewline = errors.New("record holds a line break: one message carries one record")
)

// lineParser parses one record at a time, each from its own message, with
// one long-lived dataset.Reader in lenient mode: the reader pulls its lines
// from feeder, which hands it exactly one record a Read, so the reader's
// interned strings and buffers are reused across messages and batches and
// parsing allocates nothing in steady state. A malformed record is reported
// by the reader's OnSkip, after which the reader asks for the next line: the
// feeder then gives it a known-good sentinel line, whose row is discarded.
type lineParser struct {
	rd     *dataset.Reader
	feed   feeder
	failed *dataset.ParseError // set by OnSkip for the record being parsed
}

// feeder is the io.Reader under the dataset.Reader: one line a Read.
type feeder struct {
	next     []byte // the record to hand out, without its line end
	off      int
	sentinel []byte
	pending  bool // next has not been handed out completely
	sent     int  // sentinel lines handed out
}

func (f *feeder) Read(p []byte) (int, error) {
	src := f.next
	if !f.pending {
		// The reader skipped the record and wants another line: give it
		// the sentinel, so that it stays in step with the messages.
		src, f.off, f.pending = f.sentinel, 0, true
		f.next = f.sentinel
		f.sent++
	}
	// The record, then its '\n'.
	if f.off < len(src) {
		n := copy(p, src[f.off:])
		f.off += n
		return n, nil
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = '\n'
	f.pending = false
	return 1, nil
}

// newLineParser returns a parser of NSL-KDD ("nslkdd") or KDD Cup 1999
// ("kdd99") lines.
func newLineParser(format string) (*lineParser, error) {
	p := &lineParser{}
	switch format {
	case "nslkdd":
		p.rd = dataset.NewNSLKDDReader(&p.feed, "record")
		p.feed.sentinel = []byte(sentinelNSLKDD)
	case "kdd99":
		p.rd = dataset.NewKDD99Reader(&p.feed, "record")
		p.feed.sentinel = []byte(sentinelNSLKDD[:len(sentinelNSLKDD)-len(",21")])
	default:
		return nil, fmt.Errorf("-format %q: want nslkdd or kdd99", format)
	}
	p.rd.Lenient = true
	p.rd.MaxErrors = 1
	p.rd.OnSkip = func(err *dataset.ParseError) { p.failed = err }
	return p, nil
}

// sentinelNSLKDD is a well-formed NSL-KDD line (the first of KDDTest+).
const sentinelNSLKDD = "0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.00,0.00,1.00,1.00,0.04,0.06,0.00,255,10,0.04,0.06,0.00,0.00,0.00,0.00,1.00,1.00,neptune,21"

// Parse parses data, one record, into row. A malformed record is an error
// that names the column and the problem (the reader's, without its line
// number, which counts messages only).
func (p *lineParser) Parse(data []byte, row *dataset.Row) error {
	switch {
	case len(data) > maxRecord:
		return errTooLong
	case bytes.IndexByte(data, '\n') >= 0:
		return errNewline
	case len(bytes.Trim(data, " \t\r")) == 0:
		return errBlank
	}
	data = bytes.TrimSuffix(data, []byte{'\r'})
	if bytes.IndexByte(data, '\r') >= 0 {
		return errNewline
	}
	p.failed = nil
	p.feed.next, p.feed.off, p.feed.pending = data, 0, true
	err := p.rd.Read(row)
	if err != nil {
		// Only a failure of the feeder itself, which cannot fail: the
		// reader is lenient.
		return fmt.Errorf("reader: %w", err)
	}
	if p.failed != nil {
		pe := p.failed
		if pe.Field != "" {
			return fmt.Errorf("column %s (byte %d): %w", pe.Field, pe.Column, pe.Err)
		}
		if pe.Column > 0 {
			return fmt.Errorf("byte %d: %w", pe.Column, pe.Err)
		}
		return pe.Err
	}
	return nil
}

var _ io.Reader = (*feeder)(nil)

// appendString appends s to b as a JSON string; invalid UTF-8 becomes
// U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// appendVerdict appends the JSON body of a verdict: the record's ID, the
// time the flow was stored (Unix nanoseconds, for latency), the score and
// the decision, the label when the record had one, and the explanation.
func appendVerdict(b []byte, id string, in int64, scorer string, label string, r *bundle.Result) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	b = append(b, `,"in":`...)
	b = strconv.AppendInt(b, in, 10)
	b = append(b, `,"scorer":`...)
	b = appendString(b, scorer)
	b = append(b, `,"score":`...)
	b = strconv.AppendFloat(b, r.Score, 'g', -1, 64)
	b = append(b, `,"attack":`...)
	b = strconv.AppendBool(b, r.Attack)
	if label != "" {
		b = append(b, `,"label":`...)
		b = appendString(b, label)
	}
	if len(r.TopFeatures) > 0 {
		b = append(b, `,"top_features":[`...)
		for i, c := range r.TopFeatures {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"column":`...)
			b = appendString(b, c.Column)
			b = append(b, `,"value":`...)
			b = strconv.AppendFloat(b, c.Value, 'g', 6, 64)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendDead appends the JSON body of a dead letter: the record's ID, the
// parse error, and the record's text (its first 1 KiB).
func appendDead(b []byte, id string, in int64, scorer string, err error, data []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	b = append(b, `,"in":`...)
	b = strconv.AppendInt(b, in, 10)
	b = append(b, `,"scorer":`...)
	b = appendString(b, scorer)
	b = append(b, `,"error":`...)
	b = appendString(b, err.Error())
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(len(data)), 10)
	b = append(b, `,"record":`...)
	b = appendString(b, string(data[:min(len(data), 1024)]))
	return append(b, '}')
}
