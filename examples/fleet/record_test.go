package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
)

// TestFormat: each -format parses the same flows into the same rows, and
// a format that cannot be used is a clear error at start-up.
func TestFormat(t *testing.T) {
	b, _ := testBundle(t)
	good, _ := testRecords(t, 20, 0)
	csvs, header := csvRecords(good)
	jsons := jsonRecords(t, good)
	ref, err := NewScorer(b, Format{}, "ref")
	require.NoError(t, err)
	for _, tc := range []struct {
		f    Format
		recs [][]byte
	}{
		{Format{Name: "nslkdd"}, good},
		{Format{Name: "csv", Header: header}, csvs},
		{Format{Name: "csv", Header: strings.ReplaceAll(header, ",", ";"), Comma: ';'}, semicolons(csvs)},
		{Format{Name: "json"}, jsons},
	} {
		s, err := NewScorer(b, tc.f, "x")
		require.NoError(t, err, tc.f.Name)
		var want, got dataset.Row
		for i := range good {
			require.NoError(t, ref.parser.Parse(good[i], &want))
			require.NoError(t, s.parser.Parse(tc.recs[i], &got), "%s %q", tc.f.Name, tc.recs[i])
			assert.Equal(t, want.Num, got.Num, tc.f.Name)
			assert.Equal(t, want.Cat, got.Cat, tc.f.Name)
			assert.Equal(t, want.Label, got.Label, tc.f.Name)
		}
	}
	for _, tc := range []struct {
		f    Format
		want string
	}{
		{Format{Name: "xml"}, "want nslkdd, kdd99, csv or json"},
		{Format{Name: "csv"}, "needs -header"},
		{Format{Name: "csv", Header: "duration,protocol_type"}, "which the schema needs"},
		{Format{Name: "nslkdd", Header: header}, "-header is for -format csv"},
		{Format{Name: "csv", Header: header, Comma: '"'}, "separator"},
	} {
		_, err := NewScorer(b, tc.f, "x")
		assert.ErrorContains(t, err, tc.want, "%+v", tc.f.Name)
	}
}

// TestScoreAllocs: scoring a record into its verdict allocates nothing in
// steady state, explanations included.
func TestScoreAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	b, _ := testBundle(t)
	s, err := NewScorer(b, Format{}, "bench")
	require.NoError(t, err)
	s.Explain = 3
	lines, _ := testRecords(t, 1000, 50)
	for i, l := range lines {
		s.verdict("id", 1, l)
		_ = i
	}
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		s.arena = s.arena[:0]
		s.verdict("id", 1, lines[i%len(lines)])
		i++
	})
	assert.Zero(t, allocs)
}

// benchBundle is the XGBoost bundle of examples/xgboost's built-in model
// when NSLKDD_DIR holds the NSL-KDD files, else the demo Isolation Forest.
func benchBundle(b *testing.B) (*bundle.Bundle, [][]byte, string) {
	dir := os.Getenv("NSLKDD_DIR")
	path := filepath.Join(os.Getenv("FLEET_BUNDLE"))
	if path != "" && dir != "" {
		bu, err := bundle.Load(path)
		require.NoError(b, err)
		lines, err := readLines(filepath.Join(dir, "KDDTest+.txt"))
		require.NoError(b, err)
		return bu, lines, "FLEET_BUNDLE on KDDTest+"
	}
	t := &testing.T{}
	bu, _ := testBundle(t)
	lines, err := syntheticLines(20000, 3)
	require.NoError(b, err)
	return bu, lines, "demo Isolation Forest on synthetic records"
}

// BenchmarkScorer measures what a scorer does to one record without the
// broker: parse, score, explain an alert (explain=3) or not (explain=0),
// and write the verdict. FLEET_BUNDLE (a bundle file) and NSLKDD_DIR score
// KDDTest+ with that bundle; otherwise the demo bundle scores synthetic
// records.
func BenchmarkScorer(b *testing.B) {
	bu, lines, what := benchBundle(b)
	b.Logf("%s, %s", what, bu.Kind())
	for _, k := range []int{0, 3} {
		b.Run("explain="+string(rune('0'+k)), func(b *testing.B) {
			s, err := NewScorer(bu, Format{}, "bench")
			require.NoError(b, err)
			s.Explain = k
			b.ReportAllocs()
			i := 0
			cpu := cpuTime()
			for b.Loop() {
				s.arena = s.arena[:0]
				s.verdict("probe1-1", 1, lines[i%len(lines)])
				i++
			}
			cpu = cpuTime() - cpu
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			if cpu > 0 {
				// Per second of this process's CPU: what one core does,
				// whatever else the machine runs.
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "records/cpu-s")
			}
		})
	}
}

// TestHeaderFlag: -header @FILE takes the file's first line, and -comma
// one character.
func TestHeaderFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.csv")
	require.NoError(t, os.WriteFile(path, []byte("duration;label\r\n0;normal\n"), 0o600))
	for _, tc := range []struct {
		header, comma, want, err string
	}{
		{"a,b", ",", "a,b", ""},
		{"@" + path, ";", "duration;label", ""},
		{"@" + path + ".none", ",", "", "no such file"},
		{"a", ";;", "", "want one character"},
	} {
		f := scoreFlags{Format: Format{Header: tc.header}, Comma: tc.comma}
		err := f.readHeader()
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, f.Format.Header)
		assert.Equal(t, []rune(tc.comma)[0], f.Format.Comma)
	}
}
