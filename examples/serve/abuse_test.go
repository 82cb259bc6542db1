package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/examples/internal/syncbuf"
)

// faulty is a model that misbehaves on cue: a record whose "service" is
// "nan-score" gets a NaN score, "inf-contrib" an infinite contribution;
// every call waits on hold (when not nil) and is counted.
type faulty struct {
	b     *bundle.Bundle
	hold  chan struct{}
	delay time.Duration
	calls atomic.Int64
	start chan struct{} // closed at the first call
	once  atomic.Bool
}

func (f *faulty) enter() {
	f.calls.Add(1)
	if f.start != nil && f.once.CompareAndSwap(false, true) {
		close(f.start)
	}
	if f.hold != nil {
		<-f.hold
	}
	time.Sleep(f.delay)
}

func (f *faulty) doctor(rec map[string]string, r bundle.Result, explained bool) bundle.Result {
	switch rec["service"] {
	case "nan-score":
		r.Score = math.NaN()
	case "inf-contrib":
		if !explained {
			break
		}
		r.TopFeatures = append(r.TopFeatures[:0:0], bundle.Contribution{Column: "src_bytes", Value: math.Inf(1)})
	}
	return r
}

func (f *faulty) ScoreRecord(rec map[string]string) (bundle.Result, error) {
	f.enter()
	svc := rec["service"]
	rec["service"] = "http"
	r, err := f.b.ScoreRecord(rec)
	rec["service"] = svc
	return f.doctor(rec, r, false), err
}

func (f *faulty) ExplainRecordTo(rec map[string]string, k int, dst []bundle.Contribution) (bundle.Result, error) {
	f.enter()
	svc := rec["service"]
	rec["service"] = "http"
	r, err := f.b.ExplainRecordTo(rec, k, dst)
	rec["service"] = svc
	return f.doctor(rec, r, true), err
}

// logLines parses the JSON log lines in buf.
func logLines(t *testing.T, buf string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// requestLog returns the access-log line of the request with the given ID.
func requestLog(t *testing.T, logs *syncbuf.Buffer, id string) map[string]any {
	t.Helper()
	var line map[string]any
	require.Eventually(t, func() bool {
		for _, l := range logLines(t, logs.String()) {
			if l["msg"] == "request" && l["request_id"] == id {
				line = l
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond, "no log line for request %s", id)
	return line
}

func withService(i int, svc string) map[string]any {
	r := map[string]any{}
	for k, v := range records[i] {
		r[k] = v
	}
	r["service"] = svc
	return r
}

// newFaultyServer serves testBundle through f, logging into logs.
func newFaultyServer(t *testing.T, lim limits, f *faulty, logs *syncbuf.Buffer) (*server, *httptest.Server) {
	t.Helper()
	f.b = testBundle(t)
	s := newServer(f.b, lim, slog.New(slog.NewJSONHandler(logs, nil)))
	s.m = f
	ts := httptest.NewServer(s.handler())
	t.Cleanup(ts.Close)
	return s, ts
}

func postID(t *testing.T, ctx context.Context, url, id string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-ID", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// TestNonFiniteIsPerRecordError: a NaN score or an infinite contribution
// is that record's error; the other records are scored, and the answer is
// a complete JSON body, never an empty 200.
func TestNonFiniteIsPerRecordError(t *testing.T) {
	var logs syncbuf.Buffer
	_, ts := newFaultyServer(t, limits{MaxInFlight: 4}, &faulty{}, &logs)
	batch := []any{records[0], withService(1, "nan-score"), withService(2, "inf-contrib"), records[3]}
	for _, q := range []string{"", "?explain=0"} {
		resp, body, err := postID(t, context.Background(), ts.URL+"/v1/score"+q, "nonfinite"+q, mustJSON(t, batch))
		require.NoError(t, err)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
		var out scoreResponse
		require.NoError(t, json.Unmarshal(body, &out), string(body))
		require.Len(t, out.Results, 4)
		assert.NotNil(t, out.Results[0].Score)
		assert.NotNil(t, out.Results[3].Score)
		nan := out.Results[1]
		require.NotNil(t, nan.Error)
		assert.Equal(t, codeNonFinite, nan.Error.Code)
		assert.Contains(t, nan.Error.Message, "non-finite score")
		assert.Nil(t, nan.Score)
		inf := out.Results[2]
		if q == "" { // only an explanation holds contributions
			require.NotNil(t, inf.Error)
			assert.Equal(t, codeNonFinite, inf.Error.Code)
			assert.Contains(t, inf.Error.Message, `column "src_bytes"`)
			assert.Equal(t, 2, out.Failed)
		} else {
			assert.Nil(t, inf.Error)
			assert.Equal(t, 1, out.Failed)
		}
		assert.Equal(t, codeNonFinite, requestLog(t, &logs, "nonfinite"+q)["error"])
	}
	// Per record: two, then one.
	assert.Contains(t, scrape(t, ts.URL), `netwarden_serve_errors_total{code="non_finite_result"} 3`)
	assert.Contains(t, scrape(t, ts.URL), `netwarden_serve_errors_total{code="bad_record"} 0`)
}

// TestEncodingFailureIs500: an answer that cannot be encoded is a 500 with
// the JSON error body, logged at level ERROR with status 500.
func TestEncodingFailureIs500(t *testing.T) {
	var logs syncbuf.Buffer
	s := newServer(testBundle(t), limits{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	h := s.withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r, http.StatusOK, map[string]float64{"score": math.Inf(1)})
	}))
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("X-Request-ID", "enc")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	var e errorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
	assert.Equal(t, codeInternal, e.Error.Code)
	assert.Contains(t, e.Error.Message, "could not be encoded")
	assert.Equal(t, "enc", e.RequestID)
	l := requestLog(t, &logs, "enc")
	assert.Equal(t, float64(500), l["status"])
	assert.Equal(t, "ERROR", l["level"])
	assert.Equal(t, codeInternal, l["error"])
}

// TestOverloadedIs503: with every work slot taken, one more request waits
// QueueWait, then gets 503 overloaded with Retry-After, counted in its log
// line and in the metrics; the request holding the slot still finishes.
func TestOverloadedIs503(t *testing.T) {
	var logs syncbuf.Buffer
	f := &faulty{hold: make(chan struct{}), start: make(chan struct{})}
	_, ts := newFaultyServer(t, limits{MaxInFlight: 1, QueueWait: 20 * time.Millisecond}, f, &logs)
	first := make(chan int, 1)
	go func() {
		resp, _, err := postID(t, context.Background(), ts.URL+"/v1/score", "holder", mustJSON(t, records[:2]))
		if err != nil {
			first <- -1
			return
		}
		first <- resp.StatusCode
	}()
	<-f.start // the first request holds the only slot
	for i := range 3 {
		resp, body, err := postID(t, context.Background(), ts.URL+"/v1/score", fmt.Sprint("refused-", i), mustJSON(t, records[:2]))
		require.NoError(t, err)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		assert.Equal(t, "1", resp.Header.Get("Retry-After"))
		var e errorBody
		require.NoError(t, json.Unmarshal(body, &e))
		assert.Equal(t, codeOverloaded, e.Error.Code)
	}
	close(f.hold)
	assert.Equal(t, http.StatusOK, <-first)
	l := requestLog(t, &logs, "refused-2")
	assert.Equal(t, float64(503), l["status"])
	assert.Equal(t, codeOverloaded, l["error"])
	assert.Equal(t, float64(3), l["refused_total"])
	assert.Contains(t, scrape(t, ts.URL), `netwarden_serve_errors_total{code="overloaded"} 3`)
	assert.Contains(t, scrape(t, ts.URL), `netwarden_serve_requests_total{code="503",route="/v1/score"} 3`)
}

// TestClientGoneStopsWork: a client that leaves mid-request stops the
// work: the records after its departure are not scored, and the log says
// 499 client_gone with the running total.
func TestClientGoneStopsWork(t *testing.T) {
	var logs syncbuf.Buffer
	f := &faulty{delay: 5 * time.Millisecond, start: make(chan struct{})}
	_, ts := newFaultyServer(t, limits{MaxInFlight: 2}, f, &logs)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := postID(t, ctx, ts.URL+"/v1/score", "gone", mustJSON(t, records[:200]))
		errc <- err
	}()
	<-f.start
	cancel() // the client hangs up after the first record
	require.Error(t, <-errc)
	l := requestLog(t, &logs, "gone")
	assert.Equal(t, float64(statusClientGone), l["status"])
	assert.Equal(t, codeClientGone, l["error"])
	assert.Equal(t, float64(1), l["client_gone_total"])
	assert.Less(t, f.calls.Load(), int64(100), "the work went on after the client left")
	assert.Contains(t, scrape(t, ts.URL), `netwarden_serve_errors_total{code="client_gone"} 1`)
}

// TestWorkTimeout: work longer than WorkTimeout stops with a 503.
func TestWorkTimeout(t *testing.T) {
	var logs syncbuf.Buffer
	f := &faulty{delay: 10 * time.Millisecond}
	_, ts := newFaultyServer(t, limits{MaxInFlight: 2, WorkTimeout: 50 * time.Millisecond}, f, &logs)
	resp, body, err := postID(t, context.Background(), ts.URL+"/v1/score", "slow", mustJSON(t, records[:100]))
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	var e errorBody
	require.NoError(t, json.Unmarshal(body, &e))
	assert.Equal(t, codeDeadline, e.Error.Code)
	assert.Contains(t, e.Error.Message, "of 100 records")
	assert.Less(t, f.calls.Load(), int64(50))
}

// TestSlowBodyIs408: a body that does not arrive within the read timeout
// is a 408 whose message names no socket address.
func TestSlowBodyIs408(t *testing.T) {
	b := testBundle(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncbuf.Buffer
	done := make(chan error, 1)
	addr := make(chan string, 1)
	go func() {
		done <- serve(ctx, ln, b, "test", config{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 5 * time.Second},
			slog.New(slog.NewJSONHandler(&logs, nil)), func(a string) { addr <- a })
	}()
	a := <-addr
	defer func() { cancel(); <-done }()

	conn, err := net.DialTimeout("tcp", a, time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = fmt.Fprintf(conn, "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-ID: slowbody\r\nContent-Length: 1000\r\n\r\n[{\"a\":")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode, string(body))
	var e errorBody
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	assert.Equal(t, codeTimeout, e.Error.Code)
	assert.Contains(t, e.Error.Message, "within 300ms")
	host, port, _ := net.SplitHostPort(a)
	for _, leak := range []string{host, port, "tcp", "i/o timeout"} {
		assert.NotContains(t, string(body), leak)
	}
	assert.Equal(t, float64(408), requestLog(t, &logs, "slowbody")["status"])
}

// TestUnseenCategory: a categorical value training never saw is reported
// per record, counted in the answer, the log and the metrics; the record
// is still scored.
func TestUnseenCategory(t *testing.T) {
	var logs syncbuf.Buffer
	b := testBundle(t)
	s := newServer(b, limits{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	ts := httptest.NewServer(s.handler())
	defer ts.Close()
	odd := withService(1, "HTTP")
	odd["flag"] = "SF-not-a-flag"
	batch := []any{records[0], odd, withService(2, "HTTP")}
	resp, body, err := postID(t, context.Background(), ts.URL+"/v1/score", "unseen", mustJSON(t, batch))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var out scoreResponse
	require.NoError(t, json.Unmarshal(body, &out))
	assert.Empty(t, out.Results[0].Unseen)
	assert.Equal(t, []string{"service", "flag"}, out.Results[1].Unseen)
	assert.Equal(t, []string{"service"}, out.Results[2].Unseen)
	assert.NotNil(t, out.Results[1].Score, "an unseen category is reported, and the record scored")
	assert.Equal(t, 2, out.Unseen)
	assert.Equal(t, float64(2), requestLog(t, &logs, "unseen")["unseen"])
	m := scrape(t, ts.URL)
	assert.Contains(t, m, `netwarden_serve_unseen_categories_total{column="service"} 2`)
	assert.Contains(t, m, `netwarden_serve_unseen_categories_total{column="flag"} 1`)
	assert.Contains(t, m, `netwarden_serve_unseen_categories_total{column="protocol_type"} 0`)
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestMetrics: /metrics serves every metric the documentation lists, with
// the counts of the requests made.
func TestMetrics(t *testing.T) {
	b := testBundle(t)
	s := newServer(b, limits{}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler())
	defer ts.Close()
	resp, body := post(t, ts.URL+"/v1/score", mustJSON(t, records[:50]))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out scoreResponse
	require.NoError(t, json.Unmarshal(body, &out))
	post(t, ts.URL+"/v1/score", []byte(`[{"duration": "x"}]`))
	http.Get(ts.URL + "/nowhere")
	m := scrape(t, ts.URL)
	for _, want := range []string{
		`netwarden_serve_requests_total{code="200",route="/v1/score"} 1`,
		`netwarden_serve_requests_total{code="400",route="/v1/score"} 1`,
		`netwarden_serve_requests_total{code="404",route="other"} 1`,
		`netwarden_serve_records_total{outcome="scored"} 50`,
		`netwarden_serve_records_total{outcome="failed"} 1`,
		`netwarden_serve_errors_total{code="bad_record"} 1`,
		`netwarden_serve_errors_total{code="not_found"} 1`,
		fmt.Sprintf("netwarden_serve_alerts_total %d", out.Attacks),
		`netwarden_serve_request_duration_seconds_bucket{route="/v1/score",le="+Inf"} 2`,
		`netwarden_serve_in_flight_requests 0`,
		`netwarden_serve_unseen_categories_total{column="service"} 0`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		assert.Contains(t, m, want)
	}
	assert.Positive(t, out.Attacks, "the batch holds attacks, so the alert count is checked")
}

// TestExplainDefault: -explain=false makes unexplained answers the
// default, ?explain=1 still explains, and an explained answer says what its
// contributions are.
func TestExplainDefault(t *testing.T) {
	b := testBundle(t)
	s := newServer(b, limits{NoExplain: true}, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler())
	defer ts.Close()
	for q, explained := range map[string]bool{"": false, "?explain=1": true} {
		_, body := post(t, ts.URL+"/v1/score"+q, mustJSON(t, records[:10]))
		var out scoreResponse
		require.NoError(t, json.Unmarshal(body, &out))
		n := 0
		for _, r := range out.Results {
			n += len(r.TopFeatures)
		}
		assert.Equal(t, explained, n > 0, q)
		assert.Equal(t, explained, out.Explanation != nil, q)
		if explained {
			assert.Equal(t, "isolation_forest", out.Explanation.Model)
			assert.Contains(t, out.Explanation.Unit, "path length (edges), negated")
		}
	}
}
