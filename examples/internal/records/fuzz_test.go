package records

import (
	"testing"

	"github.com/netwarden/netwarden/dataset"
)

// FuzzParse feeds any bytes to each parser: an error or a row, never a
// panic, and a good record after a bad one still parses.
func FuzzParse(f *testing.F) {
	good := []byte(sentinelNSLKDD)
	f.Add(good)
	f.Add([]byte(`{"protocol_type":"tcp","src_bytes":1e3,"label":"normal"}`))
	f.Add([]byte(`{"a":"\ud83d\ude00","b":[1],"c":-0.5E+2}`))
	f.Add([]byte(`"quoted,field",1,2`))
	nl, err := NewLines("nslkdd")
	if err != nil {
		f.Fatal(err)
	}
	schema := nl.Schema()
	var names []byte
	for i, c := range schema.Columns {
		if i > 0 {
			names = append(names, ',')
		}
		names = append(names, c.Name...)
	}
	cp, err := NewCSV(schema, dataset.RecordPolicy{}, string(names)+",label,difficulty", CSVConfig{})
	if err != nil {
		f.Fatal(err)
	}
	jp := NewJSON(schema, dataset.RecordPolicy{}, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		var row dataset.Row
		for _, p := range []Parser{nl, cp, jp} {
			_ = p.Parse(data, &row)
		}
		if err := nl.Parse(good, &row); err != nil {
			t.Fatalf("a good line after %q: %v", data, err)
		}
		if err := cp.Parse(good, &row); err != nil {
			t.Fatalf("a good CSV record after %q: %v", data, err)
		}
	})
}
