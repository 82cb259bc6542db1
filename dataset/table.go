package dataset

import (
	"fmt"
	"math"
	"slices"

	"github.com/netwarden/netwarden/internal/errs"
)

// Kind says how a column's values are read.
type Kind uint8

const (
	// Numeric columns hold float64 values.
	Numeric Kind = iota
	// Categorical columns hold strings from a finite set (protocol, service…).
	Categorical
)

// String returns "numeric" or "categorical".
func (k Kind) String() string {
	switch k {
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Column names one feature column and its kind.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// Schema is the ordered list of feature columns of a table. The label,
// category and difficulty are not columns: they travel beside each row.
type Schema struct {
	Columns []Column `json:"columns"`
}

// Index returns the position of the column called name, or -1. Its
// receiver is a value, so that it applies to the Schema a Table or Reader
// returns: t.Schema().Index("service").
func (s Schema) Index(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Len returns the number of columns.
func (s Schema) Len() int { return len(s.Columns) }

// Equal reports whether two schemas have the same columns in the same order.
func (s Schema) Equal(o *Schema) bool {
	if len(s.Columns) != len(o.Columns) {
		return false
	}
	for i := range s.Columns {
		if s.Columns[i] != o.Columns[i] {
			return false
		}
	}
	return true
}

// Row is one raw record. Num and Cat are indexed by schema column: Num[i]
// holds column i's value when it is numeric, Cat[i] when it is categorical
// (the other slot is ignored). A Row may be reused across reads: loaders and
// Table.Row overwrite it without allocating once its slices are long enough.
type Row struct {
	Num []float64
	Cat []string
	// Label is the attack name ("normal" for benign traffic), "" if unknown.
	Label string
	// Category is the label's attack category.
	Category Category
	// Family is the attack family: the label's own name for the kind of
	// traffic ("DoS Hulk", "Exploits", "neptune"), read from a family
	// column (CSVConfig.Family) or else the label itself. "" means the
	// label.
	Family string
	// Line is the 1-based line of the file the row was read from (as
	// Reader.Line counts), or 0 when it was not read from text.
	Line int
	// Difficulty is NSL-KDD's difficulty level (0–21), or -1 when the
	// source has none.
	Difficulty int
}

// Reset sizes the row for n columns, reusing its slices' storage.
func (r *Row) Reset(n int) {
	if cap(r.Num) < n {
		r.Num = make([]float64, n)
		r.Cat = make([]string, n)
	}
	r.Num = r.Num[:n]
	r.Cat = r.Cat[:n]
	r.Label, r.Category, r.Difficulty, r.Family, r.Line = "", Unknown, -1, "", 0
}

// Table holds rows of mixed traffic data in columns: numeric columns as
// float64 slices, categorical columns as int32 codes into a per-column list
// of levels (first seen, first coded), plus per-row label, category and
// difficulty. Memory grows with the rows kept, not with the text read.
//
// A Table is not safe for concurrent mutation; concurrent reads are safe.
type Table struct {
	schema     Schema
	num        [][]float64 // by column; nil for categorical columns
	codes      [][]int32   // by column; nil for numeric columns
	levels     [][]string  // by column: code → value
	index      []map[string]int32
	labels     []string
	families   []string          // nil when every row's family is its label
	labelIndex map[string]string // interns label and family strings
	categories []Category
	difficulty []int8
	lines      []int32       // file line by row; nil when not read from text
	source     string        // see Source
	report     *Report       // see LoadReport; nil unless read by a Reader
	policy     *RecordPolicy // see Policy; nil unless read by a Reader
}

// NewTable returns an empty table with the given schema.
func NewTable(s Schema) *Table {
	cols := make([]Column, len(s.Columns))
	copy(cols, s.Columns)
	t := &Table{
		schema:     Schema{Columns: cols},
		num:        make([][]float64, len(cols)),
		codes:      make([][]int32, len(cols)),
		levels:     make([][]string, len(cols)),
		index:      make([]map[string]int32, len(cols)),
		labelIndex: map[string]string{},
	}
	for i, c := range cols {
		if c.Kind == Categorical {
			t.index[i] = map[string]int32{}
		}
	}
	return t
}

// Schema returns the table's schema (a copy).
func (t *Table) Schema() Schema {
	cols := make([]Column, len(t.schema.Columns))
	copy(cols, t.schema.Columns)
	return Schema{Columns: cols}
}

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.labels) }

// NumColumns returns the number of feature columns.
func (t *Table) NumColumns() int { return len(t.schema.Columns) }

// Append adds a row; r must have one Num and one Cat slot per column.
func (t *Table) Append(r *Row) error {
	n := len(t.schema.Columns)
	if len(r.Num) != n || len(r.Cat) != n {
		return fmt.Errorf("dataset: row has %d numeric and %d categorical slots, schema has %d columns: %w",
			len(r.Num), len(r.Cat), n, errs.ErrDimension)
	}
	for i, c := range t.schema.Columns {
		if c.Kind == Numeric {
			t.num[i] = append(t.num[i], r.Num[i])
			continue
		}
		code, ok := t.index[i][r.Cat[i]]
		if !ok {
			code = int32(len(t.levels[i]))
			s := string([]byte(r.Cat[i])) // detach from the reader's buffer
			t.levels[i] = append(t.levels[i], s)
			t.index[i][s] = code
		}
		t.codes[i] = append(t.codes[i], code)
	}
	lab := t.intern(r.Label)
	if fam := r.Family; t.families != nil || (fam != "" && fam != r.Label) {
		if t.families == nil {
			t.families = slices.Clone(t.labels)
		}
		if fam == "" {
			fam = lab
		}
		t.families = append(t.families, t.intern(fam))
	}
	t.labels = append(t.labels, lab)
	t.categories = append(t.categories, r.Category)
	d := r.Difficulty
	if d < -1 || d > 127 {
		d = -1
	}
	t.difficulty = append(t.difficulty, int8(d))
	if r.Line > 0 && t.lines == nil {
		t.lines = make([]int32, len(t.labels)-1, cap(t.labels))
	}
	if t.lines != nil {
		t.lines = append(t.lines, int32(min(max(r.Line, 0), math.MaxInt32)))
	}
	return nil
}

// Row copies row i into dst, resizing dst as needed (no allocation once dst
// has room for every column). Categorical values are the table's own
// strings, not copies.
func (t *Table) Row(i int, dst *Row) {
	n := len(t.schema.Columns)
	dst.Reset(n)
	for j, c := range t.schema.Columns {
		if c.Kind == Numeric {
			dst.Num[j] = t.num[j][i]
			dst.Cat[j] = ""
		} else {
			dst.Num[j] = 0
			dst.Cat[j] = t.levels[j][t.codes[j][i]]
		}
	}
	dst.Label = t.labels[i]
	dst.Family = t.Family(i)
	dst.Category = t.categories[i]
	dst.Difficulty = int(t.difficulty[i])
	dst.Line = t.Line(i)
}

// Line returns the 1-based line of the file row i was read from, or 0 when
// the table was not read from text.
func (t *Table) Line(i int) int {
	if t.lines == nil {
		return 0
	}
	return int(t.lines[i])
}

// Where describes row i for an error message, saying which count it is:
// "flows.csv line 12 (row 10, 0-based)" for a row read from a file, "row
// 10 (0-based)" otherwise.
func (t *Table) Where(i int) string {
	if l := t.Line(i); l > 0 {
		src := t.source
		if src == "" {
			src = "<input>"
		}
		return fmt.Sprintf("%s line %d (row %d, 0-based)", src, l, i)
	}
	return fmt.Sprintf("row %d (0-based)", i)
}

// Numeric returns numeric column j's values (the table's storage: do not
// modify), or nil if column j is categorical.
func (t *Table) Numeric(j int) []float64 { return t.num[j] }

// Codes returns categorical column j's per-row codes and its levels (code →
// value); both are the table's storage: do not modify. Both are nil for a
// numeric column.
func (t *Table) Codes(j int) (codes []int32, levels []string) { return t.codes[j], t.levels[j] }

// Label returns row i's label (attack name).
func (t *Table) Label(i int) string { return t.labels[i] }

// Labels returns every row's label (the table's storage: do not modify).
func (t *Table) Labels() []string { return t.labels }

// intern returns the table's copy of a label or family string.
func (t *Table) intern(s string) string {
	v, ok := t.labelIndex[s]
	if !ok {
		v = string([]byte(s))
		t.labelIndex[v] = v
	}
	return v
}

// Family returns row i's attack family: the value of the family column
// (CSVConfig.Family), or else its label.
func (t *Table) Family(i int) string {
	if t.families == nil {
		return t.labels[i]
	}
	return t.families[i]
}

// Families returns every row's attack family (the table's storage, or its
// labels when every family is the label: do not modify).
func (t *Table) Families() []string {
	if t.families == nil {
		return t.labels
	}
	return t.families
}

// Category returns row i's attack category.
func (t *Table) Category(i int) Category { return t.categories[i] }

// Categories returns every row's category (the table's storage).
func (t *Table) Categories() []Category { return t.categories }

// Difficulty returns row i's difficulty level, or -1 when unknown.
func (t *Table) Difficulty(i int) int { return int(t.difficulty[i]) }

// IsAttack reports whether row i is labelled as anything but normal traffic.
func (t *Table) IsAttack(i int) bool { return t.categories[i] != Normal }

// Subset returns a new table holding the rows at idx, in that order.
// Categorical levels are re-coded in first-seen order of the subset.
func (t *Table) Subset(idx []int) *Table {
	s := NewTable(t.schema)
	s.source, s.policy = t.source, t.policy
	var r Row
	for _, i := range idx {
		t.Row(i, &r)
		_ = s.Append(&r) // same schema: cannot fail
	}
	return s
}

// Filter returns the rows for which keep returns true, as a new table.
func (t *Table) Filter(keep func(i int) bool) *Table {
	var idx []int
	for i := 0; i < t.Len(); i++ {
		if keep(i) {
			idx = append(idx, i)
		}
	}
	return t.Subset(idx)
}
