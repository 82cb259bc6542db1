package records

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/dataset"
)

// nslLines returns NSL-KDD lines: the first n of $NSLKDD_DIR/KDDTest+.txt
// when it is there, and seeded synthetic traffic of the NSL-KDD schema
// (not NSL-KDD) besides.
func nslLines(t testing.TB, n int) [][]byte {
	t.Helper()
	tab, err := dataset.Synthetic(dataset.SyntheticConfig{Rows: n, Seed: 5})
	require.NoError(t, err)
	schema := tab.Schema()
	var lines [][]byte
	var row dataset.Row
	for i := range n {
		tab.Row(i, &row)
		var b []byte
		for j, c := range schema.Columns {
			if j > 0 {
				b = append(b, ',')
			}
			if c.Kind == dataset.Categorical {
				b = append(b, row.Cat[j]...)
			} else {
				b = strconv.AppendFloat(b, row.Num[j], 'g', -1, 64)
			}
		}
		lines = append(lines, append(b, ","+row.Label+",0"...))
	}
	if dir := os.Getenv("NSLKDD_DIR"); dir != "" {
		f, err := os.Open(filepath.Join(dir, "KDDTest+.txt"))
		require.NoError(t, err)
		defer f.Close()
		sc := bufio.NewScanner(f)
		for len(lines) < 2*n && sc.Scan() {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
		require.NoError(t, sc.Err())
	} else {
		t.Log("NSLKDD_DIR unset: synthetic records only")
	}
	return lines
}

// asJSON writes row as a JSON object with encoding/json (the reference
// encoder), its members in a shuffled order.
func asJSON(t testing.TB, schema dataset.Schema, row *dataset.Row, rnd *rand.Rand) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteByte('{')
	order := rnd.Perm(len(schema.Columns) + 1)
	for i, k := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		var name string
		var v any
		switch {
		case k == len(schema.Columns):
			name, v = "label", row.Label
		case schema.Columns[k].Kind == dataset.Categorical:
			name, v = schema.Columns[k].Name, row.Cat[k]
		default:
			name, v = schema.Columns[k].Name, row.Num[k]
		}
		kb, err := json.Marshal(name)
		require.NoError(t, err)
		vb, err := json.Marshal(v)
		require.NoError(t, err)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// TestParsersAgree parses each NSL-KDD line, the same record as a CSV
// record under a shuffled header with an extra column, and as a JSON
// object with its members shuffled: the three rows are equal.
func TestParsersAgree(t *testing.T) {
	lines := nslLines(t, 500)
	nl, err := NewLines("nslkdd")
	require.NoError(t, err)
	schema := nl.Schema()
	rnd := rand.New(rand.NewPCG(1, 2))
	order := rnd.Perm(len(schema.Columns) + 2) // + label + an extra column
	var head []string
	for _, k := range order {
		switch {
		case k == len(schema.Columns):
			head = append(head, "label")
		case k > len(schema.Columns):
			head = append(head, " flow_id")
		default:
			head = append(head, schema.Columns[k].Name)
		}
	}
	cp, err := NewCSV(schema, dataset.RecordPolicy{}, strings.Join(head, ","), CSVConfig{})
	require.NoError(t, err)
	jp := NewJSON(schema, dataset.RecordPolicy{}, "")
	var want, got dataset.Row
	for i, l := range lines {
		require.NoError(t, nl.Parse(l, &want), "line %d", i)
		var rec []string
		for _, k := range order {
			switch {
			case k == len(schema.Columns):
				rec = append(rec, want.Label)
			case k > len(schema.Columns):
				rec = append(rec, `"a,b"`)
			case schema.Columns[k].Kind == dataset.Categorical:
				rec = append(rec, want.Cat[k])
			default:
				rec = append(rec, strconv.FormatFloat(want.Num[k], 'g', -1, 64))
			}
		}
		require.NoError(t, cp.Parse([]byte(strings.Join(rec, ",")), &got), "line %d as CSV", i)
		assert.Equal(t, want.Num, got.Num, "line %d as CSV", i)
		assert.Equal(t, want.Cat, got.Cat, "line %d as CSV", i)
		assert.Equal(t, want.Label, got.Label)
		assert.Equal(t, want.Category, got.Category)

		js := asJSON(t, schema, &want, rnd)
		require.NoError(t, jp.Parse(js, &got), "line %d as JSON: %s", i, js)
		assert.Equal(t, want.Num, got.Num, "line %d as JSON", i)
		for j, c := range schema.Columns {
			if c.Kind == dataset.Categorical {
				assert.Equal(t, want.Cat[j], got.Cat[j])
			}
		}
		assert.Equal(t, want.Label, got.Label)
		assert.Equal(t, want.Category, got.Category)
	}
}

// TestLines parses good and bad records in any order: a bad one is an
// error naming the column, and the reader stays in step with the records.
func TestLines(t *testing.T) {
	p, err := NewLines("nslkdd")
	require.NoError(t, err)
	good := nslLines(t, 3)
	var row dataset.Row
	for _, tc := range []struct {
		data []byte
		want string // "" for a good record
	}{
		{good[0], ""},
		{[]byte("1,2,3"), "3 fields, want 43"},
		{good[1], ""},
		{[]byte("0,tcp,http,SF,abc" + strings.Repeat(",0", 36) + ",normal,21"), "column src_bytes (byte 15)"},
		{[]byte("0,tcp,http,SF,abc" + strings.Repeat(",0", 36) + ",normal,21"), "column src_bytes"},
		{[]byte(""), "empty record"},
		{[]byte(" \t "), "empty record"},
		{append(bytes.Clone(good[0]), '\n', '1'), "line break"},
		{append(bytes.Clone(good[0]), '\r'), ""},
		{[]byte("a\rb"), "line break"},
		{bytes.Repeat([]byte("9"), MaxRecord+1), "over"},
		{good[2], ""},
	} {
		err := p.Parse(tc.data, &row)
		if tc.want == "" {
			require.NoError(t, err, "%q", tc.data)
			assert.Len(t, row.Num, 41)
			continue
		}
		assert.ErrorContains(t, err, tc.want, "%.60q", tc.data)
	}
	_, err = NewLines("csv")
	assert.ErrorContains(t, err, "want nslkdd or kdd99")
	k, err := NewLines("kdd99")
	require.NoError(t, err)
	require.NoError(t, k.Parse(good[0][:bytes.LastIndexByte(good[0], ',')], &row))
	assert.ErrorContains(t, k.Parse(good[0], &row), "43 fields, want 42")
}

// TestCSV: headers that do not give the schema are refused when the
// parser is made, records that do not read are errors naming the column,
// and the policy the pipeline was fitted with reads empty fields.
func TestCSV(t *testing.T) {
	schema := dataset.Schema{Columns: []dataset.Column{
		{Name: "proto", Kind: dataset.Categorical}, {Name: "bytes", Kind: dataset.Numeric}, {Name: "rate", Kind: dataset.Numeric},
	}}
	for _, tc := range []struct {
		header string
		cfg    CSVConfig
		want   string
	}{
		{"proto,bytes", CSVConfig{}, `no column ["rate"]`},
		{"proto,bytes,rate,label", CSVConfig{Label: "class"}, `no label column "class"`},
		{"proto;bytes;rate", CSVConfig{Comma: 'é'}, "separator"},
		{"proto,bytes\nrate", CSVConfig{}, "line break"},
		{"", CSVConfig{}, "CSV header"},
	} {
		_, err := NewCSV(schema, dataset.RecordPolicy{}, tc.header, tc.cfg)
		require.Error(t, err, tc.header)
		assert.ErrorIs(t, err, ErrHeader)
		assert.ErrorContains(t, err, tc.want)
	}

	p, err := NewCSV(schema, dataset.RecordPolicy{}, "id; rate ;proto;Label;bytes", CSVConfig{Comma: ';', Label: "Label"})
	require.NoError(t, err)
	var row dataset.Row
	for _, tc := range []struct {
		rec   string
		want  string
		num   []float64
		cat   string
		label string
		cate  dataset.Category
	}{
		{rec: "7;0.5;tcp;BENIGN;1200", num: []float64{0, 1200, 0.5}, cat: "tcp", label: "BENIGN", cate: dataset.Normal},
		{rec: `x;1e3;"udp";neptune;0`, num: []float64{0, 0, 1000}, cat: "udp", label: "neptune", cate: dataset.DoS},
		{rec: "7;0.5;tcp;DDoS;12", num: []float64{0, 12, 0.5}, cat: "tcp", label: "DDoS", cate: dataset.Unknown},
		{rec: "7;;tcp;BENIGN;1200", want: "column rate"},
		{rec: "7;0.5;tcp;BENIGN", want: "4 fields, want 5"},
		{rec: "7;0.5;tcp;BENIGN;abc", want: "column bytes"},
		{rec: `7;0.5;"tcp;BENIGN;1`, want: "quote"},
		{rec: "", want: "empty record"},
		{rec: "7;0.5;icmp;normal;3", num: []float64{0, 3, 0.5}, cat: "icmp", label: "normal", cate: dataset.Normal},
	} {
		err := p.Parse([]byte(tc.rec), &row)
		if tc.want != "" {
			assert.ErrorContains(t, err, tc.want, tc.rec)
			continue
		}
		require.NoError(t, err, tc.rec)
		assert.Equal(t, tc.num[1:], row.Num[1:], tc.rec)
		assert.Equal(t, tc.cat, row.Cat[0])
		assert.Equal(t, tc.label, row.Label)
		assert.Equal(t, tc.cate, row.Category)
	}

	// The policy reads an empty field as the pipeline was fitted to.
	pol := dataset.RecordPolicy{Missing: dataset.ValuePolicy{Action: dataset.Replace, Value: -1}, MissingTokens: []string{"NA"}}
	p, err = NewCSV(schema, pol, "proto,bytes,rate", CSVConfig{})
	require.NoError(t, err)
	require.NoError(t, p.Parse([]byte("tcp,,NA"), &row))
	assert.Equal(t, []float64{-1, -1}, row.Num[1:])
	assert.Empty(t, row.Label)
}

// TestJSON: the members of a record are the schema's columns; an unknown
// or missing member, a repeated one, a value of the wrong type and broken
// syntax are errors that say so.
func TestJSON(t *testing.T) {
	schema := dataset.Schema{Columns: []dataset.Column{
		{Name: "proto", Kind: dataset.Categorical}, {Name: "bytes", Kind: dataset.Numeric}, {Name: "rate", Kind: dataset.Numeric},
	}}
	pol := dataset.RecordPolicy{Inf: dataset.ValuePolicy{Action: dataset.Replace, Value: 1e9}}
	p := NewJSON(schema, pol, "")
	var row dataset.Row
	for _, tc := range []struct {
		rec   string
		want  error
		msg   string
		num   []float64
		cat   string
		label string
	}{
		{rec: `{"proto":"tcp","bytes":1200,"rate":0.5}`, num: []float64{1200, 0.5}, cat: "tcp"},
		{rec: ` { "rate" : -2.5e-3 , "label":"smurf", "proto" : "\u0074c\"p\\" ,"bytes":0 } `, num: []float64{0, -2.5e-3}, cat: `tc"p\`, label: "smurf"},
		{rec: `{"proto":"udp","bytes":"Infinity","rate":1E400}`, num: []float64{1e9, 1e9}, cat: "udp"},
		{rec: `{"proto":"udp","bytes":1,"rate":2,"flow_id":7}`, want: ErrUnknownField, msg: `field "flow_id"`},
		{rec: `{"proto":"udp","bytes":1}`, want: ErrMissingField, msg: `field "rate"`},
		{rec: `{"proto":"udp","bytes":1,"rate":2,"bytes":3}`, want: ErrSyntax, msg: `field "bytes" twice`},
		{rec: `{"proto":"udp","bytes":"12x","rate":2}`, want: anomaly.ErrFormat, msg: "column bytes"},
		{rec: `{"proto":"udp","bytes":null,"rate":2}`, want: anomaly.ErrFormat, msg: "column bytes: null"},
		{rec: `{"proto":"udp","bytes":true,"rate":2}`, want: ErrSyntax, msg: "column bytes: want a number"},
		{rec: `{"proto":["udp"],"bytes":1,"rate":2}`, want: ErrSyntax, msg: "nested"},
		{rec: `{"proto":"udp","bytes":01,"rate":2}`, want: ErrSyntax, msg: "invalid number"},
		{rec: `{"proto":"udp","bytes":1,"rate":2}x`, want: ErrSyntax, msg: "after the object"},
		{rec: `{"proto":"udp","bytes":1,"rate":2`, want: ErrSyntax, msg: "want ',' or '}'"},
		{rec: `{"proto":"u`, want: ErrSyntax, msg: "unterminated"},
		{rec: `{"proto":"\x","bytes":1,"rate":2}`, want: ErrSyntax, msg: "invalid escape"},
		{rec: `{"label":1,"proto":"udp","bytes":1,"rate":2}`, want: ErrSyntax, msg: "want a string"},
		{rec: `["tcp",1,2]`, want: ErrSyntax, msg: "want an object"},
		{rec: `{}`, want: ErrMissingField, msg: `field "proto"`},
		{rec: ``, want: ErrBlank},
		{rec: "{\"proto\":\"udp\",\n\"bytes\":1,\"rate\":2}", want: ErrNewline},
		{rec: `{"proto":"icmp","bytes":3,"rate":4,"label":"normal"}`, num: []float64{3, 4}, cat: "icmp", label: "normal"},
	} {
		err := p.Parse([]byte(tc.rec), &row)
		if tc.want != nil {
			assert.ErrorIs(t, err, tc.want, tc.rec)
			assert.ErrorContains(t, err, tc.msg, tc.rec)
			continue
		}
		require.NoError(t, err, tc.rec)
		assert.Equal(t, tc.num, row.Num[1:], tc.rec)
		assert.Equal(t, tc.cat, row.Cat[0], tc.rec)
		assert.Equal(t, tc.label, row.Label, tc.rec)
	}
	// A schema with a column called "label" has no label member.
	lp := NewJSON(dataset.Schema{Columns: []dataset.Column{{Name: "label", Kind: dataset.Numeric}}}, dataset.RecordPolicy{}, "")
	require.NoError(t, lp.Parse([]byte(`{"label":3}`), &row))
	assert.Equal(t, 3.0, row.Num[0])
	assert.False(t, math.IsNaN(row.Num[0]))
}

// TestAllocs: in steady state no parser allocates for a good record.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	lines := nslLines(t, 200)
	nl, err := NewLines("nslkdd")
	require.NoError(t, err)
	schema := nl.Schema()
	var names []string
	for _, c := range schema.Columns {
		names = append([]string{c.Name}, names...) // reversed: the CSV rows are remapped
	}
	cp, err := NewCSV(schema, dataset.RecordPolicy{}, strings.Join(names, ","), CSVConfig{})
	require.NoError(t, err)
	jp := NewJSON(schema, dataset.RecordPolicy{}, "")
	rnd := rand.New(rand.NewPCG(3, 4))
	var row dataset.Row
	var csvs, jsons [][]byte
	for _, l := range lines {
		require.NoError(t, nl.Parse(l, &row))
		var f []string
		for k := len(schema.Columns) - 1; k >= 0; k-- {
			if schema.Columns[k].Kind == dataset.Categorical {
				f = append(f, row.Cat[k])
			} else {
				f = append(f, strconv.FormatFloat(row.Num[k], 'g', -1, 64))
			}
		}
		csvs = append(csvs, []byte(strings.Join(f, ",")))
		jsons = append(jsons, asJSON(t, schema, &row, rnd))
	}
	for _, tc := range []struct {
		name string
		p    Parser
		recs [][]byte
	}{{"lines", nl, lines}, {"csv", cp, csvs}, {"json", jp, jsons}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range tc.recs {
				require.NoError(t, tc.p.Parse(r, &row))
			}
			i := 0
			allocs := testing.AllocsPerRun(1000, func() {
				_ = tc.p.Parse(tc.recs[i%len(tc.recs)], &row)
				i++
			})
			assert.Zero(t, allocs)
		})
	}
}

// TestAppendString: the strings read back with encoding/json.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "tab\tnl\n\x00\x1f", "é✓😀", "bad\xffutf8"} {
		var got string
		require.NoError(t, json.Unmarshal(AppendString(nil, s), &got), "%q", s)
		assert.Equal(t, strings.ToValidUTF8(s, "\uFFFD"), got)
	}
}

// TestAppendFloat: finite values are written byte for byte as
// encoding/json writes them; NaN and infinities as null.
func TestAppendFloat(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 0.75, 1e-6, 1e-7, 123456789, 1e20, 1e21, -2.5e-9, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, err := json.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(AppendFloat(nil, v)), "%v", v)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		assert.Equal(t, "null", string(AppendFloat(nil, v)))
	}
}

// BenchmarkParse measures each parser on NSL-KDD records.
func BenchmarkParse(b *testing.B) {
	lines := nslLines(b, 2000)
	nl, err := NewLines("nslkdd")
	require.NoError(b, err)
	schema := nl.Schema()
	jp := NewJSON(schema, dataset.RecordPolicy{}, "")
	rnd := rand.New(rand.NewPCG(3, 4))
	var row dataset.Row
	var jsons [][]byte
	for _, l := range lines {
		require.NoError(b, nl.Parse(l, &row))
		jsons = append(jsons, asJSON(b, schema, &row, rnd))
	}
	for _, tc := range []struct {
		name string
		p    Parser
		recs [][]byte
	}{{"nslkdd", nl, lines}, {"json", jp, jsons}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			i, n := 0, 0
			for b.Loop() {
				r := tc.recs[i%len(tc.recs)]
				_ = tc.p.Parse(r, &row)
				n += len(r)
				i++
			}
			b.SetBytes(int64(n / max(i, 1)))
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
