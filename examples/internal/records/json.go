package records

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/netwarden/netwarden/dataset"
)

// JSON parses records that are one flat JSON object each (RFC 8259) whose
// names are the schema's column names: a numeric column takes a number, or
// a string or null that the record policy reads ("NaN", "Infinity", a
// missing-value token, null as an empty field); a categorical column takes
// a string (or a number, read as its text). Every column must be there,
// once; a name that is neither a column nor the label is an error
// (ErrUnknownField), as is a missing column (ErrMissingField), a nested
// object or array, or anything after the object but spaces.
type JSON struct {
	schema dataset.Schema
	policy dataset.RecordPolicy
	label  string
	cols   map[string]int      // column name → index
	levels []map[string]string // interned levels per categorical column
	labels map[string]string   // interned labels
	seen   []bool
	str    []byte // a string value, unescaped
	key    []byte // the current name, unescaped
}

// maxLevels bounds the interned levels of one column; beyond, a level is
// allocated for each record.
const maxLevels = 4096

// NewJSON returns a parser of JSON records into rows of schema, reading
// numeric fields under policy. label names the member holding the
// record's label (an attack name, "normal", "BENIGN"); "" means "label"
// unless the schema has a column so called, in which case records have no
// label member.
func NewJSON(schema dataset.Schema, policy dataset.RecordPolicy, label string) *JSON {
	p := &JSON{schema: schema, policy: policy, label: label, cols: make(map[string]int, len(schema.Columns))}
	for j, c := range schema.Columns {
		p.cols[c.Name] = j
	}
	if p.label == "" {
		if _, ok := p.cols["label"]; !ok {
			p.label = "label"
		}
	}
	p.levels = make([]map[string]string, len(schema.Columns))
	for j, c := range schema.Columns {
		if c.Kind == dataset.Categorical {
			p.levels[j] = make(map[string]string)
		}
	}
	p.labels = make(map[string]string)
	p.seen = make([]bool, len(schema.Columns))
	return p
}

// Schema returns the schema of the rows.
func (p *JSON) Schema() dataset.Schema { return p.schema }

// jsonScanner walks the bytes of one record.
type jsonScanner struct {
	b   []byte
	off int
}

func (s *jsonScanner) space() {
	for s.off < len(s.b) {
		switch s.b[s.off] {
		case ' ', '\t', '\n', '\r':
			s.off++
		default:
			return
		}
	}
}

func (s *jsonScanner) errf(format string, args ...any) error {
	return fmt.Errorf("byte %d: %s: %w", s.off+1, fmt.Sprintf(format, args...), ErrSyntax)
}

// Parse parses data, one JSON object, into row.
func (p *JSON) Parse(data []byte, row *dataset.Row) error {
	data, err := check(data)
	if err != nil {
		return err
	}
	n := len(p.schema.Columns)
	if cap(row.Num) < n {
		row.Num = make([]float64, n)
	}
	if cap(row.Cat) < n {
		row.Cat = make([]string, n)
	}
	row.Num, row.Cat = row.Num[:n], row.Cat[:n]
	clear(row.Cat)
	row.Label, row.Category, row.Family, row.Line, row.Difficulty = "", dataset.Unknown, "", 0, -1
	clear(p.seen)
	labelled := false

	s := jsonScanner{b: data}
	s.space()
	if s.off >= len(s.b) || s.b[s.off] != '{' {
		return s.errf("want an object")
	}
	s.off++
	s.space()
	if s.off < len(s.b) && s.b[s.off] == '}' {
		s.off++
	} else {
		for {
			s.space()
			if s.off >= len(s.b) || s.b[s.off] != '"' {
				return s.errf("want a name")
			}
			if p.key, err = s.str(p.key[:0]); err != nil {
				return err
			}
			s.space()
			if s.off >= len(s.b) || s.b[s.off] != ':' {
				return s.errf("want ':' after %q", p.key)
			}
			s.off++
			s.space()
			j, ok := p.cols[string(p.key)]
			switch {
			case ok:
				if p.seen[j] {
					return fmt.Errorf("field %q twice: %w", p.key, ErrSyntax)
				}
				p.seen[j] = true
				if err := p.value(&s, j, row); err != nil {
					return err
				}
			case p.label != "" && string(p.key) == p.label:
				if labelled {
					return fmt.Errorf("field %q twice: %w", p.key, ErrSyntax)
				}
				labelled = true
				if s.off >= len(s.b) || s.b[s.off] != '"' {
					return fmt.Errorf("field %q: want a string: %w", p.label, ErrSyntax)
				}
				if p.str, err = s.str(p.str[:0]); err != nil {
					return err
				}
				row.Label = p.intern(-1, p.str)
				row.Category = category(row.Label)
			default:
				return fmt.Errorf("field %q: %w (the schema's columns are %d names such as %q)", p.key, ErrUnknownField, n, p.schema.Columns[0].Name)
			}
			s.space()
			if s.off < len(s.b) && s.b[s.off] == ',' {
				s.off++
				continue
			}
			if s.off < len(s.b) && s.b[s.off] == '}' {
				s.off++
				break
			}
			return s.errf("want ',' or '}'")
		}
	}
	s.space()
	if s.off != len(s.b) {
		return s.errf("text after the object")
	}
	for j, ok := range p.seen {
		if !ok {
			return fmt.Errorf("field %q: %w", p.schema.Columns[j].Name, ErrMissingField)
		}
	}
	return nil
}

// category maps a label as the CSV records' labels are mapped.
func category(label string) dataset.Category {
	switch c := dataset.CategoryOf(label); {
	case c != dataset.Unknown:
		return c
	case label == "BENIGN" || label == "Benign" || label == "benign":
		return dataset.Normal
	}
	return dataset.Unknown
}

// value reads the value of column j.
func (p *JSON) value(s *jsonScanner, j int, row *dataset.Row) error {
	name := p.schema.Columns[j].Name
	if s.off >= len(s.b) {
		return s.errf("want a value for %q", name)
	}
	cat := p.schema.Columns[j].Kind == dataset.Categorical
	var err error
	switch c := s.b[s.off]; {
	case c == '"':
		if p.str, err = s.str(p.str[:0]); err != nil {
			return err
		}
		if cat {
			v := bytes.Trim(p.str, " \t")
			if len(v) == 0 || slices.Contains(p.policy.MissingTokens, string(v)) {
				level, err := p.policy.ParseCategory(string(v))
				if err != nil {
					return fmt.Errorf("column %s: %w", name, err)
				}
				row.Cat[j] = level
				return nil
			}
			row.Cat[j] = p.intern(j, v)
			return nil
		}
		v, err := p.policy.ParseNumber(string(p.str))
		if err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
		row.Num[j] = v
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := s.off
		if err := s.number(); err != nil {
			return err
		}
		text := s.b[start:s.off]
		if cat {
			row.Cat[j] = p.intern(j, text)
			return nil
		}
		v, err := strconv.ParseFloat(string(text), 64)
		if err != nil {
			// Out of float64's range: an infinity, as the policy says.
			if v, err = p.policy.ParseNumber(string(text)); err != nil {
				return fmt.Errorf("column %s: %w", name, err)
			}
		}
		row.Num[j] = v
		return nil
	case c == 'n' && s.word("null"):
		if cat {
			v, err := p.policy.ParseCategory("")
			if err != nil {
				return fmt.Errorf("column %s: null: %w", name, err)
			}
			row.Cat[j] = v
			return nil
		}
		v, err := p.policy.ParseNumber("")
		if err != nil {
			return fmt.Errorf("column %s: null: %w", name, err)
		}
		row.Num[j] = v
		return nil
	case c == '{' || c == '[':
		return fmt.Errorf("column %s: a nested object or array: %w", name, ErrSyntax)
	}
	if cat {
		return fmt.Errorf("column %s: want a string: %w", name, ErrSyntax)
	}
	return fmt.Errorf("column %s: want a number: %w", name, ErrSyntax)
}

// intern returns b as a string, the same string for the same level of
// column j (j < 0: the label) while the column has at most maxLevels.
func (p *JSON) intern(j int, b []byte) string {
	m := p.labels
	if j >= 0 {
		m = p.levels[j]
	}
	if s, ok := m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(m) < maxLevels {
		m[s] = s
	}
	return s
}

// word consumes w if the bytes at the offset are w.
func (s *jsonScanner) word(w string) bool {
	if len(s.b)-s.off >= len(w) && string(s.b[s.off:s.off+len(w)]) == w {
		s.off += len(w)
		return true
	}
	return false
}

// number consumes a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *jsonScanner) number() error {
	digits := func() int {
		n := 0
		for s.off < len(s.b) && s.b[s.off] >= '0' && s.b[s.off] <= '9' {
			s.off++
			n++
		}
		return n
	}
	if s.b[s.off] == '-' {
		s.off++
	}
	start := s.off
	if n := digits(); n == 0 || n > 1 && s.b[start] == '0' {
		return s.errf("invalid number")
	}
	if s.off < len(s.b) && s.b[s.off] == '.' {
		s.off++
		if digits() == 0 {
			return s.errf("invalid number")
		}
	}
	if s.off < len(s.b) && (s.b[s.off] == 'e' || s.b[s.off] == 'E') {
		s.off++
		if s.off < len(s.b) && (s.b[s.off] == '+' || s.b[s.off] == '-') {
			s.off++
		}
		if digits() == 0 {
			return s.errf("invalid number")
		}
	}
	return nil
}

// str consumes a JSON string and appends its unescaped bytes to dst.
func (s *jsonScanner) str(dst []byte) ([]byte, error) {
	s.off++ // the opening quote
	for s.off < len(s.b) {
		c := s.b[s.off]
		switch {
		case c == '"':
			s.off++
			return dst, nil
		case c < 0x20:
			return dst, s.errf("control character in a string")
		case c != '\\':
			dst = append(dst, c)
			s.off++
			continue
		}
		if s.off+1 >= len(s.b) {
			break
		}
		e := s.b[s.off+1]
		s.off += 2
		switch e {
		case '"', '\\', '/':
			dst = append(dst, e)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return dst, s.errf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if s.off+1 < len(s.b) && s.b[s.off] == '\\' && s.b[s.off+1] == 'u' {
					s.off += 2
					lo, ok := s.hex4()
					if !ok {
						return dst, s.errf("invalid \\u escape")
					}
					r2 = lo
				}
				r = utf16.DecodeRune(r, r2)
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, s.errf("invalid escape \\%c", e)
		}
	}
	return dst, s.errf("unterminated string")
}

func (s *jsonScanner) hex4() (rune, bool) {
	if len(s.b)-s.off < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.off : s.off+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.off += 4
	return r, true
}
