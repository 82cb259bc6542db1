package dataset

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/netwarden/netwarden/internal/errs"
)

// maxLine bounds the length of one line (1 MiB), its line end excluded: a
// file without line ends is an error (or, in lenient mode, a skipped row
// read past without being kept), not an unbounded buffer.
const maxLine = 1 << 20

// errTooLong is the error of a line over maxLine bytes.
var errTooLong = fmt.Errorf("line longer than %d bytes: %w", maxLine, errs.ErrFormat)

// maxInterned bounds the distinct values a Reader interns per column.
const maxInterned = 1 << 14

// defaultMaxErrors is how many skipped-row errors a Report keeps by default.
const defaultMaxErrors = 10

// Report says what a Reader read: rows returned, rows skipped in lenient
// mode (with the first few reasons), and labels the category map did not
// know.
type Report struct {
	// Source is the name given to the reader (a file path for the Load
	// functions).
	Source string
	// Lines is the number of lines read, blank and skipped lines included.
	Lines int
	// Rows is the number of rows returned.
	Rows int
	// Skipped is the number of malformed rows skipped in lenient mode.
	Skipped int
	// Errors holds the first MaxErrors reasons for skipped rows, each a
	// *ParseError.
	Errors []error
	// Unknown is the number of returned rows whose label the category map
	// did not know (their Category is Unknown); see CSVConfig.Unmapped.
	Unknown int
	// UnknownLabels counts those rows by label (with UnmappedSkip, the
	// skipped ones).
	UnknownLabels map[string]int
}

// String summarises the report in one line.
func (r Report) String() string {
	s := fmt.Sprintf("%s: %d rows", r.Source, r.Rows)
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
		if len(r.Errors) > 0 {
			s += fmt.Sprintf(" (first: %v)", r.Errors[0])
		}
	}
	if r.Unknown > 0 {
		s += fmt.Sprintf(", %d with unknown labels %v", r.Unknown, r.UnknownLabels)
	}
	return s
}

// fieldRole says what one field of a record holds.
type fieldRole uint8

const (
	roleNum fieldRole = iota
	roleCat
	roleLabel
	roleDifficulty
	roleIgnore
	roleFamily
)

type field struct {
	role fieldRole
	col  int    // schema column for roleNum and roleCat
	name string // for error messages
}

// span is one field of the current line: data[start:end], starting at the
// 1-based byte column col of the line.
type span struct{ start, end, col int }

// Action says what a reader does with an empty, NaN or infinite value in a
// numeric column.
type Action uint8

const (
	// Reject makes the value an error (a skipped row in lenient mode).
	Reject Action = iota
	// AsNaN stores NaN, for models that take missing values (the XGBoost
	// reader sends NaN down each split's default branch).
	AsNaN
	// Replace stores the policy's Value.
	Replace
)

// ValuePolicy says how one kind of special value is read. The zero value
// rejects it.
type ValuePolicy struct {
	// Action is what becomes of the value; the zero value is Reject.
	Action Action
	// Value is stored when Action is Replace.
	Value float64
}

// apply returns the value the policy gives; what describes the value and
// field names the CSVConfig field that sets the policy. A rejected NaN or
// infinity wraps ErrNaN as well as ErrFormat.
func (p ValuePolicy) apply(what, field string) (float64, error) {
	switch p.Action {
	case AsNaN:
		return math.NaN(), nil
	case Replace:
		return p.Value, nil
	}
	if field == "Missing" {
		return 0, fmt.Errorf("%s value (set CSVConfig.Missing to read it as NaN or a value): %w", what, errs.ErrFormat)
	}
	return 0, fmt.Errorf("%s value (set CSVConfig.%s to read it as NaN or a value): %w: %w", what, field, errs.ErrFormat, errs.ErrNaN)
}

type format uint8

const (
	formatNSLKDD format = iota
	formatKDD99
	formatCSV
)

// Reader reads records one at a time from NSL-KDD, KDD Cup 1999 or CSV
// text, in the manner of encoding/csv.Reader: Read fills a caller's Row
// and returns io.EOF at the end. Memory stays constant however much text
// is read: lines are parsed in place, numbers without allocation, and
// categorical values and labels are interned.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	// Lenient makes Read skip malformed rows, counting them in the Report
	// (with the first MaxErrors reasons), instead of returning an error.
	// A line over 1 MiB is a malformed row too: lenient mode reads past it
	// without keeping it, strict mode stops there. Set it before the first
	// Read. Errors of the stream itself (a corrupt gzip stream, a failed
	// read) end reading in either mode.
	Lenient bool
	// MaxErrors is how many skip reasons the Report keeps; 0 means 10.
	MaxErrors int
	// OnSkip, if not nil, is called in lenient mode with the reason for
	// each skipped row, in input order, as Read skips it: err gives the
	// file, the row's line (counted as Line counts) and the column. It
	// runs on the goroutine calling Read and may keep err; it sees every
	// skipped row, not only the first MaxErrors. The default (nil) only
	// counts skipped rows in the Report.
	OnSkip func(err *ParseError)

	name   string
	format format
	br     *bufio.Reader
	schema Schema
	fields []field
	spans  []span
	long   []byte
	intern []*interner // by field
	label  *interner

	categoryOf          func(string) (Category, bool)
	lastLabel           string
	lastCat             Category
	lastKnown           bool
	unmapped            UnmappedPolicy
	deferUnmapped       bool // ReadAll: report unmapped labels at the end
	family              int  // field index of the family column, or -1
	firstUnmapped       int  // line of the first row with an unmapped label
	policy              RecordPolicy
	comma               byte
	quotes              bool
	scratch             []byte
	hasLabel, hasDiffic bool

	line    int // lines read so far
	recLine int // line of the last record returned
	report  Report
	err     error // sticky

	sizeHint  int64 // bytes the source holds, or 0 if unknown
	bytesRead int64 // bytes of the lines read so far
}

func newReader(r io.Reader, name string, f format) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 64<<10 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{
		sizeHint: sizeOf(r),
		name:     name, format: f, br: br,
		label:      newInterner(maxInterned),
		categoryOf: func(s string) (Category, bool) { c := CategoryOf(s); return c, c != Unknown },
		lastCat:    Unknown,
		unmapped:   UnmappedKeep,
		family:     -1,
		comma:      ',',
		report:     Report{Source: name, UnknownLabels: map[string]int{}},
	}
}

// NewNSLKDDReader returns a Reader of NSL-KDD text (KDDTrain+.txt,
// KDDTest+.txt, …): 41 features (NSLKDDSchema), the attack name and the
// difficulty level, comma separated, one record a line, no header. name
// is used in errors and as the Report's Source.
func NewNSLKDDReader(r io.Reader, name string) *Reader {
	rd := newReader(r, name, formatNSLKDD)
	rd.setKDD(true)
	return rd
}

// NewKDD99Reader returns a Reader of KDD Cup 1999 text
// (kddcup.data_10_percent, corrected): the 41 features of NSLKDDSchema and
// the attack name with its trailing '.' ("smurf."), no difficulty column.
// Rows carry the label without the '.' ("smurf", as in NSL-KDD) and
// Difficulty -1.
func NewKDD99Reader(r io.Reader, name string) *Reader {
	rd := newReader(r, name, formatKDD99)
	rd.setKDD(false)
	return rd
}

func (r *Reader) setKDD(difficulty bool) {
	r.schema = NSLKDDSchema()
	for j, c := range r.schema.Columns {
		role := roleNum
		if c.Kind == Categorical {
			role = roleCat
		}
		r.fields = append(r.fields, field{role: role, col: j, name: c.Name})
	}
	r.fields = append(r.fields, field{role: roleLabel, name: "label"})
	r.hasLabel = true
	if difficulty {
		r.fields = append(r.fields, field{role: roleDifficulty, name: "difficulty"})
		r.hasDiffic = true
	}
	r.initInterners()
}

func (r *Reader) initInterners() {
	r.intern = make([]*interner, len(r.fields))
	for i, f := range r.fields {
		if f.role == roleCat || f.role == roleFamily {
			r.intern[i] = newInterner(maxInterned)
		}
	}
	r.spans = make([]span, 0, len(r.fields)+1)
}

// Schema returns the schema of the rows Read returns.
func (r *Reader) Schema() Schema {
	cols := make([]Column, len(r.schema.Columns))
	copy(cols, r.schema.Columns)
	return Schema{Columns: cols}
}

// Line returns the 1-based line number in the input of the record that
// the last successful Read returned, or 0 before the first. Lines are
// counted as in a ParseError: every line end ("\n", "\r\n", or a lone
// "\r" in a CSV file read with CR line ends) ends a line, blank lines, a
// CSV header and skipped rows included, and a last line without a line end
// counts too. A failed Read leaves Line unchanged.
func (r *Reader) Line() int { return r.recLine }

// Report returns what the reader has read so far.
func (r *Reader) Report() Report {
	rep := r.report
	rep.Errors = append([]error(nil), r.report.Errors...)
	rep.UnknownLabels = make(map[string]int, len(r.report.UnknownLabels))
	for k, v := range r.report.UnknownLabels {
		rep.UnknownLabels[k] = v
	}
	return rep
}

// readLine returns the next line without its line end, and whether it
// ended in '\n'. The line is valid until the next call.
func (r *Reader) readLine() (line []byte, newline bool, err error) {
	line, err = r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		// r.long holds no '\n' yet: at most a '\r' of the line end.
		for err == bufio.ErrBufferFull && len(r.long) <= maxLine+1 {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, false, r.streamError(err)
		}
		if err == bufio.ErrBufferFull || len(trimEOL(line)) > maxLine {
			return nil, false, &ParseError{File: r.name, Line: r.line + 1, Err: errTooLong}
		}
	}
	if err != nil && err != io.EOF {
		return nil, false, r.streamError(err)
	}
	if len(line) == 0 {
		return nil, false, io.EOF
	}
	r.line++
	r.report.Lines++
	r.bytesRead += int64(len(line))
	if n := len(line); line[n-1] == '\n' {
		line, newline = line[:n-1], true
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if r.line == 1 {
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	return line, newline, nil
}

// skipLong reads past the rest of a line over maxLine bytes, which
// readLine has begun, and counts it.
func (r *Reader) skipLong() error {
	n := len(r.long)
	line, err := r.long, bufio.ErrBufferFull
	if n > 0 && line[n-1] == '\n' {
		err = nil // readLine has read the line end
	}
	for err == bufio.ErrBufferFull {
		line, err = r.br.ReadSlice('\n')
		n += len(line)
	}
	if err != nil && err != io.EOF {
		return r.streamError(err)
	}
	r.line++
	r.report.Lines++
	r.bytesRead += int64(n)
	return nil
}

// streamError wraps an error of the underlying stream, marking a damaged
// compressed stream as a format error.
func (r *Reader) streamError(err error) error {
	var ce flate.CorruptInputError
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ce) {
		err = fmt.Errorf("%w: %w", errs.ErrFormat, err)
	}
	return &ParseError{File: r.name, Line: r.line + 1, Err: err}
}

// Read reads the next record into row, resizing row for the schema and
// reusing its storage: once row is large enough, Read allocates nothing
// for the NSL-KDD and KDD'99 formats. It returns io.EOF after the last
// record; malformed text gives a *ParseError (or, in lenient mode, a
// skipped row, reported to OnSkip), and input without any record gives a
// *ParseError wrapping ErrEmpty. Blank lines (empty, or spaces and tabs
// only) are ignored. After an error
// other than a skipped row, every further Read returns the same error;
// Line says where the record just read is.
func (r *Reader) Read(row *Row) error {
	if r.err != nil {
		return r.err
	}
	for {
		line, newline, err := r.readLine()
		if err == io.EOF {
			if r.report.Rows == 0 && r.report.Skipped == 0 {
				r.err = &ParseError{File: r.name, Line: r.line + 1, Column: 1,
					Err: fmt.Errorf("no records: %w", errs.ErrEmpty)}
				return r.err
			}
			r.err = io.EOF
			return io.EOF
		}
		if pe, ok := err.(*ParseError); ok && pe.Err == errTooLong && r.Lenient {
			if err = r.skipLong(); err == nil {
				r.skip(pe)
				continue
			}
		}
		if err != nil {
			r.err = err
			return err
		}
		if isBlank(line) {
			continue
		}
		perr := r.parse(line, newline, row)
		if perr == nil {
			r.recLine = r.line
			row.Line = r.line
			r.report.Rows++
			if !r.lastKnown && r.hasLabel {
				if r.report.Unknown == 0 {
					r.firstUnmapped = r.line
				}
				r.report.Unknown++
				r.report.UnknownLabels[row.Label]++
			}
			return nil
		}
		if errors.Is(perr, ErrUnmappedLabel) && r.unmapped == UnmappedSkip {
			r.report.UnknownLabels[row.Label]++
			r.skip(perr)
			continue
		}
		if !r.Lenient {
			r.err = perr
			return perr
		}
		r.skip(perr)
	}
}

// skip counts a row skipped in lenient mode and reports it.
func (r *Reader) skip(perr *ParseError) {
	r.report.Skipped++
	max := r.MaxErrors
	if max <= 0 {
		max = defaultMaxErrors
	}
	if len(r.report.Errors) < max {
		r.report.Errors = append(r.report.Errors, perr)
	}
	if r.OnSkip != nil {
		r.OnSkip(perr)
	}
}

// trimEOL returns line without its line end ("\n" or "\r\n").
func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n > 1 && line[n-2] == '\r' {
			line = line[:n-2]
		}
	}
	return line
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// ReadAll reads every remaining record into a new Table whose Source is
// the reader's name. It returns a *ParseError wrapping ErrEmpty when no
// record could be read (in lenient mode: when every row was skipped).
func (r *Reader) ReadAll() (*Table, error) {
	t := NewTable(r.schema)
	t.source = r.name
	b := newTableBuilder(t, r.family >= 0)
	if r.unmapped == UnmappedError && r.err == nil {
		r.deferUnmapped = true
		defer func() { r.deferUnmapped = false }()
	}
	var row Row
	for {
		err := r.Read(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.add(&row)
		if b.n == presizeAfter && r.sizeHint > 0 {
			// Guess the row count from the bytes per row so far, so that
			// the columns are allocated once instead of copied at the end.
			est := float64(r.sizeHint) / (float64(r.bytesRead) / float64(b.n))
			b.reserve(int(min(est*1.03+64, 1<<28)))
		}
	}
	b.build()
	if t.Len() == 0 {
		first := ""
		if len(r.report.Errors) > 0 {
			first = fmt.Sprintf("; first: %v", r.report.Errors[0])
		}
		return nil, &ParseError{File: r.name, Line: r.line, Err: fmt.Errorf("no valid records, %d skipped%s: %w",
			r.report.Skipped, first, errs.ErrEmpty)}
	}
	if r.deferUnmapped && r.report.Unknown > 0 {
		field := ""
		for _, f := range r.fields {
			if f.role == roleLabel {
				field = f.name
			}
		}
		r.err = unmappedError(r.name, r.firstUnmapped, field, r.report.Rows, r.report.UnknownLabels)
		return nil, r.err
	}
	rep := r.Report()
	t.report = &rep
	t.SetPolicy(r.policy)
	return t, nil
}

// parse splits line into fields and fills row.
func (r *Reader) parse(line []byte, newline bool, row *Row) *ParseError {
	row.Reset(len(r.schema.Columns))
	if r.format != formatCSV {
		return r.parsePlain(line, newline, row)
	}
	data, perr := r.splitCSV(line)
	if perr != nil {
		return perr
	}
	if len(r.spans) != len(r.fields) {
		col := len(line) + 1
		if len(r.spans) > len(r.fields) {
			col = r.spans[len(r.fields)].col
		}
		return r.countError(len(r.spans), col, newline)
	}
	for i, sp := range r.spans {
		if perr := r.setField(i, data[sp.start:sp.end], sp.col, row); perr != nil {
			return perr
		}
	}
	return r.finishRow(row)
}

// parsePlain parses an unquoted comma-separated line in one pass.
func (r *Reader) parsePlain(line []byte, newline bool, row *Row) *ParseError {
	pos := 0
	for i := range r.fields {
		if pos > len(line) {
			return r.countError(i, len(line)+1, newline)
		}
		end := pos
		for end < len(line) && line[end] != ',' {
			end++
		}
		if perr := r.setField(i, line[pos:end], pos+1, row); perr != nil {
			return perr
		}
		pos = end + 1
	}
	if pos <= len(line) {
		return r.countError(len(r.fields)+1+bytes.Count(line[pos:], []byte{','}), pos+1, newline)
	}
	return r.finishRow(row)
}

// countError reports a record with n fields where the format wants
// len(r.fields); col is where the first extra field starts or where the
// line ends.
func (r *Reader) countError(n, col int, newline bool) *ParseError {
	pe := &ParseError{File: r.name, Line: r.line, Column: col}
	if n > len(r.fields) {
		pe.Err = fmt.Errorf("%d fields, want %d: %w", n, len(r.fields), errs.ErrFormat)
	} else {
		what := "line"
		if !newline {
			what = "truncated last line"
		}
		pe.Err = fmt.Errorf("%s has %d fields, want %d: %w", what, n, len(r.fields), errs.ErrFormat)
	}
	return pe
}

// setField stores field i, whose text b starts at byte column col.
func (r *Reader) setField(i int, b []byte, col int, row *Row) *ParseError {
	f := &r.fields[i]
	switch f.role {
	case roleNum:
		// Most NSL-KDD fields are one digit ("0", "1"): skip the parser.
		if len(b) == 1 && b[0] >= '0' && b[0] <= '9' {
			row.Num[f.col] = float64(b[0] - '0')
			return nil
		}
		v, ok := fastFloat(b)
		if !ok {
			var err error
			if v, err = r.number(b); err != nil {
				return &ParseError{File: r.name, Line: r.line, Column: col, Field: f.name, Err: err}
			}
		}
		row.Num[f.col] = v
	case roleCat:
		if len(b) == 0 || len(r.policy.MissingTokens) > 0 && isMissing(&r.policy, b) {
			if r.policy.Missing.Action == Reject {
				return &ParseError{File: r.name, Line: r.line, Column: col, Field: f.name,
					Err: fmt.Errorf("empty value (set CSVConfig.Missing to read it as the level \"\"): %w", errs.ErrFormat)}
			}
			b = b[:0]
		}
		row.Cat[f.col] = r.intern[i].get(b)
	case roleLabel:
		if r.format == formatKDD99 && len(b) > 0 && b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
		if len(b) == 0 {
			return &ParseError{File: r.name, Line: r.line, Column: col, Field: f.name,
				Err: fmt.Errorf("empty label: %w", errs.ErrFormat)}
		}
		s := r.label.get(b)
		if s != r.lastLabel {
			r.lastLabel = s
			r.lastCat, r.lastKnown = r.categoryOf(s)
			if r.lastCat > Unknown { // a user's CategoryFunc out of range
				r.lastCat = Unknown
			}
		}
		row.Label, row.Category = s, r.lastCat
		if !r.lastKnown && r.unmapped != UnmappedKeep && !r.deferUnmapped {
			if r.unmapped == UnmappedSkip {
				return &ParseError{File: r.name, Line: r.line, Column: col, Field: f.name,
					Err: fmt.Errorf("label %q is not in the category map (skipped by CSVConfig.Unmapped): %w: %w", s, ErrUnmappedLabel, errs.ErrFormat)}
			}
			return &ParseError{File: r.name, Line: r.line, Column: col, Field: f.name,
				Err: fmt.Errorf("label %q is not in the category map: map it with CSVConfig.Categories, Binary or CategoryFunc, or set CSVConfig.Unmapped: %w: %w",
					s, ErrUnmappedLabel, errs.ErrFormat)}
		}
	case roleFamily:
		row.Family = r.intern[i].get(b)
	case roleDifficulty:
		d, ok := parseInt(b)
		if !ok || d < 0 || d > 127 {
			return &ParseError{File: r.name, Line: r.line, Column: col, Field: f.name,
				Err: fmt.Errorf("difficulty %q is not an integer in [0, 127]: %w", b, errs.ErrFormat)}
		}
		row.Difficulty = d
	}
	return nil
}

func (r *Reader) finishRow(row *Row) *ParseError {
	if !r.hasLabel {
		row.Label, row.Category = "", Unknown
	}
	if r.family < 0 || row.Family == "" {
		row.Family = row.Label
	}
	if !r.hasDiffic {
		row.Difficulty = -1
	}
	return nil
}

// number reads one numeric field under the reader's policy; the NSL-KDD
// and KDD'99 readers reject empty, NaN and infinite values.
func (r *Reader) number(b []byte) (float64, error) { return r.policy.number(b) }

// presizeAfter is the row after which ReadAll sizes its columns from the
// input's size, when known.
const presizeAfter = 1024

// sizeOf returns the number of bytes r holds when it says (bytes.Reader,
// strings.Reader, bytes.Buffer, a regular file), else 0.
func sizeOf(r io.Reader) int64 {
	switch s := r.(type) {
	case interface{ Len() int }:
		return int64(s.Len())
	case *os.File:
		fi, err := s.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0
		}
		off, err := s.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0
		}
		return fi.Size() - off
	}
	return 0
}
