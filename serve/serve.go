// Package serve runs stepstone's checks on a schedule and serves the last
// report over HTTP: /metrics for Prometheus, /report as JSON and /healthz.
//
// The pipeline itself is injected as a RunFunc, so this package knows
// nothing about configs or probes: it schedules runs (jittered, never two
// at once, each bounded by a deadline), keeps the last report, and turns it
// into metrics with the same walk the Prometheus text file uses
// (report.PromSamples), so that both outputs agree.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

// RunFunc runs the checks once and returns the finished report. An error
// is stepstone's own failure (a config that cannot be read, say); a failed
// check is a report, not an error. ctx carries the run's deadline.
type RunFunc func(ctx context.Context) (*report.Report, error)

// Options configure a Server.
type Options struct {
	// Run is the pipeline.
	Run RunFunc
	// Interval is the time between the starts of two runs; each wait is
	// jittered by up to Jitter (a fraction, default 0.1) either way, so
	// that many instances do not probe the same store in step.
	Interval time.Duration
	Jitter   float64
	// Deadline bounds each run.
	Deadline time.Duration
	// Redact is applied to every label value before it is exported; the
	// cmd layer passes the redactor that knows the configs' secrets. It is
	// called right after the run that produced the report, from the same
	// goroutine, so it may read state that run set.
	Redact func(string) string
	// Watch lists files and directories whose change (polled every
	// WatchEvery; 0 turns polling off) starts a run at once.
	Watch      []string
	WatchEvery time.Duration
	// Build is exported as stepstone_build_info.
	Build BuildInfo
	// ConstLabels are added to every stepstone_* series, e.g. cluster=prod.
	ConstLabels map[string]string
	// Log receives one line per run and per reload; nil discards.
	Log *slog.Logger
}

// BuildInfo describes the binary.
type BuildInfo struct {
	Version, Revision, GoVersion string
}

// Server is a scheduler plus the HTTP handlers over its last report.
type Server struct {
	opts    Options
	metrics *metrics
	log     *slog.Logger
	// trigger asks for a run now (SIGHUP, a changed file); it holds at
	// most one pending request, so a burst of changes makes one run.
	trigger chan string

	mu       sync.Mutex
	last     *report.Report // the last finished report, nil before the first
	running  time.Time      // start of the run in progress, zero when idle
	runs     int
	shutdown bool
}

// New checks the options and builds a Server; nothing runs until Serve.
func New(o Options) (*Server, error) {
	if o.Run == nil {
		return nil, errors.New("serve: no run function")
	}
	if o.Interval <= 0 || o.Deadline <= 0 {
		return nil, errors.New("the interval and the deadline must be positive")
	}
	if o.Jitter == 0 {
		o.Jitter = 0.1
	}
	if o.Jitter < 0 || o.Jitter >= 1 {
		return nil, fmt.Errorf("jitter %v is not a fraction between 0 and 1", o.Jitter)
	}
	if o.Redact == nil {
		o.Redact = func(s string) string { return s }
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(o.Build, o.Interval, o.ConstLabels)
	if err != nil {
		return nil, err
	}
	return &Server{opts: o, metrics: m, log: log, trigger: make(chan string, 1)}, nil
}

// Trigger asks for a run as soon as the current one (if any) is done. why
// is logged: "SIGHUP", "file change".
func (s *Server) Trigger(why string) {
	select {
	case s.trigger <- why:
	default: // one is pending already
	}
}

// Handler serves /metrics, /report and /healthz.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /report", s.serveReport)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><body><h1>stepstone serve</h1><ul><li><a href="metrics">/metrics</a></li><li><a href="report">/report</a></li><li><a href="healthz">/healthz</a></li></ul></body></html>`)
	})
	return mux
}

// Serve runs the schedule and serves HTTP on ln until ctx is cancelled,
// then cancels the run in progress, waits for it, and closes the listener
// gracefully. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// The schedule also stops when the HTTP server fails.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	httpErr := make(chan error, 1)
	go func() { httpErr <- hs.Serve(ln) }()

	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		s.schedule(ctx)
	}()
	if s.opts.WatchEvery > 0 && len(s.opts.Watch) > 0 {
		go s.watch(ctx)
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-httpErr:
		err = fmt.Errorf("the HTTP server stopped: %w", err)
	}
	s.mu.Lock()
	s.shutdown = true
	s.mu.Unlock()
	stop()
	<-schedDone
	// Probes have had their cleanup inside the run; scrapes in flight get
	// a moment to finish.
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil && err == nil && !errors.Is(serr, context.DeadlineExceeded) {
		err = serr
	}
	return err
}

// schedule runs the pipeline at once, then every jittered interval, or
// sooner when triggered, until ctx ends. One goroutine runs everything, so
// two runs never overlap: a trigger during a run waits for its end.
func (s *Server) schedule(ctx context.Context) {
	why := "start"
	for {
		start := time.Now()
		s.RunOnce(ctx, why)
		wait := s.jittered() - time.Since(start)
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case why = <-s.trigger:
			timer.Stop()
		case <-timer.C:
			why = "schedule"
		}
	}
}

// jittered is the interval moved by up to ±Jitter.
func (s *Server) jittered() time.Duration {
	f := 1 + s.opts.Jitter*(2*rand.Float64()-1)
	return time.Duration(float64(s.opts.Interval) * f)
}

// RunOnce runs the pipeline once, bounded by the deadline, and publishes
// its report. It is exported for tests and for the soak script's count.
func (s *Server) RunOnce(ctx context.Context, why string) {
	start := time.Now()
	s.mu.Lock()
	s.running = start
	s.runs++
	n := s.runs
	s.mu.Unlock()

	rctx, cancel := context.WithTimeout(ctx, s.opts.Deadline)
	r, err := s.run(rctx)
	timedOut := errors.Is(rctx.Err(), context.DeadlineExceeded)
	cancel()
	took := time.Since(start)

	result := "success"
	switch {
	case err != nil:
		result = "error"
	case timedOut:
		result = "timeout"
	case r.Interrupted:
		// Stopped by shutdown: a partial report says little, keep the last.
		result = "interrupted"
	}
	var snap *snapshot
	if r != nil && result != "interrupted" {
		snap = takeSnapshot(r, s.opts.Redact)
	}
	s.metrics.finish(start, took, result, snap)
	s.mu.Lock()
	s.running = time.Time{}
	if snap != nil {
		s.last = r
	}
	s.mu.Unlock()

	attrs := []any{"run", n, "trigger", why, "took", took.Round(time.Millisecond), "result", result}
	if r != nil {
		c := r.Count()
		attrs = append(attrs, "verdict", string(r.Verdict()), "checks_failed", c.Failed, "errors", c.Errors, "warnings", c.Warnings)
	}
	if err != nil {
		s.log.Error("run failed", append(attrs, "err", s.opts.Redact(err.Error()))...)
		return
	}
	s.log.Info("run finished", attrs...)
}

// run calls the pipeline and turns a panic into an error: a bug in one
// check must not take the exporter down.
func (s *Server) run(ctx context.Context) (r *report.Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	r, err = s.opts.Run(ctx)
	if err == nil && r == nil {
		err = errors.New("the run returned no report")
	}
	return r, err
}

// Runs returns how many runs have started.
func (s *Server) Runs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs
}

func (s *Server) serveReport(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	r := s.last
	s.mu.Unlock()
	if r == nil {
		http.Error(w, "no run has finished yet", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := report.WriteJSON(w, r); err != nil {
		s.log.Warn("could not send the report", "err", err)
	}
}

// serveHealth says whether the scheduler is alive: it fails only when a
// run has gone on well past its deadline (a stuck check that ignores its
// context), which a restart fixes. Failing checks do not make serve
// unhealthy: reporting them is its job.
func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	running, down := s.running, s.shutdown
	s.mu.Unlock()
	switch {
	case down:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
	case !running.IsZero() && time.Since(running) > s.opts.Deadline+time.Minute:
		http.Error(w, fmt.Sprintf("a run started %s ago and has not stopped", time.Since(running).Round(time.Second)), http.StatusServiceUnavailable)
	default:
		fmt.Fprintln(w, "ok")
	}
}
