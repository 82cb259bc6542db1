package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's Prometheus metrics, served at GET /metrics in
// the text exposition format. Each server has its own registry (not the
// global one), with the Go runtime and process collectors beside the
// service's own:
//
//	netwarden_serve_requests_total{route,code}           requests answered, by route and HTTP status
//	netwarden_serve_request_duration_seconds{route}      latency histogram, by route
//	netwarden_serve_in_flight_requests                   scoring requests holding a work slot
//	netwarden_serve_records_total{outcome}               records scored ("scored") or refused ("failed")
//	netwarden_serve_errors_total{code}                   error answers, and per-record errors one per record, by the API's error code
//	netwarden_serve_unseen_categories_total{column}      categorical values the training data never held, by raw column
//	netwarden_serve_alerts_total                         records decided "attack"
//
// The per-record counters are bound to their labels once, at start-up, so
// that counting a record allocates nothing.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	scored   prometheus.Counter
	failed   prometheus.Counter
	alerts   prometheus.Counter
	errors   *prometheus.CounterVec
	unseen   []prometheus.Counter // per schema column; nil for columns that cannot hold an unseen value
	errBound map[string]prometheus.Counter
}

// routes are the values of the route label: the paths the service knows,
// and "other" for the rest, so that a scan of random paths cannot grow the
// label set.
var routes = []string{"/v1/score", "/v1/model", "/healthz", "/metrics", "other"}

func newMetrics(columns []string, categorical []bool) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netwarden_serve_requests_total",
		Help: "HTTP requests answered, by route and status code.",
	}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "netwarden_serve_request_duration_seconds",
		Help: "Time from the request's arrival to the end of its answer, by route.",
		// 0.5 ms to 10 s: one record unexplained to a full batch explained.
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"route"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "netwarden_serve_in_flight_requests",
		Help: "Scoring requests holding one of the -max-in-flight work slots.",
	})
	records := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netwarden_serve_records_total",
		Help: "Records received in scoring requests, by outcome: scored, or failed with a per-record error.",
	}, []string{"outcome"})
	m.scored, m.failed = records.WithLabelValues("scored"), records.WithLabelValues("failed")
	m.alerts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "netwarden_serve_alerts_total",
		Help: `Records decided "attack" (score at or above the bundle's threshold).`,
	})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netwarden_serve_errors_total",
		Help: "Error answers and per-record errors, by the API's error code (overloaded, client_gone, bad_record, ...).",
	}, []string{"code"})
	m.errBound = map[string]prometheus.Counter{}
	for _, c := range allCodes {
		m.errBound[c] = m.errors.WithLabelValues(c)
	}
	unseen := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "netwarden_serve_unseen_categories_total",
		Help: "Values of a categorical column that the training data never held (drift), by raw column.",
	}, []string{"column"})
	m.unseen = make([]prometheus.Counter, len(columns))
	for j, name := range columns {
		if categorical[j] {
			m.unseen[j] = unseen.WithLabelValues(name)
		}
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, records, m.alerts, m.errors, unseen,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// error counts one error answer or per-record error of the given code.
func (m *metrics) error(code string) {
	if c, ok := m.errBound[code]; ok {
		c.Inc()
		return
	}
	m.errors.WithLabelValues(code).Inc()
}

// request counts one answered request.
func (m *metrics) request(path string, status int, took time.Duration) {
	route := "other"
	for _, r := range routes {
		if r == path {
			route = r
			break
		}
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(took.Seconds())
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
