package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/dataset"
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
	schema dataset.Schema
	idBase string        // random per-process prefix of generated request IDs
	seq    atomic.Uint64 // request counter for generated request IDs
}

func newServer(b *bundle.Bundle, lim limits, log *slog.Logger) *server {
	var p [4]byte
	_, _ = rand.Read(p[:]) // crypto/rand.Read never fails on supported platforms
	s := &server{b: b, lim: lim.withDefaults(), log: log, schema: b.Pipeline().Schema(), idBase: hex.EncodeToString(p[:])}
	return s
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

type ctxKey struct{}

// requestID returns the ID withRequestID gave r.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

// logInfo is what a handler tells the access log about its request.
type logInfo struct {
	records, failed, attacks int
	errCode                  string
}

type logKey struct{}

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
		id := r.Header.Get("X-Request-ID")
		if !validID(id) {
			id = s.idBase + "-" + strconv.FormatUint(s.seq.Add(1), 10)
		}
		w.Header().Set("X-Request-ID", id)
		info := &logInfo{}
		ctx := r.Context()
		ctx = context.WithValue(ctx, ctxKey{}, id)
		ctx = context.WithValue(ctx, logKey{}, info)
		sw := &statusWriter{ResponseWriter: w}
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
	if li, ok := r.Context().Value(logKey{}).(*logInfo); ok {
		return li
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
	if ct := r.Header.Get("Content-Type"); ct != "" {
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

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.lim.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, r, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
				fmt.Sprintf("request body over %d bytes: send fewer records per request", s.lim.MaxBody))
			return
		}
		writeError(w, r, http.StatusBadRequest, codeBadJSON, "reading the body: "+err.Error())
		return
	}
	raws, err := decodeArray(body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, codeBadJSON, err.Error())
		return
	}
	if len(raws) == 0 {
		writeError(w, r, http.StatusBadRequest, codeEmpty, "the array holds no record")
		return
	}
	if len(raws) > s.lim.MaxBatch {
		writeError(w, r, http.StatusRequestEntityTooLarge, codeBatchTooLarge,
			fmt.Sprintf("%d records: at most %d per request", len(raws), s.lim.MaxBatch))
		return
	}

	resp := scoreResponse{
		RequestID: requestID(r),
		Model:     s.b.Kind().String(),
		Threshold: finite(float64(s.b.Threshold())),
		Results:   make([]result, len(raws)),
	}
	// One record map reused across the batch: ScoreRecord and
	// ExplainRecord read it and keep nothing.
	rec := make(map[string]string, len(s.schema.Columns))
	var vals map[string]json.RawMessage
	for i, raw := range raws {
		res := &resp.Results[i]
		res.Index = i
		clear(rec)
		vals, err = decodeRecord(raw, rec)
		if err == nil {
			err = s.scoreOne(rec, vals, explain, topK, res)
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
	li.records, li.failed, li.attacks = len(raws), resp.Failed, resp.Attacks
	status := http.StatusOK
	if resp.Failed > 0 {
		// The issue asks for a clear 400 when any record is bad; the
		// body still carries every record's result or error.
		status = http.StatusBadRequest
		li.errCode = codeBadRecord
	}
	writeJSON(w, status, resp)
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

// scoreOne scores one decoded record into res.
func (s *server) scoreOne(rec map[string]string, vals map[string]json.RawMessage, explain bool, topK int, res *result) error {
	var out bundle.Result
	var err error
	if explain {
		out, err = s.b.ExplainRecord(rec, topK)
	} else {
		out, err = s.b.ScoreRecord(rec)
	}
	if err != nil {
		return err
	}
	score, attack := out.Score, out.Attack
	res.Score, res.Attack = &score, &attack
	res.Decision = "normal"
	if attack {
		res.Decision = "attack"
	}
	if len(out.TopFeatures) > 0 {
		res.TopFeatures = make([]contribution, len(out.TopFeatures))
		for j, c := range out.TopFeatures {
			res.TopFeatures[j] = contribution{Name: c.Column, Value: vals[c.Column], Contribution: c.Value}
		}
	}
	return nil
}

// decodeArray splits a body holding one JSON array into its elements.
func decodeArray(body []byte) ([]json.RawMessage, error) {
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

// decodeRecord turns one array element into rec (column → value as text)
// and returns the raw JSON values, for echoing them in explanations. A
// value must be a string or a number.
func decodeRecord(raw json.RawMessage, rec map[string]string) (map[string]json.RawMessage, error) {
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
			rec[k] = string(v[1 : len(v)-1]) // no escapes: the text between the quotes
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("column %q: %v", k, err)
			}
			rec[k] = s
		case len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')):
			rec[k] = string(v) // a JSON number is valid strconv.ParseFloat text
		default:
			return nil, fmt.Errorf("column %q: %s is neither a string nor a number", k, v)
		}
	}
	return vals, nil
}
