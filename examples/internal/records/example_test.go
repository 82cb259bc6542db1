package records_test

import (
	"fmt"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/records"
)

// A JSON record of a two-column schema, and one that lacks a column.
func ExampleNewJSON() {
	schema := dataset.Schema{Columns: []dataset.Column{
		{Name: "protocol_type", Kind: dataset.Categorical}, {Name: "src_bytes", Kind: dataset.Numeric},
	}}
	p := records.NewJSON(schema, dataset.RecordPolicy{}, "")
	var row dataset.Row
	err := p.Parse([]byte(`{"src_bytes": 491, "protocol_type": "tcp", "label": "normal"}`), &row)
	fmt.Println(row.Cat[0], row.Num[1], row.Label, row.Category, err)
	err = p.Parse([]byte(`{"protocol_type": "tcp"}`), &row)
	fmt.Println(err)
	// Output:
	// tcp 491 normal normal <nil>
	// field "src_bytes": records: missing field
}

// CSV records under a header that names the columns in another order,
// with one the schema does not use.
func ExampleNewCSV() {
	schema := dataset.Schema{Columns: []dataset.Column{
		{Name: "protocol_type", Kind: dataset.Categorical}, {Name: "src_bytes", Kind: dataset.Numeric},
	}}
	p, err := records.NewCSV(schema, dataset.RecordPolicy{}, "flow_id,src_bytes,protocol_type,label", records.CSVConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var row dataset.Row
	err = p.Parse([]byte("f-17,491,tcp,neptune"), &row)
	fmt.Println(row.Cat[0], row.Num[1], row.Label, row.Category, err)
	err = p.Parse([]byte("f-18,many,tcp,normal"), &row)
	fmt.Println(err)
	// Output:
	// tcp 491 neptune DoS <nil>
	// column src_bytes (byte 6): invalid number "many" (a column of text such as protocol names belongs in CSVConfig.Categorical): netwarden: malformed input
}

// An NSL-KDD line, and a KDD Cup 1999 line given to the NSL-KDD parser.
func ExampleNewLines() {
	p, _ := records.NewLines("nslkdd")
	var row dataset.Row
	line := "0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.00,0.00,1.00,1.00,0.04,0.06,0.00,255,10,0.04,0.06,0.00,0.00,0.00,0.00,1.00,1.00,neptune"
	fmt.Println(p.Parse([]byte(line+",21"), &row), row.Cat[2], row.Label)
	fmt.Println(p.Parse([]byte(line), &row))
	// Output:
	// <nil> private neptune
	// byte 151: line has 42 fields, want 43: netwarden: malformed input
}

func ExampleAppendString() {
	fmt.Println(string(records.AppendString(nil, "say \"hi\"\n")))
	// Output: "say \"hi\"\u000a"
}
