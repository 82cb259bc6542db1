package dataset_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// skipped is where an OnSkip call said a row was.
type skipped struct{ line, column int }

// TestReaderLine checks that Line and OnSkip count lines as ParseError
// does, for every kind of line end and line the readers meet.
func TestReaderLine(t *testing.T) {
	bad := replaceField(nslLine1, 7, "x") // wrong_fragment
	bc := colOf(nslLine1, 7)
	long := strings.Repeat("h", 100<<10) // longer than the 64 KiB buffer
	tests := []struct {
		name    string
		csv     *dataset.CSVConfig // nil: NSL-KDD
		text    string
		lines   []int     // Line after each record
		skipped []skipped // OnSkip calls, in order
	}{
		{name: "LF", text: nslLine1 + "\n" + nslLine2 + "\n" + nslLine3 + "\n", lines: []int{1, 2, 3}},
		{name: "last line without newline", text: nslLine1 + "\n" + nslLine2, lines: []int{1, 2}},
		{name: "CRLF and blank lines", text: "\r\n" + nslLine1 + "\r\n\n \t\r\n" + nslLine2 + "\r\n\n", lines: []int{2, 5}},
		{name: "skipped rows", text: nslLine1 + "\n" + bad + "\n\n" + "0,tcp\n" + nslLine2 + "\n" + nslLine3[:60],
			lines: []int{1, 5}, skipped: []skipped{{2, bc}, {4, 6}, {6, 61}}},
		{name: "only bad rows", text: bad + "\n" + bad, skipped: []skipped{{1, bc}, {2, bc}}},
		{name: "CSV header", csv: &dataset.CSVConfig{}, text: "a,b\n1,2\n\n \t\n3,4", lines: []int{2, 5}},
		{name: "CSV no header", csv: &dataset.CSVConfig{NoHeader: true}, text: "1,2\n\n3,4\n", lines: []int{1, 3}},
		{name: "CSV CR line ends", csv: &dataset.CSVConfig{}, text: "a,b\r1,2\r\r3,4\r", lines: []int{2, 4}},
		{name: "CSV CRLF skipped rows", csv: &dataset.CSVConfig{}, text: "a,b\r\n1,x\r\n2,3\r\n4\r\n5,6\r\n",
			lines: []int{3, 5}, skipped: []skipped{{2, 3}, {4, 2}}},
		{name: "CSV long lines", csv: &dataset.CSVConfig{Categorical: []string{"a"}},
			text:  "a,b\n" + long + ",1\nx,2\n" + long + "," + long + "\n" + long + ",3",
			lines: []int{2, 3, 5}, skipped: []skipped{{4, len(long) + 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rd *dataset.Reader
			if tc.csv != nil {
				var err error
				rd, err = dataset.NewCSVReader(strings.NewReader(tc.text), "t.csv", *tc.csv)
				require.NoError(t, err)
			} else {
				rd = dataset.NewNSLKDDReader(strings.NewReader(tc.text), "t.txt")
			}
			rd.Lenient = true
			rd.MaxErrors = 1
			var got []skipped
			rd.OnSkip = func(err *dataset.ParseError) {
				assert.ErrorIs(t, err, errs.ErrFormat)
				got = append(got, skipped{err.Line, err.Column})
			}
			assert.Zero(t, rd.Line(), "before the first Read")
			var lines []int
			var row dataset.Row
			for {
				err := rd.Read(&row)
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				lines = append(lines, rd.Line())
			}
			assert.Equal(t, tc.lines, lines, "Line after each record")
			assert.Equal(t, tc.skipped, got, "OnSkip calls")
			rep := rd.Report()
			assert.Equal(t, len(tc.skipped), rep.Skipped)
			assert.Equal(t, strings.Count(strings.ReplaceAll(strings.ReplaceAll(tc.text, "\r\n", "\n"), "\r", "\n"), "\n")+
				min(1, len(tc.text)-strings.LastIndexAny(tc.text, "\r\n")-1), rep.Lines, "Report.Lines")
			if len(tc.skipped) > 0 {
				// OnSkip sees every skipped row, the Report the first MaxErrors.
				require.Len(t, rep.Errors, 1)
				var pe *dataset.ParseError
				require.ErrorAs(t, rep.Errors[0], &pe)
				assert.Equal(t, tc.skipped[0], skipped{pe.Line, pe.Column})
			}
			if len(tc.lines) > 0 {
				assert.Equal(t, tc.lines[len(tc.lines)-1], rd.Line(), "after io.EOF")
			}
		})
	}
}

// TestReaderLineAfterErrors checks that a failed Read leaves Line at the
// last record and that OnSkip is not called in strict mode.
func TestReaderLineAfterErrors(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		is      error
		errLine int
		line    int // Line after the error
	}{
		{name: "bad row", text: nslLine1 + "\n\n" + replaceField(nslLine2, 4, "?") + "\n" + nslLine3, is: errs.ErrFormat, errLine: 3, line: 1},
		{name: "bad first row", text: "x\n" + nslLine1, is: errs.ErrFormat, errLine: 1, line: 0},
		{name: "no records", text: "\n\n", is: errs.ErrEmpty, errLine: 3, line: 0},
		{name: "line too long", text: nslLine1 + "\n" + nslLine2 + "\n" + strings.Repeat("1", 2<<20),
			is: errs.ErrFormat, errLine: 3, line: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := dataset.NewNSLKDDReader(strings.NewReader(tc.text), "t.txt")
			rd.OnSkip = func(err *dataset.ParseError) { t.Errorf("OnSkip called: %v", err) }
			var row dataset.Row
			var err error
			for err == nil {
				err = rd.Read(&row)
			}
			assert.ErrorIs(t, err, tc.is)
			var pe *dataset.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.errLine, pe.Line, "ParseError.Line")
			assert.Equal(t, tc.line, rd.Line(), "Line after the error")
			assert.Equal(t, err, rd.Read(&row), "the error is sticky")
			assert.Equal(t, tc.line, rd.Line(), "Line after the sticky error")
		})
	}
}

// TestReadWithLineAllocatesNothing checks that OnSkip and Line cost the
// hot path no allocation: a lenient reader with a callback, asked for the
// line of every record, allocates nothing per row.
func TestReadWithLineAllocatesNothing(t *testing.T) {
	rd := dataset.NewKDD99Reader(newKDD99Stream(), "gen")
	rd.Lenient = true
	calls := 0
	rd.OnSkip = func(*dataset.ParseError) { calls++ }
	var row dataset.Row
	require.NoError(t, rd.Read(&row))
	sum := 0
	allocs := testing.AllocsPerRun(2000, func() {
		if err := rd.Read(&row); err != nil {
			t.Fatal(err)
		}
		sum += rd.Line()
	})
	assert.Zero(t, allocs)
	assert.Zero(t, calls)
	assert.Positive(t, sum)
}

// TestCSVReaderDoesNotReadAhead checks that NewCSVReader and Read on a live
// stream (tail -f) return the first record without waiting for more input:
// the CR line-end check stops at the first LF.
func TestCSVReaderDoesNotReadAhead(t *testing.T) {
	for _, c := range [][]string{{"a,b\n", "1,", "2\n"}, {"a,b\n1,2\n"}, {"a", ",b\r\n1,2\r\n"}} {
		src := &chunks{t: t, chunks: c}
		rd, err := dataset.NewCSVReader(src, "live.csv", dataset.CSVConfig{})
		require.NoError(t, err, "%q", c)
		var row dataset.Row
		require.NoError(t, rd.Read(&row), "%q", c)
		assert.Equal(t, []float64{1, 2}, row.Num)
		assert.Equal(t, 2, rd.Line())
	}

	// With CR line ends the check reads on until it knows (here, the end).
	src := &chunks{t: t, chunks: []string{"a,b\r", "1,2\r"}, eof: true}
	rd, err := dataset.NewCSVReader(src, "cr.csv", dataset.CSVConfig{})
	require.NoError(t, err)
	var row dataset.Row
	require.NoError(t, rd.Read(&row))
	assert.Equal(t, 2, rd.Line())
}

// chunks hands out one chunk per Read call; after the last it fails the
// test (a read that would block) unless eof is set.
type chunks struct {
	t      *testing.T
	chunks []string
	eof    bool
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		c.t.Error("read past the input available so far")
		return 0, errors.New("would block")
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if c.chunks[0] == "" {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

// ExampleReader_Line reports where each record and each skipped row is in
// the input.
func ExampleReader_Line() {
	text := "\n" + exampleNSL + "0,tcp,http,SF,0\n"
	r := dataset.NewNSLKDDReader(strings.NewReader(text), "stream.txt")
	r.Lenient = true
	r.OnSkip = func(err *dataset.ParseError) {
		fmt.Println("skipped line", err.Line, "column", err.Column)
	}
	var row dataset.Row
	for r.Read(&row) == nil {
		fmt.Println("line", r.Line(), row.Label)
	}
	// Output:
	// line 2 neptune
	// line 3 normal
	// skipped line 4 column 16
}

// TestLineLimit checks the 1 MiB bound on a line, its line end excluded:
// a longer line ends a strict reader and is skipped by a lenient one, and
// either way the lines are counted as before.
func TestLineLimit(t *testing.T) {
	const max = 1 << 20
	tests := []struct {
		name string
		line string
		long bool
	}{
		{name: "at the limit", line: strings.Repeat("1", max) + "\n"},
		{name: "at the limit, CRLF", line: strings.Repeat("1", max) + "\r\n"},
		{name: "one byte over", line: strings.Repeat("1", max+1) + "\n", long: true},
		{name: "one byte over, CRLF", line: strings.Repeat("1", max+1) + "\r\n", long: true},
		{name: "far over", line: strings.Repeat("1", 3*max) + "\n", long: true},
		{name: "far over, lone CRs", line: strings.Repeat("\r", 3*max) + "\n", long: true},
	}
	for _, tc := range tests {
		for _, lenient := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/lenient=%v", tc.name, lenient), func(t *testing.T) {
				text := nslLine1 + "\n" + tc.line + nslLine2 + "\n\n" + nslLine3
				rd := dataset.NewNSLKDDReader(strings.NewReader(text), "t.txt")
				rd.Lenient = lenient
				var got []int
				rd.OnSkip = func(err *dataset.ParseError) {
					assert.Equal(t, tc.long, strings.Contains(err.Error(), "longer than"), err.Error())
					got = append(got, err.Line)
				}
				var row dataset.Row
				require.NoError(t, rd.Read(&row))
				err := rd.Read(&row)
				if !lenient {
					var pe *dataset.ParseError
					require.ErrorAs(t, err, &pe)
					assert.Equal(t, 2, pe.Line)
					assert.ErrorIs(t, err, errs.ErrFormat)
					assert.Equal(t, tc.long, strings.Contains(err.Error(), "longer than"), err.Error())
					assert.Equal(t, 1, rd.Line())
					return
				}
				require.NoError(t, err)
				assert.Equal(t, 3, rd.Line())
				require.NoError(t, rd.Read(&row))
				assert.Equal(t, 5, rd.Line())
				assert.Equal(t, io.EOF, rd.Read(&row))
				assert.Equal(t, []int{2}, got)
				rep := rd.Report()
				assert.Equal(t, 5, rep.Lines)
				assert.Equal(t, 3, rep.Rows)
				assert.Equal(t, 1, rep.Skipped)
			})
		}
	}
}
