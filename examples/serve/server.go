package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
	"github.com/netwarden/netwarden/examples/internal/demo"
)

// Limits of the scoring endpoint; a zero field means the default noted.
type limits struct {
	MaxBody  int64 // bytes of a request body; default 1 MiB
	MaxBatch int   // records in one request; default 1000
	TopK     int   // contributions per record when ?top is absent; default 3
	MaxTopK  int   // largest ?top accepted; default 50
	// MaxInFlight is how many scoring requests may hold memory and CPU at
	// once (reading their body, scoring, answering); default GOMAXPROCS.
	// One more waits up to QueueWait for a slot, then gets a 503 with
	// Retry-After: requests never queue without bound.
	MaxInFlight int
	// QueueWait is how long a scoring request waits for a work slot;
	// default 100 ms; negative: not at all.
	QueueWait time.Duration
	// WorkTimeout bounds the work of one request, from the time it gets
	// its slot; default 25 s, below the server's 30 s write timeout, so
	// that the 503 saying so can still be written.
	WorkTimeout time.Duration
	// ReadTimeout is the server's read timeout, named in the 408 answer
	// to a body that arrives too slowly.
	ReadTimeout time.Duration
	// NoExplain makes ?explain=0 the default (-explain=false).
	NoExplain bool
}

func (l limits) withDefaults() limits {
	if l.MaxBody <= 0 {
		l.MaxBody = 1 << 20
	}
	if l.MaxBatch <= 0 {
		l.MaxBatch = 1000
	}
	if l.TopK <= 0 {
		l.TopK = 3
	}
	if l.MaxTopK <= 0 {
		l.MaxTopK = 50
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = runtime.GOMAXPROCS(0)
	}
	if l.QueueWait == 0 {
		l.QueueWait = 100 * time.Millisecond
	}
	if l.WorkTimeout <= 0 {
		l.WorkTimeout = 25 * time.Second
	}
	return l
}

// scorer is what the server asks of its bundle to score a record: a
// *bundle.Bundle, or in tests a model that misbehaves.
type scorer interface {
	ScoreRecord(rec map[string]string) (bundle.Result, error)
	ExplainRecordTo(rec map[string]string, k int, dst []bundle.Contribution) (bundle.Result, error)
}

// server answers the HTTP API. It holds nothing mutable but counters, so
// one server serves any number of concurrent requests.
type server struct {
	b       *bundle.Bundle
	m       scorer // b, unless a test says otherwise
	lim     limits
	log     *slog.Logger
	met     *metrics
	names   []string              // the schema's column names
	cols    map[string]int        // column name → index in names
	known   []map[string]struct{} // per column, the categories training saw (for GET /v1/model)
	hybrid  bool                  // the model is a hybrid: each result says which part its explanation explains
	thresh  *float64              // the threshold as responses hold it, computed once (see finite)
	expl    *demo.Explanation     // what the contributions are, as responses hold it
	idBase  string                // random per-process prefix of generated request IDs
	seq     atomic.Uint64         // request counter for generated request IDs
	work    sync.Pool             // of *scratch: one request's reusable memory
	slots   chan struct{}         // the work slots (see limits.MaxInFlight)
	refused atomic.Uint64         // requests answered 503 because every slot was taken
	gone    atomic.Uint64         // requests whose client left before the answer
}

func newServer(b *bundle.Bundle, lim limits, log *slog.Logger) *server {
	var p [4]byte
	_, _ = rand.Read(p[:]) // crypto/rand.Read never fails on supported platforms
	s := &server{b: b, m: b, lim: lim.withDefaults(), log: log, idBase: hex.EncodeToString(p[:])}
	s.thresh = finite(float64(b.Threshold()))
	e := demo.ExplanationOf(b)
	s.expl = &e
	s.slots = make(chan struct{}, s.lim.MaxInFlight)
	schema := b.Pipeline().Schema()
	s.cols = make(map[string]int, len(schema.Columns))
	cats := make([]bool, len(schema.Columns))
	for i, c := range schema.Columns {
		s.names = append(s.names, c.Name)
		s.cols[c.Name] = i
		cats[i] = c.Kind == dataset.Categorical
	}
	s.known = knownCategories(b, s.cols)
	s.hybrid = b.Kind() == bundle.Hybrid
	s.met = newMetrics(s.names, cats)
	s.work.New = func() any {
		sc := &scratch{
			rec:  make(map[string]string, len(s.names)),
			vals: make([]span, len(s.names)),
		}
		sc.enc = json.NewEncoder(&sc.out)
		return sc
	}
	return s
}

// scratch is the memory one scoring request works in. The server keeps
// used ones in a sync.Pool, so that a warm server allocates almost nothing
// per record: every slice and map here is reused at its grown size. A
// request's body (at most -max-body) and records (at most -max-batch) bound
// how large a pooled scratch can grow.
type scratch struct {
	body      bytes.Buffer          // the request body
	doc       document              // the body once checked, and its text
	records   []span                // where each record lies in the body
	rec       map[string]string     // the record being scored, column → text
	vals      []span                // per schema column, where that record's value lies
	results   []result              // the response's results
	scores    []float64             // what results[i].Score points to: no allocation per record
	attacks   []bool                // what results[i].Attack points to
	explained []bundle.Explained    // what results[i].Explained points to (hybrids)
	contribs  []contribution        // what the results' TopFeatures are slices of
	top       []bundle.Contribution // where the bundle builds each explanation
	resp      scoreResponse         // the response, here so that encoding it does not move it to the heap
	out       bytes.Buffer          // the encoded response
	enc       *json.Encoder         // writes into out
}

// reset readies sc for a request of n records.
func (sc *scratch) reset(n int) {
	sc.results = slices.Grow(sc.results[:0], n)[:n]
	sc.scores = slices.Grow(sc.scores[:0], n)[:n]
	sc.attacks = slices.Grow(sc.attacks[:0], n)[:n]
	sc.explained = slices.Grow(sc.explained[:0], n)[:n]
	sc.contribs = sc.contribs[:0]
	sc.out.Reset()
}

// release returns sc to the pool, dropping what points into this
// request's own allocations (the body's text, through rec and doc) so that
// the pool does not keep them alive.
func (s *server) release(sc *scratch) {
	clear(sc.rec)
	sc.doc = document{}
	sc.resp = scoreResponse{}
	sc.body.Reset()
	s.work.Put(sc)
}

// handler returns the service's routes wrapped in the request-ID and
// logging middleware.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/score", s.score)
	mux.HandleFunc("/v1/model", s.model)
	mux.HandleFunc("/healthz", s.healthz)
	mux.Handle("/metrics", s.met.handler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.URL.Path)
	})
	return s.withRequestID(mux)
}

// Error codes of the JSON error object. They are stable: clients may switch
// on them; the messages are for people.
const (
	codeBadJSON       = "bad_json"        // the body is not a JSON array of records
	codeBadRecord     = "bad_record"      // one record could not be scored (per-record)
	codeBadParam      = "bad_parameter"   // a query parameter is invalid
	codeEmpty         = "empty_batch"     // the array holds no record
	codeBodyTooLarge  = "body_too_large"  // the body exceeds -max-body
	codeBatchTooLarge = "batch_too_large" // more records than -max-batch
	codeMethod        = "method_not_allowed"
	codeMediaType     = "unsupported_media_type"
	codeNonFinite     = "non_finite_result" // the model gave a NaN or infinite score or contribution (per-record)
	codeTimeout       = "body_timeout"      // the body did not arrive within the read timeout (408)
	codeOverloaded    = "overloaded"        // every work slot is taken: retry after Retry-After seconds (503)
	codeDeadline      = "deadline_exceeded" // the work took longer than the server allows (503)
	codeClientGone    = "client_gone"       // the client left before the answer (logged as 499, never sent)
	codeNotFound      = "not_found"
	codeInternal      = "internal" // the answer could not be encoded (500)
)

// allCodes are the codes the metrics count from the start (at zero).
var allCodes = []string{codeBadJSON, codeBadRecord, codeBadParam, codeEmpty, codeBodyTooLarge, codeBatchTooLarge,
	codeMethod, codeMediaType, codeNonFinite, codeTimeout, codeOverloaded, codeDeadline, codeClientGone, codeNotFound, codeInternal}

// statusClientGone is the status the log and the metrics give a request
// whose client left before it was answered (nginx's convention); nothing
// is sent.
const statusClientGone = 499

// apiError is the error object, the same shape everywhere: the body of a
// failed request ({"error": {...}, "request_id": "..."}) and the "error"
// of one result.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error     apiError `json:"error"`
	RequestID string   `json:"request_id"`
}

// contribution is one raw column behind a score: its name, the value the
// client sent (echoed as sent: a JSON number or string) and its signed
// contribution: positive towards "attack", negative towards "normal"; the
// largest in magnitude come first.
type contribution struct {
	Name         string          `json:"name"`
	Value        json.RawMessage `json:"value"`
	Contribution float64         `json:"contribution"`
}

// result is the verdict on one record, or its error. Unseen lists the
// record's categorical columns whose value the training data never held
// (the model scored them as a category it does not know: a sign of drift,
// or of a client spelling values differently, "HTTP" for "http").
type result struct {
	Index       int            `json:"index"`
	Score       *float64       `json:"score,omitempty"`
	Attack      *bool          `json:"attack,omitempty"`
	Decision    string         `json:"decision,omitempty"` // "attack" or "normal"
	TopFeatures []contribution `json:"top_features,omitempty"`
	// Explained says, for a hybrid's explained record, which part (and so
	// which unit) the contributions explain: the part that decided.
	Explained *bundle.Explained `json:"explained,omitempty"`
	Unseen    []string          `json:"unseen,omitempty"`
	Error     *apiError         `json:"error,omitempty"`
}

type scoreResponse struct {
	RequestID string   `json:"request_id"`
	Model     string   `json:"model"`
	Threshold *float64 `json:"threshold"` // null when infinite (the bundle never flags)
	// Explanation says what the top_features' contributions are (only
	// when the records are explained).
	Explanation *demo.Explanation `json:"explanation,omitempty"`
	Scored      int               `json:"scored"`
	Failed      int               `json:"failed"`
	Attacks     int               `json:"attacks"`
	Unseen      int               `json:"unseen"` // records holding at least one unseen category
	Results     []result          `json:"results"`
}

// reqState is what withRequestID keeps for one request and shares with
// the handler through its context. One value rather than three saves
// allocations on every request.
type reqState struct {
	sw  statusWriter
	id  string
	log logInfo
}

type ctxKey struct{}

// requestID returns the ID withRequestID gave r.
func requestID(r *http.Request) string {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return st.id
	}
	return ""
}

// logInfo is what a handler tells the access log about its request.
type logInfo struct {
	records, failed, attacks, unseen int
	errCode                          string
}

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// withRequestID gives each request an ID (the client's X-Request-ID when it
// is short and printable, a generated one otherwise), echoes it in the
// response header and writes one structured log line per request.
func (s *server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// "X-Request-Id" is the canonical form of X-Request-ID: Get and Set
		// need not allocate a canonicalised copy of the key.
		id := r.Header.Get("X-Request-Id")
		if !validID(id) {
			id = s.idBase + "-" + strconv.FormatUint(s.seq.Add(1), 10)
		}
		w.Header().Set("X-Request-Id", id)
		st := &reqState{sw: statusWriter{ResponseWriter: w}, id: id}
		sw, info := &st.sw, &st.log
		ctx := context.WithValue(r.Context(), ctxKey{}, st)
		next.ServeHTTP(sw, r.WithContext(ctx))
		took := time.Since(start)
		status := sw.status
		switch {
		case info.errCode == codeClientGone:
			status = statusClientGone
		case status == 0:
			status = http.StatusOK // the handler wrote nothing: net/http sends an empty 200
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		if info.records > 0 {
			attrs = append(attrs, slog.Int("records", info.records), slog.Int("failed", info.failed),
				slog.Int("attacks", info.attacks), slog.Int("unseen", info.unseen))
		}
		if info.errCode != "" {
			attrs = append(attrs, slog.String("error", info.errCode))
			if info.errCode != codeBadRecord && info.errCode != codeNonFinite {
				s.met.error(info.errCode) // per-record codes are counted per record
			}
		}
		switch info.errCode {
		case codeOverloaded, codeClientGone, codeDeadline:
			// The running totals, so that one log line shows how often.
			attrs = append(attrs, slog.Uint64("refused_total", s.refused.Load()), slog.Uint64("client_gone_total", s.gone.Load()))
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.met.request(r.URL.Path, status, took)
		s.log.LogAttrs(ctx, level, "request", attrs...)
	})
}

// validID accepts client request IDs of up to 64 printable ASCII characters,
// so that a client cannot inject newlines or megabytes into the logs.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func logOf(r *http.Request) *logInfo {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return &st.log
	}
	return &logInfo{}
}

// writeJSON encodes v and writes it with the status. A value that cannot
// be encoded (a NaN, which JSON cannot hold) is a 500 with the JSON error
// body, logged as such, never an empty answer.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeInternal(w, r, err)
		return
	}
	writeBytes(w, status, append(b, '\n'))
}

// writeBytes writes an encoded JSON answer.
func writeBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client may have gone; nothing to do then
}

// writeInternal answers 500 for an answer that could not be encoded. The
// encoder's message names the value (say "unsupported value: NaN"),
// nothing about the host.
func writeInternal(w http.ResponseWriter, r *http.Request, err error) {
	li := logOf(r)
	li.errCode = codeInternal
	body, _ := json.Marshal(errorBody{ // plain strings: cannot fail
		Error:     apiError{Code: codeInternal, Message: "the answer could not be encoded: " + err.Error()},
		RequestID: requestID(r),
	})
	writeBytes(w, http.StatusInternalServerError, append(body, '\n'))
}

// writeError writes the stable error body.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	logOf(r).errCode = code
	writeJSON(w, r, status, errorBody{Error: apiError{Code: code, Message: msg}, RequestID: requestID(r)})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, codeMethod, "use GET")
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{
		"status":   "ok",
		"model":    s.b.Kind().String(),
		"features": s.b.Pipeline().NumFeatures(),
	})
}

// model returns the bundle's metadata: the schema of the records to send,
// the model, the training data and metrics.
func (s *server) model(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, codeMethod, "use GET")
		return
	}
	meta := s.b.Metadata()
	schema := make([]namedColumn, len(meta.Schema))
	for i, c := range meta.Schema {
		schema[i] = namedColumn{Name: c.Name, Kind: c.Kind.String()}
	}
	writeJSON(w, r, http.StatusOK, modelResponse{
		Metadata:    modelMetadata{Metadata: meta, Schema: schema},
		Threshold:   finite(float64(s.b.Threshold())),
		Explanation: s.expl,
		Categories:  s.knownLists(),
	})
}

// namedColumn is a schema column as GET /v1/model gives it: its kind by
// name ("numeric" or "categorical").
type namedColumn struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// modelMetadata is the bundle's metadata with the schema's kinds by name.
type modelMetadata struct {
	bundle.Metadata
	Schema []namedColumn `json:"schema"` // shadows Metadata.Schema, whose kinds are numbers
}

// modelResponse is GET /v1/model's answer: the bundle's metadata, the
// threshold, what the explanations are, and per categorical column the
// values training saw (any other is reported as unseen).
type modelResponse struct {
	Metadata    modelMetadata       `json:"metadata"`
	Threshold   *float64            `json:"threshold"`
	Explanation *demo.Explanation   `json:"explanation"`
	Categories  map[string][]string `json:"categories"`
}

// score handles POST /v1/score: a JSON array of records (objects of raw
// column name → string or number). Query parameters: explain=0 skips the
// explanations; top=K asks for K contributions per record.
//
// A request takes one of the -max-in-flight work slots before it reads its
// body, so that the memory and CPU in use are bounded by the slots, not by
// the clients: with every slot taken it waits up to QueueWait, then gets a
// 503 with Retry-After. Its work stops when its client leaves (the request
// context) or when it has taken WorkTimeout.
func (s *server) score(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, r, http.StatusMethodNotAllowed, codeMethod, "use POST with a JSON array of records")
		return
	}
	// The usual exact "application/json" skips ParseMediaType, which allocates.
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			writeError(w, r, http.StatusUnsupportedMediaType, codeMediaType, "send Content-Type: application/json")
			return
		}
	}
	explain, topK, err := s.params(r)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadParam, err.Error())
		return
	}
	if !s.acquire(w, r) {
		return
	}
	defer s.releaseSlot()
	ctx, cancel := context.WithTimeout(r.Context(), s.lim.WorkTimeout)
	defer cancel()

	sc := s.work.Get().(*scratch)
	defer s.release(sc)
	// A pooled buffer instead of io.ReadAll: no fresh, regrown slice per request.
	if _, err := sc.body.ReadFrom(http.MaxBytesReader(w, r.Body, s.lim.MaxBody)); err != nil {
		s.bodyError(w, r, err)
		return
	}
	doc, records, err := splitArray(sc.body.Bytes(), sc.records)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadJSON, err.Error())
		return
	}
	sc.doc, sc.records = doc, records // records: keep the grown slice for the next request
	if len(records) == 0 {
		writeError(w, r, http.StatusBadRequest, codeEmpty, "the array holds no record")
		return
	}
	if len(records) > s.lim.MaxBatch {
		writeError(w, r, http.StatusRequestEntityTooLarge, codeBatchTooLarge,
			fmt.Sprintf("%d records: at most %d per request", len(records), s.lim.MaxBatch))
		return
	}

	sc.reset(len(records))
	resp := &sc.resp
	*resp = scoreResponse{
		RequestID: requestID(r),
		Model:     s.b.Kind().String(),
		Threshold: s.thresh,
		Results:   sc.results,
	}
	if explain {
		resp.Explanation = s.expl
	}
	li := logOf(r)
	firstCode := "" // of the first failed record
	for i, sp := range records {
		if ctx.Err() != nil {
			s.stopped(w, r, ctx, i, len(records))
			return
		}
		res := &sc.results[i]
		*res = result{Index: i}
		// One record map for the whole batch: ScoreRecord and
		// ExplainRecord read it and keep nothing.
		err := decodeRecord(sc.doc, sp, s.cols, s.names, sc.rec, sc.vals)
		code := codeBadRecord
		if err == nil {
			code, err = s.scoreOne(sc, i, explain, topK)
		}
		if res.Unseen != nil {
			resp.Unseen++
		}
		if err != nil {
			res.Error = &apiError{Code: code, Message: err.Error()}
			res.Score, res.Attack, res.Decision, res.TopFeatures, res.Explained = nil, nil, "", nil, nil
			resp.Failed++
			s.met.failed.Inc()
			s.met.error(code) // per record; the log line's code is not counted again
			if firstCode == "" {
				firstCode = code
			}
			continue
		}
		resp.Scored++
		s.met.scored.Inc()
		if *res.Attack {
			resp.Attacks++
			s.met.alerts.Inc()
		}
	}
	li.records, li.failed, li.attacks, li.unseen = len(records), resp.Failed, resp.Attacks, resp.Unseen
	status := http.StatusOK
	if resp.Failed > 0 {
		// A clear 400 when any record is bad; the body still carries
		// every record's result or error.
		status = http.StatusBadRequest
		li.errCode = firstCode
	}
	// The pooled encoder writes into the pooled buffer, which goes out in
	// one Write: the same bytes as writeJSON, without its per-call encoder.
	// Every number was checked finite, so an error here is a bug: it is a
	// 500 with the JSON error body, logged as such.
	if err := sc.enc.Encode(resp); err != nil {
		writeInternal(w, r, err)
		return
	}
	writeBytes(w, status, sc.out.Bytes())
}

// acquire takes a work slot for r, waiting up to QueueWait. Without one it
// answers 503 with Retry-After (or, when the client has gone, nothing) and
// returns false.
func (s *server) acquire(w http.ResponseWriter, r *http.Request) bool {
	select {
	case s.slots <- struct{}{}:
		s.met.inFlight.Inc()
		return true
	default:
	}
	if s.lim.QueueWait > 0 {
		t := time.NewTimer(s.lim.QueueWait)
		defer t.Stop()
		select {
		case s.slots <- struct{}{}:
			s.met.inFlight.Inc()
			return true
		case <-r.Context().Done():
			s.gone.Add(1)
			logOf(r).errCode = codeClientGone
			return false
		case <-t.C:
		}
	}
	s.refused.Add(1)
	w.Header().Set("Retry-After", "1")
	writeError(w, r, http.StatusServiceUnavailable, codeOverloaded,
		fmt.Sprintf("every one of the %d work slots is taken: retry after 1 s", s.lim.MaxInFlight))
	return false
}

func (s *server) releaseSlot() {
	<-s.slots
	s.met.inFlight.Dec()
}

// stopped ends a request whose context ended after `done` of n records:
// its client left (nothing is sent, the log says 499), or its work took
// longer than WorkTimeout (a 503).
func (s *server) stopped(w http.ResponseWriter, r *http.Request, ctx context.Context, done, n int) {
	li := logOf(r)
	li.records = done
	if r.Context().Err() != nil {
		s.gone.Add(1)
		li.errCode = codeClientGone
		return
	}
	s.refused.Add(1)
	w.Header().Set("Retry-After", "1")
	writeError(w, r, http.StatusServiceUnavailable, codeDeadline,
		fmt.Sprintf("scoring stopped after %d of %d records: the work took longer than %s; send fewer records per request, or ?explain=0", done, n, s.lim.WorkTimeout))
}

// bodyError answers a body that could not be read: too large (413), too
// slow (408), or cut short (400). The messages say nothing about the host:
// the network error, which names both socket addresses, stays out.
func (s *server) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig):
		writeError(w, r, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
			fmt.Sprintf("request body over %d bytes: send fewer records per request", s.lim.MaxBody))
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		msg := "the request body did not arrive in time"
		if s.lim.ReadTimeout > 0 {
			msg = fmt.Sprintf("the request body did not arrive within %s", s.lim.ReadTimeout)
		}
		w.Header().Set("Connection", "close")
		writeError(w, r, http.StatusRequestTimeout, codeTimeout, msg)
	case r.Context().Err() != nil:
		s.gone.Add(1)
		logOf(r).errCode = codeClientGone
	default:
		writeError(w, r, http.StatusBadRequest, codeBadJSON, "the request body ended before its declared length")
	}
}

// finite returns &v, or nil (JSON null) when v is infinite or NaN, which
// JSON cannot hold: a bundle whose threshold is +Inf never flags.
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

// params reads ?explain and ?top.
func (s *server) params(r *http.Request) (explain bool, topK int, err error) {
	q := r.URL.Query()
	explain, topK = !s.lim.NoExplain, s.lim.TopK
	if v := q.Get("explain"); v != "" {
		explain, err = strconv.ParseBool(v)
		if err != nil {
			return false, 0, fmt.Errorf("explain=%q: want 0 or 1", v)
		}
	}
	if v := q.Get("top"); v != "" {
		topK, err = strconv.Atoi(v)
		if err != nil || topK < 1 || topK > s.lim.MaxTopK {
			return false, 0, fmt.Errorf("top=%q: want a whole number from 1 to %d", v, s.lim.MaxTopK)
		}
	}
	return explain, topK, nil
}

// scoreOne scores the record in sc.rec into sc.results[i]. On an error it
// returns the per-record error code: bad_record for a record the pipeline
// refuses, non_finite_result for a NaN or infinite score or contribution
// (which JSON cannot hold, and which no client should act on).
func (s *server) scoreOne(sc *scratch, i int, explain bool, topK int) (string, error) {
	var out bundle.Result
	var err error
	if explain {
		// Into the pooled buffer: the bundle then allocates nothing either.
		out, err = s.m.ExplainRecordTo(sc.rec, topK, sc.top)
		sc.top = out.TopFeatures[:0]
	} else {
		out, err = s.m.ScoreRecord(sc.rec)
	}
	if err != nil {
		return codeBadRecord, err
	}
	if math.IsNaN(out.Score) || math.IsInf(out.Score, 0) {
		return codeNonFinite, fmt.Errorf("the model gave a non-finite score (%v) for this record", out.Score)
	}
	for _, c := range out.TopFeatures {
		if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) {
			return codeNonFinite, fmt.Errorf("the explanation gave column %q a non-finite contribution (%v)", c.Column, c.Value)
		}
	}
	res := &sc.results[i]
	// The bundle names the categorical columns whose value training never
	// saw (its own slices, shared: not modified here).
	res.Unseen = out.Unseen
	for _, name := range out.Unseen {
		if j, ok := s.cols[name]; ok && s.met.unseen[j] != nil {
			s.met.unseen[j].Inc()
		}
	}
	sc.scores[i], sc.attacks[i] = out.Score, out.Attack
	res.Score, res.Attack = &sc.scores[i], &sc.attacks[i] // into the pooled arrays, not new allocations
	res.Decision = "normal"
	if out.Attack {
		res.Decision = "attack"
	}
	if len(out.TopFeatures) > 0 {
		// The contributions of every record share one pooled array; an
		// append that moves it leaves earlier records' slices intact.
		start := len(sc.contribs)
		for _, c := range out.TopFeatures {
			var value json.RawMessage
			if col, ok := s.cols[c.Column]; ok && sc.vals[col].end > 0 {
				v := sc.vals[col]
				value = json.RawMessage(sc.doc.b[v.start:v.end]) // the value as sent, not a copy
			}
			sc.contribs = append(sc.contribs, contribution{Name: c.Column, Value: value, Contribution: c.Value})
		}
		res.TopFeatures = sc.contribs[start:len(sc.contribs):len(sc.contribs)]
		if s.hybrid {
			sc.explained[i] = out.Explained
			res.Explained = &sc.explained[i]
		}
	}
	return "", nil
}
