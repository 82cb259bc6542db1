package records

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/netwarden/netwarden/dataset"
)

// CSVConfig says how a CSV record is read. The zero value means the
// defaults of each field.
type CSVConfig struct {
	// Comma is the field separator, an ASCII character; 0 means ','.
	Comma rune
	// Label names the header's column holding the record's label (an
	// attack name, "normal", "BENIGN"); "" means "label" when the header
	// has such a column that the schema does not, else none.
	Label string
}

// CSV parses CSV records (RFC 4180 fields, one record a message, without
// a header line) whose columns a header names. The header travels apart
// from the records (a scorer's configuration, or a header of each
// message): its columns may come in any order, columns the schema does not
// use are dropped, and every column of the schema must be there. Numeric
// fields follow the record policy the pipeline was fitted with (empty
// fields, missing-value tokens, NaN, infinities), as the CSV loader read
// the training file. Like Lines, it keeps one lenient dataset.Reader
// (dataset.NewCSVReader) fed one record a Read.
type CSV struct {
	Lines
	idx []int // schema column j is column idx[j] of the reader
	tmp dataset.Row
	n   int // columns of the schema
}

// NewCSV returns a parser of CSV records under header (the header line,
// its names separated by cfg.Comma) into rows of schema.
func NewCSV(schema dataset.Schema, policy dataset.RecordPolicy, header string, cfg CSVConfig) (*CSV, error) {
	if cfg.Comma == 0 {
		cfg.Comma = ','
	}
	if cfg.Comma >= 0x80 || cfg.Comma == '"' || cfg.Comma == '\n' || cfg.Comma == '\r' {
		return nil, fmt.Errorf("%w: separator %q: want one ASCII character other than a quote or a line end", ErrHeader, cfg.Comma)
	}
	if strings.ContainsAny(header, "\r\n") {
		return nil, fmt.Errorf("%w: holds a line break", ErrHeader)
	}
	// A throwaway reader of the header alone gives its cleaned names
	// (spaces trimmed, a byte-order mark dropped, repeats renamed).
	probe, err := dataset.NewCSVReader(strings.NewReader(header+"\n"), "header", dataset.CSVConfig{Comma: cfg.Comma})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	names := probe.Schema()
	if cfg.Label == "" && names.Index("label") >= 0 && schema.Index("label") < 0 {
		cfg.Label = "label"
	}
	if cfg.Label != "" && names.Index(cfg.Label) < 0 {
		return nil, fmt.Errorf("%w: no label column %q", ErrHeader, cfg.Label)
	}
	var missing []string
	for _, c := range schema.Columns {
		if names.Index(c.Name) < 0 || c.Name == cfg.Label {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no column %q, which the schema needs", ErrHeader, missing)
	}
	rc := dataset.CSVConfig{Comma: cfg.Comma, NoHeader: true, Label: cfg.Label}
	policy.ApplyTo(&rc)
	sentinel := make([][]byte, 0, len(names.Columns))
	for _, c := range names.Columns {
		rc.Names = append(rc.Names, c.Name)
		j := schema.Index(c.Name)
		switch {
		case c.Name == cfg.Label:
			sentinel = append(sentinel, []byte("normal"))
		case j < 0:
			rc.Ignore = append(rc.Ignore, c.Name)
			sentinel = append(sentinel, []byte("0"))
		case schema.Columns[j].Kind == dataset.Categorical:
			rc.Categorical = append(rc.Categorical, c.Name)
			sentinel = append(sentinel, []byte("x"))
		default:
			sentinel = append(sentinel, []byte("0"))
		}
	}
	if cfg.Label != "" {
		// Labels are whatever the export uses: the NSL-KDD names map to
		// their categories, "BENIGN"/"Benign"/"benign" to normal, and any
		// other label is kept with category Unknown (a scorer does not
		// refuse a record for its label, as a training loader would).
		rc.Unmapped = dataset.UnmappedKeep
		rc.CategoryFunc = func(label string) dataset.Category {
			switch c := dataset.CategoryOf(label); {
			case c != dataset.Unknown:
				return c
			case label == "BENIGN" || label == "Benign" || label == "benign":
				return dataset.Normal
			}
			return dataset.Unknown
		}
	}
	p := &CSV{n: len(schema.Columns)}
	rd, err := dataset.NewCSVReader(&p.feed, "record", rc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHeader, err)
	}
	p.init(rd, string(bytes.Join(sentinel, []byte(string(cfg.Comma)))))
	rs := rd.Schema()
	p.idx = make([]int, len(schema.Columns))
	for j, c := range schema.Columns {
		k := rs.Index(c.Name)
		if k < 0 || rs.Columns[k].Kind != c.Kind {
			// Cannot happen: every schema column is in the header and
			// read with its kind.
			return nil, fmt.Errorf("%w: column %q not read as %s", ErrHeader, c.Name, c.Kind)
		}
		p.idx[j] = k
	}
	if slices.IsSorted(p.idx) && len(rs.Columns) == len(schema.Columns) {
		p.idx = nil // the header is the schema: read rows in place
	}
	return p, nil
}

// Parse parses data, one CSV record, into row.
func (p *CSV) Parse(data []byte, row *dataset.Row) error {
	if p.idx == nil {
		return p.Lines.Parse(data, row)
	}
	if err := p.Lines.Parse(data, &p.tmp); err != nil {
		return err
	}
	row.Num = slices.Grow(row.Num[:0], p.n)[:p.n]
	row.Cat = slices.Grow(row.Cat[:0], p.n)[:p.n]
	for j, k := range p.idx {
		row.Num[j], row.Cat[j] = p.tmp.Num[k], p.tmp.Cat[k]
	}
	row.Label, row.Category, row.Family = p.tmp.Label, p.tmp.Category, p.tmp.Family
	row.Line, row.Difficulty = 0, p.tmp.Difficulty
	return nil
}
