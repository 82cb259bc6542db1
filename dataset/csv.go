package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/netwarden/netwarden/internal/errs"
)

// CSVConfig describes a CSV file of flow records for NewCSVReader,
// ReadCSV and LoadCSV, so that exports such as CICFlowMeter's load without
// a hand-written parser. The zero value reads a comma-separated file whose
// first line is a header, every column numeric, no label, and rejects
// empty, NaN and infinite numbers.
type CSVConfig struct {
	// Comma is the field separator, an ASCII character; 0 means ','.
	Comma rune
	// NoHeader says the first line is a record, not a header.
	NoHeader bool
	// Names names the columns in file order. When nil, the header gives the
	// names (or, with NoHeader, the columns are called "c1", "c2", …).
	// With a header, Names replaces its names and must have as many.
	Names []string
	// Categorical lists the columns read as strings (protocol, service,
	// flag, IP addresses, …); every other column is numeric.
	Categorical []string
	// Label names the column holding each record's label (attack name).
	// "" means no label: rows get Label "" and Category Unknown.
	Label string
	// Ignore lists columns to drop (flow IDs, timestamps, …).
	Ignore []string
	// Missing says what an empty numeric field becomes; the zero value
	// rejects it. With AsNaN or Replace an empty categorical field is read
	// as the level "".
	Missing ValuePolicy
	// NaN says what a numeric field reading "NaN" (any case) becomes; the
	// zero value rejects it.
	NaN ValuePolicy
	// Inf says what a numeric field reading "Infinity", "inf", "+Inf",
	// "-inf" (any case) or a number out of float64 range becomes; the zero
	// value rejects it. CICFlowMeter writes "Infinity" in its rate columns.
	Inf ValuePolicy
	// MissingTokens are field texts read as missing, like an empty field
	// (see Missing): "NA", "N/A", "null", "?". They are matched exactly,
	// after spaces and tabs around the field are trimmed. Nil means none.
	MissingTokens []string
	// Categories maps labels to categories ("BENIGN": Normal, …). A label
	// that it does not hold goes to CategoryFunc.
	Categories map[string]Category
	// CategoryFunc maps a label to its category when Categories has none.
	// When both are nil, CategoryOf (the NSL-KDD / KDD'99 names) is used;
	// when only Categories is set, other labels are Unknown. Rows with an
	// Unknown category are counted in the Report, never guessed.
	CategoryFunc func(label string) Category
	// NoQuotes turns off double-quote handling (quotes are then ordinary
	// characters).
	NoQuotes bool
	// Lenient skips malformed rows (see Reader.Lenient).
	Lenient bool
	// MaxErrors is how many skip reasons the Report keeps; 0 means 10.
	MaxErrors int
	// OnSkip is called with the reason for each skipped row (see
	// Reader.OnSkip); nil means none.
	OnSkip func(err *ParseError)
}

// NewCSVReader returns a Reader of CSV text described by cfg. Unless
// cfg.NoHeader is set it reads the header line at once, so a missing,
// empty or inconsistent header is reported here. Lines may end in LF, CRLF
// or (when the first 64 KiB hold no LF) a lone CR. Column names are trimmed
// of spaces and tabs (" Destination Port" is "Destination Port"), a
// leading UTF-8 byte-order mark is dropped, and a repeated name gets a
// suffix as pandas does ("Fwd Header Length.1"); the names in cfg refer to
// these cleaned names; an empty name becomes "c" and the column's 1-based
// position, as without a header. A name in cfg that matches no column is
// an error wrapping ErrFormat.
func NewCSVReader(r io.Reader, name string, cfg CSVConfig) (*Reader, error) {
	rd := newReader(r, name, formatCSV)
	rd.Lenient, rd.MaxErrors, rd.OnSkip = cfg.Lenient, cfg.MaxErrors, cfg.OnSkip
	rd.quotes = !cfg.NoQuotes
	rd.policy = cfg.Policy()
	if err := rd.policy.Valid(); err != nil {
		return nil, err
	}
	if cfg.Comma != 0 {
		if cfg.Comma >= 0x80 || cfg.Comma == '"' || cfg.Comma == '\n' || cfg.Comma == '\r' {
			return nil, fmt.Errorf("dataset: csv separator %q must be an ASCII character other than a quote or line end: %w",
				cfg.Comma, errs.ErrFormat)
		}
		rd.comma = byte(cfg.Comma)
	}
	switch {
	case cfg.Categories != nil && cfg.CategoryFunc != nil:
		m, f := cfg.Categories, cfg.CategoryFunc
		rd.categoryOf = func(s string) Category {
			if c, ok := m[s]; ok {
				return c
			}
			return f(s)
		}
	case cfg.Categories != nil:
		m := cfg.Categories
		rd.categoryOf = func(s string) Category {
			if c, ok := m[s]; ok {
				return c
			}
			return Unknown
		}
	case cfg.CategoryFunc != nil:
		rd.categoryOf = cfg.CategoryFunc
	}

	// A file whose lines end in a lone CR (old Mac style, as NSL-KDD's
	// Attack_Types.csv) has no '\n' in its first 64 KiB: read it with CRs
	// as line ends.
	if crOnly(rd.br) {
		rd.br = bufio.NewReaderSize(crToLF{rd.br}, rd.br.Size())
	}
	var names []string
	if !cfg.NoHeader {
		line, _, err := rd.readLine()
		if err == io.EOF {
			return nil, &ParseError{File: name, Line: 1, Column: 1, Err: fmt.Errorf("no header: %w", errs.ErrEmpty)}
		}
		if err != nil {
			return nil, err
		}
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		rd.fields = nil // split without a field limit
		data, perr := rd.splitCSV(line)
		if perr != nil {
			return nil, perr
		}
		for _, sp := range rd.spans {
			names = append(names, string(data[sp.start:sp.end]))
		}
		if cfg.Names != nil && len(cfg.Names) != len(names) {
			return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("header has %d columns, CSVConfig.Names %d: %w",
				len(names), len(cfg.Names), errs.ErrFormat)}
		}
	}
	if cfg.Names != nil {
		names = append([]string(nil), cfg.Names...)
	}
	if names == nil {
		// No header, no names: the column count comes from the first line.
		line, _, err := rd.peekLine()
		if err != nil {
			return nil, err
		}
		rd.fields = nil
		if _, perr := rd.splitCSV(line); perr != nil {
			perr.Line = 1 // peeked, not yet counted
			return nil, perr
		}
		for i := range rd.spans {
			names = append(names, "c"+strconv.Itoa(i+1))
		}
	}
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
		if names[i] == "" {
			names[i] = "c" + strconv.Itoa(i+1) // as when there is no header
		}
	}
	names = dedupe(names)

	role := make(map[string]fieldRole, len(names))
	for _, n := range names {
		role[n] = roleNum
	}
	set := func(list []string, rl fieldRole, what string) error {
		for _, n := range list {
			n = strings.TrimSpace(n)
			if _, ok := role[n]; !ok {
				return &ParseError{File: name, Line: 1, Err: fmt.Errorf("%s column %q is not among the columns %q: %w",
					what, n, names, errs.ErrFormat)}
			}
			role[n] = rl
		}
		return nil
	}
	if err := set(cfg.Categorical, roleCat, "categorical"); err != nil {
		return nil, err
	}
	if cfg.Label != "" {
		if err := set([]string{cfg.Label}, roleLabel, "label"); err != nil {
			return nil, err
		}
		rd.hasLabel = true
	}
	if err := set(cfg.Ignore, roleIgnore, "ignored"); err != nil {
		return nil, err
	}
	rd.fields = make([]field, len(names))
	for i, n := range names {
		f := field{role: role[n], name: n, col: -1}
		switch f.role {
		case roleNum, roleCat:
			f.col = len(rd.schema.Columns)
			kind := Numeric
			if f.role == roleCat {
				kind = Categorical
			}
			rd.schema.Columns = append(rd.schema.Columns, Column{Name: n, Kind: kind})
		}
		rd.fields[i] = f
	}
	if len(rd.schema.Columns) == 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("no feature columns: %w", errs.ErrEmpty)}
	}
	rd.initInterners()
	return rd, nil
}

// peekLine returns the first line without consuming it.
func (r *Reader) peekLine() ([]byte, bool, error) {
	for n := 4096; ; n *= 2 {
		b, err := r.br.Peek(n)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return bytes.TrimSuffix(b[:i], []byte("\r")), true, nil
		}
		if err == io.EOF {
			if len(b) == 0 {
				return nil, false, &ParseError{File: r.name, Line: 1, Column: 1, Err: fmt.Errorf("no records: %w", errs.ErrEmpty)}
			}
			return bytes.TrimSuffix(b, []byte("\r")), false, nil
		}
		if err != nil || n >= r.br.Size() {
			if err == nil || err == bufio.ErrBufferFull {
				return nil, false, &ParseError{File: r.name, Line: 1, Err: fmt.Errorf("first line longer than %d bytes: %w",
					r.br.Size(), errs.ErrFormat)}
			}
			return nil, false, r.streamError(err)
		}
	}
}

// dedupe makes names unique the way pandas does: the second "x" becomes
// "x.1", the third "x.2".
func dedupe(names []string) []string {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[n] = true
	}
	count := make(map[string]int)
	for i, n := range names {
		count[n]++
		if count[n] == 1 {
			continue
		}
		for k := count[n] - 1; ; k++ {
			m := n + "." + strconv.Itoa(k)
			if !seen[m] {
				names[i], seen[m] = m, true
				break
			}
		}
	}
	return names
}

// Policy returns the record-parsing policy of cfg: its Missing, NaN and Inf
// policies and its missing-value tokens (a copy). A table read with cfg
// keeps it (Table.Policy), and so does a pipeline fitted on that table.
func (cfg CSVConfig) Policy() RecordPolicy {
	return RecordPolicy{Missing: cfg.Missing, NaN: cfg.NaN, Inf: cfg.Inf,
		MissingTokens: append([]string(nil), cfg.MissingTokens...)}
}

// ReadCSV reads CSV text described by cfg from r into a Table; see
// NewCSVReader. The table's LoadReport says what lenient mode skipped.
func ReadCSV(r io.Reader, name string, cfg CSVConfig) (*Table, error) {
	rd, err := NewCSVReader(r, name, cfg)
	if err != nil {
		return nil, err
	}
	return rd.ReadAll()
}

// LoadCSV reads the CSV file at path (decompressing it when the name ends
// in ".gz") into a Table; see NewCSVReader.
func LoadCSV(path string, cfg CSVConfig) (*Table, error) {
	rc, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return ReadCSV(rc, path, cfg)
}

// crOnly reports whether the first br.Size() bytes of br hold a CR but no
// LF. It reads no further than the first LF, so that a reader made on a
// live stream (tail -f) does not wait for a full buffer of records before
// it reads the first.
func crOnly(br *bufio.Reader) bool {
	seen := 0 // bytes already searched
	for n := 1; ; n = min(br.Buffered()+1, br.Size()) {
		_, err := br.Peek(n) // one more read when n bytes are not buffered
		b, _ := br.Peek(br.Buffered())
		if bytes.IndexByte(b[seen:], '\n') >= 0 {
			return false
		}
		seen = len(b)
		if err != nil || len(b) == br.Size() {
			return bytes.IndexByte(b, '\r') >= 0
		}
	}
}

// crToLF turns every CR into LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
