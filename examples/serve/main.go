// Command serve is an HTTP scoring service for a netwarden bundle (a fitted
// feature pipeline, a model and its threshold in one file, see package
// anomaly/bundle).
//
// POST /v1/score takes a JSON array of records, each an object of raw column
// name → value (a string or a number; GET /v1/model lists the columns), and
// answers, for each record in order, its score, its decision ("attack" or
// "normal"), the raw columns with the largest contributions to its score in
// magnitude, each signed, and the categorical columns holding a value the
// training data never held:
//
//	curl -s localhost:8080/v1/score -H 'Content-Type: application/json' \
//	  -d '[{"duration":0,"protocol_type":"tcp","service":"http", ...}]'
//	{"request_id":"…","model":"isolation_forest","threshold":0.57,
//	 "explanation":{"model":"isolation_forest","method":"exact TreeSHAP","per":"raw column",
//	                "unit":"expected path length, negated","sign":"positive pushes towards \"attack\""},
//	 "scored":1,"failed":0,"attacks":0,"unseen":0,
//	 "results":[{"index":0,"score":0.43,"attack":false,"decision":"normal",
//	             "top_features":[{"name":"src_bytes","value":181,"contribution":-0.08}, …]}]}
//
// ?top=K asks for K columns (default 3); ?explain=0 skips the explanations.
// Every model a bundle holds explains itself (exact TreeSHAP): a
// contribution is positive towards "attack", negative towards "normal", in
// the model's own unit, which the answer's "explanation" names (an Isolation
// Forest's path length, negated; a Random Forest's P(attack); XGBoost's
// margin, as its pred_contribs). Explaining costs milliseconds a record
// where scoring costs microseconds (exact TreeSHAP: about 1.4 ms for the
// demo Isolation Forest, 3.7 ms for a Random Forest of 100 unpruned trees,
// against 3–5 µs to score; BenchmarkAlertCost in examples/stream): a
// client that needs only decisions sends ?explain=0, and -explain=false
// makes that the default.
//
// A record whose categorical value training never saw ("HTTP" where
// training saw "http") is still scored, as the pipeline scores an unknown
// category, but its result lists the column under "unseen", the answer
// counts such records, and the metrics count them per column: drift shows.
//
// A body that is not a JSON array is a 400 for the whole request; when some
// records are bad, the answer is a 400 whose body still holds every record's
// result, the bad ones with their own error object (bad_record; a NaN or
// infinite score or contribution is non_finite_result). Errors have one
// shape: {"error": {"code": "...", "message": "..."}, "request_id": "..."},
// with stable codes; an answer that cannot be encoded is a 500 (internal),
// never an empty 200.
//
// Load is bounded: at most -max-in-flight scoring requests (default
// GOMAXPROCS) read, score and answer at once; one more waits up to
// -queue-wait, then gets 503 overloaded with Retry-After: 1. The work of a
// request stops when its client goes away (logged with status 499,
// client_gone) or after -work-timeout (503 deadline_exceeded). A slot is
// taken before the body is read, so that the memory in use is bounded by
// the slots (each holds at most -max-body of body and its answer), not by
// the clients; a client that sends its body slowly holds its slot until
// -read-timeout, when the body that did not arrive is a 408 body_timeout. Each of these
// log lines carries the running totals refused_total and client_gone_total.
//
// GET /healthz says the service is up. GET /metrics serves Prometheus
// metrics (requests by route and status, latency histogram, requests in
// flight, records scored and failed, errors by code, unseen categories by
// column, alerts, and the Go runtime's). Logs are JSON lines (log/slog) on
// stderr, one per request with its ID (the client's X-Request-ID or a
// generated one, echoed in the response).
//
// A bundle that pseudonymises identifiers (features.Pseudonymize) needs its
// key: -key-file FILE (the file's bytes, one trailing line end removed;
// chmod 600 it) or the environment variable NETWARDEN_PSEUDONYM_KEY. The key
// is never taken as a flag's value, which any user of the machine sees in ps.
//
// Run it on a bundle written by examples/nslkdd or examples/xgboost, or,
// given no bundle, on a demo Isolation Forest trained at start-up on
// synthetic traffic (not NSL-KDD; the first log line says so). Build it and
// run the binary, so that SIGTERM or SIGINT reaches the server, which then
// stops accepting connections and lets requests in flight finish (up to
// -shutdown-timeout); under go run the signal goes to the go tool:
//
//	go build -o serve ./examples/serve
//	./serve -bundle model.nwb -addr :8080
//	NETWARDEN_PSEUDONYM_KEY="$(cat /run/secrets/nw-key)" ./serve -bundle flows.nwb
//	./serve                        # the synthetic demo model, offline
//	go run ./examples/serve        # a try-out; stop it with Ctrl-C
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/netwarden/netwarden/anomaly/bundle"
	"github.com/netwarden/netwarden/examples/internal/demo"
)

// config is the command line.
type config struct {
	Addr            string
	Bundle          string
	TrainDemo       bool
	KeyFile         string
	Explain         bool // explain when the request has no ?explain=
	DemoRows        int
	Seed            uint64
	Lim             limits
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Addr, "addr", "localhost:8080", "listen address (host:port; :8080 listens on every interface)")
	flag.StringVar(&cfg.Bundle, "bundle", "", "bundle file to serve (written by examples/nslkdd, examples/xgboost or bundle.Save)")
	flag.BoolVar(&cfg.TrainDemo, "train-demo", false, "train a demo Isolation Forest on synthetic traffic at start-up (offline; not NSL-KDD); the default without -bundle")
	flag.StringVar(&cfg.KeyFile, "key-file", "", "file holding the pseudonymisation key of a bundle that needs one (else the environment variable "+demo.KeyEnv+")")
	flag.BoolVar(&cfg.Explain, "explain", true, "explain each record when the request has no ?explain= (false: only on ?explain=1)")
	flag.IntVar(&cfg.Lim.MaxInFlight, "max-in-flight", runtime.GOMAXPROCS(0), "scoring requests worked on at once (default GOMAXPROCS); more wait -queue-wait, then get 503")
	flag.DurationVar(&cfg.Lim.QueueWait, "queue-wait", 100*time.Millisecond, "how long a scoring request waits for a work slot before its 503")
	flag.DurationVar(&cfg.Lim.WorkTimeout, "work-timeout", 25*time.Second, "longest work on one request (then 503); keep it below -write-timeout")
	flag.IntVar(&cfg.DemoRows, "demo-rows", 20000, "rows of synthetic traffic for -train-demo")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed for -train-demo")
	flag.Int64Var(&cfg.Lim.MaxBody, "max-body", 1<<20, "largest request body, in bytes (larger: 413)")
	flag.IntVar(&cfg.Lim.MaxBatch, "max-batch", 1000, "most records in one request (more: 413)")
	flag.IntVar(&cfg.Lim.TopK, "top", 3, "contributing columns returned per record when the request has no ?top=")
	flag.IntVar(&cfg.Lim.MaxTopK, "max-top", 50, "largest ?top= accepted")
	flag.DurationVar(&cfg.ReadTimeout, "read-timeout", 10*time.Second, "time to read a whole request, body included")
	flag.DurationVar(&cfg.WriteTimeout, "write-timeout", 30*time.Second, "time from the end of the request headers to the end of the response")
	flag.DurationVar(&cfg.IdleTimeout, "idle-timeout", 60*time.Second, "how long a keep-alive connection may wait for its next request")
	flag.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "on SIGTERM, how long requests in flight may take to finish")
	flag.Parse()

	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg.Lim.NoExplain = !cfg.Explain
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("serve: stopped", "error", err.Error())
		os.Exit(1)
	}
}

// load returns the bundle to serve and a sentence saying where it came from.
func load(ctx context.Context, cfg config) (*bundle.Bundle, string, error) {
	switch {
	case cfg.Bundle != "" && cfg.TrainDemo:
		return nil, "", errors.New("give -bundle FILE or -train-demo, not both")
	case cfg.Bundle != "":
		b, err := bundle.Load(cfg.Bundle)
		if err != nil {
			return nil, "", fmt.Errorf("-bundle: %w", err)
		}
		note, err := demo.ApplyKey(b, cfg.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("-bundle %s: %w", cfg.Bundle, err)
		}
		source := "bundle file " + cfg.Bundle
		if note != "" {
			source += " (" + note + ")"
		}
		return b, source, nil
	default:
		if cfg.DemoRows == 0 {
			cfg.DemoRows = 20000
		}
		if cfg.DemoRows < 1000 {
			return nil, "", errors.New("-demo-rows: at least 1000")
		}
		b, err := demo.Bundle(ctx, cfg.DemoRows, cfg.Seed, "examples/serve")
		if err != nil {
			return nil, "", fmt.Errorf("-train-demo: %w", err)
		}
		return b, "demo Isolation Forest trained at start-up on synthetic traffic (not NSL-KDD; give -bundle FILE for a real model)", nil
	}
}

// run serves until ctx is cancelled, then shuts down gracefully. ready, when
// not nil, is called with the listening address once the server accepts
// connections.
func run(ctx context.Context, cfg config, log *slog.Logger, ready func(addr string)) error {
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	b, source, err := load(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	return serve(ctx, ln, b, source, cfg, log, ready)
}

// serve runs the HTTP server on ln until ctx is cancelled.
func serve(ctx context.Context, ln net.Listener, b *bundle.Bundle, source string, cfg config, log *slog.Logger, ready func(string)) error {
	if cfg.Lim.ReadTimeout == 0 {
		cfg.Lim.ReadTimeout = cfg.ReadTimeout
	}
	s := newServer(b, cfg.Lim, log)
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: min(cfg.ReadTimeout, 5*time.Second),
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	meta := b.Metadata()
	log.Info("serving", "addr", ln.Addr().String(), "source", source, "model", b.Kind().String(),
		"name", meta.Name, "features", b.Pipeline().NumFeatures(), "threshold", float64(b.Threshold()),
		"max_body", s.lim.MaxBody, "max_batch", s.lim.MaxBatch, "max_in_flight", s.lim.MaxInFlight,
		"explanation_unit", s.expl.Unit)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
