package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/nsltest"
)

var (
	demoOnce   sync.Once
	demoPath   string
	demoErr    error
	testLines  []string // synthetic NSL-KDD lines, attack families unseen in training included
	quietLines []string // synthetic NSL-KDD lines with 2 % attacks, as on a real link
)

// testBundle saves a small demo bundle once, for -bundle, and makes the
// test lines.
func testBundle(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		var b *bundle.Bundle
		b, demoErr = demo.Bundle(context.Background(), 3000, 1, "examples/stream")
		if demoErr != nil {
			return
		}
		dir, err := os.MkdirTemp("", "stream-test")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "demo.nwb")
		if demoErr = b.Save(demoPath); demoErr != nil {
			return
		}
		var tab *dataset.Table
		tab, demoErr = dataset.Synthetic(dataset.SyntheticConfig{Rows: 2000, Seed: 9, Attacks: dataset.SyntheticAttacks()})
		if demoErr != nil {
			return
		}
		var row dataset.Row
		for i := 0; i < tab.Len(); i++ {
			tab.Row(i, &row)
			testLines = append(testLines, string(nslLine(nil, tab.Schema(), &row)))
		}
		tab, demoErr = dataset.Synthetic(dataset.SyntheticConfig{Rows: 2000, Seed: 11, AttackFraction: 0.02})
		if demoErr != nil {
			return
		}
		for i := 0; i < tab.Len(); i++ {
			tab.Row(i, &row)
			quietLines = append(quietLines, string(nslLine(nil, tab.Schema(), &row)))
		}
	})
	require.NoError(t, demoErr)
	return demoPath
}

// nslLine formats row as an NSL-KDD text line (no line end).
func nslLine(b []byte, s dataset.Schema, row *dataset.Row) []byte {
	for j, c := range s.Columns {
		if j > 0 {
			b = append(b, ',')
		}
		if c.Kind == dataset.Categorical {
			b = append(b, row.Cat[j]...)
		} else {
			b = strconv.AppendFloat(b, row.Num[j], 'f', -1, 64)
		}
	}
	b = append(b, ',')
	b = append(b, row.Label...)
	return append(b, ",21"...)
}

type alert struct {
	Line        int     `json:"line"`
	Score       float64 `json:"score"`
	Attack      bool    `json:"attack"`
	Decision    string  `json:"decision"`
	Label       string  `json:"label"`
	Category    string  `json:"category"`
	TopFeatures []struct {
		Name         string  `json:"name"`
		Value        any     `json:"value"`
		Contribution float64 `json:"contribution"`
	} `json:"top_features"`
}

func decodeLines[T any](t *testing.T, text string) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var v T
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v), "not a JSON line: %s", sc.Text())
		out = append(out, v)
	}
	return out
}

// TestStreamFormat checks the alert lines, the bad-line reports and the
// summary on a stream with bad and blank lines: every line number must
// point at the input line it describes.
func TestStreamFormat(t *testing.T) {
	path := testBundle(t)
	var in strings.Builder
	var inputLines []string
	add := func(s string) {
		in.WriteString(s + "\n")
		inputLines = append(inputLines, s)
	}
	bad := map[int]string{}
	for i, l := range testLines[:300] {
		add(l)
		switch i {
		case 10:
			add("")
			add("   ")
		case 20:
			add("not,a,record")
			bad[len(inputLines)] = "duration"
		case 30:
			add(l + ",extra")
			bad[len(inputLines)] = "fields"
		case 40:
			add("x" + l)
			bad[len(inputLines)] = "duration"
		}
	}
	var out, errs bytes.Buffer
	sum, err := run(context.Background(), config{Bundle: path, Format: "nslkdd", Top: 3, Name: "test"}, strings.NewReader(in.String()), &out, &errs)
	require.NoError(t, err)

	alerts := decodeLines[alert](t, out.String())
	require.NotEmpty(t, alerts)
	assert.Equal(t, len(alerts), sum.Alerts)
	for _, a := range alerts {
		require.GreaterOrEqual(t, a.Line, 1)
		fields := strings.Split(inputLines[a.Line-1], ",")
		assert.Equal(t, fields[41], a.Label, "alert line %d points at its record", a.Line)
		assert.True(t, a.Attack)
		assert.Equal(t, "attack", a.Decision)
		assert.Equal(t, dataset.CategoryOf(a.Label).String(), a.Category)
		require.NotEmpty(t, a.TopFeatures)
		assert.LessOrEqual(t, len(a.TopFeatures), 3)
		for _, f := range a.TopFeatures {
			assert.NotZero(t, f.Contribution)
			ns := dataset.NSLKDDSchema()
			j := ns.Index(f.Name)
			require.GreaterOrEqual(t, j, 0)
			assert.Equal(t, fields[j], fmt.Sprint(f.Value), "line %d column %s", a.Line, f.Name)
		}
	}

	type badLine struct {
		Line   int    `json:"bad_line"`
		Column int    `json:"column"`
		Field  string `json:"field"`
		Error  string `json:"error"`
	}
	var bads []badLine
	var last map[string]map[string]any
	for _, l := range strings.Split(strings.TrimSpace(errs.String()), "\n") {
		if strings.HasPrefix(l, `{"summary"`) {
			require.NoError(t, json.Unmarshal([]byte(l), &last))
			continue
		}
		if strings.HasPrefix(l, `{"start"`) {
			continue // where the model came from
		}
		var b badLine
		require.NoError(t, json.Unmarshal([]byte(l), &b), l)
		bads = append(bads, b)
	}
	require.Len(t, bads, len(bad))
	for _, b := range bads {
		want, ok := bad[b.Line]
		require.True(t, ok, "line %d reported bad", b.Line)
		assert.Contains(t, b.Field+" "+b.Error, want, "line %d", b.Line)
	}
	assert.Equal(t, 300, sum.Rows)
	assert.Equal(t, 3, sum.BadLines)
	assert.Equal(t, len(inputLines), sum.Lines)
	require.NotNil(t, last)
	assert.EqualValues(t, 300, last["summary"]["rows"])
	assert.Contains(t, last["summary"], "detection_rate")

	// -all writes every record; -strict stops at the first bad line.
	out.Reset()
	_, err = run(context.Background(), config{Bundle: path, Format: "nslkdd", All: true, Name: "test"}, strings.NewReader(in.String()), &out, io.Discard)
	require.NoError(t, err)
	assert.Len(t, decodeLines[alert](t, out.String()), 300)
	_, err = run(context.Background(), config{Bundle: path, Format: "nslkdd", Strict: true, Name: "test"}, strings.NewReader(in.String()), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "line 24")
}

// TestStreamCSV reads a CSV export whose columns are in another order, with
// a label column and extra text columns the bundle does not use.
func TestStreamCSV(t *testing.T) {
	path := testBundle(t)
	s := dataset.NSLKDDSchema()
	var in strings.Builder
	in.WriteString("flow_id,Label,src_ip")
	for j := len(s.Columns) - 1; j >= 0; j-- {
		in.WriteString("," + s.Columns[j].Name)
	}
	in.WriteString("\r\n")
	for i, l := range testLines[:200] {
		f := strings.Split(l, ",")
		fmt.Fprintf(&in, "f%d,%s,10.0.0.%d", i, f[41], i%250)
		for j := len(s.Columns) - 1; j >= 0; j-- {
			in.WriteString("," + f[j])
		}
		in.WriteString("\r\n")
		if i == 50 {
			in.WriteString("f,normal,10.0.0.1,oops\r\n")
		}
	}
	var out, outNSL, errs bytes.Buffer
	cfg := config{Bundle: path, Format: "csv", CSVComma: ",", CSVLabel: "Label", Top: 2, All: true, Name: "flows.csv"}
	sum, err := run(context.Background(), cfg, strings.NewReader(in.String()), &out, &errs)
	require.NoError(t, err, errs.String())
	assert.Equal(t, 200, sum.Rows)
	assert.Equal(t, 1, sum.BadLines)
	assert.Contains(t, errs.String(), `{"bad_line":53,`)

	// The same records as NSL-KDD lines score the same.
	_, err = run(context.Background(), config{Bundle: path, Format: "nslkdd", Top: 2, All: true, Name: "x"},
		strings.NewReader(strings.Join(testLines[:200], "\n")), &outNSL, io.Discard)
	require.NoError(t, err)
	a, b := decodeLines[alert](t, out.String()), decodeLines[alert](t, outNSL.String())
	require.Len(t, a, 200)
	require.Len(t, b, 200)
	for i := range a {
		assert.Equal(t, b[i].Score, a[i].Score, "record %d", i)
		assert.Equal(t, b[i].Label, a[i].Label)
	}

	_, err = run(context.Background(), config{Bundle: path, Format: "csv", CSVComma: ",", Name: "x"}, strings.NewReader("a,b\n1,2\n"), io.Discard, io.Discard)
	assert.ErrorContains(t, err, "protocol_type")
}

// TestStreamConstantMemory streams many generated lines through a pipe and
// checks that the live heap does not grow with the stream. The traffic is
// 2 % attacks, as on a real link, which keeps the explanations of the
// alerts (the costly part) to a few thousand.
func TestStreamConstantMemory(t *testing.T) {
	path := testBundle(t)
	n := 200_000
	if testing.Short() {
		n = 5_000
	}
	pr, pw := io.Pipe()
	var peak, base uint64
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base = ms.HeapAlloc
	go func() {
		bw := bufio.NewWriter(pw)
		for i := 0; i < n; i++ {
			bw.WriteString(quietLines[i%len(quietLines)])
			bw.WriteByte('\n')
			if i%(n/8) == n/16 {
				bw.Flush()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		bw.Flush()
		pw.Close()
	}()
	var out countWriter
	sum, err := run(context.Background(), config{Bundle: path, Format: "nslkdd", Top: 3, Name: "pipe"}, pr, &out, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, n, sum.Rows)
	assert.Greater(t, out.n, int64(0))
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("%d lines, %d alerts (%d bytes); heap: %d KiB before, %d KiB peak while streaming, %d KiB after",
		n, sum.Alerts, out.n, base>>10, peak>>10, ms.HeapAlloc>>10)
	// The input alone is ~25 MB at 200k lines; the stream keeps a few
	// buffers (64 KiB each), the bundle and the row.
	assert.Less(t, int64(peak)-int64(base), int64(8<<20), "heap grew while streaming")
	assert.Less(t, int64(ms.HeapAlloc)-int64(base), int64(4<<20), "heap grew over the stream")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

func TestStreamErrors(t *testing.T) {
	path := testBundle(t)
	ctx := context.Background()
	for _, tc := range []struct {
		cfg  config
		in   string
		want string
	}{
		{config{Bundle: path, TrainDemo: true}, "", "not both"},
		{config{Bundle: "/nonexistent"}, "", "-bundle"},
		{config{Bundle: path, Format: "json"}, "", "-format"},
		{config{Bundle: path, Format: "csv", CSVComma: ",", Name: "x"}, "", "empty"},
		{config{Bundle: path, Format: "csv", CSVComma: ";;", Name: "x"}, "", "-csv-comma"},
		{config{Bundle: path, Top: -1}, "", "-top"},
	} {
		_, err := run(ctx, tc.cfg, strings.NewReader(tc.in), io.Discard, io.Discard)
		assert.ErrorContains(t, err, tc.want)
	}
	// An empty stream is not an error: nothing to score.
	sum, err := run(ctx, config{Bundle: path, Format: "nslkdd"}, strings.NewReader("\n\n"), io.Discard, io.Discard)
	require.NoError(t, err)
	assert.Zero(t, sum.Rows)
	// A line over 1 MiB is a bad line, not the end of the stream.
	var errs bytes.Buffer
	long := strings.Repeat("9", maxLine+10)
	sum, err = run(ctx, config{Bundle: path, Format: "nslkdd"}, strings.NewReader(testLines[0]+"\n"+long+"\n"+testLines[1]+"\n"), io.Discard, &errs)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Rows)
	assert.Contains(t, errs.String(), `{"bad_line":2,"column":1,"error":"line longer than`)
}

// TestStreamDemo runs the command's default path: a demo model trained at
// start-up.
func TestStreamDemo(t *testing.T) {
	testBundle(t)
	var out bytes.Buffer
	sum, err := run(context.Background(), config{TrainDemo: true, DemoRows: 2000, Format: "nslkdd", Top: 3, Name: "stdin"},
		strings.NewReader(strings.Join(testLines[:100], "\n")), &out, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 100, sum.Rows)
}

// TestStreamRealData streams KDDTest+ through a demo bundle.
func TestStreamRealData(t *testing.T) {
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files to run it")
	}
	if testing.Short() {
		t.Skip("real-data test skipped with -short")
	}
	path := testBundle(t)
	f, err := os.Open(filepath.Join(dir, "KDDTest+.txt"))
	require.NoError(t, err)
	defer f.Close()
	sum, err := run(context.Background(), config{Bundle: path, Format: "nslkdd", Top: 3, Name: "KDDTest+.txt"}, f, io.Discard, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 22544, sum.Rows)
	assert.Zero(t, sum.BadLines)
	assert.Equal(t, 22544, sum.Labelled)
}

// TestStreamXGBoostBundle streams KDDTest+ lines through a bundle of the
// shared XGBoost fixture: alerts carry XGBoost's own contributions summed
// per raw column (row 1: src_bytes +4.8057 in binary_100_contribs.csv).
func TestStreamXGBoostBundle(t *testing.T) {
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files to run it")
	}
	if testing.Short() {
		t.Skip("real-data test skipped with -short")
	}
	fx := nsltest.Fixture(t, "binary_100.json")
	ctx := context.Background()
	train, err := dataset.LoadNSLKDD(filepath.Join(dir, "KDDTrain+_20Percent.txt"))
	require.NoError(t, err)
	pipe, err := features.Fit(ctx, train, features.Reference()...)
	require.NoError(t, err)
	m, err := bundle.LoadXGBoost(fx)
	require.NoError(t, err)
	b, err := bundle.New(pipe, m, 0.5, bundle.Metadata{Name: "xgb"})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "xgb.nwb")
	require.NoError(t, b.Save(path))

	text, err := os.ReadFile(filepath.Join(dir, "KDDTest+.txt"))
	require.NoError(t, err)
	head := strings.Join(strings.SplitN(string(text), "\n", 201)[:200], "\n")
	var out bytes.Buffer
	sum, err := run(ctx, config{Bundle: path, Format: "nslkdd", Top: 3, Name: "KDDTest+.txt"}, strings.NewReader(head), &out, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 200, sum.Rows)
	alerts := decodeLines[alert](t, out.String())
	require.NotEmpty(t, alerts)
	require.Equal(t, 1, alerts[0].Line)
	require.NotEmpty(t, alerts[0].TopFeatures)
	assert.Equal(t, "src_bytes", alerts[0].TopFeatures[0].Name)
	assert.InDelta(t, 4.80571032, alerts[0].TopFeatures[0].Contribution, 1e-4)
	for _, a := range alerts {
		assert.NotEmpty(t, a.TopFeatures, "line %d", a.Line)
	}
}

// BenchmarkStream measures scoring a stream of NSL-KDD lines (parsing,
// scoring, explaining the alerts, writing them) with the demo bundle.
func BenchmarkStream(b *testing.B) {
	path := testBundle(&testing.T{})
	bun, err := bundle.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	text := []byte(strings.Join(testLines, "\n") + "\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		sc, err := newScorer(bun, config{Format: "nslkdd", Top: 3, Name: "bench"}, bytes.NewReader(text), io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if err := sc.run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(testLines))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestStreamFlushesWhileWaiting checks that the lines of the records read
// so far are written before the command waits for more input, and that a
// CSV stream is scored without waiting for more than its first records.
func TestStreamFlushesWhileWaiting(t *testing.T) {
	path := testBundle(t)
	s := dataset.NSLKDDSchema()
	var header []string
	for _, c := range s.Columns {
		header = append(header, c.Name)
	}
	header = append(header, "label", "difficulty")
	for _, tc := range []struct {
		format string
		head   string
	}{
		{"nslkdd", ""},
		{"csv", strings.Join(header, ",") + "\n"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			pr, pw := io.Pipe()
			t.Cleanup(func() { _ = pw.Close() })
			out := &notifyWriter{ch: make(chan struct{}, 1)}
			done := make(chan error, 1)
			go func() {
				cfg := config{Bundle: path, Format: tc.format, CSVComma: ",", CSVLabel: "label", CSVIgnore: []string{"difficulty"}, All: true, Name: "pipe"}
				_, err := run(context.Background(), cfg, pr, out, io.Discard)
				done <- err
			}()
			_, err := io.WriteString(pw, tc.head+strings.Join(testLines[:3], "\n")+"\n")
			require.NoError(t, err)
			// The input stays open: the three records must come out.
			deadline := time.After(10 * time.Second)
			for out.lines() < 3 {
				select {
				case <-out.ch:
				case err := <-done:
					t.Fatalf("run ended before the input: %v", err)
				case <-deadline:
					t.Fatalf("%d lines written while waiting for input, want 3", out.lines())
				}
			}
			require.NoError(t, pw.Close())
			require.NoError(t, <-done)
			assert.Equal(t, 3, out.lines())
		})
	}
}

// notifyWriter counts the lines written to it and signals each write.
type notifyWriter struct {
	mu sync.Mutex
	n  int
	ch chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.n += bytes.Count(p, []byte{'\n'})
	w.mu.Unlock()
	select {
	case w.ch <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *notifyWriter) lines() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}
