package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/examples/internal/records"
)

// summary is what the stream held; it is written to stderr at the end.
type summary struct {
	Source   string `json:"source"`
	Model    string `json:"model"` // where the bundle came from (a file, or the synthetic demo)
	Lines    int    `json:"lines"`
	Rows     int    `json:"rows"`
	Alerts   int    `json:"alerts"`
	BadLines int    `json:"bad_lines"`
	// Unseen counts the rows holding a categorical value training never
	// saw (the bundle's Result.Unseen): drift, or a differently spelt export.
	Unseen int `json:"unseen_records"`
	// With labels: attacks and benign rows seen, attacks flagged, benign
	// rows flagged.
	Labelled     int `json:"labelled"`
	Attacks      int `json:"labelled_attacks"`
	Detected     int `json:"detected"`
	Benign       int `json:"labelled_benign"`
	FalseAlarms  int `json:"false_alarms"`
	UnknownLabel int `json:"unknown_labels"`
}

// scorer reads records through a dataset.Reader, scores them with the
// bundle and writes JSON lines; the reader says on which line each record
// and each bad line is. Its buffers are reused for every record, so memory
// does not grow with the stream.
type scorer struct {
	b      *bundle.Bundle
	cfg    config
	in     *bufio.Reader // the input
	base   int           // lines of the input before the reader's first (a CSV header)
	rd     *dataset.Reader
	csv    *dataset.CSVConfig // with the header's names; the reader starts after it
	idx    []int              // bundle column j is reader column idx[j]; nil when equal
	row    dataset.Row
	mapped dataset.Row
	names  []string // bundle column names
	cats   []bool   // bundle column j is categorical
	out    *bufio.Writer
	errw   io.Writer
	buf    []byte
	top    []bundle.Contribution // reused for the alerts' explanations
	sum    summary
	par    *explainers // alerts explained on workers (-workers > 1), or nil
	mu     sync.Mutex  // orders writes to out and errw when par is set
}

func newScorer(b *bundle.Bundle, cfg config, in io.Reader, out, errw io.Writer) (*scorer, error) {
	s := &scorer{b: b, cfg: cfg, out: bufio.NewWriterSize(out, 64<<10), errw: errw}
	s.sum.Source = cfg.Name
	schema := b.Pipeline().Schema()
	for _, c := range schema.Columns {
		s.names = append(s.names, c.Name)
		s.cats = append(s.cats, c.Kind == dataset.Categorical)
	}
	// Flush the alerts whenever reading may block, so that a slow stream
	// sees them at once and a fast one in 64 KiB writes.
	s.in = bufio.NewReaderSize(idleReader{r: in, idle: func() {
		s.mu.Lock()
		_ = s.out.Flush()
		s.mu.Unlock()
	}}, 64<<10)

	switch cfg.Format {
	case "nslkdd", "kdd99":
		ns := dataset.NSLKDDSchema()
		if err := b.Pipeline().CheckSchema(ns); err != nil {
			return nil, fmt.Errorf("-format %s: the bundle was not fitted on the NSL-KDD schema (use -format csv?): %w", cfg.Format, err)
		}
	case "csv":
		if err := s.setupCSV(schema); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("-format %q: want nslkdd, kdd99 or csv", cfg.Format)
	}
	rd, err := s.newReader()
	if err != nil {
		return nil, err
	}
	s.rd = rd
	if s.csv != nil {
		if err := s.mapColumns(schema); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// setupCSV reads the header and describes the CSV stream for the readers:
// the bundle's categorical columns are read as strings, and columns the
// bundle does not use (besides the label) are dropped, so that an export
// with extra text columns (flow IDs, addresses, timestamps) still reads.
func (s *scorer) setupCSV(schema dataset.Schema) error {
	if s.cfg.CSVComma == "" {
		s.cfg.CSVComma = ","
	}
	if len(s.cfg.CSVComma) != 1 {
		return fmt.Errorf("-csv-comma %q: want one ASCII character", s.cfg.CSVComma)
	}
	// The header is the first line that is not blank. A throwaway reader
	// of it alone gives its cleaned names; the readers of the records are
	// given those names and start after it.
	var head []byte
	for {
		line, err := peekLine(s.in)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return errors.New("no CSV header: the input is empty")
		}
		s.base++
		if len(bytes.TrimSpace(line)) > 0 {
			head = append(head, line...)
			_, _ = s.in.Discard(len(line))
			break
		}
		_, _ = s.in.Discard(len(line))
	}
	probe, err := dataset.NewCSVReader(bytes.NewReader(head), s.cfg.Name, dataset.CSVConfig{Comma: rune(s.cfg.CSVComma[0])})
	if err != nil {
		return fmt.Errorf("CSV header: %w", err)
	}
	header := probe.Schema()
	cfg := &dataset.CSVConfig{Comma: rune(s.cfg.CSVComma[0]), NoHeader: true, Label: s.cfg.CSVLabel, Ignore: s.cfg.CSVIgnore}
	// The lines parse as the training file did: the bundle keeps the
	// loader's policy for empty fields, missing-value tokens, NaN and
	// infinities ("Infinity" in a CICFlowMeter rate column).
	s.b.Policy().ApplyTo(cfg)
	for _, c := range header.Columns {
		cfg.Names = append(cfg.Names, c.Name)
	}
	var missing []string
	for _, c := range schema.Columns {
		if header.Index(c.Name) < 0 || slices.Contains(s.cfg.CSVIgnore, c.Name) {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("CSV header: the bundle needs the columns %q, which the stream does not give", missing)
	}
	for _, c := range header.Columns {
		j := schema.Index(c.Name)
		switch {
		case j >= 0 && schema.Columns[j].Kind == dataset.Categorical && !slices.Contains(s.cfg.CSVIgnore, c.Name):
			cfg.Categorical = append(cfg.Categorical, c.Name)
		case j < 0 && c.Name != s.cfg.CSVLabel && !slices.Contains(s.cfg.CSVIgnore, c.Name):
			cfg.Ignore = append(cfg.Ignore, c.Name)
		}
	}
	if s.cfg.CSVLabel != "" {
		// Labels are whatever the export uses; the NSL-KDD names map to
		// categories, "BENIGN"/"Benign"/"benign" to normal, and any other
		// label is kept (not refused, as a training loader would) and
		// counted in the summary as unknown_labels, not as an attack.
		cfg.Unmapped = dataset.UnmappedKeep
		cfg.CategoryFunc = func(label string) dataset.Category {
			switch c := dataset.CategoryOf(label); {
			case c != dataset.Unknown:
				return c
			case label == "BENIGN" || label == "Benign" || label == "benign":
				return dataset.Normal
			}
			return dataset.Unknown
		}
	}
	s.csv = cfg
	return nil
}

// mapColumns finds each bundle column among the reader's.
func (s *scorer) mapColumns(schema dataset.Schema) error {
	rs := s.rd.Schema()
	if rs.Equal(&schema) {
		return nil
	}
	s.idx = make([]int, len(schema.Columns))
	for j, c := range schema.Columns {
		k := rs.Index(c.Name)
		if k < 0 {
			return fmt.Errorf("CSV header: no column %q, which the bundle needs (it reads %d columns: %v)", c.Name, len(s.names), s.names)
		}
		if rs.Columns[k].Kind != c.Kind {
			return fmt.Errorf("CSV header: column %q is %s in the bundle: is it in -csv-ignore?", c.Name, c.Kind)
		}
		s.idx[j] = k
	}
	return nil
}

// newReader returns the reader of the records, whose line 1 is line
// s.base+1 of the input. Without -strict it skips bad lines (lines over
// maxLine bytes too) and reports each one.
func (s *scorer) newReader() (*dataset.Reader, error) {
	var rd *dataset.Reader
	switch s.cfg.Format {
	case "kdd99":
		rd = dataset.NewKDD99Reader(s.in, s.cfg.Name)
	case "csv":
		var err error
		if rd, err = dataset.NewCSVReader(s.in, s.cfg.Name, *s.csv); err != nil {
			return nil, fmt.Errorf("CSV header: %w", err)
		}
	default:
		rd = dataset.NewNSLKDDReader(s.in, s.cfg.Name)
	}
	rd.Lenient = !s.cfg.Strict
	rd.OnSkip = func(pe *dataset.ParseError) {
		// Column 0 means the whole line (one too long): say column 1.
		s.badLine(s.base+pe.Line, max(pe.Column, 1), pe.Field, s.hint(pe.Err.Error()))
	}
	return rd, nil
}

// run reads and scores until the input ends.
func (s *scorer) run(ctx context.Context) error {
	if s.cfg.Workers > 1 && s.cfg.Top > 0 {
		s.par = s.startExplainers(s.cfg.Workers)
	}
	defer func() {
		if s.par != nil {
			s.par.stop()
		}
		s.sum.Lines = s.base + s.rd.Report().Lines
		_ = s.out.Flush()
	}()
	for {
		if s.par != nil && s.cfg.Strict {
			if err := s.par.failed(); err != nil {
				return err
			}
		}
		if s.sum.Rows%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		err := s.rd.Read(&s.row)
		if err == io.EOF || errors.Is(err, anomaly.ErrEmpty) {
			// ErrEmpty: blank lines only, nothing to score.
			return nil
		}
		if err != nil {
			var pe *dataset.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, anomaly.ErrFormat) {
				return fmt.Errorf("reading the input: %w", err)
			}
			// A bad line under -strict (a lenient reader skips them).
			line, msg := s.base+pe.Line, s.hint(pe.Err.Error())
			s.badLine(line, max(pe.Column, 1), pe.Field, msg)
			return fmt.Errorf("line %d: %s (-strict)", line, msg)
		}
		if err := s.score(); err != nil {
			line := s.base + s.rd.Line()
			s.badLine(line, 0, "", err.Error())
			if s.cfg.Strict {
				return fmt.Errorf("line %d: %w (-strict)", line, err)
			}
		}
	}
}

// score scores the row just read and writes its line.
func (s *scorer) score() error {
	row := &s.row
	if s.idx != nil {
		s.mapped.Reset(len(s.idx))
		for j, k := range s.idx {
			s.mapped.Num[j], s.mapped.Cat[j] = row.Num[k], row.Cat[k]
		}
		s.mapped.Label, s.mapped.Category, s.mapped.Difficulty = row.Label, row.Category, row.Difficulty
		row = &s.mapped
	}
	res, err := s.b.ScoreRow(row)
	if err != nil {
		return err
	}
	explain := res.Attack && s.cfg.Top > 0
	if explain && s.par == nil {
		// Explanations cost more than scores: only alerts get one. The
		// row was counted in the bundle's unseen categories already.
		unseen := res.Unseen
		res, err = s.b.ExplainScoredRowTo(row, s.cfg.Top, s.top)
		if err != nil {
			return err
		}
		res.Unseen = unseen
		s.top = res.TopFeatures
	}
	s.sum.Rows++
	if res.Attack {
		s.sum.Alerts++
	}
	if len(res.Unseen) > 0 {
		s.sum.Unseen++
	}
	if row.Label != "" {
		switch row.Category {
		case dataset.Unknown:
			s.sum.UnknownLabel++
		case dataset.Normal:
			s.sum.Labelled++
			s.sum.Benign++
			if res.Attack {
				s.sum.FalseAlarms++
			}
		default:
			s.sum.Labelled++
			s.sum.Attacks++
			if res.Attack {
				s.sum.Detected++
			}
		}
	}
	if res.Attack || s.cfg.All {
		line := s.base + s.rd.Line()
		if s.par != nil {
			s.par.add(row, line, res, explain)
		} else {
			s.buf = s.appendResult(s.buf[:0], line, row, res)
			_, _ = s.out.Write(s.buf) // a write error shows at the final Flush
		}
	}
	return nil
}

// appendResult appends the JSON line of the row read at line to b, without
// allocating once b has grown. It reads only the scorer's fixed column
// names, so workers may call it at once.
func (s *scorer) appendResult(b []byte, line int, row *dataset.Row, res bundle.Result) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(line), 10)
	b = append(b, `,"score":`...)
	b = appendFloat(b, res.Score)
	if res.Attack {
		b = append(b, `,"attack":true,"decision":"attack"`...)
	} else {
		b = append(b, `,"attack":false,"decision":"normal"`...)
	}
	if row.Label != "" {
		b = append(b, `,"label":`...)
		b = appendString(b, row.Label)
		b = append(b, `,"category":`...)
		b = appendString(b, row.Category.String())
	}
	if len(res.Unseen) > 0 {
		b = append(b, `,"unseen":[`...)
		for i, c := range res.Unseen {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, c)
		}
		b = append(b, ']')
	}
	if res.Explained.Part != "" { // a hybrid: the part the contributions explain
		b = append(b, `,"explained":{"part":`...)
		b = appendString(b, res.Explained.Part)
		b = append(b, `,"unit":`...)
		b = appendString(b, res.Explained.Unit)
		b = append(b, '}')
	}
	if len(res.TopFeatures) > 0 {
		b = append(b, `,"top_features":[`...)
		for i, c := range res.TopFeatures {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, c.Column)
			b = append(b, `,"value":`...)
			if j := slices.Index(s.names, c.Column); j < 0 {
				b = append(b, "null"...)
			} else if s.cats[j] {
				b = appendString(b, row.Cat[j])
			} else if math.IsNaN(row.Num[j]) || math.IsInf(row.Num[j], 0) {
				b = append(b, "null"...)
			} else {
				b = strconv.AppendFloat(b, row.Num[j], 'g', -1, 64) // the value as read
			}
			b = append(b, `,"contribution":`...)
			b = appendFloat(b, c.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// hint adds to a reader's message the likely cause of a field count that
// is one off: KDD Cup 1999 lines (42 fields) read as NSL-KDD (43, with the
// difficulty), or the other way round.
func (s *scorer) hint(msg string) string {
	switch {
	case s.cfg.Format == "nslkdd" && strings.HasSuffix(strings.TrimSuffix(msg, ": "+anomaly.ErrFormat.Error()), "has 42 fields, want 43"):
		return msg + "; KDD Cup 1999 lines have 42 fields (no difficulty column): are these KDD'99 records? then use -format kdd99"
	case s.cfg.Format == "kdd99" && strings.HasPrefix(msg, "43 fields, want 42"):
		return msg + "; NSL-KDD lines have 43 fields (the last is the difficulty): are these NSL-KDD records? then use -format nslkdd"
	}
	return msg
}

// writeStart writes, as the first line on stderr, where the model came
// from and what its explanations are.
func (s *scorer) writeStart(source string) {
	e := demo.ExplanationOf(s.b)
	b := append(s.buf[:0], `{"start":{"source":`...)
	b = appendString(b, s.sum.Source)
	b = append(b, `,"model":`...)
	b = appendString(b, source)
	b = append(b, `,"explanation":{"model":`...)
	b = appendString(b, e.Model)
	b = append(b, `,"method":`...)
	b = appendString(b, e.Method)
	b = append(b, `,"unit":`...)
	b = appendString(b, e.Unit)
	b = append(b, `,"sign":`...)
	b = appendString(b, e.Sign)
	b = append(b, "}}}\n"...)
	s.buf = b
	_, _ = s.errw.Write(b)
}

// badLine reports a skipped line on stderr as JSON.
func (s *scorer) badLine(line, col int, field, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sum.BadLines++
	b := append(s.buf[:0], `{"bad_line":`...)
	b = strconv.AppendInt(b, int64(line), 10)
	if col > 0 {
		b = append(b, `,"column":`...)
		b = strconv.AppendInt(b, int64(col), 10)
	}
	if field != "" {
		b = append(b, `,"field":`...)
		b = appendString(b, field)
	}
	b = append(b, `,"error":`...)
	b = appendString(b, msg)
	b = append(b, "}\n"...)
	s.buf = b
	_, _ = s.errw.Write(b)
}

// writeSummary writes the summary on stderr as one JSON line.
func (s *scorer) writeSummary() {
	m := s.sum
	b := append(s.buf[:0], `{"summary":{"source":`...)
	b = appendString(b, m.Source)
	b = append(b, `,"model":`...)
	b = appendString(b, m.Model)
	for _, f := range []struct {
		k string
		v int
	}{{"lines", m.Lines}, {"rows", m.Rows}, {"alerts", m.Alerts}, {"bad_lines", m.BadLines}, {"unseen_records", m.Unseen}} {
		b = append(b, `,"`+f.k+`":`...)
		b = strconv.AppendInt(b, int64(f.v), 10)
	}
	if m.Labelled > 0 {
		for _, f := range []struct {
			k string
			v int
		}{{"labelled_attacks", m.Attacks}, {"detected", m.Detected}, {"labelled_benign", m.Benign}, {"false_alarms", m.FalseAlarms}} {
			b = append(b, `,"`+f.k+`":`...)
			b = strconv.AppendInt(b, int64(f.v), 10)
		}
		if m.Attacks > 0 {
			b = append(b, `,"detection_rate":`...)
			b = appendFloat(b, float64(m.Detected)/float64(m.Attacks))
		}
		if m.Benign > 0 {
			b = append(b, `,"false_alarms_per_10k_benign":`...)
			b = appendFloat(b, 1e4*float64(m.FalseAlarms)/float64(m.Benign))
		}
	}
	if m.UnknownLabel > 0 {
		b = append(b, `,"unknown_labels":`...)
		b = strconv.AppendInt(b, int64(m.UnknownLabel), 10)
	}
	b = append(b, "}}\n"...)
	s.buf = b
	_, _ = s.errw.Write(b)
}

// appendFloat writes v as a JSON number (null for NaN and infinities, which
// JSON cannot hold), rounded to 6 significant digits.
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', 6, 64)
}

// appendString writes s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte { return records.AppendString(b, s) }
