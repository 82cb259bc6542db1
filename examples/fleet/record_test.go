package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
)

// TestParser parses good and bad records in any order: a bad one is an
// error naming the column, and the reader stays in step with the messages.
func TestParser(t *testing.T) {
	p, err := newLineParser("nslkdd")
	require.NoError(t, err)
	good, _ := records(t, 3, 0)
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
		{append(append([]byte{}, good[0]...), '\n', '1'), "line break"},
		{append(append([]byte{}, good[0]...), '\r'), ""},
		{[]byte("a\rb"), "line break"},
		{bytes.Repeat([]byte("9"), maxRecord+1), "over"},
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
	// The good records parse as the reader of a whole file does.
	var b bytes.Buffer
	for _, l := range good {
		b.Write(l)
		b.WriteByte('\n')
	}
	tab, err := dataset.ReadNSLKDD(&b, "good")
	require.NoError(t, err)
	var want dataset.Row
	for i, l := range good {
		require.NoError(t, p.Parse(l, &row))
		tab.Row(i, &want)
		assert.Equal(t, want.Num, row.Num)
		assert.Equal(t, want.Cat[1:4], row.Cat[1:4])
		assert.Equal(t, want.Label, row.Label)
	}
	_, err = newLineParser("csv")
	assert.ErrorContains(t, err, "want nslkdd or kdd99")
}

// TestScoreAllocs: scoring a record into its verdict allocates nothing in
// steady state, explanations included.
func TestScoreAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	b, _ := testBundle(t)
	s, err := NewScorer(b, "nslkdd", "bench")
	require.NoError(t, err)
	s.Explain = 3
	lines, _ := records(t, 1000, 50)
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
			s, err := NewScorer(bu, "nslkdd", "bench")
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
