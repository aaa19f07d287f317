package annotate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stepstone-dev/stepstone/internal/sample"
	"github.com/stepstone-dev/stepstone/report"
)

// perfReport is the sample report with an object store benchmark compared
// with a baseline and an etcd benchmark, as --include-performance
// --baseline adds them.
func perfReport() *report.Report {
	r := sample.Report()
	m := func(name string, v float64, unit string) report.Metric {
		return report.Metric{Name: name, Value: v, Unit: unit}
	}
	r.Components[1].Probes = append(r.Components[1].Probes, report.ProbeResult{
		Name: `s3 bucket "greptime" (storage) benchmark`, Status: report.Warn, Class: "regression",
		Message:  "get 10MiB throughput MiB/s is 200.0 MiB/s, 50% worse than the baseline's 400.0 MiB/s",
		Duration: 41 * time.Second,
		Metrics: []report.Metric{
			m("bench.put.1KiB.latency.samples", 812, "count"),
			m("bench.put.1KiB.latency.p50", 0.0021, "seconds"),
			m("bench.put.1KiB.latency.p90", 0.0034, "seconds"),
			m("bench.put.1KiB.latency.p99", 0.0091, "seconds"),
			m("bench.put.1KiB.latency.max", 0.031, "seconds"),
			m("bench.put.1KiB.latency.cold", 0.012, "seconds"),
			m("bench.put.1KiB.latency.errors", 0, "count"),
			m("bench.put.1KiB.throughput.ops_per_s", 2450, "ops/s"),
			m("bench.put.1KiB.throughput.mib_per_s", 2.39, "MiB/s"),
			m("bench.put.1KiB.throughput.errors", 0, "count"),
			m("bench.get.1KiB.latency.samples", 1000, "count"),
			m("bench.get.1KiB.latency.p50", 0.0011, "seconds"),
			m("bench.get.1KiB.latency.ttfb_p50", 0.0010, "seconds"),
			m("bench.get.1KiB.throughput.mib_per_s", 6.1, "MiB/s"),
			m("bench.put.10MiB.latency.samples", 40, "count"),
			m("bench.put.10MiB.latency.p50", 0.05, "seconds"),
			m("bench.put.10MiB.throughput.ops_per_s", 28.5, "ops/s"),
			m("bench.put.10MiB.throughput.mib_per_s", 285, "MiB/s"),
			m("bench.get.10MiB.latency.p50", 0.021, "seconds"),
			m("bench.get.10MiB.latency.ttfb_p50", 0.0009, "seconds"),
			m("bench.get.10MiB.throughput.mib_per_s", 200, "MiB/s"),
			m("bench.delete.10MiB.latency.p50", 0.0015, "seconds"),
			m("bench.delete.10MiB.throughput.ops_per_s", 3900, "ops/s"),
			m("bench.total.all.run.requests", 2400, "count"),
			m("bench.total.all.run.bytes", 3.2e9, "bytes"),
			m("bench.put.1KiB.throughput.mib_per_s.change", 4, "%"),
			m("bench.get.10MiB.throughput.mib_per_s.change", -50, "%"),
			m("bench.put.10MiB.throughput.mib_per_s.change", 2.5, "%"),
			m("bench.put.1KiB.latency.p90.change", 12, "%"),
		},
	})
	r.Components[0].Probes = append(r.Components[0].Probes, report.ProbeResult{
		Name: "etcd benchmark", Status: report.Pass, Duration: 7 * time.Second,
		Metrics: []report.Metric{
			m("bench.etcd_put.1KiB.load.samples", 451, "count"),
			m("bench.etcd_put.1KiB.load.p50", 0.0018, "seconds"),
			m("bench.etcd_put.1KiB.load.p99", 0.0102, "seconds"),
			m("bench.etcd_put.1KiB.load.ops_per_s", 150.2, "ops/s"),
			m("bench.etcd_put.1KiB.load.target_ratio", 1, "ratio"),
			m("bench.total.all.run.requests", 904, "count"),
			m("bench.total.all.run.bytes", 470000, "bytes"),
		},
	})
	return r
}

// TestPerfGolden checks the Performance section of the step summary and
// of the comment against testdata/golden.perf.md.
func TestPerfGolden(t *testing.T) {
	var all bytes.Buffer
	for _, w := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"step summary", func(b *bytes.Buffer) error { return WriteSummary(b, perfReport(), sampleOptions()) }},
		{"comment", func(b *bytes.Buffer) error { return WriteMarkdown(b, perfReport(), sampleOptions()) }},
	} {
		var buf bytes.Buffer
		if err := w.write(&buf); err != nil {
			t.Fatal(err)
		}
		s := buf.String()
		i := strings.Index(s, "# Performance")
		if i < 0 {
			t.Fatalf("%s: no Performance section:\n%s", w.name, s)
		}
		section := s[strings.LastIndex(s[:i], "\n")+1:]
		if j := strings.Index(section, "<sub>"); j >= 0 {
			section = section[:j]
		}
		all.WriteString("<!-- " + w.name + " -->\n" + section)
		// Benchmark numbers are not listed again one per line.
		if strings.Contains(s, "`bench.") {
			t.Errorf("%s lists benchmark metrics in the generic table", w.name)
		}
		if !strings.Contains(s, "put_latency_p50") {
			t.Errorf("%s lost the other metrics", w.name)
		}
	}
	checkGolden(t, "golden.perf.md", all.Bytes())
}
