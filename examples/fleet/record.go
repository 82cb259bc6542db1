package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/examples/internal/records"
)

// Format says how a scorer reads its records, each the whole of one
// message. The zero value reads NSL-KDD lines.
type Format struct {
	// Name is nslkdd (the default: the 43 fields of KDDTrain+.txt, label
	// and difficulty included), kdd99 (KDD Cup 1999 lines, 42 fields), csv
	// (CSV records under Header) or json (one flat JSON object a record,
	// its names the bundle schema's column names).
	Name string
	// Header is the CSV header line that names the columns of every csv
	// record, in any order (columns the bundle does not use are dropped);
	// required for csv, refused for the other formats. It is part of the
	// scorer's configuration, not of the messages: every record of the
	// stream has the same columns, and a message carries one record only.
	Header string
	// Comma is the CSV separator; 0 means ','.
	Comma rune
	// Label names the csv column or json member holding the record's label;
	// "" means "label" when the schema has no column so called.
	Label string
}

// parser returns the parser of f's records into rows of b's schema.
func (f Format) parser(b *bundle.Bundle) (records.Parser, error) {
	name := f.Name
	if name == "" {
		name = "nslkdd"
	}
	if f.Header != "" && name != "csv" {
		return nil, fmt.Errorf("-header is for -format csv, not %s", name)
	}
	schema, policy := b.Pipeline().Schema(), b.Policy()
	switch name {
	case "nslkdd", "kdd99":
		p, err := records.NewLines(name)
		if err != nil {
			return nil, err
		}
		if err := b.Pipeline().CheckSchema(p.Schema()); err != nil {
			return nil, fmt.Errorf("-format %s: the bundle was not fitted on that schema: %w", name, err)
		}
		return p, nil
	case "csv":
		if f.Header == "" {
			return nil, errors.New("-format csv needs -header, the header line naming the records' columns")
		}
		p, err := records.NewCSV(schema, policy, f.Header, records.CSVConfig{Comma: f.Comma, Label: f.Label})
		if err != nil {
			return nil, fmt.Errorf("-header: %w", err)
		}
		return p, nil
	case "json":
		return records.NewJSON(schema, policy, f.Label), nil
	}
	return nil, fmt.Errorf("-format %q: want nslkdd, kdd99, csv or json", f.Name)
}

// appendVerdict appends the JSON body of a verdict: the record's ID, the
// time the flow was stored (Unix nanoseconds, for latency), the score and
// the decision, the label when the record had one, and the explanation.
func appendVerdict(b []byte, id string, in int64, scorer string, label string, r *bundle.Result) []byte {
	b = append(b, `{"id":`...)
	b = records.AppendString(b, id)
	b = append(b, `,"in":`...)
	b = strconv.AppendInt(b, in, 10)
	b = append(b, `,"scorer":`...)
	b = records.AppendString(b, scorer)
	b = append(b, `,"score":`...)
	b = strconv.AppendFloat(b, r.Score, 'g', -1, 64)
	b = append(b, `,"attack":`...)
	b = strconv.AppendBool(b, r.Attack)
	if label != "" {
		b = append(b, `,"label":`...)
		b = records.AppendString(b, label)
	}
	if len(r.TopFeatures) > 0 {
		b = append(b, `,"top_features":[`...)
		for i, c := range r.TopFeatures {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"column":`...)
			b = records.AppendString(b, c.Column)
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
	b = records.AppendString(b, id)
	b = append(b, `,"in":`...)
	b = strconv.AppendInt(b, in, 10)
	b = append(b, `,"scorer":`...)
	b = records.AppendString(b, scorer)
	b = append(b, `,"error":`...)
	b = records.AppendString(b, err.Error())
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(len(data)), 10)
	b = append(b, `,"record":`...)
	b = records.AppendString(b, string(data[:min(len(data), 1024)]))
	return append(b, '}')
}
