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
	// "" means no label: rows get Label "" and Category Unknown. The label
	// column may not also be in Categorical or Ignore, and when it is set,
	// another column that looks like a label ("label", "Label",
	// "attack_cat", "class", "attack") may not be left in as a feature (a
	// label leak): list it in Ignore, or name it Family.
	Label string
	// Family names a column holding each record's attack family beside a
	// coarser Label (UNSW-NB15's "attack_cat" beside its 0/1 "label"):
	// rows carry it as Row.Family and Table.Family. "" means the family is
	// the label itself.
	Family string
	// Binary, when set, reads Label as a two-valued column: its Benign
	// value is Normal, its Attack value an attack of no NSL-KDD category
	// (see BinaryLabel; ZeroOne for a 0/1 column). It is consulted before
	// Categories and CategoryFunc.
	Binary BinaryLabel
	// Unmapped says what becomes of a row whose label neither Binary,
	// Categories nor CategoryFunc knows (nor, when all three are unset, the
	// NSL-KDD names of CategoryOf); the zero value, UnmappedError, makes
	// such labels an error that names each with its row count.
	Unmapped UnmappedPolicy
	// Ignore lists columns to drop (flow IDs, timestamps, …). A column may
	// not be both ignored and Categorical.
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
	// Categories maps labels to categories ("BENIGN": Normal, …; see
	// UNSWNB15Families and CICIDS2017Families). A label it holds is known,
	// even when mapped to Unknown (an attack of no NSL-KDD category). A
	// label that it does not hold goes to CategoryFunc.
	Categories map[string]Category
	// CategoryFunc maps a label to its category when Categories has none;
	// a result of Unknown means it does not know the label. When Binary,
	// Categories and CategoryFunc are all unset, CategoryOf (the NSL-KDD /
	// KDD'99 names) is used. Labels none of them knows follow Unmapped;
	// they are never guessed.
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
	rd.categoryOf = labelMapper(&cfg)
	if cfg.Unmapped > UnmappedSkip {
		return nil, fmt.Errorf("dataset: CSVConfig.Unmapped %d: %w", uint8(cfg.Unmapped), errs.ErrFormat)
	}
	rd.unmapped = cfg.Unmapped

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
		if isBlank(line) {
			// A file of a byte-order mark alone, or of blank lines, has no
			// header: it is as empty as an empty file.
			return nil, &ParseError{File: name, Line: 1, Column: 1, Err: fmt.Errorf("no header: %w", errs.ErrEmpty)}
		}
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

	role, err := csvRoles(name, names, &cfg)
	if err != nil {
		return nil, err
	}
	rd.hasLabel = cfg.Label != ""
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
		if f.role == roleFamily {
			rd.family = i
		}
		rd.fields[i] = f
	}
	if len(rd.schema.Columns) == 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("no feature columns: %w", errs.ErrEmpty)}
	}
	rd.initInterners()
	return rd, nil
}

// labelLike are column names that hold a label in common exports; one of
// them left in as a feature beside another label column leaks the label.
var labelLike = []string{"label", "attack_cat", "class", "attack", "attack_type", "is_attack"}

// csvRoles gives each column its role from cfg, refusing names that match
// no column (saying which column a name differs from only by case or
// spaces) and contradictory or leaking configurations.
func csvRoles(file string, names []string, cfg *CSVConfig) (map[string]fieldRole, error) {
	role := make(map[string]fieldRole, len(names))
	for _, n := range names {
		role[n] = roleNum
	}
	fail := func(format string, a ...any) error {
		return &ParseError{File: file, Line: 1, Err: fmt.Errorf(format+": %w", append(a, errs.ErrFormat)...)}
	}
	owner := map[string]string{} // column → the CSVConfig field that claimed it
	set := func(list []string, rl fieldRole, what string) error {
		for _, n := range list {
			n = strings.TrimSpace(n)
			if _, ok := role[n]; !ok {
				return fail("%s column %q is not among the columns %q%s", what, n, names, didYouMean(n, names))
			}
			if prev, ok := owner[n]; ok && prev != what {
				return fail("column %q is both %s and %s: give it one role", n, prev, what)
			}
			owner[n] = what
			role[n] = rl
		}
		return nil
	}
	if err := set(cfg.Categorical, roleCat, "Categorical"); err != nil {
		return nil, err
	}
	if cfg.Label != "" {
		if err := set([]string{cfg.Label}, roleLabel, "Label"); err != nil {
			return nil, err
		}
	}
	if cfg.Family != "" {
		if cfg.Label == "" {
			return nil, fail("CSVConfig.Family %q without a Label column", cfg.Family)
		}
		if err := set([]string{cfg.Family}, roleFamily, "Family"); err != nil {
			return nil, err
		}
	}
	if err := set(cfg.Ignore, roleIgnore, "Ignore"); err != nil {
		return nil, err
	}
	if cfg.Label != "" {
		for _, n := range names {
			if role[n] != roleNum && role[n] != roleCat {
				continue
			}
			for _, l := range labelLike {
				if strings.EqualFold(strings.ReplaceAll(n, " ", "_"), l) {
					return nil, fail("column %q looks like a label but would be read as a feature beside the label column %q "+
						"(a label leak): list it in CSVConfig.Ignore, or name it CSVConfig.Family", n, strings.TrimSpace(cfg.Label))
				}
			}
		}
	}
	return role, nil
}

// didYouMean returns a hint naming the column that n differs from only by
// case or spaces, or "".
func didYouMean(n string, names []string) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	for _, c := range names {
		if norm(c) == norm(n) {
			return fmt.Sprintf(" (did you mean %q?)", c)
		}
	}
	return ""
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
