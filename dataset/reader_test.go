package dataset_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/internal/errs"
)

// Three real records of KDDTest+.txt.
const (
	nslLine1 = "0,tcp,private,REJ,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,229,10,0.00,0.00,1.00,1.00,0.04,0.06,0.00,255,10,0.04,0.06,0.00,0.00,0.00,0.00,1.00,1.00,neptune,21"
	nslLine2 = "2,tcp,ftp_data,SF,12983,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,134,86,0.61,0.04,0.61,0.02,0.00,0.00,0.00,0.00,normal,21"
	nslLine3 = "0,icmp,eco_i,SF,20,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,65,0.00,0.00,0.00,0.00,1.00,0.00,1.00,3,57,1.00,0.00,1.00,0.28,0.00,0.00,0.00,0.00,saint,15"
)

// replaceField returns line with its k-th (0-based) field set to v.
func replaceField(line string, k int, v string) string {
	f := strings.Split(line, ",")
	f[k] = v
	return strings.Join(f, ",")
}

// colOf returns the 1-based byte column of field k of line.
func colOf(line string, k int) int {
	if k == 0 {
		return 1
	}
	f := strings.Split(line, ",")
	return len(strings.Join(f[:k], ",")) + 2
}

func TestNSLKDDParseErrors(t *testing.T) {
	good := nslLine1 + "\n" + nslLine2 + "\n"
	tests := []struct {
		name   string
		text   string
		is     error
		line   int
		column int
		field  string
		msg    string
	}{
		{name: "empty file", text: "", is: errs.ErrEmpty, line: 1, column: 1},
		{name: "blank lines only", text: "\n\r\n\n", is: errs.ErrEmpty, line: 4, column: 1},
		{name: "too many fields", text: good + nslLine3 + ",7\n", is: errs.ErrFormat, line: 3, column: len(nslLine3) + 2, msg: "44 fields, want 43"},
		{name: "too few fields", text: good + "0,tcp,http\n", is: errs.ErrFormat, line: 3, column: 11, msg: "line has 3 fields"},
		{name: "truncated last line", text: good + nslLine3[:100], is: errs.ErrFormat, line: 3, column: 101, msg: "truncated last line"},
		{name: "non-numeric", text: good + replaceField(nslLine3, 4, "2O"), is: errs.ErrFormat, line: 3,
			column: colOf(nslLine3, 4), field: "src_bytes", msg: `invalid number "2O"`},
		{name: "empty number", text: replaceField(nslLine1, 0, ""), is: errs.ErrFormat, line: 1, column: 1, field: "duration"},
		{name: "NaN", text: replaceField(nslLine1, 24, "NaN"), is: errs.ErrFormat, line: 1, column: colOf(nslLine1, 24), field: "serror_rate"},
		{name: "infinity", text: replaceField(nslLine1, 5, "1e999"), is: errs.ErrFormat, line: 1, column: colOf(nslLine1, 5), field: "dst_bytes"},
		{name: "empty service", text: replaceField(nslLine1, 2, ""), is: errs.ErrFormat, line: 1, column: colOf(nslLine1, 2), field: "service"},
		{name: "empty label", text: replaceField(nslLine1, 41, ""), is: errs.ErrFormat, line: 1, column: colOf(nslLine1, 41), field: "label"},
		{name: "bad difficulty", text: replaceField(nslLine1, 42, "2.5"), is: errs.ErrFormat, line: 1, column: colOf(nslLine1, 42), field: "difficulty"},
		{name: "negative difficulty", text: replaceField(nslLine1, 42, "-1"), is: errs.ErrFormat, line: 1, column: colOf(nslLine1, 42), field: "difficulty"},
		{name: "KDD99 line", text: "0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00,normal.\n",
			is: errs.ErrFormat, line: 1, column: 146, msg: "42 fields, want 43"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dataset.ReadNSLKDD(strings.NewReader(tc.text), "bad.txt")
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.is)
			var pe *dataset.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "bad.txt", pe.File)
			assert.Equal(t, tc.line, pe.Line, "line")
			assert.Equal(t, tc.column, pe.Column, "column")
			assert.Equal(t, tc.field, pe.Field)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "dataset: bad.txt:"), err.Error())
		})
	}
}

func TestNSLKDDLenient(t *testing.T) {
	var b strings.Builder
	bad := 0
	for i := 0; i < 30; i++ {
		b.WriteString(nslLine2 + "\n")
		if i%2 == 0 {
			b.WriteString(replaceField(nslLine1, 7, "x") + "\n")
			bad++
		}
	}
	b.WriteString(nslLine3[:50]) // truncated last line
	bad++
	rd := dataset.NewNSLKDDReader(strings.NewReader(b.String()), "mixed.txt")
	rd.Lenient = true
	rd.MaxErrors = 3
	tab, err := rd.ReadAll()
	require.NoError(t, err)
	assert.Equal(t, 30, tab.Len())
	rep := rd.Report()
	assert.Equal(t, tab.LoadReport(), rep)
	assert.Equal(t, 30, rep.Rows)
	assert.Equal(t, bad, rep.Skipped)
	assert.Equal(t, 30+bad, rep.Lines)
	require.Len(t, rep.Errors, 3)
	var pe *dataset.ParseError
	require.ErrorAs(t, rep.Errors[0], &pe)
	assert.Equal(t, 2, pe.Line)
	assert.Equal(t, "wrong_fragment", pe.Field)
	assert.Contains(t, rep.String(), "16 skipped")

	// Every row bad: an empty table is an error, not a silent success.
	rd = dataset.NewNSLKDDReader(strings.NewReader("a\nb\n"), "junk.txt")
	rd.Lenient = true
	_, err = rd.ReadAll()
	assert.ErrorIs(t, err, errs.ErrEmpty)
	assert.Contains(t, err.Error(), "2 skipped")
}

func TestReaderStreamsAndReusesRow(t *testing.T) {
	text := nslLine1 + "\r\n\n" + nslLine2 + "\n" + nslLine3 // CRLF, a blank line, no final newline
	rd := dataset.NewNSLKDDReader(strings.NewReader(text), "s.txt")
	var row dataset.Row
	var labels []string
	var diffs []int
	for {
		err := rd.Read(&row)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		labels = append(labels, row.Label)
		diffs = append(diffs, row.Difficulty)
	}
	assert.Equal(t, []string{"neptune", "normal", "saint"}, labels)
	assert.Equal(t, []int{21, 21, 15}, diffs)
	assert.Equal(t, dataset.Probe, row.Category)
	assert.Equal(t, io.EOF, rd.Read(&row), "EOF is sticky")
	s := rd.Schema()
	assert.Equal(t, 41, s.Len())
}

func TestReadKDD99(t *testing.T) {
	const text = "0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00,normal.\n" +
		"0,icmp,ecr_i,SF,1032,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,511,511,0.00,0.00,0.00,0.00,1.00,0.00,0.00,255,255,1.00,0.00,1.00,0.00,0.00,0.00,0.00,0.00,smurf.\n" +
		"0,icmp,ecr_i,SF,1032,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,511,511,0.00,0.00,0.00,0.00,1.00,0.00,0.00,255,255,1.00,0.00,1.00,0.00,0.00,0.00,0.00,0.00,stuxnet.\n"
	tab, err := dataset.ReadKDD99(strings.NewReader(text), "k.txt")
	require.NoError(t, err)
	assert.Equal(t, []string{"normal", "smurf", "stuxnet"}, tab.Labels())
	assert.Equal(t, []dataset.Category{dataset.Normal, dataset.DoS, dataset.Unknown}, tab.Categories())
	assert.Equal(t, -1, tab.Difficulty(0))
	rep := tab.LoadReport()
	assert.Equal(t, 1, rep.Unknown)
	assert.Equal(t, map[string]int{"stuxnet": 1}, rep.UnknownLabels)

	// An NSL-KDD line (43 fields) is not a KDD'99 record.
	_, err = dataset.ReadKDD99(strings.NewReader(nslLine1), "k.txt")
	assert.ErrorIs(t, err, errs.ErrFormat)
}

func TestLoadGzipAndCorruptGzip(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(nslLine1 + "\n" + nslLine2 + "\n"))
	require.NoError(t, zw.Close())
	good := filepath.Join(dir, "t.txt.gz")
	require.NoError(t, os.WriteFile(good, buf.Bytes(), 0o644))
	tab, err := dataset.LoadNSLKDD(good)
	require.NoError(t, err)
	assert.Equal(t, 2, tab.Len())

	damaged := append([]byte(nil), buf.Bytes()...)
	damaged[len(damaged)-6] ^= 0xff // CRC-32 trailer
	tests := map[string][]byte{
		"bad crc":   damaged,
		"truncated": buf.Bytes()[:buf.Len()/2],
		"not gzip":  []byte(nslLine1),
		"empty":     nil,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".gz")
			require.NoError(t, os.WriteFile(p, data, 0o644))
			_, err := dataset.LoadNSLKDD(p)
			require.Error(t, err)
			assert.ErrorIs(t, err, errs.ErrFormat)
			assert.Contains(t, err.Error(), p)
		})
	}
	_, err = dataset.LoadNSLKDD(filepath.Join(dir, "missing.txt"))
	assert.True(t, errors.Is(err, os.ErrNotExist))
}

func TestLineTooLong(t *testing.T) {
	rd := dataset.NewNSLKDDReader(io.LimitReader(repeatByte('1'), 3<<20), "long.txt")
	var row dataset.Row
	err := rd.Read(&row)
	assert.ErrorIs(t, err, errs.ErrFormat)
	assert.Contains(t, err.Error(), "longer than")

	// Lenient mode reads past the line without keeping it: a skipped row.
	rd = dataset.NewNSLKDDReader(io.LimitReader(repeatByte('1'), 3<<20), "long.txt")
	rd.Lenient = true
	assert.Equal(t, io.EOF, rd.Read(&row))
	rep := rd.Report()
	assert.Equal(t, 1, rep.Skipped)
	assert.Equal(t, 1, rep.Lines)
	require.Len(t, rep.Errors, 1)
	assert.Contains(t, rep.Errors[0].Error(), "long.txt:1: line longer than")
}

type repeatByte byte

func (c repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// kdd99Stream generates an endless KDD'99 text by cycling over a few
// records, without holding more than those records in memory.
type kdd99Stream struct {
	text []byte
	off  int
}

func newKDD99Stream() *kdd99Stream {
	lines := []string{
		"0,tcp,http,SF,181,5450,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,8,8,0.00,0.00,0.00,0.00,1.00,0.00,0.00,9,9,1.00,0.00,0.11,0.00,0.00,0.00,0.00,0.00,normal.",
		"0,icmp,ecr_i,SF,1032,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,511,511,0.00,0.00,0.00,0.00,1.00,0.00,0.00,255,255,1.00,0.00,1.00,0.00,0.00,0.00,0.00,0.00,smurf.",
		"0,tcp,private,S0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,123,6,1.00,1.00,0.00,0.00,0.05,0.07,0.00,255,26,0.10,0.05,0.00,0.00,1.00,1.00,0.00,0.00,neptune.",
		"184,tcp,telnet,SF,1511,2957,0,0,0,3,0,1,2,1,0,0,1,0,0,0,0,0,1,1,0.00,0.00,0.00,0.00,1.00,0.00,0.00,1,3,1.00,0.00,1.00,0.67,0.00,0.00,0.00,0.00,buffer_overflow.",
	}
	return &kdd99Stream{text: []byte(strings.Join(lines, "\n") + "\n")}
}

func (s *kdd99Stream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], s.text[s.off:])
		n += c
		s.off = (s.off + c) % len(s.text)
	}
	return n, nil
}

// TestStreamLargeKDD99 streams a generated KDD'99 text (1 GiB; 16 MiB under
// -short or -race) through the Reader: memory stays flat, because nothing
// is allocated per row.
func TestStreamLargeKDD99(t *testing.T) {
	size := int64(1 << 30)
	if testing.Short() || raceEnabled {
		size = 16 << 20
	}
	src := newKDD99Stream()
	// Cut at a line end so the last record is whole.
	size -= size % int64(len(src.text))
	rd := dataset.NewKDD99Reader(io.LimitReader(src, size), "generated-kdd99")
	var row dataset.Row
	var counts [dataset.NumCategories + 1]int
	var before, after runtime.MemStats
	rows := 0
	for {
		err := rd.Read(&row)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		counts[row.Category]++
		rows++
		if rows == 1000 {
			runtime.GC()
			runtime.ReadMemStats(&before)
		}
	}
	runtime.ReadMemStats(&after)
	want := int(size / int64(len(src.text)))
	assert.Equal(t, 4*want, rows)
	assert.Equal(t, [dataset.NumCategories + 1]int{want, 2 * want, 0, 0, want, 0}, counts)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10),
		"bytes allocated while streaming %d MiB", size>>20)
	rep := rd.Report()
	assert.Equal(t, rows, rep.Rows)
	assert.Equal(t, 0, rep.Skipped)
}

func TestReadAllocatesNothing(t *testing.T) {
	rd := dataset.NewKDD99Reader(newKDD99Stream(), "gen")
	var row dataset.Row
	require.NoError(t, rd.Read(&row))
	allocs := testing.AllocsPerRun(2000, func() {
		if err := rd.Read(&row); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}
