package report_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.* from the current output")

// benchReport is the shared sample report plus a benchmark with a
// baseline, and names that need escaping in labels.
func benchReport() *report.Report {
	r := sample.Report()
	m := func(name string, v float64, unit string) report.Metric {
		return report.Metric{Name: name, Value: v, Unit: unit}
	}
	dn := &r.Components[1]
	dn.Probes = append(dn.Probes, report.ProbeResult{
		Name: `s3 bucket "greptime" (storage) benchmark`, Status: report.Warn, Class: "regression",
		Message:  "get 10MiB throughput MiB/s is 200.0 MiB/s, 50% worse than the baseline's 400.0 MiB/s",
		Duration: 41 * time.Second,
		Metrics: []report.Metric{
			m("bench.put.10MiB.latency.samples", 40, "count"),
			m("bench.put.10MiB.latency.errors", 0, "count"),
			m("bench.put.10MiB.latency.avg", 0.052, "seconds"),
			m("bench.put.10MiB.latency.p50", 0.05, "seconds"),
			m("bench.put.10MiB.latency.p90", 0.061, "seconds"),
			m("bench.put.10MiB.latency.max", 0.09, "seconds"),
			m("bench.put.10MiB.latency.cold", 0.12, "seconds"),
			m("bench.put.10MiB.throughput.samples", 120, "count"),
			m("bench.put.10MiB.throughput.errors", 1, "count"),
			m("bench.put.10MiB.throughput.ops_per_s", 28.5, "ops/s"),
			m("bench.put.10MiB.throughput.mib_per_s", 285, "MiB/s"),
			m("bench.get.10MiB.latency.samples", 60, "count"),
			m("bench.get.10MiB.latency.p50", 0.021, "seconds"),
			m("bench.get.10MiB.latency.ttfb_p50", 0.0009, "seconds"),
			m("bench.get.10MiB.latency.ttfb_cold", 0.004, "seconds"),
			m("bench.get.10MiB.throughput.ops_per_s", 20, "ops/s"),
			m("bench.get.10MiB.throughput.mib_per_s", 200, "MiB/s"),
			m("bench.stat.10MiB.latency.p50", 0.0007, "seconds"),
			m("bench.stat.10MiB.throughput.ops_per_s", 5200, "ops/s"),
			m("bench.total.all.run.requests", 2400, "count"),
			m("bench.total.all.run.bytes", 3.2e9, "bytes"),
			m("bench.get.10MiB.throughput.mib_per_s.change", -50, "%"),
			m("bench.put.10MiB.latency.p90.change", 8.2, "%"),
			m("fsync_write_latency", 0.003, "seconds"),
		},
	})
	// A config path with a quote, a backslash and a line feed.
	r.Components[0].ConfigFile = "deploy/meta\"srv\\\n.toml"
	return r
}

func TestPrometheusGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WritePrometheus(&buf, benchReport()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/golden.prom", buf.Bytes())
}

// checkGolden compares got with the golden file path, or rewrites it with
// -update (go test ./report -update, then review the diff).
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./report -update and review the diff):\n%s", path, got)
	}
}

// TestPrometheusValid parses the output as Prometheus does: every family
// once, HELP and TYPE before the samples, no duplicate series.
func TestPrometheusValid(t *testing.T) {
	r := benchReport()
	// The same check twice in one config must not make a duplicate.
	r.Components[1].Probes = append(r.Components[1].Probes, r.Components[1].Probes[len(r.Components[1].Probes)-1])
	var buf bytes.Buffer
	if err := report.WritePrometheus(&buf, r); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("not valid exposition format: %v\n%s", err, buf.String())
	}
	for _, name := range []string{"stepstone_check_status", "stepstone_check_duration_seconds", "stepstone_bench_latency_seconds",
		"stepstone_bench_throughput_bytes_per_second", "stepstone_bench_first_byte_seconds", "stepstone_bench_change_percent",
		"stepstone_bench_requests", "stepstone_probe_metric", "stepstone_last_run_timestamp_seconds"} {
		if fams[name] == nil {
			t.Errorf("no family %s", name)
		}
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(buf.String(), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series := line[:strings.LastIndexByte(line, ' ')]
		if seen[series] {
			t.Errorf("duplicate series %s", series)
		}
		seen[series] = true
	}
	if got := fams["stepstone_bench_throughput_bytes_per_second"].Metric[0].GetGauge().GetValue(); got != 285*(1<<20) {
		t.Errorf("PUT throughput %v bytes/s, want 285 MiB/s", got)
	}
}

func TestBenchNames(t *testing.T) {
	for _, name := range []string{"bench.put.1KiB.latency.p90", "bench.get.10MiB.throughput.mib_per_s.change", "bench.total.all.run.requests"} {
		b, ok := report.ParseBenchName(name)
		if !ok || b.String() != name {
			t.Errorf("%s: parsed %+v, back %q", name, b, b.String())
		}
	}
	for _, name := range []string{"put_latency", "bench.put.1KiB.p90", "bench.put.1KiB.latency.p90.later", "bench..1KiB.latency.p90", "other.put.1KiB.latency.p90"} {
		if _, ok := report.ParseBenchName(name); ok {
			t.Errorf("%s parsed as a benchmark metric", name)
		}
	}
	b, _ := report.ParseBenchName("bench.get.1KiB.latency.ttfb_p90")
	if b.Label() != "get 1KiB latency first-byte p90" || b.Selector() != "get.1KiB.latency.ttfb_p90" {
		t.Errorf("label %q selector %q", b.Label(), b.Selector())
	}
}

// TestBenchTable checks the human table: a row per operation and size,
// GET's first byte on its own row, the baseline column, other metrics apart.
func TestBenchTable(t *testing.T) {
	ps := benchReport().Components[1].Probes
	rows, rest := report.BenchRows(ps[len(ps)-1].Metrics)
	if len(rest) != 1 || rest[0].Name != "fsync_write_latency" {
		t.Errorf("rest %v", rest)
	}
	var ops []string
	for _, r := range rows {
		ops = append(ops, r.Operation()+" "+r.Size)
	}
	if got := strings.Join(ops, ", "); got != "PUT 10MiB, GET 10MiB, GET (first byte) 10MiB, STAT 10MiB" {
		t.Errorf("rows %s", got)
	}
	lines := report.BenchTableLines(rows)
	text := strings.Join(lines, "\n")
	for _, want := range []string{"operation", "vs baseline", "MiB/s −50%", "p90 +8%", "50.0ms", "285", "900µs"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	var buf bytes.Buffer
	if err := report.WriteText(&buf, benchReport(), report.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "bench.put") || !strings.Contains(buf.String(), "fsync_write_latency: 0") {
		t.Errorf("the human report lists benchmark metrics one per line, or lost the others:\n%s", buf.String())
	}
}
