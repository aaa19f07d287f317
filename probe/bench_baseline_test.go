package probe

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/internal/testenv"
	"github.com/stepstone-dev/stepstone/report"
)

// baselineDoc is a -o json report with one benchmark.
func baselineDoc(t *testing.T, component, path, name string, ms ...report.Metric) []byte {
	t.Helper()
	r := &report.Report{Components: []report.ComponentReport{{Component: component, ConfigFile: path,
		Probes: []report.ProbeResult{{Name: name, Status: report.Pass, Metrics: ms}}}}}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseBaseline(t *testing.T) {
	m := report.Metric{Name: "bench.get.1KiB.throughput.mib_per_s", Value: 100, Unit: "MiB/s"}
	doc := baselineDoc(t, "datanode", "deploy/datanode.toml", "s3 benchmark", m)
	bl, err := ParseBaseline(doc)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := bl.find("datanode", "deploy/datanode.toml", "s3 benchmark"); !ok || len(d.Metrics) != 1 {
		t.Errorf("document form: %+v %v", d, ok)
	}
	// The component commands write one component on its own.
	r := &report.Report{Command: "datanode", Components: []report.ComponentReport{{Component: "datanode", ConfigFile: "d.toml",
		Probes: []report.ProbeResult{{Name: "s3 benchmark", Metrics: []report.Metric{m}}}}}}
	var buf bytes.Buffer
	if err := report.WriteComponentJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	bl, err = ParseBaseline(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := bl.find("datanode", "other/d.toml", "s3 benchmark"); !ok {
		t.Error("component form, found by file name")
	}
	for _, bad := range []string{"", "[]", `{"x": 1}`, "{"} {
		if _, err := ParseBaseline([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	path := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	if bl, err := LoadBaseline(path); err != nil || bl.Path != path {
		t.Errorf("LoadBaseline: %v", err)
	}
	if _, err := LoadBaseline(path + ".missing"); err == nil {
		t.Error("a missing file loaded")
	}
}

func TestBaselineFind(t *testing.T) {
	one := func(comp, path string) report.JSONComponent {
		return report.JSONComponent{Component: comp, ConfigFile: path, Details: []report.JSONDetail{{Name: "b " + path}}}
	}
	bl := &Baseline{reports: []report.JSONComponent{
		one("datanode", "a/datanode-0.toml"), one("datanode", "a/datanode-1.toml"), one("metasrv", "x/metasrv.toml"),
	}}
	for _, tt := range []struct {
		comp, path, name string
		ok               bool
	}{
		{"datanode", "a/datanode-0.toml", "b a/datanode-0.toml", true},  // exact path
		{"datanode", "b/datanode-1.toml", "b a/datanode-1.toml", true},  // same file name
		{"metasrv", "y/meta.toml", "b x/metasrv.toml", true},            // the only metasrv
		{"datanode", "b/datanode-9.toml", "b a/datanode-0.toml", false}, // two datanodes: ambiguous
		{"frontend", "f.toml", "anything", false},
	} {
		if _, ok := bl.find(tt.comp, tt.path, tt.name); ok != tt.ok {
			t.Errorf("find(%s, %s) = %v, want %v", tt.comp, tt.path, ok, tt.ok)
		}
	}
}

func TestBaselineCompare(t *testing.T) {
	base := []report.Metric{
		{Name: "bench.get.10MiB.throughput.mib_per_s", Value: 400, Unit: "MiB/s"},
		{Name: "bench.put.1KiB.latency.p90", Value: 0.010, Unit: "seconds"},
		{Name: "bench.stat.1KiB.latency.p50", Value: 0.002, Unit: "seconds"},
		{Name: "bench.put.1KiB.latency.samples", Value: 100, Unit: "count"},
		{Name: "bench.list.1KiB.latency.p50", Value: 0, Unit: "seconds"},
	}
	bl, err := ParseBaseline(baselineDoc(t, "datanode", "d.toml", "s3 benchmark", base...))
	if err != nil {
		t.Fatal(err)
	}
	now := []report.Metric{
		{Name: "bench.get.10MiB.throughput.mib_per_s", Value: 200, Unit: "MiB/s"}, // −50%: fail
		{Name: "bench.put.1KiB.latency.p90", Value: 0.013, Unit: "seconds"},       // +30% slower: warn
		{Name: "bench.stat.1KiB.latency.p50", Value: 0.001, Unit: "seconds"},      // faster: fine
		{Name: "bench.put.1KiB.latency.samples", Value: 10, Unit: "count"},        // not compared
		{Name: "bench.list.1KiB.latency.p50", Value: 0.001, Unit: "seconds"},      // baseline 0: skipped
		{Name: "bench.delete.1KiB.latency.p50", Value: 0.001, Unit: "seconds"},    // not in the baseline
	}
	changes, warns, fails, note := bl.compare("datanode", "d.toml", "s3 benchmark", now, 25, 50)
	got := map[string]float64{}
	for _, c := range changes {
		if c.Unit != "%" || !strings.HasSuffix(c.Name, ".change") {
			t.Errorf("change metric %+v", c)
		}
		got[c.Name] = c.Value
	}
	want := map[string]float64{
		"bench.get.10MiB.throughput.mib_per_s.change": -50,
		"bench.put.1KiB.latency.p90.change":           30,
		"bench.stat.1KiB.latency.p50.change":          -50,
	}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	for k, v := range want {
		if math.Abs(got[k]-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(fails) != 1 || !strings.Contains(fails[0], "get 10MiB throughput MiB/s is 200.0 MiB/s, 50% worse than the baseline's 400.0 MiB/s") {
		t.Errorf("fails %q", fails)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "put 1KiB latency p90") {
		t.Errorf("warns %q", warns)
	}
	if note != "" {
		t.Errorf("note %q", note)
	}
	if _, _, _, note := bl.compare("datanode", "d.toml", "other benchmark", now, 25, 50); !strings.Contains(note, "has no") {
		t.Errorf("missing benchmark: note %q", note)
	}
}

// TestBenchBaseline runs a benchmark against a baseline ten thousand
// times faster than anything here: the run fails as a regression and
// carries the change of each number.
func TestBenchBaseline(t *testing.T) {
	s3 := testenv.MinIO(t)
	minioBucket(t, s3)
	f := loadTestConfig(t, "datanode.toml", s3Conf(s3.URL(), probeTestBucket, s3.Region, s3.AccessKey, s3.SecretKey, ""))
	p := testPerf()
	p.Sizes = []int64{1 << 10}
	first := runFile(t, f, benchOpts(p))
	b := first[len(first)-1]
	if b.Status != report.Pass {
		t.Fatalf("first run: %s %s", b.Status, b.Message)
	}
	var fast []report.Metric
	for _, m := range b.Metrics {
		if bn, ok := report.ParseBenchName(m.Name); ok && lowerIsWorse(bn.Stat) {
			m.Value *= 1e4
		}
		fast = append(fast, m)
	}
	bl, err := ParseBaseline(baselineDoc(t, "datanode", f.Path, b.Name, fast...))
	if err != nil {
		t.Fatal(err)
	}
	p.Baseline = bl
	second := runFile(t, f, benchOpts(p))
	b2 := second[len(second)-1]
	if b2.Status != report.Fail || b2.Class != ClassRegression || !strings.Contains(b2.Message, "worse than the baseline") {
		t.Errorf("second run: %s %s: %s", b2.Status, b2.Class, b2.Message)
	}
	if m, ok := metricMap(b2)["bench.put.1KiB.throughput.ops_per_s.change"]; !ok || m.Value > -99 {
		t.Errorf("throughput change %+v", m)
	}
}
