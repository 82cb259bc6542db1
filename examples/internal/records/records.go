// Package records parses flow records one at a time, each the whole of one
// message (a NATS or Kafka message, a line of a stream), into rows of a
// dataset.Schema: NSL-KDD and KDD Cup 1999 lines, CSV records under a
// header given apart from them, and JSON objects whose names are the
// schema's columns. It also writes the JSON strings of the examples'
// verdicts (AppendString). The examples that score records as they come
// share it; it is not part of the library's API.
//
// A parser is used by one goroutine at a time. In steady state a parser
// allocates nothing per record: numbers are parsed in place and the
// levels of categorical columns are interned.
package records

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/netwarden/netwarden/dataset"
)

// MaxRecord is the longest record a parser takes, in bytes. NSL-KDD lines
// are about 150 bytes, their JSON objects about 1 KiB.
const MaxRecord = 16 << 10

// Reasons a record is refused. A parser's error wraps one of them, or
// (for a field that does not read) dataset's ErrFormat.
var (
	ErrBlank   = errors.New("records: empty record")
	ErrTooLong = fmt.Errorf("records: record over %d bytes", MaxRecord)
	ErrNewline = errors.New("records: record holds a line break: one message carries one record")
	// ErrSyntax is a JSON record that is not one flat object.
	ErrSyntax = errors.New("records: JSON syntax")
	// ErrUnknownField is a JSON name that is not a column of the schema
	// (nor the label).
	ErrUnknownField = errors.New("records: unknown field")
	// ErrMissingField is a column of the schema that a JSON record lacks.
	ErrMissingField = errors.New("records: missing field")
	// ErrHeader is a CSV header that does not give the schema's columns.
	ErrHeader = errors.New("records: CSV header")
)

// Parser parses one record, the whole of data, into row, sized and
// ordered as the parser's schema. row's slices are reused; its strings
// stay valid after the next Parse.
type Parser interface {
	Parse(data []byte, row *dataset.Row) error
}

// check refuses what no format takes: an empty record, one over MaxRecord
// bytes, one holding a line break. It returns data without a final CR.
func check(data []byte) ([]byte, error) {
	switch {
	case len(data) > MaxRecord:
		return nil, ErrTooLong
	case bytes.IndexByte(data, '\n') >= 0:
		return nil, ErrNewline
	case len(bytes.Trim(data, " \t\r")) == 0:
		return nil, ErrBlank
	}
	data = bytes.TrimSuffix(data, []byte{'\r'})
	if bytes.IndexByte(data, '\r') >= 0 {
		return nil, ErrNewline
	}
	return data, nil
}

// Lines parses NSL-KDD or KDD Cup 1999 lines, one a record, with one
// long-lived dataset.Reader in lenient mode: the reader pulls its lines
// from a feeder that hands it exactly one record a Read, so the reader's
// interned strings and buffers are reused across records and parsing
// allocates nothing in steady state. A malformed record is reported by the
// reader's OnSkip, after which the reader asks for the next line: the
// feeder then gives it a known-good sentinel line, whose row is discarded.
type Lines struct {
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
}

func (f *feeder) Read(p []byte) (int, error) {
	src := f.next
	if !f.pending {
		// The reader skipped the record and wants another line: give it
		// the sentinel, so that it stays in step with the records.
		src, f.off, f.pending = f.sentinel, 0, true
		f.next = f.sentinel
	}
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

var _ io.Reader = (*feeder)(nil)

// NewLines returns a parser of NSL-KDD ("nslkdd", the 43 fields of
// KDDTrain+.txt) or KDD Cup 1999 ("kdd99", 42 fields) lines, whose rows are
// of dataset.NSLKDDSchema.
func NewLines(format string) (*Lines, error) {
	p := &Lines{}
	switch format {
	case "nslkdd":
		p.init(dataset.NewNSLKDDReader(&p.feed, "record"), sentinelNSLKDD)
	case "kdd99":
		p.init(dataset.NewKDD99Reader(&p.feed, "record"), sentinelNSLKDD[:len(sentinelNSLKDD)-len(",21")])
	default:
		return nil, fmt.Errorf("records: format %q: want nslkdd or kdd99", format)
	}
	return p, nil
}

func (p *Lines) init(rd *dataset.Reader, sentinel string) {
	p.rd = rd
	p.feed.sentinel = []byte(sentinel)
	p.rd.Lenient = true
	p.rd.MaxErrors = 1
	p.rd.OnSkip = func(err *dataset.ParseError) { p.failed = err }
}

// sentinelNSLKDD is a well-formed NSL-KDD line (the first of KDDTest+).
const sentinelNSLKDD = "0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.00,0.00,1.00,1.00,0.04,0.06,0.00,255,10,0.04,0.06,0.00,0.00,0.00,0.00,1.00,1.00,neptune,21"

// Schema returns the schema of the rows.
func (p *Lines) Schema() dataset.Schema { return p.rd.Schema() }

// Parse parses data, one record, into row. A malformed record is an error
// that names the column and the problem (the reader's, without its line
// number, which counts records only).
func (p *Lines) Parse(data []byte, row *dataset.Row) error {
	data, err := check(data)
	if err != nil {
		return err
	}
	p.failed = nil
	p.feed.next, p.feed.off, p.feed.pending = data, 0, true
	if err := p.rd.Read(row); err != nil {
		// Only a failure of the feeder itself, which cannot fail: the
		// reader is lenient.
		return fmt.Errorf("records: reader: %w", err)
	}
	if pe := p.failed; pe != nil {
		switch {
		case pe.Field != "":
			return fmt.Errorf("column %s (byte %d): %w", pe.Field, pe.Column, pe.Err)
		case pe.Column > 0:
			return fmt.Errorf("byte %d: %w", pe.Column, pe.Err)
		}
		return pe.Err
	}
	return nil
}
