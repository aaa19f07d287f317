package probe

// Benchmarks (--include-performance): what they measure, how the numbers
// are summed up, the budget that keeps a cloud bill small, the thresholds
// that turn numbers into PASS, WARN and FAIL, and the frame every
// benchmark runs in. The method follows minio/warp: one shared transport,
// an uncounted warm-up request per worker, a monotonic clock per request,
// random payloads, verified sizes and no SDK retries inside the measured
// loop. docs/performance.md describes it for users.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/redact"
	"github.com/stepstone-dev/stepstone/report"
)

// PerfOptions say how the benchmarks of --include-performance run. A nil
// *PerfOptions in Options means no benchmark runs.
type PerfOptions struct {
	// Sizes are the object sizes to measure, in bytes.
	Sizes []int64
	// Operations are the object store operations to measure: put, get,
	// stat, list, delete. PUT always runs, since the others need its
	// objects; empty means all.
	Operations []string
	// Workers is the concurrency of the throughput passes.
	Workers int
	// Duration bounds one pass: one size, one operation, one pass.
	Duration time.Duration
	// MaxRequests and MaxBytes bound one pass too, whichever comes
	// first, so that a fast store does not run up a bill.
	MaxRequests int64
	MaxBytes    int64
	// MetaDuration bounds each metadata store load (etcd put, etcd
	// range, the SQL round trips).
	MetaDuration time.Duration
	// EtcdRate and EtcdClients shape the etcd load as `etcdctl check
	// perf` does: a target rate of requests per second over a number of
	// concurrent clients.
	EtcdRate    int
	EtcdClients int
	// ValueSize is the value size for etcd and SQL writes.
	ValueSize int64
	// Thresholds turn numbers into PASS, WARN and FAIL; see
	// DefaultThresholds.
	Thresholds []Threshold
	// BaselineWarn and BaselineFail are how much worse than the
	// baseline, in percent, a metric may get before it warns or fails.
	BaselineWarn, BaselineFail float64
	// Baseline holds an earlier run's numbers; nil compares nothing.
	Baseline *Baseline
	// Progress, when set, hears what runs now (the CLI prints it on a
	// terminal). It is called from one goroutine at a time.
	Progress func(msg string)

	// requestTimeout bounds one request: Options.Timeout, set by
	// runBenchmarks. Zero (a benchmark called on its own) leaves requests
	// to the benchmark's context.
	requestTimeout time.Duration
}

// Defaults of the perf config (docs/performance.md lists them).
const (
	defaultBenchWorkers     = 8
	defaultBenchDuration    = 2 * time.Second
	defaultBenchMaxRequests = 1000
	defaultBenchMaxBytes    = 1 << 30
	defaultMetaDuration     = 3 * time.Second
	defaultEtcdRate         = 150 // etcdctl check perf --load=s
	defaultEtcdClients      = 50  // the same
	defaultValueSize        = 1 << 10
	defaultBaselineWarn     = 25
	defaultBaselineFail     = 50
	// minSamplesP90 and minSamplesP99: fewer samples than this make the
	// percentile the maximum in disguise, so it is not reported.
	minSamplesP90 = 10
	minSamplesP99 = 100
	// benchMaxConsecutiveErrors ends a pass whose requests keep failing.
	benchMaxConsecutiveErrors = 20
)

// DefaultPerfOptions returns the documented defaults.
func DefaultPerfOptions() *PerfOptions {
	return &PerfOptions{
		Sizes:        []int64{1 << 10, 1 << 20, 10 << 20},
		Workers:      defaultBenchWorkers,
		Duration:     defaultBenchDuration,
		MaxRequests:  defaultBenchMaxRequests,
		MaxBytes:     defaultBenchMaxBytes,
		MetaDuration: defaultMetaDuration,
		EtcdRate:     defaultEtcdRate,
		EtcdClients:  defaultEtcdClients,
		ValueSize:    defaultValueSize,
		Thresholds:   DefaultThresholds(),
		BaselineWarn: defaultBaselineWarn,
		BaselineFail: defaultBaselineFail,
	}
}

// measures reports whether op is among Operations; PUT always is.
func (p *PerfOptions) measures(op string) bool {
	if len(p.Operations) == 0 || op == "put" {
		return true
	}
	for _, o := range p.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// validate checks that the options can run: a size larger than the byte
// budget of a pass could never be written.
func (p *PerfOptions) validate() error {
	switch {
	case len(p.Sizes) == 0:
		return errors.New("object_store.sizes is empty")
	case p.Workers < 1 || p.Workers > 256:
		return fmt.Errorf("object_store.workers = %d; want 1 to 256", p.Workers)
	case p.Duration <= 0 || p.MetaDuration <= 0:
		return errors.New("durations must be positive")
	case p.MaxRequests < 1:
		return errors.New("object_store.max_requests must be at least 1")
	case p.EtcdRate < 1 || p.EtcdClients < 1:
		return errors.New("metadata.etcd_rate and metadata.etcd_clients must be at least 1")
	case p.ValueSize < 1 || p.ValueSize > 1<<20:
		return fmt.Errorf("metadata.value_size = %d; want 1 B to 1 MiB", p.ValueSize)
	case p.BaselineWarn < 0 || p.BaselineFail < 0:
		return errors.New("baseline percentages must not be negative")
	}
	for _, s := range p.Sizes {
		if s < 1 || s > 1<<30 {
			return fmt.Errorf("object size %d is out of range (1 B to 1 GiB)", s)
		}
		if s*int64(p.Workers+1) > p.MaxBytes {
			return fmt.Errorf("object_store.max_bytes (%s) cannot fit one %s request per worker; raise it or lower the size", report.FormatBytes(p.MaxBytes), report.FormatSize(s))
		}
	}
	return nil
}

// ---- the perf config file -----------------------------------------------

// perfFile is the TOML layout of --perf-config (docs/performance.md).
type perfFile struct {
	ObjectStore struct {
		Sizes       []string `toml:"sizes"`
		Operations  []string `toml:"operations"`
		Workers     *int     `toml:"workers"`
		Duration    string   `toml:"duration"`
		MaxRequests *int64   `toml:"max_requests"`
		MaxBytes    string   `toml:"max_bytes"`
	} `toml:"object_store"`
	Metadata struct {
		Duration    string `toml:"duration"`
		EtcdRate    *int   `toml:"etcd_rate"`
		EtcdClients *int   `toml:"etcd_clients"`
		ValueSize   string `toml:"value_size"`
	} `toml:"metadata"`
	Baseline struct {
		WarnPercent *float64 `toml:"warn_percent"`
		FailPercent *float64 `toml:"fail_percent"`
	} `toml:"baseline"`
	Thresholds map[string]struct {
		Warn any `toml:"warn"`
		Fail any `toml:"fail"`
	} `toml:"thresholds"`
}

// LoadPerfConfig reads a --perf-config file over the defaults. Unknown
// keys are errors, so that a typo does not silently keep a default.
func LoadPerfConfig(path string) (*PerfOptions, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("could not read perf config %q: %w", path, err)
	}
	p, err := ParsePerfConfig(data)
	if err != nil {
		return nil, fmt.Errorf("perf config %q: %w", path, err)
	}
	return p, nil
}

// ParsePerfConfig reads a perf config document over the defaults.
func ParsePerfConfig(data []byte) (*PerfOptions, error) {
	var pf perfFile
	md, err := toml.Decode(string(data), &pf)
	if err != nil {
		return nil, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			keys = append(keys, k.String())
		}
		return nil, fmt.Errorf("unknown keys: %s", strings.Join(keys, ", "))
	}
	p := DefaultPerfOptions()
	ob := pf.ObjectStore
	if len(ob.Sizes) > 0 {
		p.Sizes = nil
		for _, s := range ob.Sizes {
			n, err := ParseSize(s)
			if err != nil {
				return nil, fmt.Errorf("object_store.sizes: %w", err)
			}
			p.Sizes = append(p.Sizes, n)
		}
	}
	if len(ob.Operations) > 0 {
		p.Operations = nil
		for _, op := range ob.Operations {
			switch op {
			case "put", "get", "stat", "list", "delete":
				p.Operations = append(p.Operations, op)
			default:
				return nil, fmt.Errorf("object_store.operations: unknown operation %q (put, get, stat, list or delete)", op)
			}
		}
	}
	if ob.Workers != nil {
		p.Workers = *ob.Workers
	}
	if err := parseDurationInto(&p.Duration, ob.Duration, "object_store.duration"); err != nil {
		return nil, err
	}
	if ob.MaxRequests != nil {
		p.MaxRequests = *ob.MaxRequests
	}
	if ob.MaxBytes != "" {
		if p.MaxBytes, err = ParseSize(ob.MaxBytes); err != nil {
			return nil, fmt.Errorf("object_store.max_bytes: %w", err)
		}
	}
	md2 := pf.Metadata
	if err := parseDurationInto(&p.MetaDuration, md2.Duration, "metadata.duration"); err != nil {
		return nil, err
	}
	if md2.EtcdRate != nil {
		p.EtcdRate = *md2.EtcdRate
	}
	if md2.EtcdClients != nil {
		p.EtcdClients = *md2.EtcdClients
	}
	if md2.ValueSize != "" {
		if p.ValueSize, err = ParseSize(md2.ValueSize); err != nil {
			return nil, fmt.Errorf("metadata.value_size: %w", err)
		}
	}
	if v := pf.Baseline.WarnPercent; v != nil {
		p.BaselineWarn = *v
	}
	if v := pf.Baseline.FailPercent; v != nil {
		p.BaselineFail = *v
	}
	// A threshold in the file replaces the default with the same
	// selector; an empty table ({}) turns that default off.
	for _, sel := range probeSortedKeys(pf.Thresholds) {
		tv := pf.Thresholds[sel]
		th, err := newThreshold(sel, tv.Warn, tv.Fail)
		if err != nil {
			return nil, fmt.Errorf("thresholds: %w", err)
		}
		p.Thresholds = replaceThreshold(p.Thresholds, th)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func parseDurationInto(dst *time.Duration, s, key string) error {
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s = %q is not a positive duration such as \"2s\"", key, s)
	}
	*dst = d
	return nil
}

// ParseSize reads "1KiB", "10MiB", "1GiB" or a plain number of bytes.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size such as \"512B\", \"1KiB\", \"10MiB\" or \"1GiB\"", s)
	}
	return n * mult, nil
}

// ---- thresholds ------------------------------------------------------------

// Threshold grades one metric. Metric selects benchmark metrics by their
// name without the "bench." prefix, op.size.pass.stat, where any part may
// be "*": "put.1KiB.latency.p90", "get.*.latency.ttfb_p90". Warn and Fail
// are in the metric's unit (seconds for latencies); nil means none. For
// throughput a value below the threshold is bad, for everything else a
// value above it.
type Threshold struct {
	Metric     string
	Warn, Fail *float64
}

// DefaultThresholds are the documented defaults (docs/performance.md).
// Latencies of the object store and SQL passes use p90: a few seconds
// against a cloud store give fewer than the 100 samples p99 needs. etcd
// runs at a fixed rate and always has enough, so it uses p99, as
// `etcdctl check perf` would if it did not take the single slowest one.
func DefaultThresholds() []Threshold {
	f := func(v float64) *float64 { return &v }
	return []Threshold{
		{Metric: "put.*.latency.p90", Warn: f(0.25), Fail: f(1)},
		{Metric: "put.10MiB.latency.p90", Warn: f(1), Fail: f(5)},
		{Metric: "get.*.latency.ttfb_p90", Warn: f(0.1), Fail: f(0.5)},
		{Metric: "stat.*.latency.p90", Warn: f(0.1), Fail: f(0.5)},
		{Metric: "list.*.latency.p90", Warn: f(0.25), Fail: f(1)},
		{Metric: "delete.*.latency.p90", Warn: f(0.25), Fail: f(1)},
		{Metric: "put.10MiB.throughput.mib_per_s", Warn: f(50), Fail: f(10)},
		{Metric: "get.10MiB.throughput.mib_per_s", Warn: f(100), Fail: f(20)},
		{Metric: "*.*.*.errors", Warn: f(0)},
		{Metric: "etcd_put.*.load.target_ratio", Warn: f(0.95), Fail: f(0.9)},
		{Metric: "etcd_range.*.load.target_ratio", Warn: f(0.95), Fail: f(0.9)},
		{Metric: "etcd_put.*.load.p99", Warn: f(0.1), Fail: f(0.5)},
		{Metric: "etcd_range.*.load.p99", Warn: f(0.1), Fail: f(0.5)},
		{Metric: "sql_read.*.latency.p90", Warn: f(0.05), Fail: f(0.25)},
		{Metric: "sql_write.*.latency.p90", Warn: f(0.1), Fail: f(0.5)},
	}
}

// latencyStat reports whether a stat is a duration in seconds.
func latencyStat(stat string) bool {
	switch strings.TrimPrefix(stat, "ttfb_") {
	case "avg", "p50", "p90", "p99", "max", "cold":
		return true
	}
	return false
}

// lowerIsWorse reports whether a smaller value of stat is the bad
// direction (throughput), as opposed to latencies and error counts.
func lowerIsWorse(stat string) bool {
	switch stat {
	case "ops_per_s", "mib_per_s", "target_ratio", "target_ops_per_s":
		return true
	}
	return false
}

var benchOps = map[string]bool{"put": true, "get": true, "stat": true, "list": true, "delete": true,
	"etcd_put": true, "etcd_range": true, "sql_read": true, "sql_write": true}

func newThreshold(sel string, warn, fail any) (Threshold, error) {
	parts := strings.Split(sel, ".")
	if len(parts) != 4 {
		return Threshold{}, fmt.Errorf("%q: want op.size.pass.stat, e.g. \"put.1KiB.latency.p90\" (any part may be *)", sel)
	}
	if op := parts[0]; op != "*" && !benchOps[op] {
		return Threshold{}, fmt.Errorf("%q: unknown operation %q", sel, op)
	}
	if sz := parts[1]; sz != "*" {
		n, err := ParseSize(sz)
		if err != nil {
			return Threshold{}, fmt.Errorf("%q: %w", sel, err)
		}
		parts[1] = report.FormatSize(n) // "1024B" selects "1KiB"
	}
	if ps := parts[2]; ps != "*" && ps != "latency" && ps != "throughput" && ps != "load" {
		return Threshold{}, fmt.Errorf("%q: unknown pass %q (latency, throughput or load)", sel, ps)
	}
	stat := parts[3]
	th := Threshold{Metric: strings.Join(parts, ".")}
	for _, v := range []struct {
		raw any
		dst **float64
		key string
	}{{warn, &th.Warn, "warn"}, {fail, &th.Fail, "fail"}} {
		if v.raw == nil {
			continue
		}
		var f float64
		switch x := v.raw.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		case string:
			if stat != "*" && !latencyStat(stat) {
				return Threshold{}, fmt.Errorf("%q: %s = %q: only latencies take durations; write a number", sel, v.key, x)
			}
			d, err := time.ParseDuration(x)
			if err != nil {
				return Threshold{}, fmt.Errorf("%q: %s = %q is not a duration such as \"250ms\"", sel, v.key, x)
			}
			f = d.Seconds()
		default:
			return Threshold{}, fmt.Errorf("%q: %s must be a number or a duration", sel, v.key)
		}
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return Threshold{}, fmt.Errorf("%q: %s must not be negative", sel, v.key)
		}
		*v.dst = &f
	}
	return th, nil
}

func replaceThreshold(ts []Threshold, th Threshold) []Threshold {
	out := ts[:0:0]
	for _, t := range ts {
		if t.Metric != th.Metric {
			out = append(out, t)
		}
	}
	return append(out, th)
}

// matchThreshold returns the threshold for a metric name (op.size.pass.stat):
// the matching selector with the fewest wildcards, the later one on a tie.
func matchThreshold(ts []Threshold, name string) (Threshold, bool) {
	parts := strings.Split(name, ".")
	best, bestWild := Threshold{}, -1
	for _, t := range ts {
		sp := strings.Split(t.Metric, ".")
		if len(sp) != len(parts) {
			continue
		}
		wild, ok := 0, true
		for i := range sp {
			switch sp[i] {
			case "*":
				wild++
			case parts[i]:
			default:
				ok = false
			}
		}
		if ok && (bestWild < 0 || wild <= bestWild) {
			best, bestWild = t, wild
		}
	}
	return best, bestWild >= 0
}

// grade compares value with a threshold: PASS, WARN or FAIL, and the
// threshold crossed.
func grade(th Threshold, stat string, value float64) (report.Status, float64) {
	worse := func(limit float64) bool {
		if lowerIsWorse(stat) {
			return value < limit
		}
		return value > limit
	}
	if th.Fail != nil && worse(*th.Fail) {
		return report.Fail, *th.Fail
	}
	if th.Warn != nil && worse(*th.Warn) {
		return report.Warn, *th.Warn
	}
	return report.Pass, 0
}

// ---- statistics --------------------------------------------------------------

// latencySummary sums up the latencies of a pass.
type latencySummary struct {
	n                       int
	avg, p50, p90, p99, max time.Duration
}

// percentile returns the q-quantile of sorted samples by the nearest-rank
// method: the smallest sample with at least q of all samples at or below
// it. It never interpolates, so it is always a latency that happened.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

func summarize(samples []time.Duration) latencySummary {
	s := latencySummary{n: len(samples)}
	if s.n == 0 {
		return s
	}
	sorted := append([]time.Duration(nil), samples...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	s.avg = sum / time.Duration(s.n)
	s.p50 = percentile(sorted, 0.50)
	s.p90 = percentile(sorted, 0.90)
	s.p99 = percentile(sorted, 0.99)
	s.max = sorted[s.n-1]
	return s
}

// benchBudget is the request and byte allowance of one pass. Workers take
// from it before each request; a request that does not fit ends the
// worker's pass.
type benchBudget struct {
	maxReq, maxBytes int64
	req, bytes       atomic.Int64
}

func newBenchBudget(maxReq, maxBytes int64) *benchBudget {
	return &benchBudget{maxReq: maxReq, maxBytes: maxBytes}
}

// take reserves one request moving n bytes.
func (b *benchBudget) take(n int64) bool {
	if b.req.Add(1) > b.maxReq {
		b.req.Add(-1)
		return false
	}
	if n > 0 && b.bytes.Add(n) > b.maxBytes {
		b.bytes.Add(-n)
		b.req.Add(-1)
		return false
	}
	return true
}

// ---- the frame every benchmark runs in ----------------------------------------

// benchRun collects one benchmark's numbers and verdicts.
type benchRun struct {
	r    *probeRun
	perf *PerfOptions
	// metrics in the order they were measured, which is the order of the
	// tables.
	metrics []report.Metric
	// requests and bytes count everything the benchmark sent or received,
	// warm-up and cleanup included: what a bill would count.
	requests, bytes atomic.Int64
	// summary is the benchmark's one-line description of what it did.
	summary  string
	steps    int
	step     int
	progress string
}

// errBenchDone ends a worker's pass when there is nothing left to do
// (DELETE ran out of objects).
var errBenchDone = errors.New("nothing left to do")

// benchName builds a metric name: bench.op.size.pass.stat.
func benchName(op, size, pass, stat string) string {
	return report.BenchName{Op: op, Size: size, Pass: pass, Stat: stat}.String()
}

func (b *benchRun) add(op, size, pass, stat string, v float64, unit string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	b.metrics = append(b.metrics, report.Metric{Name: benchName(op, size, pass, stat), Value: v, Unit: unit})
}

// addLatency adds a latency summary under stat prefix pre ("" or "ttfb_").
// p90 and p99 appear only with enough samples to mean something.
func (b *benchRun) addLatency(op, size, pass, pre string, s latencySummary) {
	if s.n == 0 {
		return
	}
	b.add(op, size, pass, pre+"avg", s.avg.Seconds(), "seconds")
	b.add(op, size, pass, pre+"p50", s.p50.Seconds(), "seconds")
	if s.n >= minSamplesP90 {
		b.add(op, size, pass, pre+"p90", s.p90.Seconds(), "seconds")
	}
	if s.n >= minSamplesP99 {
		b.add(op, size, pass, pre+"p99", s.p99.Seconds(), "seconds")
	}
	b.add(op, size, pass, pre+"max", s.max.Seconds(), "seconds")
}

// tell reports progress: which step of how many runs now.
func (b *benchRun) tell(format string, args ...any) {
	if b.perf.Progress == nil {
		return
	}
	b.step++
	// What runs now comes first: a terminal line may cut the name.
	msg := fmt.Sprintf(format, args...)
	if b.steps > 0 {
		msg = fmt.Sprintf("step %d/%d: %s", min(b.step, b.steps), b.steps, msg)
	}
	b.perf.Progress(msg + " — " + b.progress)
}

// runBench is the frame of every benchmark: runProbe's panic and
// redaction handling under ctx's deadline (runBenchmarks sets it), then
// the thresholds and the baseline decide the status, and the metrics go
// on the result.
func runBench(ctx context.Context, t Target, body func(ctx context.Context, b *benchRun)) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) {
		perf := t.Opts.Perf
		if perf == nil {
			perf = DefaultPerfOptions()
			r.t.Opts.Perf = perf
		}
		b := &benchRun{r: r, perf: perf, progress: t.Name}
		body(ctx, b)
		b.finish(ctx)
	})
}

// finish grades the metrics, compares them with the baseline and writes
// the result's message. A failure the body reported stands; a missing
// metric is never graded.
func (b *benchRun) finish(ctx context.Context) {
	r := b.r
	b.add("total", "all", "run", "requests", float64(b.requests.Load()), "count")
	b.add("total", "all", "run", "bytes", float64(b.bytes.Load()), "bytes")
	usage := fmt.Sprintf("%d requests, %s transferred", b.requests.Load(), report.FormatBytes(b.bytes.Load()))
	var warns, fails []string
	for _, m := range b.metrics {
		bn, ok := report.ParseBenchName(m.Name)
		if !ok || bn.Op == "total" {
			continue
		}
		th, ok := matchThreshold(b.perf.Thresholds, bn.Selector())
		if !ok {
			continue
		}
		st, limit := grade(th, bn.Stat, m.Value)
		if st == report.Pass {
			continue
		}
		word := "above"
		if lowerIsWorse(bn.Stat) {
			word = "below"
		}
		msg := fmt.Sprintf("%s is %s %s the %s threshold %s", bn.Label(), formatMetricValue(m.Value, m.Unit), word,
			map[report.Status]string{report.Warn: "warning", report.Fail: "failure"}[st], formatMetricValue(limit, m.Unit))
		if st == report.Fail {
			fails = append(fails, msg)
		} else {
			warns = append(warns, msg)
		}
	}
	var regWarns, regFails []string
	if b.perf.Baseline != nil && r.t.File != nil {
		changes, rw, rf, note := b.perf.Baseline.compare(string(r.t.File.Component), r.t.File.Path, r.res.Name,
			b.metrics, b.perf.BaselineWarn, b.perf.BaselineFail)
		b.metrics = append(b.metrics, changes...)
		regWarns, regFails = rw, rf
		if note != "" {
			r.note("%s", note)
		}
	}
	r.res.Metrics = append(r.res.Metrics, b.metrics...)
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		// Interrupted: the numbers are partial, and only leftovers
		// (a warning) say more than that.
		msg := "interrupted: the numbers are partial; " + usage
		if r.res.Status == report.Warn {
			r.res.Message = msg + "; " + r.res.Message
			return
		}
		r.res.Status, r.res.Class, r.res.Message, r.res.Suggestion = report.Skip, ClassCanceled, msg, ""
		return
	case r.failed():
		r.note("%s", usage)
		return
	case r.res.Status == report.Skip:
		return
	case ctx.Err() != nil:
		r.warn("lower object_store.duration, the sizes or metadata.duration in --perf-config, or raise --timeout",
			"the benchmark ran out of time; the numbers are partial")
	}
	summary := b.summary
	if summary == "" {
		summary = "the benchmark stopped early"
	}
	r.pass("%s; %s", summary, usage)
	switch {
	case len(fails) > 0 || len(regFails) > 0:
		all := append(append(fails, regFails...), append(warns, regWarns...)...)
		class := ClassPerformance
		if len(fails) == 0 {
			class = ClassRegression
		}
		r.res.Status, r.res.Class = report.Fail, class
		r.res.Message = joinCrossings(all) + "; " + r.res.Message
		r.res.Suggestion = benchSuggestion(class)
	case len(warns) > 0 || len(regWarns) > 0:
		class := ClassPerformance
		if len(warns) == 0 {
			class = ClassRegression
		}
		r.warn(benchSuggestion(class), "%s", joinCrossings(append(warns, regWarns...)))
		if r.res.Class == "" {
			r.res.Class = class
		}
	}
}

// maxCrossings is how many crossed thresholds a message names; the
// tables show every number.
const maxCrossings = 3

// joinCrossings names the first crossed thresholds, worst first.
func joinCrossings(msgs []string) string {
	if len(msgs) <= maxCrossings {
		return strings.Join(msgs, "; ")
	}
	return strings.Join(msgs[:maxCrossings], "; ") + fmt.Sprintf("; and %d more past their thresholds", len(msgs)-maxCrossings)
}

// Classes of benchmark results, next to those in classify.go.
const (
	// ClassPerformance: a metric crossed its threshold.
	ClassPerformance = report.ClassPerformance
	// ClassRegression: a metric got worse than the baseline allows.
	ClassRegression = report.ClassRegression
)

func benchSuggestion(class string) string {
	if class == ClassRegression {
		return "compare with the baseline run: a slower network path, a busier store or a changed region or instance type; set [baseline] warn_percent and fail_percent in --perf-config if the change is expected"
	}
	return "check the network path to the store (region, NAT, proxy) and its load; thresholds are set in --perf-config (docs/performance.md)"
}

// formatMetricValue renders a value for messages: latencies as durations.
func formatMetricValue(v float64, unit string) string {
	switch unit {
	case "seconds":
		return report.FormatSeconds(v)
	case "ratio":
		return strconv.FormatFloat(v, 'f', 2, 64)
	case "count":
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + unit
}

// ---- running the benchmarks after the probes ----------------------------------

// benchTarget derives the benchmark target from a probe target, and a key
// that is the same for two targets naming the same store.
func benchTarget(t Target) (Target, string, bool) {
	if Registry[t.Kind].Bench == nil || (t.Addr == "" && t.Kind != "etcd-write") {
		return Target{}, "", false
	}
	b := t
	b.Bench = true
	b.Name = t.Name + " benchmark"
	f := t.File
	var same string
	switch t.Kind {
	case "etcd-write":
		b.Name = "etcd benchmark"
		addrs := append([]string(nil), t.Addrs...)
		sort.Strings(addrs)
		same = t.Kind + "|" + strings.Join(addrs, ",") + "|" + probeString(f, "store_key_prefix", "")
	case "postgres", "mysql":
		same = t.Kind + "|" + t.Addr + "|" + probeString(f, "meta_table_name", defaultMetaTable)
	case "file":
		same = t.Kind + "|" + t.Addr
	default:
		// The root is only a prefix: the same bucket is the same store.
		same = t.Kind + "|" + probeString(f, t.Section+".endpoint", "") + "|" + t.Addr
	}
	return b, same, true
}

// benchTimeout is how long a benchmark of kind may take at most, from the
// passes it runs plus room for cleanup.
func benchTimeout(kind string, p *PerfOptions) time.Duration {
	slack := 2*p.requestTimeout + cleanupTimeout
	switch kind {
	case "etcd-write":
		return 2*p.MetaDuration + slack
	case "postgres", "mysql":
		return p.MetaDuration + slack
	}
	// Up to five operations, two passes each, per size; cleanup between
	// sizes.
	ops := 0
	for _, op := range []string{"put", "get", "stat", "list", "delete"} {
		if p.measures(op) {
			ops++
		}
	}
	passes := time.Duration(len(p.Sizes) * ops * 2)
	return passes*p.Duration*3/2 + time.Duration(len(p.Sizes))*p.requestTimeout + slack
}

// EstimateBenchTime returns how long the benchmarks of files may take at
// most, so the caller can extend its deadline by that much.
func EstimateBenchTime(files []*configs.File, opts Options) time.Duration {
	if opts.Perf == nil {
		return 0
	}
	perf := *opts.Perf
	perf.requestTimeout = opts.Timeout
	var total time.Duration
	seen := map[string]bool{}
	for _, f := range files {
		ts, err := safeTargets(f, opts)
		if err != nil {
			continue
		}
		for _, t := range ts {
			if b, same, ok := benchTarget(t); ok && !seen[same] {
				seen[same] = true
				total += benchTimeout(b.Kind, &perf) + time.Second
			}
		}
	}
	return total
}

// runBenchmarks runs the benchmark of every dependency whose probe did not
// fail, one at a time (two benchmarks at once would measure each other),
// and appends the results to out. A store named by several files is
// measured once.
func runBenchmarks(ctx context.Context, files []*configs.File, opts Options, out [][]report.ProbeResult) {
	type job struct {
		file int
		t    Target
		base report.ProbeResult
		same string
	}
	var jobs []job
	for fi, f := range files {
		ts, err := safeTargets(f, opts)
		if err != nil || len(ts) != len(out[fi]) {
			continue
		}
		for ti, t := range ts {
			if b, same, ok := benchTarget(t); ok {
				jobs = append(jobs, job{fi, b, out[fi][ti], same})
			}
		}
	}
	done := map[string]string{}
	for i, j := range jobs {
		t := j.t
		perf := *opts.Perf
		perf.requestTimeout = opts.Timeout
		t.Opts.Perf = &perf
		limit := benchTimeout(t.Kind, &perf)
		res := baseResult(t)
		res.Status = report.Skip
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			res.Class, res.Message = ClassTimeout, "not started: the run's deadline (--deadline) ran out"
		case ctx.Err() != nil:
			res.Class, res.Message = ClassCanceled, "not started: the run was interrupted"
		case opts.ReadOnly:
			res.Message = "--read-only: benchmarks write, so they did not run"
		case j.base.Status == report.Fail || j.base.Status == report.Skip:
			res.Message = fmt.Sprintf("the %s check did not pass, so there is nothing to measure", j.base.Name)
		case done[j.same] != "":
			res.Message = fmt.Sprintf("the same store was measured for %s", done[j.same])
		default:
			done[j.same] = files[j.file].Path
			if perf.Progress != nil {
				inner := perf.Progress
				n := i + 1
				perf.Progress = func(msg string) { inner(fmt.Sprintf("benchmark %d/%d, %s", n, len(jobs), msg)) }
			}
			res = runBenchTarget(ctx, t, limit)
		}
		res.Message = redact.New(t.Secrets...).String(res.Message)
		out[j.file] = append(out[j.file], res)
	}
}

// runBenchTarget runs one benchmark under a context with limit's deadline
// and waits for it, but after an interrupt only as long as its cleanup may
// take.
func runBenchTarget(ctx context.Context, t Target, limit time.Duration) report.ProbeResult {
	bctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	ch := make(chan report.ProbeResult, 1)
	go func() { ch <- runTarget(bctx, t) }()
	hard := time.NewTimer(limit + cleanupTimeout + time.Second)
	defer hard.Stop()
	interrupted := ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case res := <-ch:
			if ctx.Err() == context.Canceled && res.Status == report.Fail &&
				(res.Class == ClassCanceled || res.Class == ClassTimeout || res.Class == ClassOther) {
				res.Status, res.Class = report.Skip, ClassCanceled
				res.Message = "interrupted: " + res.Message
			}
			return res
		case <-interrupted:
			interrupted = nil
			grace = time.After(cleanupTimeout + time.Second)
		case <-grace:
			res := baseResult(t)
			res.Status, res.Class = report.Skip, ClassCanceled
			res.Message = "interrupted: the benchmark did not stop in time; its test data may be left under " + testPrefixName
			return res
		case <-hard.C:
			res := baseResult(t)
			res.Status, res.Class = report.Fail, ClassTimeout
			res.Message = fmt.Sprintf("the benchmark did not finish within %s", limit.Round(time.Second))
			res.Suggestion = "the benchmark ignored its deadline; report this as a stepstone bug"
			return res
		}
	}
}

// benchKeyName is the object name of one benchmark object.
func benchKeyName(prefix, size, pass string, worker, seq int) string {
	return path.Join(prefix, size, fmt.Sprintf("%s-w%02d-%06d", pass, worker, seq))
}
