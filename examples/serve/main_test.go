package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly"
	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
	"github.com/netwarden/netwarden/examples/internal/syncbuf"
	"github.com/netwarden/netwarden/features"
	"github.com/netwarden/netwarden/internal/nsltest"
)

var (
	demoOnce sync.Once
	demoB    *bundle.Bundle
	demoErr  error
	records  []map[string]any // synthetic records, as a client sends them
)

// testBundle trains the demo bundle once for every test, on a small table.
func testBundle(t *testing.T) *bundle.Bundle {
	t.Helper()
	demoOnce.Do(func() {
		demoB, demoErr = demo.Bundle(context.Background(), 3000, 1, "examples/serve")
		if demoErr != nil {
			return
		}
		var tab *dataset.Table
		tab, demoErr = dataset.Synthetic(dataset.SyntheticConfig{Rows: 200, Seed: 7, Attacks: dataset.SyntheticAttacks()})
		if demoErr != nil {
			return
		}
		s := tab.Schema()
		var row dataset.Row
		for i := 0; i < tab.Len(); i++ {
			tab.Row(i, &row)
			rec := map[string]any{}
			for j, c := range s.Columns {
				if c.Kind == dataset.Categorical {
					rec[c.Name] = row.Cat[j]
				} else if j%2 == 0 {
					rec[c.Name] = row.Num[j]
				} else {
					// Numbers as strings are accepted too.
					rec[c.Name] = fmt.Sprint(row.Num[j])
				}
			}
			records = append(records, rec)
		}
	})
	require.NoError(t, demoErr)
	return demoB
}

func newTestServer(t *testing.T, lim limits) *httptest.Server {
	b := testBundle(t)
	if lim.MaxInFlight == 0 {
		lim.MaxInFlight = 64 // the tests of the answers run many clients at once; see load_test.go for the bound
	}
	s := newServer(b, lim, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler())
	t.Cleanup(ts.Close)
	return ts
}

func post(t *testing.T, url string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestScoreHappyPath(t *testing.T) {
	ts := newTestServer(t, limits{})
	b := testBundle(t)
	batch := records[:20]
	resp, body := post(t, ts.URL+"/v1/score", mustJSON(t, batch))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.NotEmpty(t, resp.Header.Get("X-Request-ID"))
	var out scoreResponse
	require.NoError(t, json.Unmarshal(body, &out))
	assert.Equal(t, "isolation_forest", out.Model)
	assert.Equal(t, 20, out.Scored)
	assert.Zero(t, out.Failed)
	require.Len(t, out.Results, 20)
	attacks := 0
	for i, r := range out.Results {
		assert.Equal(t, i, r.Index)
		require.Nil(t, r.Error)
		require.NotNil(t, r.Score)
		// The service gives the bundle's own verdict.
		rec := map[string]string{}
		for k, v := range batch[i] {
			rec[k] = fmt.Sprint(v)
		}
		want, err := b.ScoreRecord(rec)
		require.NoError(t, err)
		assert.InDelta(t, want.Score, *r.Score, 1e-12)
		assert.Equal(t, want.Attack, *r.Attack)
		assert.Equal(t, map[bool]string{true: "attack", false: "normal"}[want.Attack], r.Decision)
		assert.LessOrEqual(t, len(r.TopFeatures), 3)
		for j, c := range r.TopFeatures {
			assert.NotZero(t, c.Contribution)
			assert.Contains(t, batch[i], c.Name)
			assert.NotEmpty(t, c.Value, "the record's value is echoed")
			if j > 0 { // largest in magnitude first, signed
				assert.LessOrEqual(t, math.Abs(c.Contribution), math.Abs(r.TopFeatures[j-1].Contribution))
			}
		}
		if *r.Attack {
			attacks++
		}
	}
	assert.Equal(t, attacks, out.Attacks)

	// ?explain=0 scores without explanations; ?top=1 asks for one column.
	_, body = post(t, ts.URL+"/v1/score?explain=0", mustJSON(t, batch))
	out = scoreResponse{}
	require.NoError(t, json.Unmarshal(body, &out))
	for _, r := range out.Results {
		assert.Empty(t, r.TopFeatures)
	}
	// The top features are the largest in magnitude, signed: with ?top=10
	// some push towards "normal" (negative).
	_, body = post(t, ts.URL+"/v1/score?top=10", mustJSON(t, batch))
	out = scoreResponse{}
	require.NoError(t, json.Unmarshal(body, &out))
	negative, positive := 0, 0
	for _, r := range out.Results {
		for _, c := range r.TopFeatures {
			if c.Contribution < 0 {
				negative++
			} else {
				positive++
			}
		}
	}
	assert.Positive(t, negative, "signed: some top features push towards normal")
	assert.Positive(t, positive)
	_, body = post(t, ts.URL+"/v1/score?top=1", mustJSON(t, batch))
	out = scoreResponse{}
	require.NoError(t, json.Unmarshal(body, &out))
	for _, r := range out.Results {
		assert.LessOrEqual(t, len(r.TopFeatures), 1)
	}
}

func TestScoreBadRecords(t *testing.T) {
	ts := newTestServer(t, limits{})
	testBundle(t)
	missing := map[string]any{}
	for k, v := range records[1] {
		if k != "src_bytes" {
			missing[k] = v
		}
	}
	notNumber := map[string]any{}
	for k, v := range records[2] {
		notNumber[k] = v
	}
	notNumber["duration"] = "twelve"
	boolean := map[string]any{}
	for k, v := range records[3] {
		boolean[k] = v
	}
	boolean["land"] = true
	batch := []any{records[0], missing, notNumber, boolean, "not an object", records[4]}
	resp, body := post(t, ts.URL+"/v1/score", mustJSON(t, batch))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
	var out scoreResponse
	require.NoError(t, json.Unmarshal(body, &out))
	assert.Equal(t, 2, out.Scored)
	assert.Equal(t, 4, out.Failed)
	require.Len(t, out.Results, 6)
	for _, i := range []int{0, 5} {
		assert.Nil(t, out.Results[i].Error, "good record %d is still scored", i)
		assert.NotNil(t, out.Results[i].Score)
	}
	for i, want := range map[int]string{1: "src_bytes", 2: "duration", 3: "land", 4: "JSON object"} {
		r := out.Results[i]
		require.NotNil(t, r.Error, "record %d", i)
		assert.Nil(t, r.Score)
		assert.Equal(t, codeBadRecord, r.Error.Code)
		assert.Contains(t, r.Error.Message, want, "record %d", i)
	}
}

func TestScoreRequestErrors(t *testing.T) {
	ts := newTestServer(t, limits{MaxBody: 4096, MaxBatch: 5})
	testBundle(t)
	big := mustJSON(t, records[:40])
	tests := []struct {
		name, method, path, ctype string
		body                      []byte
		status                    int
		code                      string
	}{
		{"malformed", "POST", "/v1/score", "application/json", []byte(`[{"a": 1}`), 400, codeBadJSON},
		{"object not array", "POST", "/v1/score", "application/json", []byte(`{"a": 1}`), 400, codeBadJSON},
		{"trailing data", "POST", "/v1/score", "application/json", []byte(`[] []`), 400, codeBadJSON},
		{"empty body", "POST", "/v1/score", "application/json", nil, 400, codeBadJSON},
		{"empty batch", "POST", "/v1/score", "application/json", []byte(`[]`), 400, codeEmpty},
		{"body too large", "POST", "/v1/score", "application/json", big, 413, codeBodyTooLarge},
		{"batch too large", "POST", "/v1/score", "application/json", []byte(`[{},{},{},{},{},{}]`), 413, codeBatchTooLarge},
		{"wrong method", "GET", "/v1/score", "", nil, 405, codeMethod},
		{"wrong media type", "POST", "/v1/score", "text/csv", []byte(`[]`), 415, codeMediaType},
		{"bad top", "POST", "/v1/score?top=0", "application/json", []byte(`[{}]`), 400, codeBadParam},
		{"bad explain", "POST", "/v1/score?explain=maybe", "application/json", []byte(`[{}]`), 400, codeBadParam},
		{"not found", "GET", "/v2/score", "", nil, 404, "not_found"},
		{"healthz method", "POST", "/healthz", "", nil, 405, codeMethod},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, bytes.NewReader(tc.body))
			require.NoError(t, err)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			req.Header.Set("X-Request-ID", "test-"+strings.ReplaceAll(tc.name, " ", "-"))
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			var e errorBody
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
			assert.Equal(t, tc.code, e.Error.Code)
			assert.NotEmpty(t, e.Error.Message)
			assert.Equal(t, "test-"+strings.ReplaceAll(tc.name, " ", "-"), e.RequestID)
			if tc.status == 405 {
				assert.NotEmpty(t, resp.Header.Get("Allow"))
			}
		})
	}
}

func TestHealthzAndModel(t *testing.T) {
	ts := newTestServer(t, limits{})
	resp, err := http.Get(ts.URL + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	var h map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
	assert.Equal(t, "ok", h["status"])

	resp2, err := http.Get(ts.URL + "/v1/model")
	require.NoError(t, err)
	defer resp2.Body.Close()
	var m struct {
		Metadata struct {
			Name   string        `json:"name"`
			Model  string        `json:"model"`
			Schema []namedColumn `json:"schema"`
		} `json:"metadata"`
		Threshold   float64             `json:"threshold"`
		Explanation map[string]string   `json:"explanation"`
		Categories  map[string][]string `json:"categories"`
	}
	require.NoError(t, json.NewDecoder(resp2.Body).Decode(&m))
	require.Len(t, m.Metadata.Schema, 41)
	assert.Equal(t, "demo-iforest", m.Metadata.Name)
	assert.Equal(t, "isolation_forest", m.Metadata.Model)
	// The schema's kinds by name, not as the numbers 0 and 1.
	assert.Equal(t, namedColumn{Name: "duration", Kind: "numeric"}, m.Metadata.Schema[0])
	assert.Equal(t, namedColumn{Name: "protocol_type", Kind: "categorical"}, m.Metadata.Schema[1])
	assert.Equal(t, "isolation_forest", m.Explanation["model"])
	assert.Contains(t, m.Explanation["unit"], "path length")
	assert.Contains(t, m.Explanation["sign"], `positive pushes towards "attack"`)
	assert.Equal(t, []string{"icmp", "tcp", "udp"}, m.Categories["protocol_type"])
}

// TestConcurrentClients runs clients in parallel against one server (run
// it with -race): every answer must equal the one a lone client gets.
func TestConcurrentClients(t *testing.T) {
	ts := newTestServer(t, limits{})
	testBundle(t)
	clients, requests := 8, 50
	if testing.Short() {
		requests = 4
	}
	want := make([][]byte, 4)
	for k := range want {
		_, body := post(t, ts.URL+"/v1/score", mustJSON(t, records[k*10:k*10+10]))
		var out scoreResponse
		require.NoError(t, json.Unmarshal(body, &out))
		want[k] = mustJSON(t, out.Results)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients*requests)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < requests; i++ {
				k := (c + i) % len(want)
				body, err := json.Marshal(records[k*10 : k*10+10])
				if err != nil {
					errs <- err
					return
				}
				resp, err := http.Post(ts.URL+"/v1/score", "application/json", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				var out scoreResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				got, _ := json.Marshal(out.Results)
				if resp.StatusCode != 200 || !bytes.Equal(got, want[k]) {
					errs <- fmt.Errorf("client %d request %d: status %d, results differ from a lone client's", c, i, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// slowBody lets a test hold a request in flight: it yields head, then
// blocks until release is closed, then yields tail.
type slowBody struct {
	head, tail []byte
	started    chan struct{}
	release    chan struct{}
	stage      int
}

func (b *slowBody) Read(p []byte) (int, error) {
	switch b.stage {
	case 0:
		b.stage = 1
		close(b.started)
		return copy(p, b.head), nil
	case 1:
		<-b.release
		b.stage = 2
		return copy(p, b.tail), nil
	}
	return 0, io.EOF
}

// TestGracefulShutdown cancels the server's context while a request is in
// flight: the server stops accepting, the request still gets its answer,
// and run returns nil.
func TestGracefulShutdown(t *testing.T) {
	b := testBundle(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		done <- serve(ctx, ln, b, "test", config{ShutdownTimeout: 10 * time.Second}, log, func(a string) { addr <- a })
	}()
	url := "http://" + <-addr + "/v1/score"

	body := mustJSON(t, records[:5])
	sb := &slowBody{head: body[:10], tail: body[10:], started: make(chan struct{}), release: make(chan struct{})}
	type answer struct {
		status int
		out    scoreResponse
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", url, sb)
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var a answer
		a.status = resp.StatusCode
		a.err = json.NewDecoder(resp.Body).Decode(&a.out)
		got <- a
	}()
	<-sb.started
	time.Sleep(100 * time.Millisecond) // let the server read the head
	cancel()
	// Shutdown is under way: run has not returned, the request is held.
	select {
	case err := <-done:
		t.Fatalf("serve returned before the request in flight finished: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(sb.release)
	a := <-got
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, 5, a.out.Scored)
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after the request finished")
	}
	// New connections are refused once stopped.
	_, err = http.Post(url, "application/json", strings.NewReader("[]"))
	assert.Error(t, err)
	assert.Contains(t, logs.String(), `"msg":"shutting down`)
	assert.Contains(t, logs.String(), `"request_id"`)
}

func TestRunFlags(t *testing.T) {
	ctx := context.Background()
	assert.ErrorContains(t, run(ctx, config{Bundle: "x", TrainDemo: true}, nil, nil), "not both")
	assert.ErrorContains(t, run(ctx, config{Bundle: "/nonexistent.nwb"}, nil, nil), "-bundle")
	assert.ErrorContains(t, run(ctx, config{TrainDemo: true, DemoRows: 10}, nil, nil), "-demo-rows")
}

// TestRunNoFlags: given no bundle, the command serves the synthetic demo
// model (not an exit with status 1), and its first log line says so.
func TestRunNoFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncbuf.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		done <- run(ctx, config{Addr: "127.0.0.1:0", DemoRows: 3000}, log, func(a string) { addr <- a })
	}()
	select {
	case <-addr:
	case err := <-done:
		t.Fatal(err)
	}
	cancel()
	require.NoError(t, <-done)
	first, _, _ := strings.Cut(logs.String(), "\n")
	assert.Contains(t, first, `"msg":"serving"`)
	assert.Contains(t, first, "demo Isolation Forest trained at start-up on synthetic traffic (not NSL-KDD")
}

// TestRunDemo runs the command as main does, with -train-demo, and stops it.
func TestRunDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		done <- run(ctx, config{Addr: "127.0.0.1:0", TrainDemo: true, DemoRows: 3000, Seed: 2}, nil, func(a string) { addr <- a })
	}()
	var a string
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + a + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	assert.NoError(t, <-done)
}

// TestServeXGBoostBundle serves a bundle of the shared XGBoost fixture
// (the Python-trained model) and posts KDDTest+ rows as a client would:
// the scores are the bundle's, and the top features are XGBoost's own
// pred_contribs (binary_100_contribs.csv) summed per raw column.
func TestServeXGBoostBundle(t *testing.T) {
	dir := os.Getenv("NSLKDD_DIR")
	if dir == "" {
		t.Skip("real-data test: set NSLKDD_DIR to the folder holding the NSL-KDD files to run it")
	}
	if testing.Short() {
		t.Skip("real-data test skipped with -short (the full run checks it, with 4 parallel clients)")
	}
	fx := filepath.Dir(nsltest.Fixture(t, "binary_100.json"))
	ctx := context.Background()
	train, err := dataset.LoadNSLKDD(filepath.Join(dir, "KDDTrain+_20Percent.txt"))
	require.NoError(t, err)
	test, err := dataset.LoadNSLKDD(filepath.Join(dir, "KDDTest+.txt"))
	require.NoError(t, err)
	pipe, err := features.Fit(ctx, train, features.Reference()...)
	require.NoError(t, err)
	m, err := bundle.LoadXGBoost(filepath.Join(fx, "binary_100.json"))
	require.NoError(t, err)
	b, err := bundle.New(pipe, m, 0.5, bundle.Metadata{Name: "xgb"})
	require.NoError(t, err)
	s := newServer(b, limits{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler())
	defer ts.Close()

	const n = 50
	schema := test.Schema()
	var row dataset.Row
	batch := make([]map[string]any, n)
	for i := range batch {
		test.Row(i, &row)
		batch[i] = map[string]any{}
		for j, c := range schema.Columns {
			if c.Kind == dataset.Categorical {
				batch[i][c.Name] = row.Cat[j]
			} else {
				batch[i][c.Name] = row.Num[j]
			}
		}
	}
	resp, body := post(t, ts.URL+"/v1/score?top=3", mustJSON(t, batch))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var out scoreResponse
	require.NoError(t, json.Unmarshal(body, &out))
	require.Len(t, out.Results, n)

	// The explainer's scratch buffers are shared through a pool: parallel
	// clients get the same answers (run with -race).
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 3; k++ {
				resp, err := http.Post(ts.URL+"/v1/score?top=3", "application/json", bytes.NewReader(mustJSON(t, batch)))
				if !assert.NoError(t, err) {
					return
				}
				var again scoreResponse
				assert.NoError(t, json.NewDecoder(resp.Body).Decode(&again))
				resp.Body.Close()
				assert.Equal(t, out.Results, again.Results)
			}
		}()
	}
	wg.Wait()

	cols, err := os.ReadFile(filepath.Join(fx, "columns.txt"))
	require.NoError(t, err)
	names := strings.Fields(string(cols))
	contribs, err := os.ReadFile(filepath.Join(fx, "binary_100_contribs.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(contribs)), "\n")
	for i, r := range out.Results {
		test.Row(i, &row)
		want, err := b.ScoreRow(&row)
		require.NoError(t, err)
		assert.Equal(t, want.Score, *r.Score)
		// XGBoost's contributions, summed per raw column.
		perCol := map[string]float64{}
		for j, f := range strings.Split(lines[i], ",")[:len(names)] {
			v, err := strconv.ParseFloat(f, 64)
			require.NoError(t, err)
			perCol[strings.SplitN(names[j], "=", 2)[0]] += v
		}
		require.NotEmpty(t, r.TopFeatures, "record %d", i)
		for _, c := range r.TopFeatures {
			assert.InDelta(t, perCol[c.Name], c.Contribution, 1e-4, "record %d column %s", i, c.Name)
			for name, v := range perCol {
				if math.Abs(v) > math.Abs(c.Contribution)+1e-4 { // ranked by magnitude
					assert.True(t, slices.ContainsFunc(r.TopFeatures, func(x contribution) bool { return x.Name == name }),
						"record %d: %s (%g) outranks %s (%g) but is not listed", i, name, v, c.Name, c.Contribution)
				}
			}
		}
	}
}

// BenchmarkScore measures the handler alone (no network): one request of
// `records` records, with and without explanations.
func BenchmarkScore(b *testing.B) {
	t := &testing.T{}
	bun := testBundle(t)
	s := newServer(bun, limits{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h := s.handler()
	for _, n := range []int{1, 100} {
		for _, explain := range []string{"1", "0"} {
			body, err := json.Marshal(records[:n])
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("records=%d/explain=%s", n, explain), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					req := httptest.NewRequest("POST", "/v1/score?explain="+explain, bytes.NewReader(body))
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// TestScoreAllocsPerRecord keeps the handler's promise to the people who
// copy it: a warm server decodes, scores, explains (bundle.ExplainRecordTo
// into a pooled buffer) and encodes a record without allocating.
// Per-request costs (the request, the log line) are the difference of two
// batch sizes apart.
func TestScoreAllocsPerRecord(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	s := newServer(testBundle(t), limits{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	h := s.handler()
	allocs := func(n int, explain string) float64 {
		body := mustJSON(t, records[:n])
		return testing.AllocsPerRun(20, func() {
			req := httptest.NewRequest("POST", "/v1/score?explain="+explain, bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		})
	}
	tests := []struct {
		explain string
		max     float64 // allocations per record
	}{
		{"0", 0.1},
		{"1", 0.1},
	}
	for _, tc := range tests {
		perRecord := (allocs(50, tc.explain) - allocs(1, tc.explain)) / 49
		t.Logf("explain=%s: %.2f allocations per record", tc.explain, perRecord)
		assert.LessOrEqual(t, perRecord, tc.max, "explain=%s", tc.explain)
	}
}

func TestDecodeRecord(t *testing.T) {
	cols := map[string]int{"a": 0, "b": 1, "c": 2}
	names := []string{"a", "b", "c"}
	tests := []struct {
		in   string
		want map[string]string
		err  string
	}{
		{`{"a": "http", "b": 1.5e3, "c": -2}`, map[string]string{"a": "http", "b": "1.5e3", "c": "-2"}, ""},
		{`{"a": "ht\u0074p", "b": "x\"y"}`, map[string]string{"a": "http", "b": `x"y`}, ""},
		{`{}`, map[string]string{}, ""},
		{" {\n\t\"a\" :\r 1 ,  \"b\":\"y\"  } ", map[string]string{"a": "1", "b": "y"}, ""},
		{`{"\u0061": "x", "b\u0000": 1}`, map[string]string{"a": "x"}, ""},
		{`{"zz": "not in the schema", "a": "]}\",[{"}`, map[string]string{"a": `]}",[{`}, ""},
		{`{"a": 1, "a": 2}`, map[string]string{"a": "2"}, ""},
		{`{"a": null}`, nil, `column "a": null is neither`},
		{`{"a": [1]}`, nil, `column "a"`},
		{`{"a": {"b": 1}}`, nil, `column "a"`},
		{`{"b": 1, "zz": {"q": "]"}, "a": 2}`, nil, `column "zz": {"q": "]"} is neither`},
		{`{"z\u007a": true}`, nil, `column "zz": true is neither`},
		{`[1, 2]`, nil, "JSON object"},
		{`"x"`, nil, "JSON object"},
	}
	for _, tc := range tests {
		doc, spans, err := splitArray([]byte("["+tc.in+"]"), nil)
		require.NoError(t, err, tc.in)
		require.Len(t, spans, 1, tc.in)
		rec := map[string]string{"stale": "from the last record"}
		vals := make([]span, len(names))
		err = decodeRecord(doc, spans[0], cols, names, rec, vals)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, rec, tc.in)
	}
}

func TestSplitArray(t *testing.T) {
	tests := []struct {
		in   string
		want []string // the elements' text
		err  string
	}{
		{`[]`, nil, ""},
		{" \f[ ]\n", nil, ""},
		{`[{"a": 1}, "x", 2, [3, "]"], {"b": "}"}, null]`, []string{`{"a": 1}`, `"x"`, `2`, `[3, "]"]`, `{"b": "}"}`, `null`}, ""},
		{"[\n  {\"a\":-1.5e-3}\n ,\n {}\n]", []string{`{"a":-1.5e-3}`, `{}`}, ""},
		{``, nil, "empty body"},
		{`  `, nil, "empty body"},
		{`{"a": 1}`, nil, "must be a JSON array"},
		{`[{"a": 1}`, nil, "malformed JSON: unexpected EOF"},
		{`[{"a": }]`, nil, "malformed JSON: invalid character"},
		{`[] []`, nil, "malformed JSON: data after the array"},
		{`[1] x`, nil, "malformed JSON: data after the array"},
	}
	for _, tc := range tests {
		doc, spans, err := splitArray([]byte(tc.in), nil)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		var got []string
		for _, sp := range spans {
			got = append(got, doc.text[sp.start:sp.end])
		}
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// referenceDecode is the decoder the service had before it walked the body
// in place (json.Decoder into []json.RawMessage, then one map per record):
// slow but plainly right, it is the oracle of FuzzDecode.
func referenceDecode(body []byte) ([]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body: send a JSON array of records")
	}
	if trimmed[0] != '[' {
		return nil, errors.New("the body must be a JSON array of records ([{...}, ...])")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var raws []json.RawMessage
	if err := dec.Decode(&raws); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("malformed JSON: data after the array")
	}
	return raws, nil
}

// referenceRecord is the old per-record decoder (see referenceDecode).
func referenceRecord(raw json.RawMessage, rec map[string]string) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("a record must be a JSON object of column name → value")
	}
	var vals map[string]json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, fmt.Errorf("malformed record: %v", err)
	}
	for k, v := range vals {
		switch {
		case len(v) > 1 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0:
			rec[k] = string(v[1 : len(v)-1])
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("column %q: %v", k, err)
			}
			rec[k] = s
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			rec[k] = string(v)
		default:
			return nil, fmt.Errorf("column %q: %s is neither a string nor a number", k, v)
		}
	}
	return vals, nil
}

// hasDuplicateKey reports whether the JSON object raw repeats a key at its
// top level. The old decoder kept only the last value of a repeated key
// and so never checked the earlier ones; the new one checks every value.
func hasDuplicateKey(raw []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	seen := map[string]bool{}
	depth := 0
	expectKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			expectKey = depth == 1 && tok == json.Delim('{')
			continue
		case json.Delim('}'), json.Delim(']'):
			depth--
			expectKey = depth == 1
			continue
		}
		if depth == 1 {
			if k, ok := tok.(string); ok && expectKey {
				if seen[k] {
					return true
				}
				seen[k] = true
				expectKey = false
				continue
			}
			expectKey = true
		}
	}
}

// FuzzDecode checks the in-place decoder against the old one: the same
// request errors (with the same messages), the same records, the same
// values for every schema column, and an error for a bad record exactly
// when the old decoder gave one (its message may name another of several
// bad columns: the old one picked one in map order).
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`[{"a": "http", "b": 1.5e3, "c": -2}]`,
		`[{"a": "ht\u0074p", "b": "x\"y"}, {"\u0061": 1}]`,
		`[{"a": null}, {"b": [1, "]"]}, "x", 3, {"zz": {"q": "}"}, "c": "0"}]`,
		` [ {"a" : 1 , "b":"y"} , {} ] `,
		`[{"a": 1}`,
		`[] []`,
		`{"a": 1}`,
		``,
	} {
		f.Add([]byte(seed))
	}
	cols := map[string]int{"a": 0, "b": 1, "c": 2}
	names := []string{"a", "b", "c"}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, wantErr := referenceDecode(body)
		doc, spans, err := splitArray(body, nil)
		if wantErr != nil || err != nil {
			require.Error(t, err)
			require.Error(t, wantErr)
			require.Equal(t, wantErr.Error(), err.Error())
			return
		}
		require.Len(t, spans, len(want))
		rec := map[string]string{}
		vals := make([]span, len(names))
		for i, sp := range spans {
			require.Equal(t, string(want[i]), doc.text[sp.start:sp.end], "record %d", i)
			wantRec := map[string]string{}
			wantVals, wantErr := referenceRecord(want[i], wantRec)
			err := decodeRecord(doc, sp, cols, names, rec, vals)
			if err != nil && wantErr == nil && hasDuplicateKey(want[i]) {
				continue // the new decoder also checks a repeated key's earlier values
			}
			require.Equal(t, wantErr != nil, err != nil, "record %d: %v, want %v", i, err, wantErr)
			if err != nil {
				continue
			}
			for k, col := range cols {
				v, ok := wantRec[k]
				got, gotOK := rec[k]
				require.Equal(t, ok, gotOK, "record %d column %s", i, k)
				require.Equal(t, v, got, "record %d column %s", i, k)
				raw := ""
				if vals[col].end > 0 {
					raw = doc.text[vals[col].start:vals[col].end]
				}
				require.Equal(t, string(wantVals[k]), raw, "record %d column %s", i, k)
			}
		}
	})
}

// TestRunBundleFile serves a bundle file, as in production.
func TestRunBundleFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.nwb")
	require.NoError(t, testBundle(t).Save(path))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		done <- run(ctx, config{Addr: "127.0.0.1:0", Bundle: path}, nil, func(a string) { addr <- a })
	}()
	var a string
	select {
	case a = <-addr:
	case err := <-done:
		t.Fatal(err)
	}
	resp, body := post(t, "http://"+a+"/v1/score", mustJSON(t, records[:3]))
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	cancel()
	assert.NoError(t, <-done)
}

// TestInfiniteThreshold serves a bundle that never flags: its threshold
// is JSON null, not a broken body.
func TestInfiniteThreshold(t *testing.T) {
	d := testBundle(t)
	b, err := bundle.New(d.Pipeline(), d.Detector(), anomaly.Threshold(math.Inf(1)), bundle.Metadata{Name: "never"})
	require.NoError(t, err)
	s := newServer(b, limits{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler())
	defer ts.Close()
	resp, body := post(t, ts.URL+"/v1/score", mustJSON(t, records[:3]))
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `"threshold":null`)
	assert.Contains(t, string(body), `"attacks":0`)
}
