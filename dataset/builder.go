package dataset

import "math"

// chunkRows is the number of rows per chunk of a tableBuilder column.
const chunkRows = 8192

// chunked collects values in fixed-size chunks, so that reading a file of
// unknown length copies each value once (into the final slice) instead of
// the log2(n) times of append's doubling.
type chunked[T any] struct {
	full [][]T
	cur  []T
}

func (c *chunked[T]) add(v T) {
	if len(c.cur) == cap(c.cur) {
		n := chunkRows
		if c.cur == nil {
			n = presizeAfter // small until ReadAll may reserve
		} else {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]T, 0, n)
	}
	c.cur = append(c.cur, v)
}

// reserve makes room for n values in the current chunk while it is the
// only one, so that flat need not copy.
func (c *chunked[T]) reserve(n int) {
	if len(c.full) > 0 || n <= cap(c.cur) {
		return
	}
	cur := make([]T, len(c.cur), n)
	copy(cur, c.cur)
	c.cur = cur
}

// flat returns the n values collected as one slice.
func (c *chunked[T]) flat(n int) []T {
	if len(c.full) == 0 {
		if cap(c.cur) > n+n/4+chunkRows { // a reserve that guessed far too high
			return append([]T(nil), c.cur...)
		}
		return c.cur[:len(c.cur):len(c.cur)]
	}
	out := make([]T, 0, n)
	for _, f := range c.full {
		out = append(out, f...)
	}
	return append(out, c.cur...)
}

// tableBuilder appends rows to a fresh Table column by column; build moves
// the collected columns into the table.
type tableBuilder struct {
	t     *Table
	num   []chunked[float64]
	codes []chunked[int32]
	label chunked[string]
	fam   *chunked[string] // nil without a family column
	cat   chunked[Category]
	diff  chunked[int8]
	line  chunked[int32]
	n     int

	last     []string // by column: the previous row's value
	lastCode []int32  // and its code; -1 before the first row
}

func newTableBuilder(t *Table, family bool) *tableBuilder {
	k := len(t.schema.Columns)
	b := &tableBuilder{t: t, num: make([]chunked[float64], k), codes: make([]chunked[int32], k),
		last: make([]string, k), lastCode: make([]int32, k)}
	if family {
		b.fam = &chunked[string]{}
	}
	for i := range b.lastCode {
		b.lastCode[i] = -1
	}
	return b
}

// add appends r, which must match the table's schema (the Reader's rows do).
func (b *tableBuilder) add(r *Row) {
	t := b.t
	for i, c := range t.schema.Columns {
		if c.Kind == Numeric {
			b.num[i].add(r.Num[i])
			continue
		}
		// Runs of one value are common (protocol "tcp", flag "SF"), and
		// comparing the Reader's interned strings is cheaper than hashing.
		code := b.lastCode[i]
		if r.Cat[i] != b.last[i] || code < 0 {
			var ok bool
			code, ok = t.index[i][r.Cat[i]]
			if !ok {
				code = int32(len(t.levels[i]))
				t.levels[i] = append(t.levels[i], r.Cat[i]) // the Reader's strings are immutable copies
				t.index[i][r.Cat[i]] = code
			}
			b.last[i], b.lastCode[i] = r.Cat[i], code
		}
		b.codes[i].add(code)
	}
	b.label.add(r.Label)
	if b.fam != nil {
		f := r.Family
		if f == "" {
			f = r.Label
		}
		b.fam.add(f)
	}
	b.cat.add(r.Category)
	d := r.Difficulty
	if d < -1 || d > 127 {
		d = -1
	}
	b.diff.add(int8(d))
	b.line.add(int32(min(max(r.Line, 0), math.MaxInt32)))
	b.n++
}

// reserve makes room for n rows in every column.
func (b *tableBuilder) reserve(n int) {
	for i, c := range b.t.schema.Columns {
		if c.Kind == Numeric {
			b.num[i].reserve(n)
		} else {
			b.codes[i].reserve(n)
		}
	}
	b.label.reserve(n)
	if b.fam != nil {
		b.fam.reserve(n)
	}
	b.cat.reserve(n)
	b.diff.reserve(n)
	b.line.reserve(n)
}

func (b *tableBuilder) build() {
	t := b.t
	for i, c := range t.schema.Columns {
		if c.Kind == Numeric {
			t.num[i] = b.num[i].flat(b.n)
		} else {
			t.codes[i] = b.codes[i].flat(b.n)
		}
	}
	t.labels = b.label.flat(b.n)
	for _, l := range t.labels {
		if _, ok := t.labelIndex[l]; !ok {
			t.labelIndex[l] = l
		}
	}
	if b.fam != nil {
		t.families = b.fam.flat(b.n)
		for _, l := range t.families {
			if _, ok := t.labelIndex[l]; !ok {
				t.labelIndex[l] = l
			}
		}
	}
	t.categories = b.cat.flat(b.n)
	t.difficulty = b.diff.flat(b.n)
	t.lines = b.line.flat(b.n)
}
