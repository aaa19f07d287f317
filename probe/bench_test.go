package probe

import (
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/report"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample is every percentile", ms(7), 0.99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"median of five is the third", ms(1, 2, 3, 4, 5), 0.5, 3 * time.Millisecond},
		{"p90 of ten is the ninth", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.9, 9 * time.Millisecond},
		{"p99 of 100 is the 99th", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p100 is the max", ms(1, 2, 3), 1, 3 * time.Millisecond},
		{"p0 is the min", ms(1, 2, 3), 0, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.q); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.q, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	s := summarize([]time.Duration{4, 1, 3, 2}) // unsorted on purpose
	if s.n != 4 || s.avg != 2 || s.p50 != 2 || s.max != 4 || s.p90 != 4 {
		t.Errorf("got %+v", s)
	}
	if s := summarize(nil); s.n != 0 || s.max != 0 {
		t.Errorf("empty: %+v", s)
	}
}

// TestAddLatencyMinSamples: p90 needs 10 samples and p99 100, else the
// percentile would only be the maximum under another name.
func TestAddLatencyMinSamples(t *testing.T) {
	for _, tt := range []struct {
		n             int
		p90, p99, any bool
	}{{0, false, false, false}, {9, false, false, true}, {10, true, false, true}, {99, true, false, true}, {100, true, true, true}} {
		b := &benchRun{perf: DefaultPerfOptions()}
		lat := make([]time.Duration, tt.n)
		for i := range lat {
			lat[i] = time.Duration(i+1) * time.Millisecond
		}
		b.addLatency("put", "1KiB", "latency", "", summarize(lat))
		names := map[string]bool{}
		for _, m := range b.metrics {
			names[m.Name] = true
		}
		if names["bench.put.1KiB.latency.p90"] != tt.p90 || names["bench.put.1KiB.latency.p99"] != tt.p99 ||
			names["bench.put.1KiB.latency.p50"] != tt.any || names["bench.put.1KiB.latency.max"] != tt.any {
			t.Errorf("%d samples: got %v", tt.n, names)
		}
	}
}

func TestBudget(t *testing.T) {
	b := newBenchBudget(3, 100)
	if !b.take(40) || !b.take(40) {
		t.Fatal("the first two requests fit")
	}
	if b.take(40) {
		t.Error("120 bytes do not fit in 100")
	}
	if !b.take(0) {
		t.Error("a request without bytes still fits: 2 of 3 requests used")
	}
	if b.take(0) {
		t.Error("a fourth request does not fit in 3")
	}
	if b.req.Load() != 3 || b.bytes.Load() != 80 {
		t.Errorf("used %d requests and %d bytes, want 3 and 80", b.req.Load(), b.bytes.Load())
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1KiB": 1024, "10MiB": 10 << 20, "1GiB": 1 << 30, "512B": 512, "4096": 4096, " 2 MiB ": 2 << 20} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1KB", "-1", "0", "1.5MiB", "lots"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	for n, want := range map[int64]string{1024: "1KiB", 10 << 20: "10MiB", 1 << 30: "1GiB", 1500: "1500B", 1536: "1536B"} {
		if got := report.FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParsePerfConfig(t *testing.T) {
	p, err := ParsePerfConfig([]byte(`
[object_store]
sizes = ["4KiB", "16MiB"]
operations = ["put", "get"]
workers = 4
duration = "5s"
max_requests = 500
max_bytes = "2GiB"

[metadata]
duration = "10s"
etcd_rate = 1000
etcd_clients = 200
value_size = "256B"

[baseline]
warn_percent = 10
fail_percent = 30

[thresholds]
"put.4KiB.latency.p90" = { warn = "50ms", fail = "200ms" }
"get.16MiB.throughput.mib_per_s" = { warn = 200, fail = 50.5 }
"stat.*.latency.p90" = {}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sizes) != 2 || p.Sizes[1] != 16<<20 || p.Workers != 4 || p.Duration != 5*time.Second ||
		p.MaxRequests != 500 || p.MaxBytes != 2<<30 || p.MetaDuration != 10*time.Second || p.EtcdRate != 1000 ||
		p.EtcdClients != 200 || p.ValueSize != 256 || p.BaselineWarn != 10 || p.BaselineFail != 30 ||
		!p.measures("get") || !p.measures("put") || p.measures("stat") {
		t.Errorf("options not read: %+v", p)
	}
	th, ok := matchThreshold(p.Thresholds, "put.4KiB.latency.p90")
	if !ok || *th.Warn != 0.05 || *th.Fail != 0.2 {
		t.Errorf("put threshold: %+v", th)
	}
	th, _ = matchThreshold(p.Thresholds, "get.16MiB.throughput.mib_per_s")
	if *th.Warn != 200 || *th.Fail != 50.5 {
		t.Errorf("get threshold: %+v", th)
	}
	// {} turns the default off: it matches, with nothing to cross.
	if th, ok := matchThreshold(p.Thresholds, "stat.4KiB.latency.p90"); !ok || th.Warn != nil || th.Fail != nil {
		t.Errorf("stat threshold should be off: %+v", th)
	}
	// Defaults not named stay.
	if _, ok := matchThreshold(p.Thresholds, "etcd_put.1KiB.load.p99"); !ok {
		t.Error("the etcd default is gone")
	}

	for name, doc := range map[string]string{
		"unknown key":            "[object_store]\nworkerz = 3\n",
		"bad size":               "[object_store]\nsizes = [\"1KB\"]\n",
		"bad duration":           "[object_store]\nduration = \"soon\"\n",
		"size over byte budget":  "[object_store]\nsizes = [\"1GiB\"]\nmax_bytes = \"1GiB\"\n",
		"bad selector":           "[thresholds]\n\"put.p90\" = { warn = 1 }\n",
		"unknown op":             "[thresholds]\n\"copy.*.latency.p90\" = { warn = 1 }\n",
		"duration on throughput": "[thresholds]\n\"get.*.throughput.mib_per_s\" = { warn = \"1s\" }\n",
		"negative":               "[thresholds]\n\"get.*.throughput.mib_per_s\" = { warn = -1 }\n",
		"zero workers":           "[object_store]\nworkers = 0\n",
		"unknown operation":      "[object_store]\noperations = [\"copy\"]\n",
		"not toml":               "[object_store\n",
	} {
		if _, err := ParsePerfConfig([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMatchThreshold(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	ts := []Threshold{
		{Metric: "*.*.*.errors", Warn: f(0)},
		{Metric: "put.*.latency.p90", Warn: f(1)},
		{Metric: "put.10MiB.latency.p90", Warn: f(2)},
	}
	for name, want := range map[string]float64{
		"put.1KiB.latency.p90":        1,
		"put.10MiB.latency.p90":       2, // the more specific selector wins
		"get.1KiB.throughput.errors":  0,
		"put.10MiB.throughput.errors": 0,
	} {
		th, ok := matchThreshold(ts, name)
		if !ok || *th.Warn != want {
			t.Errorf("%s: got %+v, want warn %v", name, th, want)
		}
	}
	if _, ok := matchThreshold(ts, "get.1KiB.latency.p90"); ok {
		t.Error("get p90 has no threshold")
	}
}

func TestGrade(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	lat := Threshold{Warn: f(0.1), Fail: f(0.5)}
	thr := Threshold{Warn: f(100), Fail: f(20)}
	for _, tt := range []struct {
		th    Threshold
		stat  string
		value float64
		want  report.Status
	}{
		{lat, "p90", 0.05, report.Pass},
		{lat, "p90", 0.1, report.Pass}, // at the threshold is still fine
		{lat, "p90", 0.2, report.Warn},
		{lat, "p90", 0.6, report.Fail},
		{thr, "mib_per_s", 150, report.Pass},
		{thr, "mib_per_s", 50, report.Warn},
		{thr, "mib_per_s", 10, report.Fail},
		{Threshold{Warn: f(0)}, "errors", 0, report.Pass},
		{Threshold{Warn: f(0)}, "errors", 1, report.Warn},
		{Threshold{Fail: f(0.9)}, "target_ratio", 0.85, report.Fail},
		{Threshold{}, "p90", 100, report.Pass},
	} {
		if got, _ := grade(tt.th, tt.stat, tt.value); got != tt.want {
			t.Errorf("grade(%s = %v) = %s, want %s", tt.stat, tt.value, got, tt.want)
		}
	}
}

// TestDefaultThresholdsParse: every default names real metrics.
func TestDefaultThresholdsParse(t *testing.T) {
	for _, th := range DefaultThresholds() {
		if _, err := newThreshold(th.Metric, nil, nil); err != nil {
			t.Errorf("default %s: %v", th.Metric, err)
		}
	}
	if err := DefaultPerfOptions().validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// TestBenchFinish grades a made-up set of metrics through the same path
// a benchmark takes.
func TestBenchFinish(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	r := &probeRun{t: Target{Name: "s3 bucket \"b\" (storage) benchmark"}, res: report.ProbeResult{Status: report.Pass}}
	p := DefaultPerfOptions()
	p.Thresholds = []Threshold{{Metric: "put.*.latency.p90", Warn: f(0.1), Fail: f(1)}, {Metric: "get.*.throughput.mib_per_s", Warn: f(100)}}
	b := &benchRun{r: r, perf: p, summary: "measured"}
	b.add("put", "1KiB", "latency", "p90", 0.2, "seconds")
	b.add("get", "1KiB", "throughput", "mib_per_s", 500, "MiB/s")
	b.finish(t.Context())
	if r.res.Status != report.Warn || r.res.Class != ClassPerformance || !strings.Contains(r.res.Message, "put 1KiB latency p90 is 200ms above the warning threshold 100ms") {
		t.Errorf("got %s %s: %s", r.res.Status, r.res.Class, r.res.Message)
	}
	if _, _, ok := report.BenchUsage(r.res.Metrics); !ok {
		t.Error("no usage totals among the metrics")
	}
}
