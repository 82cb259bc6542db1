// Command serve is an HTTP scoring service for a netwarden bundle (a fitted
// feature pipeline, a model and its threshold in one file, see package
// anomaly/bundle).
//
// POST /v1/score takes a JSON array of records, each an object of raw column
// name → value (a string or a number; GET /v1/model lists the columns), and
// answers, for each record in order, its score, its decision ("attack" or
// "normal") and the raw columns that pushed the score up most:
//
//	curl -s localhost:8080/v1/score -H 'Content-Type: application/json' \
//	  -d '[{"duration":0,"protocol_type":"tcp","service":"http", ...}]'
//	{"request_id":"…","model":"isolation_forest","threshold":0.57,"scored":1,"failed":0,"attacks":0,
//	 "results":[{"index":0,"score":0.43,"attack":false,"decision":"normal",
//	             "top_features":[{"name":"src_bytes","value":181,"contribution":0.08}, …]}]}
//
// ?explain=0 skips the explanations (faster); ?top=K asks for K columns
// (default 3). A contribution is positive towards "attack", in the model's
// own units (bundle.ExplainRecord: an Isolation Forest's explanation of its
// path length; for XGBoost the margin in log-odds, by exact TreeSHAP as
// XGBoost's pred_contribs); a model that cannot explain itself (a Random
// Forest, for now) gives no top_features. A body that is not a JSON array is a 400 for the whole
// request; when some records are bad, the answer is a 400 whose body still
// holds every record's result, the bad ones with their own error object.
// Errors have one shape: {"error": {"code": "...", "message": "..."},
// "request_id": "..."}, with stable codes. GET /healthz says the service is
// up. Logs are JSON lines (log/slog) on stderr, one per request with its ID
// (the client's X-Request-ID or a generated one, echoed in the response).
// SIGTERM or SIGINT stops accepting connections and lets requests in flight
// finish (up to -shutdown-timeout).
//
// Run it on a bundle written by examples/nslkdd or examples/xgboost, or on
// a demo Isolation Forest trained at start-up on synthetic traffic:
//
//	go run ./examples/serve -bundle model.nwb -addr :8080
//	go run ./examples/serve -train-demo
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
	flag.BoolVar(&cfg.TrainDemo, "train-demo", false, "without -bundle: train a demo Isolation Forest on synthetic traffic at start-up (offline; not NSL-KDD)")
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
		if b.Pipeline().NeedsKey() {
			return nil, "", fmt.Errorf("-bundle %s: its pipeline pseudonymises identifiers and needs its key, which this example does not take", cfg.Bundle)
		}
		return b, "bundle file " + cfg.Bundle, nil
	case cfg.TrainDemo:
		if cfg.DemoRows < 1000 {
			return nil, "", errors.New("-demo-rows: at least 1000")
		}
		b, err := demo.Bundle(ctx, cfg.DemoRows, cfg.Seed, "examples/serve")
		if err != nil {
			return nil, "", fmt.Errorf("-train-demo: %w", err)
		}
		return b, "demo Isolation Forest trained on synthetic traffic (not NSL-KDD)", nil
	default:
		return nil, "", errors.New("give -bundle FILE, or -train-demo to train a demo model on synthetic traffic")
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
		"max_body", s.lim.MaxBody, "max_batch", s.lim.MaxBatch)

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
