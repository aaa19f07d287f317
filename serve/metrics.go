package serve

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stepstone-dev/stepstone/report"
)

// Names of the families only serve exports: they describe the process
// and its schedule, which a one-off text file has no use for.
const (
	lastRunMetric     = "stepstone_last_run_timestamp_seconds"
	lastSuccessMetric = "stepstone_last_success_timestamp_seconds"
	runDurationMetric = "stepstone_run_duration_seconds"
	runsMetric        = "stepstone_runs_total"
	buildInfoMetric   = "stepstone_build_info"
	intervalMetric    = "stepstone_run_interval_seconds"
	// DriftMetric counts the keys where a running node's config differs
	// from its file: the sum of the drift probe's probeDriftMetric. It is
	// 0 for a config whose node is not checked (serve without --nodes), so
	// that dashboards and alerts always find the series.
	DriftMetric = "stepstone_drift_keys"
	// probeDriftMetric is the metric the node-drift probe (probe/node.go)
	// puts on its result.
	probeDriftMetric = "config_drift_keys"
)

// sample is one series of a report family.
type sample struct {
	family string
	values []string
	v      float64
}

// snapshot is a report turned into series once, when its run ends, so
// that scrapes cost nothing and redaction runs with the secrets of the run
// that produced it.
type snapshot struct {
	samples []sample
}

// metrics holds serve's registry.
type metrics struct {
	reg *prometheus.Registry
	// descs are the report families by name, plus drift.
	descs map[string]*prometheus.Desc

	lastRun, lastSuccess, runDuration prometheus.Gauge
	runs                              *prometheus.CounterVec

	mu   sync.Mutex
	snap *snapshot
}

func newMetrics(b BuildInfo, interval time.Duration, constLabels map[string]string) (*metrics, error) {
	m := &metrics{reg: prometheus.NewRegistry(), descs: map[string]*prometheus.Desc{}}
	// The process and Go runtime collectors give memory and file
	// descriptors (the soak test reads process_resident_memory_bytes).
	if err := m.reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	if err := m.reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	reg := prometheus.WrapRegistererWith(constLabels, m.reg)
	for _, f := range report.PromFamilies {
		if f.Name == lastRunMetric {
			continue // serve's own gauge below: it also moves when a run fails
		}
		m.descs[f.Name] = prometheus.NewDesc(f.Name, f.Help, f.Labels, nil)
	}
	m.descs[DriftMetric] = prometheus.NewDesc(DriftMetric,
		"Config keys where the running node differs from its file (0 when the node is not checked: serve --nodes).", []string{"component", "config"}, nil)

	m.lastRun = prometheus.NewGauge(prometheus.GaugeOpts{Name: lastRunMetric,
		Help: "When the last stepstone run started, in seconds since the epoch."})
	m.lastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{Name: lastSuccessMetric,
		Help: "When the last run that finished within its deadline started, in seconds since the epoch (failing checks still count as a finished run)."})
	m.runDuration = prometheus.NewGauge(prometheus.GaugeOpts{Name: runDurationMetric,
		Help: "How long the last run took."})
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: runsMetric,
		Help: "Runs by result: success, error (stepstone could not run), timeout (cut by --deadline), interrupted (shutdown)."}, []string{"result"})
	for _, r := range []string{"success", "error", "timeout", "interrupted"} {
		m.runs.WithLabelValues(r) // every result from the start, so rate() sees the first one
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: buildInfoMetric,
		Help:        "Always 1; the labels say which stepstone runs.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.GoVersion}})
	build.Set(1)
	// The interval is exported so that alerts can say "three intervals"
	// whatever --interval is.
	every := prometheus.NewGauge(prometheus.GaugeOpts{Name: intervalMetric,
		Help: "The --interval between two runs, in seconds."})
	every.Set(interval.Seconds())
	for _, c := range []prometheus.Collector{m.lastRun, m.lastSuccess, m.runDuration, m.runs, build, every, reportCollector{m}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// finish records a run; snap is nil when the run left no new report.
func (m *metrics) finish(start time.Time, took time.Duration, result string, snap *snapshot) {
	m.lastRun.Set(float64(start.UnixNano()) / 1e9)
	m.runDuration.Set(took.Seconds())
	m.runs.WithLabelValues(result).Inc()
	if result == "success" {
		m.lastSuccess.Set(float64(start.UnixNano()) / 1e9)
	}
	if snap != nil {
		m.mu.Lock()
		m.snap = snap
		m.mu.Unlock()
	}
}

// takeSnapshot walks r with the shared walk and keeps its series.
func takeSnapshot(r *report.Report, redact func(string) string) *snapshot {
	s := &snapshot{}
	report.PromSamples(r, redact, func(f *report.PromFamily, values []string, v float64) {
		if f.Name == lastRunMetric {
			return
		}
		s.samples = append(s.samples, sample{family: f.Name, values: values, v: v})
	})
	seen := map[string]bool{}
	for _, c := range r.Components {
		values := []string{redact(c.Component), redact(c.ConfigFile)}
		k := values[0] + "\xff" + values[1]
		if !seen[k] {
			seen[k] = true
			s.samples = append(s.samples, sample{family: DriftMetric, values: values, v: driftKeys(c)})
		}
	}
	return s
}

// driftKeys sums the drifting keys the node-drift probe counted for c.
func driftKeys(c report.ComponentReport) float64 {
	var n float64
	for _, p := range c.Probes {
		for _, m := range p.Metrics {
			if m.Name == probeDriftMetric {
				n += m.Value
			}
		}
	}
	return n
}

// reportCollector exports the last snapshot.
type reportCollector struct{ m *metrics }

func (c reportCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.m.descs {
		ch <- d
	}
}

func (c reportCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	snap := c.m.snap
	c.m.mu.Unlock()
	if snap == nil {
		return
	}
	for _, s := range snap.samples {
		d := c.m.descs[s.family]
		if d == nil {
			continue
		}
		metric, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, s.v, s.values...)
		if err != nil {
			metric = prometheus.NewInvalidMetric(d, err)
		}
		ch <- metric
	}
}
