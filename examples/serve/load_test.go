package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadResult is what one load run saw.
type loadResult struct {
	ok, refused, other int
	peakHeap           uint64 // peak HeapInuse above the baseline, bytes
	slowest            time.Duration
	took               time.Duration
}

// runLoad sends clients concurrent requests of body (one each, all at
// once) to a loopback server with the given limits, sampling the heap
// every 5 ms, and returns what came back. Every request has a client
// timeout, so the run is bounded in time as in count.
func runLoad(t *testing.T, lim limits, clients int, body []byte) loadResult {
	t.Helper()
	s := newServer(testBundle(t), lim, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.handler()) // 127.0.0.1 only
	defer ts.Close()
	client := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
	}
	defer client.CloseIdleConnections()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > base && m.HeapInuse-base > peak.Load() {
					peak.Store(m.HeapInuse - base)
				}
			}
		}
	}()

	var res loadResult
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	gate := make(chan struct{})
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			t0 := time.Now()
			req, _ := http.NewRequestWithContext(context.Background(), "POST", ts.URL+"/v1/score", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			code := 0
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
				if code == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
					code = -1 // a 503 without Retry-After counts as "other"
				}
			}
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			switch code {
			case http.StatusOK:
				res.ok++
			case http.StatusServiceUnavailable:
				res.refused++
			default:
				res.other++
			}
			res.slowest = max(res.slowest, d)
		}()
	}
	close(gate)
	wg.Wait()
	res.took = time.Since(start)
	close(stop)
	<-sampled
	res.peakHeap = peak.Load()
	return res
}

// maxSizeBody returns a JSON array of n records, as large as a request
// may be: n is -max-batch and the body stays under -max-body.
func maxSizeBody(t *testing.T, n int) []byte {
	t.Helper()
	batch := make([]map[string]any, n)
	for i := range batch {
		batch[i] = records[i%len(records)]
	}
	return mustJSON(t, batch)
}

// TestLoadBounded is the load test: 100 concurrent maximum-size explained
// requests (1000 records, about 0.9 MiB each) at a loopback server with
// the default work slots (GOMAXPROCS). The heap stays flat, bounded by the
// slots and not by the clients, and the requests beyond what the slots
// take in -queue-wait get a 503 with Retry-After at once instead of
// queueing; every request is answered. With -short: 20 requests of 200
// records. It runs in CI.
func TestLoadBounded(t *testing.T) {
	testBundle(t)
	clients, n := 100, 1000
	if testing.Short() {
		clients, n = 20, 200
	}
	if raceEnabled {
		n = 60 // the race detector makes an explanation about 100 times slower
	}
	body := maxSizeBody(t, n)
	// The defaults (GOMAXPROCS slots, 100 ms queue wait, 1 MiB bodies, 1000
	// records), but the work timeout, which a loaded machine could reach.
	lim := limits{WorkTimeout: 2 * time.Minute}
	if testing.Short() || raceEnabled {
		// Small requests can finish within the default 100 ms queue wait,
		// so that no client is ever refused; a wait shorter than one
		// request keeps the overload the test is about.
		lim.QueueWait = time.Millisecond
	}
	require.Less(t, len(body), 1<<20, "the body is under -max-body")
	got := runLoad(t, lim, clients, body)
	slots := runtime.GOMAXPROCS(0)
	t.Logf("%d clients × %d records (%d KiB) on %d slots: %d ok, %d refused (503), %d other; peak heap +%.1f MiB; slowest answer %s; all in %s",
		clients, n, len(body)>>10, slots, got.ok, got.refused, got.other, float64(got.peakHeap)/(1<<20), got.slowest.Round(time.Millisecond), got.took.Round(time.Millisecond))
	assert.Zero(t, got.other, "every answer is a 200 or a 503 with Retry-After")
	assert.GreaterOrEqual(t, got.ok, min(slots, clients), "the slots' requests are scored")
	assert.Positive(t, got.refused, "requests beyond the slots are refused, not queued")
	// Each request in a slot holds its body, the body's string copy and its
	// answer: about 4 bodies' worth. Every client's at once would be
	// clients × that (about 400 MiB for 100 maximum-size requests).
	perRequest := uint64(4 * len(body))
	bound := uint64(slots)*perRequest + 32<<20
	assert.Less(t, got.peakHeap, bound, "peak heap %.1f MiB over the bound of %d slots (%.1f MiB)",
		float64(got.peakHeap)/(1<<20), slots, float64(bound)/(1<<20))
	if !testing.Short() {
		assert.Less(t, got.peakHeap, uint64(clients)*perRequest/4, "the heap grows with the slots, not with the clients")
	}
}

// TestLoadUnbounded is the same load with as many slots as clients, the
// service as it was without its bound: it shows what the bound saves (see
// its log line). It takes about a minute of both cores, so it runs only
// when SERVE_LOAD_UNBOUNDED=1.
func TestLoadUnbounded(t *testing.T) {
	if os.Getenv("SERVE_LOAD_UNBOUNDED") != "1" {
		t.Skip("the unbounded comparison (about a minute of every core) runs with SERVE_LOAD_UNBOUNDED=1")
	}
	testBundle(t)
	clients, n := 100, 1000
	got := runLoad(t, limits{MaxInFlight: clients, WorkTimeout: 5 * time.Minute}, clients, maxSizeBody(t, n))
	t.Logf("unbounded (%d slots): %d ok, %d refused, %d other; peak heap +%.1f MiB; slowest answer %s; all in %s",
		clients, got.ok, got.refused, got.other, float64(got.peakHeap)/(1<<20), got.slowest.Round(time.Millisecond), got.took.Round(time.Millisecond))
	assert.Equal(t, clients, got.ok)
}
