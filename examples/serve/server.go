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
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
)

// Limits of the scoring endpoint; a zero field means the default noted.
type limits struct {
	MaxBody  int64 // bytes of a request body; default 1 MiB
	MaxBatch int   // records in one request; default 1000
	TopK     int   // contributions per record when ?top is absent; default 3
	MaxTopK  int   // largest ?top accepted; default 50
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
	return l
}

// server answers the HTTP API. It holds nothing mutable but a request
// counter, so one server serves any number of concurrent requests.
type server struct {
	b      *bundle.Bundle
	lim    limits
	log    *slog.Logger
	names  []string       // the schema's column names
	cols   map[string]int // column name → index in names
	thresh *float64       // the threshold as responses hold it, computed once (see finite)
	idBase string         // random per-process prefix of generated request IDs
	seq    atomic.Uint64  // request counter for generated request IDs
	work   sync.Pool      // of *scratch: one request's reusable memory
}

func newServer(b *bundle.Bundle, lim limits, log *slog.Logger) *server {
	var p [4]byte
	_, _ = rand.Read(p[:]) // crypto/rand.Read never fails on supported platforms
	s := &server{b: b, lim: lim.withDefaults(), log: log, idBase: hex.EncodeToString(p[:])}
	s.thresh = finite(float64(b.Threshold()))
	schema := b.Pipeline().Schema()
	s.cols = make(map[string]int, len(schema.Columns))
	for i, c := range schema.Columns {
		s.names = append(s.names, c.Name)
		s.cols[c.Name] = i
	}
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
	body     bytes.Buffer          // the request body
	doc      document              // the body once checked, and its text
	records  []span                // where each record lies in the body
	rec      map[string]string     // the record being scored, column → text
	vals     []span                // per schema column, where that record's value lies
	results  []result              // the response's results
	scores   []float64             // what results[i].Score points to: no allocation per record
	attacks  []bool                // what results[i].Attack points to
	contribs []contribution        // what the results' TopFeatures are slices of
	top      []bundle.Contribution // where the bundle builds each explanation
	resp     scoreResponse         // the response, here so that encoding it does not move it to the heap
	out      bytes.Buffer          // the encoded response
	enc      *json.Encoder         // writes into out
}

// reset readies sc for a request of n records.
func (sc *scratch) reset(n int) {
	sc.results = slices.Grow(sc.results[:0], n)[:n]
	sc.scores = slices.Grow(sc.scores[:0], n)[:n]
	sc.attacks = slices.Grow(sc.attacks[:0], n)[:n]
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
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path)
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
	codeInternal      = "internal"
)

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

// result is the verdict on one record, or its error.
type result struct {
	Index       int            `json:"index"`
	Score       *float64       `json:"score,omitempty"`
	Attack      *bool          `json:"attack,omitempty"`
	Decision    string         `json:"decision,omitempty"` // "attack" or "normal"
	TopFeatures []contribution `json:"top_features,omitempty"`
	Error       *apiError      `json:"error,omitempty"`
}

type scoreResponse struct {
	RequestID string   `json:"request_id"`
	Model     string   `json:"model"`
	Threshold *float64 `json:"threshold"` // null when infinite (the bundle never flags)
	Scored    int      `json:"scored"`
	Failed    int      `json:"failed"`
	Attacks   int      `json:"attacks"`
	Results   []result `json:"results"`
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
	records, failed, attacks int
	errCode                  string
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
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		if info.records > 0 {
			attrs = append(attrs, slog.Int("records", info.records), slog.Int("failed", info.failed), slog.Int("attacks", info.attacks))
		}
		if info.errCode != "" {
			attrs = append(attrs, slog.String("error", info.errCode))
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client may have gone; nothing to do then
}

// writeError writes the stable error body.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	logOf(r).errCode = code
	writeJSON(w, status, errorBody{Error: apiError{Code: code, Message: msg}, RequestID: requestID(r)})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, codeMethod, "use GET")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
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
	writeJSON(w, http.StatusOK, map[string]any{
		"metadata":  s.b.Metadata(),
		"threshold": finite(float64(s.b.Threshold())),
	})
}

// score handles POST /v1/score: a JSON array of records (objects of raw
// column name → string or number). Query parameters: explain=0 skips the
// explanations; top=K asks for K contributions per record.
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

	sc := s.work.Get().(*scratch)
	defer s.release(sc)
	// A pooled buffer instead of io.ReadAll: no fresh, regrown slice per request.
	if _, err := sc.body.ReadFrom(http.MaxBytesReader(w, r.Body, s.lim.MaxBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, r, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
				fmt.Sprintf("request body over %d bytes: send fewer records per request", s.lim.MaxBody))
			return
		}
		writeError(w, r, http.StatusBadRequest, codeBadJSON, "reading the body: "+err.Error())
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
	for i, sp := range records {
		res := &sc.results[i]
		*res = result{Index: i}
		// One record map for the whole batch: ScoreRecord and
		// ExplainRecord read it and keep nothing.
		err := decodeRecord(sc.doc, sp, s.cols, s.names, sc.rec, sc.vals)
		if err == nil {
			err = s.scoreOne(sc, i, explain, topK)
		}
		if err != nil {
			res.Error = &apiError{Code: codeBadRecord, Message: err.Error()}
			resp.Failed++
			continue
		}
		resp.Scored++
		if *res.Attack {
			resp.Attacks++
		}
	}
	li := logOf(r)
	li.records, li.failed, li.attacks = len(records), resp.Failed, resp.Attacks
	status := http.StatusOK
	if resp.Failed > 0 {
		// The issue asks for a clear 400 when any record is bad; the
		// body still carries every record's result or error.
		status = http.StatusBadRequest
		li.errCode = codeBadRecord
	}
	// The pooled encoder writes into the pooled buffer, which goes out in
	// one Write: the same bytes as writeJSON, without its per-call encoder.
	// An error (a NaN score) leaves the buffer empty, as writeJSON's body.
	_ = sc.enc.Encode(resp)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(sc.out.Bytes()) // the client may have gone; nothing to do then
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
	explain, topK = true, s.lim.TopK
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

// scoreOne scores the record in sc.rec into sc.results[i].
func (s *server) scoreOne(sc *scratch, i int, explain bool, topK int) error {
	var out bundle.Result
	var err error
	if explain {
		// Into the pooled buffer: the bundle then allocates nothing either.
		out, err = s.b.ExplainRecordTo(sc.rec, topK, sc.top)
		sc.top = out.TopFeatures[:0]
	} else {
		out, err = s.b.ScoreRecord(sc.rec)
	}
	if err != nil {
		return err
	}
	res := &sc.results[i]
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
	}
	return nil
}
